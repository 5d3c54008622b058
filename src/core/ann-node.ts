/**
 * Node only: makes HnswIndex usable outside vitest (CLI, benchmarks). hnswlib-wasm is built for the
 * web — its emscripten glue probes for `importScripts` and mounts an IndexedDB-backed file system
 * (used by serialize/restore) — and its package has no Node entry point. Call once before
 * HnswIndex.create/restore. The vitest setup (tests/setup.ts) does the equivalent for tests.
 */
import { setHnswlibImporter } from './ann.ts';

let ready: Promise<void> | undefined;

export function enableHnswInNode(): Promise<void> {
  ready ??= (async () => {
    if (typeof indexedDB === 'undefined') await import('fake-indexeddb/auto' as string); // side-effect: installs globalThis.indexedDB
    (globalThis as { importScripts?: unknown }).importScripts ??= () => {};
    // Deep import: the package has no `exports`, so Node resolves the file path directly.
    setHnswlibImporter(() => import('hnswlib-wasm/dist/hnswlib.js' as string) as Promise<typeof import('hnswlib-wasm')>);
  })();
  return ready;
}
