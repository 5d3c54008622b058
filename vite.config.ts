/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';
import { VitePWA } from 'vite-plugin-pwa';
import { DEFAULT_MODEL_ID, DEFAULT_STATIC_MODEL_ID, getModel, requiredFiles } from './src/core/model/registry.ts';
import { ortRuntime } from './scripts/vite-plugin-ort.ts';
import { HEADER_POLICY, META_POLICY } from './src/browser/csp.ts';
import { hnswlibNoEval } from './scripts/hnswlib-no-eval.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/**
 * Public base path ("/" or "/sub/path/"), from BASE_PATH. Everything the app fetches (worker, models,
 * ORT runtime, precomputed vectors, service worker scope, manifest start_url) hangs off it.
 */
const base = (() => {
  const raw = (process.env.BASE_PATH ?? '/').trim();
  if (!/^\/?[\w.~/-]*$/.test(raw)) throw new Error(`BASE_PATH "${raw}" must be a URL path like /atlas/`);
  return ('/' + raw + '/').replace(/\/{2,}/g, '/');
})();

/**
 * Offline support (service worker + web app manifest). Precached: the app shell (Vite output),
 * the onnxruntime-web runtime (public/ort, scripts/copy-ort.ts), the DEFAULT model's files and the
 * shipped vectors (public/precomputed, scripts/precompute.ts). Other models in public/models are
 * served on demand but not precached (each is 23–34 MB).
 */
const pwa = VitePWA({
  strategies: 'injectManifest',
  srcDir: 'sw',
  filename: 'sw.ts',
  registerType: 'prompt',
  injectRegister: false,
  manifest: {
    name: 'Abstract Atlas',
    short_name: 'Atlas',
    description: 'Ask natural-language questions about paper abstracts, fully offline in your browser.',
    theme_color: '#1d4e89',
    background_color: '#ffffff',
    display: 'standalone',
    start_url: base,
    scope: base,
    icons: [
      { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
      { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
      { src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml' },
      { src: 'icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  },
  injectManifest: {
    globPatterns: [
      // manifest.webmanifest and the manifest's icons are added by vite-plugin-pwa itself.
      '*.{html,ico,txt}',
      'assets/**/*',
      'ort/*.{mjs,wasm}',
      // Only what the app runs: the APP_DTYPE ONNX file and the JSON files (a full-precision
      // teacher fetched for distillation sits in the same folder and must not be precached).
      `models/${DEFAULT_MODEL_ID}/${requiredFiles(getModel(DEFAULT_MODEL_ID))[0].path}`,
      `models/${DEFAULT_MODEL_ID}/*.json`,
      // The quick semantic tier (8 MB): semantic answers, offline too, before the transformer loads.
      `models/${DEFAULT_STATIC_MODEL_ID}/*`,
      'precomputed/*',
    ],
    // The q8 model is ~34 MB and the ORT wasm ~27 MB; Workbox's 2 MiB default would silently skip them.
    maximumFileSizeToCacheInBytes: 80 * 1024 * 1024,
    // Vite's hashed file names already version themselves: no revision query needed for them.
    dontCacheBustURLsMatching: /^assets\//,
  },
  devOptions: { enabled: false },
});

/**
 * The Content-Security-Policy as a <meta> tag in the built index.html (src/browser/csp.ts). Build
 * only: the dev server injects styles and HMR code the policy would (rightly) refuse.
 */
const cspMeta = {
  name: 'atlas-csp-meta',
  apply: 'build' as const,
  transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: META_POLICY }, injectTo: 'head-prepend' as const }],
};

// Cross-origin isolation lets onnxruntime-web use threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The app's index.html lives in src/ (the repository's top level is fixed), so src/ is Vite's root.
export default defineConfig({
  root: here('./src'),
  publicDir: here('./public'),
  base,
  build: { outDir: here('./dist'), emptyOutDir: true, target: 'es2022' },
  plugins: [svelte(), ortRuntime(), hnswlibNoEval(), cspMeta, pwa],
  server: { headers: isolation },
  preview: { headers: { ...isolation, 'Content-Security-Policy': HEADER_POLICY } },
  // ORT is bundled into the engine worker: its duplicate .wasm asset is dropped there.
  // hnswlib-wasm's glue is patched wherever it is bundled: it must run without 'unsafe-eval' (CSP).
  worker: { format: 'es', plugins: () => [ortRuntime({ ensureCopied: false }), hnswlibNoEval()] },
  test: {
    root: here('.'),
    testTimeout: 120_000,
    hookTimeout: 600_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          setupFiles: ['tests/setup.ts'],
          pool: 'forks',
          alias: {
            // hnswlib-wasm has no main/exports and targets the web: point Node at its bundle.
            'hnswlib-wasm': here('./node_modules/hnswlib-wasm/dist/hnswlib.js'),
          },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // Builds dist/ once and serves it; browser tests share one server and run one file at a time.
          globalSetup: ['tests/e2e/global-setup.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
