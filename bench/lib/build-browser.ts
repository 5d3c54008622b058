/**
 * Bundles the benchmark workers (bench/browser/*.worker.ts) with Vite's build API into
 * bench/.build/, one ES module per worker, so the browser runs the same bundled code paths the
 * app does (transformers.js web build, onnxruntime-web). Workers whose imports do not exist yet
 * (modules still being written) are skipped and reported, not fatal.
 */
import { build } from 'vite';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './seed.ts';

export const BUILD_DIR = join(REPO, 'bench/.build');
const SRC = join(REPO, 'bench/browser');

/** Worker entry → source files it needs (relative to the repo). */
const ENTRIES: Record<string, string[]> = {
  'raw-wasm': [],
  'raw-asyncify': [],
  ours: ['src/core/model/embedder.ts'],
  query: ['src/core/model/embedder.ts', 'src/core/search/engine.ts'],
  static: ['src/core/model/static-embedder.ts'],
  ann: ['src/core/ann/exact-int8.ts', 'src/core/search/vector-space.ts'],
  question: ['src/core/model/embedder.ts'],
};

export interface BuildResult {
  dir: string;
  workers: string[];
  skipped: string[];
}

/** Builds every worker, or only those named in `only` (into the same folder). */
export async function buildBrowserBench(only?: string[]): Promise<BuildResult> {
  const input: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [name, needs] of Object.entries(ENTRIES)) {
    if (only && !only.includes(name)) continue;
    const missing = needs.filter((f) => !existsSync(join(REPO, f)));
    if (missing.length) skipped.push(`${name} (missing ${missing.join(', ')})`);
    else input[name] = join(SRC, `${name}.worker.ts`);
  }
  await build({
    configFile: false,
    root: SRC,
    logLevel: 'warn',
    build: {
      outDir: BUILD_DIR,
      emptyOutDir: true,
      target: 'es2022',
      minify: false,
      // Workers have no `document`: Vite's preload helper for dynamic imports (hnswlib-wasm) would throw.
      modulePreload: false,
      // Keep wasm out of JS as base64: the driver serves onnxruntime-web's files at /ort/.
      assetsInlineLimit: 0,
      rollupOptions: { input, output: { format: 'es', entryFileNames: '[name].js' }, preserveEntrySignatures: 'strict' },
    },
  });
  copyFileSync(join(SRC, 'index.html'), join(BUILD_DIR, 'index.html'));
  return { dir: BUILD_DIR, workers: Object.keys(input), skipped };
}
