/// <reference lib="webworker" />
/**
 * The engine worker: a thin adapter between the message protocol (src/protocol.ts) and
 * EngineSession (src/core/engine/session.ts), which holds all the logic and is unit-tested in Node.
 * This file only wires browser pieces: IndexedDB, Web Locks, the bundled seed text, the model
 * loader (transformers.js from /models/ with self-hosted onnxruntime-web), imports and bundles.
 */
import { EngineSession, SessionError, toEngineError, type DeviceRequest } from '../src/core/engine/session.ts';
import { openIdbStore, DB_NAME } from '../src/browser/idb-store.ts';
import { loadEmbedder } from '../src/core/model/embedder.ts';
import { loadShippedVectors } from '../src/core/vectors/shipped.ts';
import { handleImportPreview, handleExport } from './import-bridge.ts';
import type { EngineEvent, Reply, Request, RequestEnvelope, ResultMap } from '../src/protocol.ts';
import { wasmThreadCount } from '../src/core/model/threads.ts';

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
  openStore: () => openIdbStore(DB_NAME, () => emit({ kind: 'status', status: session.status() })),
  destroyStore: async () => {
    await new Promise<void>((res, rej) => {
      const r = indexedDB.deleteDatabase(DB_NAME);
      r.onsuccess = () => res();
      r.onerror = () => rej(r.error);
      r.onblocked = () => rej(new Error('database deletion blocked by another tab'));
    });
  },
  loadModel: (modelId: string, device: DeviceRequest, onProgress) =>
    loadEmbedder({
      modelId,
      dtype: 'q8',
      localModelPath: new URL('models/', new URL(baseUrl, self.location.href)).href,
      allowRemote: false,
      device,
      wasmPaths: new URL('ort/', new URL(baseUrl, self.location.href)).href,
      numThreads: threads,
      onProgress,
    }),
  seedText: () => seedText,
  loadShipped: (facts, papers) => loadShippedVectors(baseUrl, facts, papers),
  withLock,
  emit,
  env: { threads, crossOriginIsolated: isolated },
});

async function handle(req: Request): Promise<ResultMap[Request['type']]> {
  switch (req.type) {
    case 'init':
      baseUrl = req.baseUrl;
      return session.init({ modelId: req.modelId, device: req.device, useShipped: req.useShipped, expectStored: req.expectStored });
    case 'status':
      return session.status();
    case 'index':
      void session.startIndexing();
      return session.status();
    case 'search':
      if (typeof req.question !== 'string') throw new SessionError('bad-request', 'question must be a string');
      return session.search(req.question, req.mode, req.k, req.collections);
    case 'related':
      return session.related(req.paperId, req.k, req.collections);
    case 'importPreview':
      return handleImportPreview(session, req.fileName, req.data);
    case 'importCommit':
      return session.commitImport(req.token, req.collection, req.paperIds);
    case 'export':
      return handleExport(session, req.collection);
    case 'deletePapers':
      return { deleted: await session.deletePapers(req.ids) };
    case 'deleteCollection':
      return { deleted: await session.deleteCollection(req.collection) };
    case 'clear':
      return session.clear();
    case 'rebuild':
      return session.rebuild();
    case 'reembedCost':
      return session.reembedCost(req.modelId);
    case 'setModel':
      return session.setModel(req.modelId);
    case 'reembed':
      return session.reembed();
    case 'cancel':
      return { cancelled: session.cancel() };
    case 'dismissNotice':
      return session.dismissNotice(req.id);
    case 'retryModel':
      return session.retryModel();
    default:
      throw new SessionError('bad-request', `Unknown request type ${(req as { type: string }).type}`);
  }
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
  const transfer = reply.ok && req.type === 'export' ? [(reply.result as ResultMap['export']).bytes.buffer as ArrayBuffer] : [];
  self.postMessage(reply, transfer);
};

// A crash in an async path must reach the UI instead of stalling silently.
self.addEventListener('unhandledrejection', (e) => {
  session.notice('error', `Unexpected error in the engine: ${(e.reason as Error)?.message ?? e.reason}`);
});
