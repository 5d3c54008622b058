/**
 * Where document passes of the full model run (issue 15 #2: questions are answered while documents embed).
 *
 * One onnxruntime session runs one forward pass at a time, so while documents embed on the engine's
 * instance a question waits for the pass that is running (hundreds of ms on WASM). The fix: documents
 * run on a second instance in a worker of their own (workers/embed.worker.ts); the engine keeps its
 * instance for questions only. This module is the pure plumbing, testable in Node with a fake model:
 *
 * - `DocumentEmbedder`: what the engine needs for documents. Local = the engine's own Embedder
 *   (today's path); remote = `RemoteDocumentEmbedder`, typed messages to a worker.
 * - `serveDocumentEmbedder`: the worker side (loads the model once, answers embed/cancel).
 * - `splitEmbedder`: an Embedder whose questions go to the engine's instance and whose documents go
 *   to the remote one — and to the local one whenever the remote cannot serve (still loading, failed
 *   to start, crashed). Never waits on the remote's start: a worker that never answers costs nothing
 *   but the local path (the failure mode that made an earlier version hang its offline e2e).
 *
 * Invariant: both instances are loaded from the same verified files with the same dtype and device,
 * and q8 runs one text per pass (embedder.ts), so a vector does not depend on which path computed it.
 * Vectors travel as Float32Array (transferred), never re-encoded.
 */
import type { Device, EmbeddingsResult, EmbedOptions } from '../types.ts';
import type { Embedder } from './embedder.ts';
import { abortError } from '../util/abort.ts';

/** The document side of a model: the subset of EmbeddingModel indexing uses. */
export interface DocumentEmbedder {
  embedDocuments(texts: string[], opts?: EmbedOptions): Promise<EmbeddingsResult>;
  dispose(): Promise<void>;
}

/** What the worker needs to load the same model as the engine (structured-clonable). */
export interface EmbedWorkerLoad {
  modelId: string;
  dtype: string;
  device: Device;
  localModelPath: string;
  wasmPaths?: string;
  numThreads?: number;
}

export type EmbedWorkerRequest =
  | { type: 'load'; load: EmbedWorkerLoad }
  | { type: 'embed'; id: number; texts: string[]; batchSize?: number }
  | { type: 'cancel'; id: number };

export type EmbedWorkerMessage =
  | { type: 'loaded'; modelId: string; dimensions: number; ms: number }
  | { type: 'load-error'; message: string }
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'done'; id: number; vectors: Float32Array; dimensions: number }
  | { type: 'error'; id: number; name: string; message: string };

/** The part of a Worker this module uses (a fake in tests). */
export interface WorkerLike {
  postMessage(m: EmbedWorkerRequest, transfer?: Transferable[]): void;
  onmessage: ((e: { data: EmbedWorkerMessage }) => void) | null;
  onerror: ((e: { message?: string; preventDefault?: () => void }) => void) | null;
  terminate(): void;
}

interface Pending {
  resolve: (r: EmbeddingsResult) => void;
  reject: (e: Error) => void;
  onProgress?: EmbedOptions['onProgress'];
}

/**
 * Documents embedded in a worker. `ready` resolves when the worker's model has loaded and rejects
 * when it cannot (load error, worker crash, or no answer within `startTimeoutMs`). After a crash every
 * pending and later call rejects at once: the caller falls back, nothing waits forever.
 */
export class RemoteDocumentEmbedder implements DocumentEmbedder {
  readonly ready: Promise<{ loadMs: number }>;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | undefined;
  private state: 'loading' | 'ready' | 'broken' = 'loading';

  constructor(private readonly worker: WorkerLike, load: EmbedWorkerLoad, startTimeoutMs = 120_000) {
    let settle!: { resolve: (v: { loadMs: number }) => void; reject: (e: Error) => void };
    this.ready = new Promise((resolve, reject) => (settle = { resolve, reject }));
    // Callers test `isReady` rather than awaiting; an unobserved rejection must not reach the console.
    this.ready.catch(() => {});
    const timer = setTimeout(() => this.fail(new Error(`the embedding worker did not start within ${startTimeoutMs / 1000} s`)), startTimeoutMs);
    const failStart = (e: Error) => {
      clearTimeout(timer);
      settle.reject(e);
    };
    this.failStart = failStart;
    worker.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'loaded') {
        clearTimeout(timer);
        if (this.state === 'loading') this.state = 'ready';
        settle.resolve({ loadMs: m.ms });
        return;
      }
      if (m.type === 'load-error') return this.fail(new Error(`the embedding worker could not load ${load.modelId}: ${m.message}`));
      const p = this.pending.get(m.id);
      if (!p) return; // a cancelled request's late answer
      if (m.type === 'progress') return p.onProgress?.({ done: m.done, total: m.total });
      this.pending.delete(m.id);
      if (m.type === 'done') p.resolve({ vectors: m.vectors, dimensions: m.dimensions });
      else p.reject(Object.assign(new Error(m.message), { name: m.name }));
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      // A worker whose script cannot be fetched or parsed reports a bare error event (no message)
      // before it ever answered: say that, not "crashed" (issue 15: a missing worker script).
      if (!e.message && this.state === 'loading') this.fail(new Error('the embedding worker did not start (its script could not be loaded)'));
      else this.fail(new Error(`the embedding worker crashed: ${e.message || 'no message (out of memory?)'}`));
    };
    worker.postMessage({ type: 'load', load });
  }

  private failStart: (e: Error) => void;

  /** True once the worker's model is loaded and it has not failed since. */
  get isReady(): boolean {
    return this.state === 'ready';
  }

  get failed(): Error | undefined {
    return this.broken;
  }

  private fail(err: Error): void {
    if (this.state === 'broken') return;
    this.state = 'broken';
    this.broken = err;
    this.failStart(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.worker.terminate();
  }

  embedDocuments(texts: string[], opts: EmbedOptions = {}): Promise<EmbeddingsResult> {
    if (this.broken) return Promise.reject(this.broken);
    if (opts.signal?.aborted) return Promise.reject(abortError('Embedding was cancelled'));
    const id = this.nextId++;
    return new Promise<EmbeddingsResult>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        this.worker.postMessage({ type: 'cancel', id });
        reject(abortError('Embedding was cancelled'));
      };
      const done = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
        onProgress: opts.onProgress,
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.worker.postMessage({ type: 'embed', id, texts, batchSize: opts.batchSize });
    });
  }

  async dispose(): Promise<void> {
    this.fail(new Error('the embedding worker was disposed'));
  }
}

