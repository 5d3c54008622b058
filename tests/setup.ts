// hnswlib-wasm's emscripten glue probes for a worker global; fake-indexeddb backs its file system.
import 'fake-indexeddb/auto';
(globalThis as { importScripts?: unknown }).importScripts ??= () => {};
