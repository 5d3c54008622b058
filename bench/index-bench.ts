/**
 * Vector index benchmark: our HnswIndex (hnswlib-wasm) next to native hnswlib-node and brute force
 * (our ExactIndex) on the same vectors, at several sizes. Build time, query time, recall@10 against
 * exact search, and the size of the stored index.
 *
 * Data: uniformly random 384-d vectors are a misleading worst case (recall collapses for every
 * HNSW), so vectors are shaped like real ones — each is a mix of two real seed-abstract embeddings
 * plus Gaussian noise, normalised (see `syntheticLike`). Queries are drawn the same way, never from
 * the indexed set.
 */
import '../src/node/hnswlib.ts';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExactIndex, HnswIndex, HNSW_DEFAULTS } from '../src/core/ann/index.ts';
import { recallAtK, summarize, type Summary } from './lib/stats.ts';

import { gauss, NOISE_SIGMA, rng, syntheticLike } from './lib/synthetic.ts';
export { gauss, NOISE_SIGMA, rng, syntheticLike };

/** Mean cosine of the 1st and 10th nearest neighbour of the first `probes` rows (self excluded). */
export function neighbourCosines(v: Float32Array, dims: number, probes = 100): { nn1: number; nn10: number } {
  const n = v.length / dims;
  const ex = new ExactIndex(dims);
  ex.add(v, Array.from({ length: n }, (_, i) => i));
  let s1 = 0;
  let s10 = 0;
  const m = Math.min(probes, n);
  for (let i = 0; i < m; i++) {
    const r = ex.search(v.subarray(i * dims, (i + 1) * dims), 11, (l) => l !== i);
    s1 += r[0]!.score;
    s10 += r[Math.min(9, r.length - 1)]!.score;
  }
  return { nn1: s1 / m, nn10: s10 / m };
}

export interface IndexImplResult {
  build_ms: number;
  query_ms: Summary;
  recall_at_10: number;
  stored_bytes: number;
}

export interface IndexSizeResult {
  n: number;
  queries: number;
  /** Neighbour cosines of this data set (compare with the real seed vectors' in the run's `index_data`). */
  data_nn_cosine: { nn1: number; nn10: number };
  wasm_hnsw?: IndexImplResult;
  native_hnsw?: IndexImplResult;
  exact: IndexImplResult;
  errors: string[];
}

export interface IndexBenchOptions {
  sizes: number[];
  queries: number;
  M: number;
  efConstruction: number;
  efSearch: number;
  log: (s: string) => void;
}

const K = 10;

function row(v: Float32Array, dims: number, i: number): Float32Array {
  return v.subarray(i * dims, (i + 1) * dims);
}

function timeQueries(q: Float32Array, dims: number, nq: number, search: (x: Float32Array) => number[]): { ms: number[]; labels: number[][] } {
  const ms: number[] = [];
  const labels: number[][] = [];
  for (let i = 0; i < nq; i++) {
    const t = performance.now();
    labels.push(search(row(q, dims, i)));
    ms.push(performance.now() - t);
  }
  return { ms, labels };
}

export async function benchIndex(base: Float32Array, dims: number, o: IndexBenchOptions): Promise<IndexSizeResult[]> {
  const results: IndexSizeResult[] = [];
  const queries = syntheticLike(base, dims, o.queries, 7);
  for (const n of o.sizes) {
    const data = syntheticLike(base, dims, n, 1000 + n);
    const labels = Array.from({ length: n }, (_, i) => i);
    const errors: string[] = [];

    // Exact: the reference for recall, and the brute-force timing.
    let t = performance.now();
    const exact = new ExactIndex(dims);
    exact.add(data, labels);
    const exactBuild = performance.now() - t;
    const ex = timeQueries(queries, dims, o.queries, (x) => exact.search(x, K).map((h) => h.label));
    const exactRes: IndexImplResult = {
      build_ms: exactBuild,
      query_ms: summarize(ex.ms),
      recall_at_10: recallAtK(ex.labels, ex.labels),
      stored_bytes: (await exact.serialize()).byteLength,
    };
    o.log(`  n=${n} exact: query p50 ${exactRes.query_ms.median.toFixed(2)} ms`);
    const res: IndexSizeResult = { n, queries: o.queries, data_nn_cosine: neighbourCosines(data, dims), exact: exactRes, errors };

    // Ours: hnswlib-wasm through HnswIndex.
    try {
      t = performance.now();
      const h = await HnswIndex.create(dims, { M: o.M, efConstruction: o.efConstruction, efSearch: o.efSearch, capacity: n });
      h.add(data, labels);
      const build = performance.now() - t;
      const hq = timeQueries(queries, dims, o.queries, (x) => h.search(x, K).map((r) => r.label));
      const bytes = await h.serialize();
      res.wasm_hnsw = { build_ms: build, query_ms: summarize(hq.ms), recall_at_10: recallAtK(hq.labels, ex.labels), stored_bytes: bytes.byteLength };
      o.log(`  n=${n} wasm hnsw: build ${(build / 1000).toFixed(1)} s, query p50 ${res.wasm_hnsw.query_ms.median.toFixed(3)} ms, recall@10 ${res.wasm_hnsw.recall_at_10.toFixed(3)}`);
    } catch (e) {
      errors.push(`wasm_hnsw: ${(e as Error).message}`);
    }

    // Native hnswlib-node (optional dependency): same parameters, same data.
    try {
      const { default: hnswlib } = (await import('hnswlib-node')) as unknown as { default: typeof import('hnswlib-node') };
      t = performance.now();
      const idx = new hnswlib.HierarchicalNSW('cosine', dims);
      idx.initIndex(n, o.M, o.efConstruction, 100);
      for (let i = 0; i < n; i++) idx.addPoint(Array.from(row(data, dims, i)), i);
      const build = performance.now() - t;
      idx.setEf(o.efSearch);
      const nq = timeQueries(queries, dims, o.queries, (x) => idx.searchKnn(Array.from(x), K).neighbors);
      const dir = mkdtempSync(join(tmpdir(), 'atlas-bench-hnsw-'));
      const file = join(dir, 'index.bin');
      await idx.writeIndex(file);
      const bytes = statSync(file).size;
      rmSync(dir, { recursive: true, force: true });
      res.native_hnsw = { build_ms: build, query_ms: summarize(nq.ms), recall_at_10: recallAtK(nq.labels, ex.labels), stored_bytes: bytes };
      o.log(`  n=${n} native hnsw: build ${(build / 1000).toFixed(1)} s, query p50 ${res.native_hnsw.query_ms.median.toFixed(3)} ms, recall@10 ${res.native_hnsw.recall_at_10.toFixed(3)}`);
    } catch (e) {
      errors.push(`native_hnsw: ${(e as Error).message}`);
    }
    results.push(res);
  }
  return results;
}

export const INDEX_PARAMS = HNSW_DEFAULTS;
