/**
 * Issue 15 #2: document passes in a worker of their own. The local/remote plumbing
 * (src/core/model/document-embedder.ts) with a fake model and an in-process fake worker that
 * structured-clones every message like a real one.
 */
import { describe, expect, it, vi } from 'vitest';
import {
  RemoteDocumentEmbedder,
  serveDocumentEmbedder,
  splitEmbedder,
  type EmbedWorkerLoad,
  type EmbedWorkerMessage,
  type EmbedWorkerRequest,
  type WorkerLike,
} from '../../src/core/model/document-embedder.ts';
import type { Embedder } from '../../src/core/model/embedder.ts';
import type { EmbedOptions } from '../../src/core/types.ts';
import { abortError } from '../../src/core/util/abort.ts';

const D = 8;
const LOAD: EmbedWorkerLoad = { modelId: 'fake/model', dtype: 'q8', device: 'wasm', localModelPath: '/models/' };

/** Deterministic vector of a text: awkward float values, so any re-encoding (f64, JSON) would show. */
function vectorOf(text: string): Float32Array {
  const v = new Float32Array(D);
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  for (let k = 0; k < D; k++) {
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995);
    v[k] = ((h >>> 0) / 2 ** 32 - 0.5) / 3;
  }
  return v;
}

class FakeModel {
  readonly modelId = LOAD.modelId;
  readonly identity = { key: 'fake' } as unknown as Embedder['identity'];
  readonly dimensions = D;
  readonly device = 'wasm' as const;
  readonly dtype = 'q8' as const;
  embedCount = 0;
  queryCount = 0;
  /** Resolves a pass; tests hold passes open to observe ordering and cancellation. */
  gate: Promise<void> = Promise.resolve();
  async embedDocuments(texts: string[], opts: EmbedOptions = {}) {
    const out = new Float32Array(texts.length * D);
    for (let i = 0; i < texts.length; i++) {
      await this.gate;
      if (opts.signal?.aborted) throw abortError('Embedding was cancelled');
      out.set(vectorOf('passage: ' + texts[i]), i * D);
      this.embedCount++;
      opts.onProgress?.({ done: i + 1, total: texts.length });
    }
    return { vectors: out, dimensions: D };
  }
  async embedQuery(text: string) {
    this.queryCount++;
    return vectorOf('query: ' + text);
  }
  async dispose() {}
}

/** A worker in this process: messages are cloned and delivered on a later task, like postMessage. */
function fakeWorker(serve: (post: (m: EmbedWorkerMessage) => void) => (req: EmbedWorkerRequest) => void) {
  const worker: WorkerLike & { terminated: boolean; crash(msg: string): void; received: EmbedWorkerRequest[] } = {
    onmessage: null,
    onerror: null,
    terminated: false,
    received: [],
    postMessage(m) {
      if (worker.terminated) return;
      const copy = structuredClone(m);
      worker.received.push(copy);
      setTimeout(() => !worker.terminated && handle(copy), 0);
    },
    terminate() {
      worker.terminated = true;
    },
    crash(message) {
      worker.onerror?.({ message, preventDefault() {} });
    },
  };
  const handle = serve((m) => {
    const copy = structuredClone(m);
    setTimeout(() => !worker.terminated && worker.onmessage?.({ data: copy }), 0);
  });
  return worker;
}

function setup(opts: { loadFails?: string; silent?: boolean; timeoutMs?: number } = {}) {
  const workerModel = new FakeModel();
  const worker = fakeWorker((post) =>
    opts.silent
      ? () => {}
      : serveDocumentEmbedder(post, async () => {
          if (opts.loadFails) throw new Error(opts.loadFails);
          return workerModel;
        }),
  );
  const remote = new RemoteDocumentEmbedder(worker, LOAD, opts.timeoutMs);
  const local = new FakeModel();
  const onFallback = vi.fn();
  const split = splitEmbedder(local as unknown as Embedder, remote, onFallback);
  return { worker, workerModel, remote, local, split, onFallback };
}

const TEXTS = ['Attention is all you need', 'BM25 and beyond', '', 'Graph neural networks: a review', 'x'.repeat(500)];

const bytes = (v: Float32Array) => Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));

