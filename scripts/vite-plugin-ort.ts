/**
 * Vite plugin for onnxruntime-web's runtime files.
 *
 * - Before a build or the dev server starts, makes sure public/ort/ holds exactly the files
 *   transformers.js requests (scripts/copy-ort.ts; a fast no-op when current), so `vite build` and
 *   `vite` work even when the npm pre-scripts were skipped.
 * - Drops the duplicate ORT .wasm that Vite emits into assets/: onnxruntime-web's bundle mentions
 *   `new URL('ort-wasm-simd-threaded….wasm', import.meta.url)` as its default location, which Vite
 *   dutifully copies (27 MB). The worker always sets `wasmPaths` to `<base>ort/` (the self-hosted
 *   copy), so that default is never fetched — shipping and precaching it would double the download.
 *   Must be registered for worker bundles too (vite.config.ts `worker.plugins`): that is where ORT lives.
 */
import type { Plugin } from 'vite';
import { copyOrt } from './copy-ort.ts';

const ORT_ASSET = /(^|\/)ort-wasm-simd-threaded[\w.]*?-[\w-]+\.wasm$/;

export function ortRuntime(opts: { ensureCopied?: boolean } = {}): Plugin {
  return {
    name: 'atlas:ort-runtime',
    buildStart() {
      if (opts.ensureCopied === false) return;
      const r = copyOrt();
      if (r.copied) this.info?.(`onnxruntime-web ${r.version} runtime copied to public/ort/`);
    },
    generateBundle(_out, bundle) {
      for (const [key, item] of Object.entries(bundle)) {
        if (item.type === 'asset' && ORT_ASSET.test(item.fileName)) delete bundle[key];
      }
    },
  };
}
