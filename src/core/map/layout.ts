/**
 * 2-D layout of paper vectors with UMAP (umap-js). Pure: runs in the map worker and in Node (the
 * build step that ships the seed corpus's layout, tests, benchmarks).
 *
 * Invariants:
 * - Deterministic: the same (id, vector) pairs give bit-identical coordinates, whatever order they
 *   are passed in. Rows are laid out in paper-id order with a PRNG seeded from LAYOUT_PARAMS.seed,
 *   and the result is mapped back to the caller's order.
 * - Coordinates are centred on 0 and scaled so the largest |x| or |y| is 1 (aspect kept), so a
 *   renderer can show any layout with the same camera, and incremental placement (place.ts) works
 *   in the same units.
 * - Never throws on small inputs: 0 papers → empty, 1 → origin, fewer than ~4 → a line; UMAP needs
 *   a neighbourhood, so nNeighbors is clamped to n − 1.
 */
import { UMAP } from 'umap-js';
import { mulberry32 } from './random.ts';

/**
 * Part of the persistence key (key.ts): bump when anything here changes the coordinates, so stored
 * layouts made by older code are recomputed rather than shown.
 */
export const LAYOUT_VERSION = 1;

/**
 * UMAP settings. nNeighbors 15 / minDist 0.1 are UMAP's defaults for a global-and-local picture;
 * the epoch count follows umap-js (500 below 10k rows, 200 above), which is what the 5k ≤ 30 s
 * budget was measured with (bench/map-bench.ts).
 */
export const LAYOUT_PARAMS = { nNeighbors: 15, minDist: 0.1, spread: 1, seed: 42 } as const;

export type LayoutPhase = 'neighbours' | 'optimise';

export interface LayoutProgress {
  phase: LayoutPhase;
  /** Epochs done (optimise) or 0 (neighbours). */
  done: number;
  total: number;
}

export interface LayoutOptions {
  /** Called at the start and every few epochs; the caller posts it to the UI. */
  onProgress?: (p: LayoutProgress) => void;
  /** Aborting rejects with an Error named 'AbortError' at the next epoch. */
  signal?: AbortSignal;
  /** Yield to the event loop every this many epochs (a worker stays able to receive "abort"). */
  yieldEvery?: number;
}

export interface LayoutInput {
  ids: readonly string[];
  /** Row-major, ids.length × dims, L2-normalised (as every vector in the app is). */
  vectors: Float32Array;
  dims: number;
}

function abortError(): Error {
  const e = new Error('layout aborted');
  e.name = 'AbortError';
  return e;
}

/** Row order that sorts ids (code-unit order, locale-independent). Duplicate ids are rejected. */
export function canonicalOrder(ids: readonly string[]): number[] {
  const order = ids.map((_, i) => i);
  order.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
  for (let i = 1; i < order.length; i++) {
    if (ids[order[i]!] === ids[order[i - 1]!]) throw new Error(`layout: duplicate paper id ${ids[order[i]!]}`);
  }
  return order;
}

/** Centre on 0 and scale so max(|x|, |y|) = 1, in place. A single point or a zero-extent set stays at 0. */
export function normaliseCoords(xy: Float32Array): Float32Array {
  const n = xy.length / 2;
  if (n === 0) return xy;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i]!, y = xy[2 * i + 1]!;
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
  const half = Math.max(maxX - minX, maxY - minY) / 2;
  const s = half > 0 ? 1 / half : 0;
  for (let i = 0; i < n; i++) {
    xy[2 * i] = (xy[2 * i]! - cx) * s;
    xy[2 * i + 1] = (xy[2 * i + 1]! - cy) * s;
  }
  return xy;
}

/**
 * Lays out `input` in 2-D; returns ids.length × 2 coordinates in the caller's row order.
 * Cost (measured, bench/map-bench.ts): dominated by UMAP's epochs, O(n · nNeighbors · epochs).
 */
export async function computeLayout(input: LayoutInput, opts: LayoutOptions = {}): Promise<Float32Array> {
  const { ids, vectors, dims } = input;
  const n = ids.length;
  if (vectors.length !== n * dims) throw new Error(`layout: ${vectors.length} floats for ${n} papers × ${dims} dims`);
  const order = canonicalOrder(ids);
  const out = new Float32Array(n * 2);
  if (n <= 3) {
    // Too few for a neighbourhood graph: spread along x in id order (deterministic, readable).
    order.forEach((row, k) => (out[2 * row] = n === 1 ? 0 : -1 + (2 * k) / (n - 1)));
    return out;
  }
  const rows: number[][] = order.map((r) => Array.from(vectors.subarray(r * dims, (r + 1) * dims)));
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(LAYOUT_PARAMS.nNeighbors, n - 1),
    minDist: LAYOUT_PARAMS.minDist,
    spread: LAYOUT_PARAMS.spread,
    random: mulberry32(LAYOUT_PARAMS.seed),
  });
  opts.onProgress?.({ phase: 'neighbours', done: 0, total: 0 });
  if (opts.signal?.aborted) throw abortError();
  const epochs = umap.initializeFit(rows);
  const every = Math.max(1, opts.yieldEvery ?? 10);
  opts.onProgress?.({ phase: 'optimise', done: 0, total: epochs });
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if ((e + 1) % every === 0 || e + 1 === epochs) {
      opts.onProgress?.({ phase: 'optimise', done: e + 1, total: epochs });
      await new Promise<void>((r) => setTimeout(r, 0));
      if (opts.signal?.aborted) throw abortError();
    }
  }
  const emb = umap.getEmbedding();
  order.forEach((row, k) => {
    out[2 * row] = emb[k]![0]!;
    out[2 * row + 1] = emb[k]![1]!;
  });
  return normaliseCoords(out);
}
