/// <reference lib="webworker" />
/**
 * The engine worker: a thin adapter between the message protocol (src/protocol.ts) and
 * EngineSession (src/core/engine/session.ts), which holds all the logic and is unit-tested in Node.
 * This file only wires browser pieces: IndexedDB, Web Locks, the bundled seed text, the model
 * loader (transformers.js from /models/ with self-hosted onnxruntime-web), imports and bundles.
 */
import { AtlasError, EngineSession, toEngineError, type DeviceRequest } from '../src/core/engine/session.ts';
import { openAppStore, DB_NAME } from '../src/browser/idb-store.ts';
import { openLibraryChannel } from '../src/browser/library-channel.ts';
import { loadEmbedder, type Embedder, type LoadOptions } from '../src/core/model/embedder.ts';
import { RemoteDocumentEmbedder, splitEmbedder, type WorkerLike } from '../src/core/model/document-embedder.ts';
import { loadStaticEmbedder } from '../src/core/model/static-embedder.ts';
import { loadShippedVectors } from '../src/core/vectors/shipped.ts';
import { handleImportPreview, handleImportCommit, handleExport } from './import-bridge.ts';
import { runMapLayout } from './map-runner.ts';
import { loadShippedMap } from '../src/core/map/shipped-map.ts';
import type { EngineEvent, Handlers, Reply, Request, RequestEnvelope, RequestType, ResultOf } from '../src/protocol.ts';
import { wasmThreadCount } from '../src/core/model/threads.ts';
import { APP_DTYPE, DEFAULT_STATIC_MODEL_ID, isStaticModelId } from '../src/core/model/registry.ts';

declare const self: DedicatedWorkerGlobalScope;

