/**
 * Euclidean k-means (Lloyd) with k-means++ seeding from a seeded PRNG, and the silhouette score
 * used to pick k. Deterministic for the same rows in the same order. Used on the 2-D layout (see
 * cluster.ts for why there and not on the vectors), but written for any dimension.
 */
import { mulberry32 } from './random.ts';

export interface KMeansResult {
  k: number;
  /** Cluster of each row, 0..k-1. */
  assignment: Int32Array;
  /** k × dims. */
  centroids: Float64Array;
  /** Sum of squared distances of rows to their centroid. */
  inertia: number;
}

function dist2(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, dims: number): number {
  let s = 0;
  for (let d = 0; d < dims; d++) {
    const x = a[ao + d]! - b[bo + d]!;
    s += x * x;
  }
  return s;
}

function once(rows: ArrayLike<number>, dims: number, k: number, rnd: () => number, maxIter: number): KMeansResult {
  const n = rows.length / dims;
  const centroids = new Float64Array(k * dims);
  const near = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(rnd() * n);
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < dims; d++) centroids[c * dims + d] = rows[pick * dims + d]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = dist2(rows, i * dims, centroids, c * dims, dims);
      if (d < near[i]!) near[i] = d;
      total += near[i]!;
    }
    if (c + 1 === k) break;
    let r = rnd() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= near[i]!;
      if (r <= 0) {
        pick = i;
        break;
      }
    }
  }
  const assignment = new Int32Array(n).fill(-1);
  const counts = new Int32Array(k);
  let inertia = 0;
  for (let iter = 0; iter < maxIter; iter++) {
    let changed = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = dist2(rows, i * dims, centroids, c * dims, dims);
        if (d < bestD) [best, bestD] = [c, d];
      }
      if (assignment[i] !== best) changed++;
      assignment[i] = best;
      inertia += bestD;
    }
    if (changed === 0) break;
    centroids.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      counts[c]!++;
      for (let d = 0; d < dims; d++) centroids[c * dims + d]! += rows[i * dims + d]!;
    }
    for (let c = 0; c < k; c++) if (counts[c]! > 0) for (let d = 0; d < dims; d++) centroids[c * dims + d]! /= counts[c]!;
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) continue;
      // An emptied cluster restarts at the row farthest from its centroid (lowest index on ties).
      let far = 0;
      let farD = -1;
      for (let i = 0; i < n; i++) {
        const d = dist2(rows, i * dims, centroids, assignment[i]! * dims, dims);
        if (d > farD) [far, farD] = [i, d];
      }
      for (let d = 0; d < dims; d++) centroids[c * dims + d] = rows[far * dims + d]!;
      assignment[far] = c;
    }
  }
  return { k, assignment, centroids, inertia };
}

/** Best of `restarts` k-means++ runs (lowest inertia); all draws come from one PRNG seeded with `seed`. */
export function kmeans(rows: ArrayLike<number>, dims: number, k: number, opts: { seed?: number; restarts?: number; maxIter?: number } = {}): KMeansResult {
  const n = rows.length / dims;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new Error(`kmeans: k=${k} for ${n} rows`);
  const rnd = mulberry32(opts.seed ?? 1);
  let best: KMeansResult | undefined;
  for (let r = 0; r < (opts.restarts ?? 4); r++) {
    const res = once(rows, dims, k, rnd, opts.maxIter ?? 100);
    if (!best || res.inertia < best.inertia) best = res;
  }
  return best!;
}

/**
 * Mean silhouette (Rousseeuw 1987) with Euclidean distance: per row (b − a) / max(a, b), a = mean
 * distance to its own cluster, b = to the nearest other cluster; rows with assignment < 0 are
 * skipped. O(m² · dims) over `sample` evenly spaced rows: a model-selection score, not a result.
 */
export function silhouette(rows: ArrayLike<number>, dims: number, assignment: ArrayLike<number>, k: number, sample = 1000): number {
  const n = rows.length / dims;
  const idx: number[] = [];
  const step = Math.max(1, n / sample);
  for (let x = 0; x < n; x += step) idx.push(Math.floor(x));
  let sum = 0;
  let counted = 0;
  const dist = new Float64Array(k);
  const cnt = new Float64Array(k);
  for (const i of idx) {
    const own = assignment[i]!;
    if (own < 0) continue;
    dist.fill(0);
    cnt.fill(0);
    for (const j of idx) {
      const c = assignment[j]!;
      if (j === i || c < 0) continue;
      dist[c]! += Math.sqrt(dist2(rows, i * dims, rows, j * dims, dims));
      cnt[c]!++;
    }
    if (cnt[own] === 0) continue;
    const a = dist[own]! / cnt[own]!;
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own && cnt[c]! > 0) b = Math.min(b, dist[c]! / cnt[c]!);
    if (!Number.isFinite(b)) continue;
    sum += (b - a) / Math.max(a, b);
    counted++;
  }
  return counted ? sum / counted : 0;
}
