/**
 * Vector index choice, measured where the product runs it: in a Web Worker of headless Chromium.
 * One request = one size n. Exact search in f32 (ExactIndex) and in int8 with a per-vector scale
 * (Int8ExactIndex) against hnswlib-wasm HNSW (HnswIndex) at several ef: build time, query p50/p95,
 * recall@10 against exact f32, memory held, serialised size and restore time — plus the product's
 * VectorSpace building its graph in slices while questions arrive (how long a question waits).
 */
import { ExactIndex, HnswIndex } from '../../src/core/ann/index.ts';
import { Int8ExactIndex } from '../../src/core/ann/exact-int8.ts';
import { VectorSpace } from '../../src/core/search/vector-space.ts';
import type { VectorIdentity } from '../../src/core/vectors/identity.ts';
import { syntheticLike } from '../lib/synthetic.ts';
import { serve } from './raw-common.ts';

export interface AnnRequest {
  base: Float32Array;
  dims: number;
  n: number;
  queries: number;
  efs: number[];
  M: number;
  efConstruction: number;
  /** Sizes up to this also get a build without slicing, as the reference for the sliced one. */
  plainBuildMax: number;
}

export interface Timing {
  build_ms: number;
  query_ms: number[];
  recall_at_10: number;
  bytes: number;
}

export interface AnnResponse {
  n: number;
  exact_f32: Timing;
  exact_int8: Timing;
  /** Unsliced build (null above plainBuildMax). */
  hnsw_build_ms: number | null;
  hnsw_bytes: number;
  hnsw_serialize_ms: number;
  hnsw_restore_ms: number;
  /** Recall@10 of the restored graph at the first ef (must equal the built one's). */
  hnsw_restored_recall: number;
  hnsw: { ef: number; query_ms: number[]; recall_at_10: number }[];
  /** The product path: VectorSpace.setVectors then questions while the graph builds in slices. */
  incremental: { build_ms: number; waits_ms: number[]; queries_mid_build: number; slices: number; longest_slice_ms: number };
  js_heap_mb: number | null;
}

const K = 10;

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

function recall(found: number[][], truth: number[][]): number {
  let hit = 0;
  let all = 0;
  found.forEach((f, i) => {
    const t = new Set(truth[i]);
    hit += f.filter((l) => t.has(l)).length;
    all += t.size;
  });
  return hit / all;
}

serve(async (req: AnnRequest): Promise<AnnResponse> => {
  const { dims: d, n } = req;
  const data = syntheticLike(req.base, d, n, 1000 + n);
  const qs = syntheticLike(req.base, d, req.queries, 7);
  const labels = Array.from({ length: n }, (_, i) => i);
  const q = (i: number) => qs.subarray(i * d, (i + 1) * d);
  const run = (search: (x: Float32Array) => number[]) => {
    const ms: number[] = [];
    const out: number[][] = [];
    for (let i = 0; i < req.queries; i++) {
      const t = performance.now();
      out.push(search(q(i)));
      ms.push(performance.now() - t);
    }
    return { ms, out };
  };

  const f32 = new ExactIndex(d);
  const f32Build = time(() => f32.add(data, labels));
  run((x) => f32.search(x, K).map((h) => h.label)); // warm the JIT
  const truth = run((x) => f32.search(x, K).map((h) => h.label));
  const exact_f32: Timing = { build_ms: f32Build, query_ms: truth.ms, recall_at_10: 1, bytes: n * d * 4 };

  const i8 = new Int8ExactIndex(d);
  const i8Build = time(() => i8.add(data, labels));
  run((x) => i8.search(x, K).map((h) => h.label));
  const i8r = run((x) => i8.search(x, K).map((h) => h.label));
  const exact_int8: Timing = { build_ms: i8Build, query_ms: i8r.ms, recall_at_10: recall(i8r.out, truth.out), bytes: i8.bytes };

  // Reference build without slicing (small sizes only: at 100k it would double a minutes-long run).
  let hnsw_build_ms: number | null = null;
  if (n <= req.plainBuildMax) {
    const h = await HnswIndex.create(d, { M: req.M, efConstruction: req.efConstruction, capacity: n });
    const t0 = performance.now();
    const CHUNK = 2000;
    for (let s = 0; s < n; s += CHUNK) h.add(data.subarray(s * d, Math.min(n, s + CHUNK) * d), labels.slice(s, s + CHUNK));
    hnsw_build_ms = performance.now() - t0;
  }

  // Product path: the space adopts the vectors, answers by exact search at once and builds the
  // graph in slices; a question is posted every ~20 ms and we record how long past its timer it
  // waited for its answer (queued behind a slice, plus its own search: exact tail + partial graph).
  const identity: VectorIdentity = { model: 'bench/synthetic', weights: '-', dtype: 'f32', pooling: 'mean', queryPrefix: '', passagePrefix: '', dims: d, textFormat: 1 };
  const space = new VectorSpace(identity, { hnsw: { M: req.M, efConstruction: req.efConstruction } });
  const ids = labels.map(String);
  const ti = performance.now();
  await space.setVectors(ids, data);
  const waits: number[] = [];
  let mid = 0;
  while (!space.graphComplete) {
    const posted = performance.now();
    await new Promise((r) => setTimeout(r, 20));
    space.search(q(waits.length % req.queries), K, () => true);
    waits.push(performance.now() - posted - 20);
    if (!space.graphComplete) mid++;
  }
  await space.indexed();
  const build_ms = performance.now() - ti;
  const h = space.vectorIndex as HnswIndex;

  const hnsw = req.efs.map((ef) => {
    h.setEfSearch(ef);
    run((x) => h.search(x, K).map((r) => r.label));
    const r = run((x) => h.search(x, K).map((r) => r.label));
    return { ef, query_ms: r.ms, recall_at_10: recall(r.out, truth.out) };
  });
  let t = performance.now();
  const bytes = await h.serialize();
  const hnsw_serialize_ms = performance.now() - t;
  t = performance.now();
  const restored = await HnswIndex.restore(bytes, d, { efSearch: req.efs[0] });
  const hnsw_restore_ms = performance.now() - t;
  const rr = run((x) => restored.search(x, K).map((r) => r.label));
  const stats = space.buildStats;
  const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return {
    n,
    exact_f32,
    exact_int8,
    hnsw_build_ms,
    hnsw_bytes: bytes.byteLength,
    hnsw_serialize_ms,
    hnsw_restore_ms,
    hnsw_restored_recall: recall(rr.out, truth.out),
    hnsw,
    incremental: { build_ms, waits_ms: waits, queries_mid_build: mid, slices: stats.slices, longest_slice_ms: stats.longestSliceMs },
    js_heap_mb: mem ? mem.usedJSHeapSize / 2 ** 20 : null,
  };
});