/** The worker side: one model, loaded on the first 'load'; embeds requests in order, cancellable. */
export function serveDocumentEmbedder(
  post: (m: EmbedWorkerMessage, transfer?: Transferable[]) => void,
  loadModel: (load: EmbedWorkerLoad) => Promise<DocumentEmbedder & { dimensions: number }>,
): (req: EmbedWorkerRequest) => void {
  let model: Promise<DocumentEmbedder & { dimensions: number }> | undefined;
  const running = new Map<number, AbortController>();
  return (req) => {
    if (req.type === 'load') {
      const t0 = Date.now();
      model ??= loadModel(req.load);
      model.then(
        (m) => post({ type: 'loaded', modelId: req.load.modelId, dimensions: m.dimensions, ms: Date.now() - t0 }),
        (err) => post({ type: 'load-error', message: (err as Error)?.message ?? String(err) }),
      );
      return;
    }
    if (req.type === 'cancel') return running.get(req.id)?.abort();
    const ctl = new AbortController();
    running.set(req.id, ctl);
    void (async () => {
      try {
        if (!model) throw new Error('embed before load');
        const m = await model;
        const r = await m.embedDocuments(req.texts, {
          batchSize: req.batchSize,
          signal: ctl.signal,
          onProgress: (p) => post({ type: 'progress', id: req.id, done: p.done, total: p.total }),
        });
        post({ type: 'done', id: req.id, vectors: r.vectors, dimensions: r.dimensions }, [r.vectors.buffer as ArrayBuffer]);
      } catch (err) {
        const e = err instanceof Error ? err : new Error(String(err));
        post({ type: 'error', id: req.id, name: e.name, message: e.message });
      } finally {
        running.delete(req.id);
      }
    })();
  };
}

/** Which path embedded the documents so far (bench and tests read it). */
export interface DocumentPathCounts {
  remote: number;
  local: number;
}

/**
 * The engine's Embedder with documents sent to `remote` when it is ready. A remote failure other than
 * cancellation is reported once through `onFallback` and that call (and every later one) runs locally.
 */
export function splitEmbedder(local: Embedder, remote: RemoteDocumentEmbedder, onFallback?: (err: Error) => void): Embedder & { readonly paths: DocumentPathCounts } {
  const paths: DocumentPathCounts = { remote: 0, local: 0 };
  let remoteDocs = 0;
  let reported = false;
  const report = (err: Error) => {
    if (reported) return;
    reported = true;
    onFallback?.(err);
  };
  remote.ready.catch(report);
  return {
    get modelId() {
      return local.modelId;
    },
    get identity() {
      return local.identity;
    },
    get dimensions() {
      return local.dimensions;
    },
    get device() {
      return local.device;
    },
    get dtype() {
      return local.dtype;
    },
    get embedCount() {
      return local.embedCount + remoteDocs;
    },
    get queryCount() {
      return local.queryCount;
    },
    paths,
    async embedDocuments(texts, opts) {
      if (remote.isReady) {
        try {
          const r = await remote.embedDocuments(texts, opts);
          remoteDocs += texts.length;
          paths.remote += texts.length;
          return r;
        } catch (err) {
          if ((err as Error)?.name === 'AbortError') throw err;
          // A failure of the text itself (not the worker) would fail locally too: only a broken
          // worker falls back. Either way the local call gives the caller the real answer.
          if (remote.failed) report(remote.failed);
        }
      }
      const r = await local.embedDocuments(texts, opts);
      paths.local += texts.length;
      return r;
    },
    embedQuery: (text) => local.embedQuery(text),
    async dispose() {
      await remote.dispose();
      await local.dispose();
    },
  };
}
