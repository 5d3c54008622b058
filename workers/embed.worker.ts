/// <reference lib="webworker" />
/**
 * Embedding worker (issue 15 #2): document passes of the full model on an onnxruntime instance of
 * their own, so the engine worker's instance is free to answer questions while a library embeds.
 * Started by the engine worker (a nested worker, like the map worker); the plumbing and its
 * failure modes are in src/core/model/document-embedder.ts. Model files are fetched from the same
 * /models/ URLs as the engine's (the service worker's precache serves them offline) and verified
 * against the same pinned sha256.
 */
import { loadEmbedder } from '../src/core/model/embedder.ts';
import { serveDocumentEmbedder, type EmbedWorkerMessage, type EmbedWorkerRequest } from '../src/core/model/document-embedder.ts';
import type { Dtype } from '../src/core/model/registry.ts';

declare const self: DedicatedWorkerGlobalScope;

const handle = serveDocumentEmbedder(
  (m: EmbedWorkerMessage, transfer: Transferable[] = []) => self.postMessage(m, transfer),
  (load) =>
    loadEmbedder({
      modelId: load.modelId,
      dtype: load.dtype as Dtype,
      device: load.device,
      localModelPath: load.localModelPath,
      allowRemote: false,
      wasmPaths: load.wasmPaths,
      numThreads: load.numThreads,
    }),
);

self.onmessage = (e: MessageEvent<EmbedWorkerRequest>) => handle(e.data);