// The bundled corpus is part of the build (no fetch, works offline, hashed with the app).
const seedFiles = import.meta.glob('../seeds/*.txt', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const seedText = Object.keys(seedFiles)
  .sort()
  .map((k) => seedFiles[k])
  .join('\n');

const isolated = self.crossOriginIsolated === true;
const threads = wasmThreadCount(navigator.hardwareConcurrency, isolated);

function emit(event: EngineEvent) {
  self.postMessage({ event });
}

let baseUrl = '/';
/** Documents of the full model embed in a worker of their own (issue 15 #2); `?embedworker=0` turns it off. */
let useEmbedWorker = true;

/**
 * The full model: the engine's instance answers questions, a second one in workers/embed.worker.ts
 * embeds documents. The engine's instance needs one thread for a 12-token question; without the
 * worker (flag off, or no Worker in this scope) it keeps today's thread count and does both.
 */
async function loadFullModel(opts: LoadOptions): Promise<Embedder> {
  const withWorker = useEmbedWorker && typeof Worker !== 'undefined';
  const local = await loadEmbedder({ ...opts, numThreads: withWorker ? 1 : opts.numThreads });
  if (!withWorker) return local;
  let worker: Worker;
  try {
    worker = new Worker(new URL('./embed.worker.ts', import.meta.url), { type: 'module', name: 'atlas-embed' });
  } catch (err) {
    embedOnSearchThread(`the embedding worker did not start (${(err as Error).message})`);
    return local;
  }
  const remote = new RemoteDocumentEmbedder(worker as unknown as WorkerLike, {
    modelId: opts.modelId,
    dtype: local.dtype,
    device: local.device,
    localModelPath: opts.localModelPath!,
    wasmPaths: typeof opts.wasmPaths === 'string' ? opts.wasmPaths : undefined,
    numThreads: opts.numThreads,
  });
  // Diagnostics (bench/library-bench.ts reads this line): what the second instance costs to start.
  remote.ready.then(({ loadMs }) => console.info(`embedding worker ready: model loaded in ${Math.round(loadMs)} ms`), () => {});
  return splitEmbedder(local, remote, (err) => embedOnSearchThread(err.message));
}

/**
 * The fallback works (documents embed on the engine's instance) but questions asked meanwhile wait
 * behind a document pass again: the user is told once per model load, not only the console.
 */
function embedOnSearchThread(why: string): void {
  console.warn(`Documents embed on the search thread: ${why}`);
  session.notice('info', `Papers are embedded by the same background thread that answers questions (${why}). Everything works; while papers embed, a question may take a moment longer.`);
}

async function withLock<T>(name: string, fn: () => Promise<T>, onWait: () => void): Promise<T> {
  const locks = (navigator as Navigator & { locks?: LockManager }).locks;
  if (!locks) return fn();
  // Try without waiting first, so the UI can say "another tab is indexing" only when it is true.
  const got = await locks.request(name, { ifAvailable: true }, async (lock) => (lock ? { value: await fn() } : null));
  if (got) return got.value;
  onWait();
  return locks.request(name, async () => fn());
}

const session = new EngineSession({
  // A connection the browser closes under us (site data cleared, eviction): memory from then on.
  openStore: () => openAppStore(DB_NAME, () => session.storageLost()),
  destroyStore: async () => {
    await new Promise<void>((res, rej) => {
      const r = indexedDB.deleteDatabase(DB_NAME);
      r.onsuccess = () => res();
      r.onerror = () => rej(r.error);
      r.onblocked = () => rej(new Error('database deletion blocked by another tab'));
    });
  },
  loadModel: (modelId: string, device: DeviceRequest, onProgress) =>
    isStaticModelId(modelId)
      ? loadStaticEmbedder({ modelId, localModelPath: new URL('models/', new URL(baseUrl, self.location.href)).href, onProgress })
      : loadFullModel({
      modelId,
      dtype: APP_DTYPE,
      localModelPath: new URL('models/', new URL(baseUrl, self.location.href)).href,
      allowRemote: false,
      device,
      wasmPaths: new URL('ort/', new URL(baseUrl, self.location.href)).href,
      numThreads: threads,
      onProgress,
    }),
  seedText: () => seedText,
  loadShipped: (identity, papers) => loadShippedVectors(baseUrl, identity, papers),
  withLock,
  emit,
  loadShippedMap: async (vKey) => (await loadShippedMap(baseUrl, vKey)).map,
  // A nested worker: UMAP never runs on the thread that answers searches.
  runLayout: async (input, onProgress) => (await runMapLayout(input, { onProgress, transferVectors: true })).map,
  env: { threads, crossOriginIsolated: isolated },
});

// Other tabs announce library changes they stored; this tab then re-reads the papers (issue 14 #6).
const library = openLibraryChannel(() => void session.refreshLibrary());

/** Announces a change to the other tabs when it reached IndexedDB (they read it from there). */
function announced<T>(what: 'import' | 'delete' | 'clear', result: T, saved = true): T {
  if (saved && session.status().storage === 'indexeddb') library.announce(what);
  return result;
}

/** One handler per request of the protocol's EngineApi: the compiler checks names, parameters and results. */
const handlers: Handlers = {
  init: (r) => {
    baseUrl = r.baseUrl;
    useEmbedWorker = r.embedWorker !== false;
    // The quick tier (static model) answers semantic questions until the full model covers every paper.
    return session.init({ modelId: r.modelId, device: r.device, useShipped: r.useShipped, expectStored: r.expectStored, quickModelId: DEFAULT_STATIC_MODEL_ID });
  },
  status: () => session.status(),
  index: () => {
    void session.startIndexing();
    return session.status();
  },
  search: (r) => {
    if (typeof r.question !== 'string') throw new AtlasError('bad-request', 'question must be a string');
    if (r.ids !== undefined && (!Array.isArray(r.ids) || r.ids.some((x) => typeof x !== 'string'))) throw new AtlasError('bad-request', 'ids must be a list of paper ids');
    return session.search(r.question, r.mode, { k: r.k, collections: r.collections, filters: r.filters, ids: r.ids });
  },
  related: (r) => session.related(r.paperId, r.k, r.collections),
  importPreview: (r) => handleImportPreview(session, r.fileName, r.data),
  importCommit: async (r) => {
    // Stars staged from a bundle are applied inside handleImportCommit, before other tabs are told.
    const res = await handleImportCommit(session, r.token, r.collection, r.paperIds);
    return announced('import', res, res.saved && res.added > 0);
  },
  export: (r) => handleExport(session, r.collection),
  deletePapers: async (r) => announced('delete', { deleted: await session.deletePapers(r.ids) }),
  deleteCollection: async (r) => announced('delete', { deleted: await session.deleteCollection(r.collection) }),
  clear: async () => announced('clear', await session.clear()),
  rebuild: async () => announced('clear', await session.rebuild()),
  reembedCost: (r) => session.reembedCost(r.modelId),
  setModel: (r) => session.setModel(r.modelId),
  setBestQuality: (r) => session.setBestQuality(r.on),
  reembed: () => session.reembed(),
  cancel: () => ({ cancelled: session.cancel() }),
  pause: () => session.pause(),
  resume: () => session.resume(),
  dismissNotice: (r) => session.dismissNotice(r.id),
  retryModel: () => session.retryModel(),
  readingList: () => ({ papers: session.readingList() }),
  star: async (r) => {
    if (!Array.isArray(r.paperIds) || !r.paperIds.every((x) => typeof x === 'string')) throw new AtlasError('bad-request', 'paperIds must be a list of paper ids');
    return { papers: await session.star(r.paperIds, r.starred === true) };
  },
  map: (r) => session.map({ collections: r.collections, relayout: r.relayout === true }),
};

function handle(req: Request): Promise<ResultOf<RequestType>> {
  const handler = (handlers as Record<string, ((r: Request) => unknown) | undefined>)[req?.type];
  if (!handler) throw new AtlasError('bad-request', `Unknown request type ${String((req as { type?: unknown })?.type)}`);
  return Promise.resolve(handler(req)) as Promise<ResultOf<RequestType>>;
}

self.onmessage = async (e: MessageEvent<RequestEnvelope>) => {
  const { id, req } = e.data;
  let reply: Reply;
  try {
    reply = { id, ok: true, result: await handle(req) };
  } catch (err) {
    reply = { id, ok: false, error: toEngineError(err) };
  }
  // Export bytes are transferred, not copied.
  const transfer = reply.ok && req.type === 'export' ? [(reply.result as ResultOf<'export'>).bytes.buffer as ArrayBuffer] : [];
  self.postMessage(reply, transfer);
};

// A crash in an async path must reach the UI instead of stalling silently.
self.addEventListener('unhandledrejection', (e) => {
  // In-flight IndexedDB work of a connection the browser closed (site data cleared): storage loss,
  // reported once as such, not as an engine crash.
  if (session.absorbStorageError(e.reason)) {
    e.preventDefault();
    return;
  }
  session.notice('error', `Unexpected error in the engine: ${(e.reason as Error)?.message ?? e.reason}`);
});
