/**
 * Clusters of the map: k-means on the 2-D layout, k picked by silhouette within a readable range.
 *
 * Why the layout and not the vectors, and why not HDBSCAN (measured on the 204 seed papers,
 * bge-small vectors, see the map section of bench/README.md):
 * - The corpus is one field, a continuum rather than islands: the silhouette of k-means on the
 *   384-d vectors is 0.08–0.11 for every k from 4 to 16.
 * - HDBSCAN leaves most papers unclustered: 51–78% "noise" on the layout (minClusterSize 4–10),
 *   90–94% on the vectors. A map where most points belong to no named region names nothing.
 * - k-means on the vectors makes clusters that are scattered over the map: only 50–61% of a
 *   paper's 10 nearest map neighbours share its cluster, so a label placed at a cluster's centre
 *   sits on other clusters' papers. k-means on the layout gives contiguous regions (77–86%),
 *   because UMAP has already turned neighbourhoods into proximity, at a small cost in vector-space
 *   separation (silhouette 0.05–0.06 instead of 0.08).
 * - k: silhouette on the layout alone prefers 3–4 regions (UMAP's large islands), too coarse to
 *   name sub-fields, so k is searched within [≈√(n/4), ≈√n] (7–14 for 204 papers), clamped to
 *   [2, 24] so a big library still gets a legible list.
 */
import { kmeans, silhouette } from './kmeans.ts';

export interface MapClusters {
  k: number;
  /** Cluster of each row (layout row order), 0..k-1. */
  assignment: Int32Array;
  /** k × 2 cluster centres on the map (mean of members). */
  centers: Float32Array;
  /** Members per cluster. */
  sizes: number[];
  /** Silhouette (layout space) of the chosen k, for reports. */
  silhouette: number;
}

export const CLUSTER_SEED = 7;

/** The k range searched for n papers (inclusive). */
export function kRange(n: number): [number, number] {
  const lo = Math.min(12, Math.max(2, Math.round(Math.sqrt(n / 4))));
  const hi = Math.min(24, Math.max(lo, Math.round(Math.sqrt(n))));
  return [Math.min(lo, n), Math.min(hi, n)];
}

/** Clusters of layout coordinates (n × 2). Fewer than 4 papers form one cluster. */
export function clusterLayout(coords: Float32Array): MapClusters {
  const n = coords.length / 2;
  const finish = (k: number, assignment: Int32Array, sil: number): MapClusters => {
    const centers = new Float32Array(k * 2);
    const sizes = new Array<number>(k).fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      sizes[c]!++;
      centers[2 * c]! += coords[2 * i]!;
      centers[2 * c + 1]! += coords[2 * i + 1]!;
    }
    for (let c = 0; c < k; c++) {
      centers[2 * c]! /= sizes[c] || 1;
      centers[2 * c + 1]! /= sizes[c] || 1;
    }
    return { k, assignment, centers, sizes, silhouette: sil };
  };
  if (n === 0) return finish(0, new Int32Array(0), 0);
  if (n < 4) return finish(1, new Int32Array(n), 0);
  const [lo, hi] = kRange(n);
  let best: { k: number; a: Int32Array; s: number } | undefined;
  for (let k = lo; k <= hi; k++) {
    const { assignment } = kmeans(coords, 2, k, { seed: CLUSTER_SEED });
    const s = silhouette(coords, 2, assignment, k);
    // Ties (within 1e-9) keep the smaller k: fewer labels to read.
    if (!best || s > best.s + 1e-9) best = { k, a: assignment, s };
  }
  return orderBySize(finish(best!.k, best!.a, best!.s));
}

/** Renumbers clusters largest first (ties: by centre x, then y), so ids are stable and lists read naturally. */
function orderBySize(c: MapClusters): MapClusters {
  const order = c.sizes.map((_, i) => i);
  order.sort((a, b) => c.sizes[b]! - c.sizes[a]! || c.centers[2 * a]! - c.centers[2 * b]! || c.centers[2 * a + 1]! - c.centers[2 * b + 1]!);
  const rank = new Int32Array(c.k);
  order.forEach((old, i) => (rank[old] = i));
  const centers = new Float32Array(c.k * 2);
  order.forEach((old, i) => {
    centers[2 * i] = c.centers[2 * old]!;
    centers[2 * i + 1] = c.centers[2 * old + 1]!;
  });
  return {
    k: c.k,
    assignment: c.assignment.map((a) => rank[a]!),
    centers,
    sizes: order.map((old) => c.sizes[old]!),
    silhouette: c.silhouette,
  };
}
