import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Cross-origin isolation lets onnxruntime-web use threads (SharedArrayBuffer).
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The app's index.html lives in src/ (the repository's top level is fixed), so src/ is Vite's root.
export default defineConfig({
  root: here('./src'),
  publicDir: here('./public'),
  base: process.env.BASE_PATH ?? '/',
  build: { outDir: here('./dist'), emptyOutDir: true, target: 'es2022' },
  plugins: [svelte()],
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
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
