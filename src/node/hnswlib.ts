/**
 * Lets Node scripts use src/core/ann/index.ts's HnswIndex. hnswlib-wasm targets browsers: it has no
 * `main`/`exports` (so `import('hnswlib-wasm')` cannot resolve), probes for `importScripts`, and keeps
 * its files in IndexedDB. We point the bare specifier at its bundle with a module resolve hook, define
 * the worker global, and provide IndexedDB through fake-indexeddb — the same shims tests/setup.ts and
 * vite.config.ts's unit alias apply for tests. Import this module before the first HnswIndex call.
 */
import 'fake-indexeddb/auto';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

(globalThis as { importScripts?: unknown }).importScripts ??= () => {};

const bundle = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), '../../node_modules/hnswlib-wasm/dist/hnswlib.js')).href;
const hook = `export async function resolve(specifier, context, next) {
  if (specifier === 'hnswlib-wasm') return { url: ${JSON.stringify(bundle)}, shortCircuit: true };
  return next(specifier, context);
}`;
register('data:text/javascript,' + encodeURIComponent(hook));
