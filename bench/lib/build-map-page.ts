/**
 * Bundles the map harness page (bench/browser/map/) with Vite + Svelte into bench/.build-map/: the
 * app's own map components, layout worker and renderer, nothing else. Used by bench/map-bench.ts
 * (timings, fps) and bench/map-shots.ts (screenshots).
 */
import { build } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { join } from 'node:path';
import { REPO } from './seed.ts';

export const MAP_BUILD_DIR = join(REPO, 'bench/.build-map');

export async function buildMapPage(): Promise<string> {
  await build({
    configFile: false,
    root: join(REPO, 'bench/browser/map'),
    base: '/',
    logLevel: 'warn',
    plugins: [svelte()],
    worker: { format: 'es' },
    build: { outDir: MAP_BUILD_DIR, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
  });
  return MAP_BUILD_DIR;
}
