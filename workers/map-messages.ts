/**
 * Messages between whoever asks for a map layout (the engine worker, or a page) and the short-lived
 * layout worker (workers/map.worker.ts). One job per worker: the asker posts a `MapJob`, receives
 * any number of progress messages and then exactly one `done` or `error`, and terminates the
 * worker. Kept free of umap-js so the asker does not load it.
 */
import type { MapInput } from '../src/core/map/build.ts';
import type { LayoutProgress } from '../src/core/map/layout.ts';
import type { PaperMap } from '../src/core/map/map-format.ts';

export interface MapJob {
  type: 'build';
  input: MapInput;
}

export type MapJobMessage =
  | { type: 'progress'; progress: LayoutProgress }
  | { type: 'done'; map: PaperMap; ms: number }
  | { type: 'error'; error: { name: string; message: string } };
