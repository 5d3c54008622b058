/**
 * Nearest-neighbour indexes over L2-normalised vectors, scored by cosine similarity (higher = closer).
 *
 * - ExactIndex: brute-force dot products over one flat Float32Array. Exact by construction; the
 *   reference in tests, and the faster choice for small collections (see EXACT_THRESHOLD).
 * - HnswIndex: hnswlib-wasm's HierarchicalNSW in the 'cosine' space, built incrementally, saved to
 *   bytes and restored from bytes so the graph is never rebuilt on reload.
 *
 * Both run unchanged in Node and in a Web Worker. hnswlib-wasm has no exported file system: its
 * writeIndex/readIndex go through an emscripten IDBFS mount whose bytes live in IndexedDB
 * (database `/hnswlib-index`, store `FILE_DATA`, key `/hnswlib-index/<name>`). serialize()/restore()
 * shuttle bytes through that scratch database and delete them again afterwards; in Node the test setup
 * provides IndexedDB through fake-indexeddb.
 */
import type { Neighbor } from '../types.ts';

export interface VectorIndex {
  readonly kind: 'exact' | 'hnsw';
  readonly dimensions: number;
  /** Number of live (not removed) vectors. */
  readonly size: number;
  /**
   * vectors: n*dimensions, L2-normalised; labels: n distinct non-negative integers.
   * Adding a label that is already present replaces its vector.
   */
  add(vectors: Float32Array, labels: number[]): void;
  /** Highest cosine first; `filter(label)` false excludes a label (used for "related: not itself" and per-collection search). */
  search(query: Float32Array, k: number, filter?: (label: number) => boolean): Neighbor[];
  remove?(label: number): void;
  serialize(): Promise<Uint8Array>;
}

/**
 * Collections smaller than this use ExactIndex. Measured in Node (CPU time, 384-d, bge-small
 * embeddings blended with noise; see the report in ann.test.ts's header): exact search costs
 * ≈0.4 µs per vector per query — 0.4 ms at 1k, 2 ms at 5k, 4 ms at 10k, 22 ms at 30k — while
 * HNSW answers in 0.25–0.35 ms at any of these sizes but must first be built at 0.3–0.6 ms per
 * vector (2–3 s for 5k) and holds ≈1.7 kB per vector. Below ~5k vectors exact search stays at or
 * under ~2 ms (≈4–5 ms on a slow laptop's WASM/JIT), costs nothing to build and loses no recall, so
 * HNSW pays off only above it.
 */
export const EXACT_THRESHOLD = 5000;

/**
 * HNSW parameters chosen by measured recall@10 against exact search on realistic vectors
 * (3k/10k/30k, noise σ 0.3 and 0.5): M=16 beats M=8/12 at low ef and costs the same to build;
 * efConstruction 200 gave no recall over 100 (0.998 vs 0.998 at 10k, σ 0.5) for 1.6× the build
 * time; ef=64 gives recall 0.998–1.000 up to 10k and 0.978 at 30k, where ef=128 gives 0.990 —
 * hence efSearch 'auto' = 64, or 128 above AUTO_EF_LARGE vectors. Confirmed in the browser worker
 * (bench ann-browser, 2026-12-02): ef 64 → 0.997 at 10k; ef 128 → 0.996 at 50k and 0.982 at 100k
 * (p50 0.8 ms; ef 64 gives 0.967 there).
 */
export const HNSW_DEFAULTS = { M: 16, efConstruction: 100, efSearch: 64 } as const;
export const AUTO_EF_LARGE = 20_000;
export const autoEf = (size: number) => (size > AUTO_EF_LARGE ? 128 : HNSW_DEFAULTS.efSearch);

export function checkBatch(dimensions: number, vectors: Float32Array, labels: number[]): void {
  if (vectors.length !== labels.length * dimensions) {
    throw new Error(`add(): ${vectors.length} floats for ${labels.length} labels of ${dimensions} dimensions (expected ${labels.length * dimensions})`);
  }
  const seen = new Set<number>();
  for (const l of labels) {
    if (!Number.isInteger(l) || l < 0 || l > 0xffffffff) throw new Error(`add(): label ${l} is not a non-negative 32-bit integer`);
    if (seen.has(l)) throw new Error(`add(): label ${l} appears twice in one batch`);
    seen.add(l);
  }
}

export function checkQuery(dimensions: number, query: Float32Array): void {
  if (query.length !== dimensions) throw new Error(`search(): query has ${query.length} dimensions, index has ${dimensions}`);
}


/** Version of the byte layout written by ExactIndex.serialize() (HnswIndex has its own: hnsw.ts HNSW_FORMAT). */
export const FORMAT_VERSION = 1;
