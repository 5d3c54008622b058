/**
 * UI-side handle on the engine worker: typed request/response over postMessage, plus a stream of
 * engine events. Every request gets exactly one reply; if the worker dies, every pending request
 * rejects with an 'internal' EngineError and listeners get a failed status, so the UI never waits
 * forever.
 */
import type {
  EngineError,
  EngineEvent,
  RequestOf,
  RequestType,
  ResultOf,
  WorkerMessage,
} from '../../protocol.ts';
import { isEvent } from '../../protocol.ts';

export class EngineRequestError extends Error implements EngineError {
  code: EngineError['code'];
  detail?: string;
  constructor(e: EngineError) {
    super(e.message);
    this.name = 'EngineRequestError';
    this.code = e.code;
    this.detail = e.detail;
  }
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class EngineClient {
  private worker: Worker;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private listeners = new Set<(e: EngineEvent) => void>();
  /** Set once the worker crashed; later requests fail at once. */
  crashed: string | null = null;

  constructor(worker?: Worker) {
    this.worker =
      worker ?? new Worker(new URL('../../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'atlas-engine' });
    this.worker.onmessage = (e: MessageEvent<WorkerMessage>) => this.onMessage(e.data);
    this.worker.onerror = (e) => this.fail(`The engine worker failed to start or crashed: ${e.message || 'unknown error'}`);
    this.worker.onmessageerror = () => this.fail('A message from the engine could not be read.');
  }

  private onMessage(m: WorkerMessage) {
    if (isEvent(m)) {
      for (const l of this.listeners) l(m.event);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new EngineRequestError(m.error));
  }

  private fail(message: string) {
    this.crashed = message;
    for (const p of this.pending.values()) p.reject(new EngineRequestError({ code: 'internal', message }));
    this.pending.clear();
  }

  on(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  request<T extends RequestType>(req: RequestOf<T>, transfer: Transferable[] = []): Promise<ResultOf<T>> {
    if (this.crashed) return Promise.reject(new EngineRequestError({ code: 'internal', message: this.crashed }));
    const id = ++this.seq;
    return new Promise<ResultOf<T>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, req }, transfer);
    });
  }

  terminate() {
    this.worker.terminate();
    this.fail('The engine was stopped.');
  }
}