describe('document embedder in a worker', () => {
  it('gives vectors bit-identical to the local path', async () => {
    const { remote, split, local, workerModel } = setup();
    await remote.ready;
    const viaWorker = await split.embedDocuments(TEXTS, { batchSize: 2 });
    const inEngine = await new FakeModel().embedDocuments(TEXTS, { batchSize: 2 });
    expect(viaWorker.dimensions).toBe(D);
    expect(bytes(viaWorker.vectors)).toEqual(bytes(inEngine.vectors));
    // Documents went to the worker's model, not the engine's.
    expect(workerModel.embedCount).toBe(TEXTS.length);
    expect(local.embedCount).toBe(0);
    expect(split.paths).toEqual({ remote: TEXTS.length, local: 0 });
    expect(split.embedCount).toBe(TEXTS.length);
  });

  it('answers questions on the engine instance while a document request is held in the worker', async () => {
    const { remote, split, local, workerModel } = setup();
    await remote.ready;
    let open!: () => void;
    workerModel.gate = new Promise((r) => (open = r));
    const docs = split.embedDocuments(TEXTS);
    const q = await split.embedQuery('what is attention?');
    expect(bytes(q)).toEqual(bytes(vectorOf('query: what is attention?')));
    expect(local.queryCount).toBe(1);
    expect(workerModel.embedCount).toBe(0); // the document pass is still running
    open();
    expect((await docs).vectors.length).toBe(TEXTS.length * D);
  });

  it('embeds locally while the worker is still loading, without waiting for it', async () => {
    const { remote, split, local } = setup();
    expect(remote.isReady).toBe(false);
    const r = await split.embedDocuments(TEXTS.slice(0, 2));
    expect(bytes(r.vectors)).toEqual(bytes((await new FakeModel().embedDocuments(TEXTS.slice(0, 2))).vectors));
    expect(local.embedCount).toBe(2);
    await remote.ready;
    await split.embedDocuments(TEXTS.slice(2));
    expect(split.paths).toEqual({ remote: 3, local: 2 });
  });

  it('falls back to the local path when the worker cannot load the model', async () => {
    const { remote, split, local, onFallback } = setup({ loadFails: 'Model file missing: /models/x' });
    await expect(remote.ready).rejects.toThrow(/could not load fake\/model: Model file missing/);
    const r = await split.embedDocuments(TEXTS);
    expect(local.embedCount).toBe(TEXTS.length);
    expect(r.vectors.length).toBe(TEXTS.length * D);
    expect(onFallback).toHaveBeenCalledTimes(1);
  });

  it('a worker that never answers costs nothing: local path at once, start times out', async () => {
    const { remote, split, local, onFallback, worker } = setup({ silent: true, timeoutMs: 30 });
    await split.embedDocuments(TEXTS);
    expect(local.embedCount).toBe(TEXTS.length);
    await expect(remote.ready).rejects.toThrow(/did not start within/);
    expect(worker.terminated).toBe(true);
    expect(onFallback).toHaveBeenCalledTimes(1);
  });

  it('a worker whose script does not load (a bare error event before any answer) is reported as not started, not as crashed', async () => {
    const { remote, split, local, onFallback, worker } = setup({ silent: true, timeoutMs: 60_000 });
    worker.crash('');
    await expect(remote.ready).rejects.toThrow(/^the embedding worker did not start \(its script could not be loaded\)$/);
    await split.embedDocuments(TEXTS);
    expect(local.embedCount).toBe(TEXTS.length);
    expect(onFallback).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/did not start/) }));
  });

  it('a crash mid-request rejects nothing to the caller: that request and later ones run locally', async () => {
    const { remote, split, local, workerModel, worker, onFallback } = setup();
    await remote.ready;
    workerModel.gate = new Promise(() => {}); // the worker never finishes this pass
    const docs = split.embedDocuments(TEXTS);
    await new Promise((r) => setTimeout(r, 5));
    worker.crash('out of memory');
    const r = await docs;
    expect(bytes(r.vectors)).toEqual(bytes((await new FakeModel().embedDocuments(TEXTS)).vectors));
    expect(local.embedCount).toBe(TEXTS.length);
    expect(onFallback).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/crashed: out of memory/) }));
    await split.embedDocuments(['later']);
    expect(split.paths).toEqual({ remote: 0, local: TEXTS.length + 1 });
    await expect(remote.embedDocuments(['x'])).rejects.toThrow(/crashed/);
  });

  it('cancelling rejects with AbortError, tells the worker, and does not fall back', async () => {
    const { remote, split, local, workerModel, worker } = setup();
    await remote.ready;
    let open!: () => void;
    workerModel.gate = new Promise((r) => (open = r));
    const ctl = new AbortController();
    const docs = split.embedDocuments(TEXTS, { signal: ctl.signal });
    await new Promise((r) => setTimeout(r, 5));
    ctl.abort();
    await expect(docs).rejects.toMatchObject({ name: 'AbortError' });
    expect(worker.received.some((m) => m.type === 'cancel')).toBe(true);
    await new Promise((r) => setTimeout(r, 5)); // the cancel message reaches the worker
    open();
    await new Promise((r) => setTimeout(r, 5));
    expect(workerModel.embedCount).toBe(0); // the worker stopped at its next check
    expect(local.embedCount).toBe(0);
    expect(remote.isReady).toBe(true);
  });

  it('forwards progress from the worker', async () => {
    const { remote, split } = setup();
    await remote.ready;
    const seen: number[] = [];
    await split.embedDocuments(TEXTS, { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('dispose terminates the worker', async () => {
    const { remote, split, worker } = setup();
    await remote.ready;
    await split.dispose();
    expect(worker.terminated).toBe(true);
  });
});
