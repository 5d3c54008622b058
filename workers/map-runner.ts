/**
 * Runs one map layout in a fresh layout worker (workers/map.worker.ts) and resolves with the map.
 * Usable from the engine worker (nested worker) or a page. Aborting terminates the worker at once
 * (UMAP cannot be interrupted inside an epoch otherwise) and rejects with an 'AbortError'.
 */
import type { MapInput } from '../src/core/map/build.ts';
import type { LayoutProgress } from '../src/core/map/layout.ts';
import type { PaperMap } from '../src/core/map/map-format.ts';
import type { MapJob, MapJobMessage } from './map-messages.ts';

export interface RunMapOptions {
  onProgress?: (p: LayoutProgress) => void;
  signal?: AbortSignal;
  /** Transfer the vectors' buffer to the worker instead of copying it (the caller loses it). */
  transferVectors?: boolean;
}

export function runMapLayout(input: MapInput, opts: RunMapOptions = {}): Promise<{ map: PaperMap; ms: number }> {
  return new Promise((resolve, reject) => {
    const abortError = () => Object.assign(new Error('map layout cancelled'), { name: 'AbortError' });
    if (opts.signal?.aborted) return reject(abortError());
    const worker = new Worker(new URL('./map.worker.ts', import.meta.url), { type: 'module', name: 'atlas-map' });
    const finish = () => {
      worker.terminate();
      opts.signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = () => {
      finish();
      reject(abortError());
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.onmessage = (e: MessageEvent<MapJobMessage>) => {
      const m = e.data;
      if (m.type === 'progress') return opts.onProgress?.(m.progress);
      finish();
      if (m.type === 'done') resolve({ map: m.map, ms: m.ms });
      else reject(Object.assign(new Error(m.error.message), { name: m.error.name }));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      finish();
      reject(new Error(`The map layout failed: ${e.message || 'the layout worker crashed (out of memory?)'}`));
    };
    const job: MapJob = { type: 'build', input };
    worker.postMessage(job, opts.transferVectors ? [input.vectors.buffer as ArrayBuffer] : []);
  });
}
