/**
 * Incremental placement: papers added after a layout was made are put at once next to their
 * nearest laid-out neighbours (a similarity-weighted mean of the neighbours' positions) instead of
 * re-running UMAP. This is what UMAP's own `transform` initialises new points with; skipping its
 * extra optimisation keeps it instant and deterministic.
 *
 * Limits (why re-layout is offered, see relayoutRecommended): a placed paper always lands inside
 * the convex hull of existing points, so a new topic that has no neighbours on the map is drawn
 * between old clusters rather than as a cluster of its own.
 */

export interface PlacedBase {
  /** Row-major vectors of the laid-out papers, n × dims, L2-normalised. */
  vectors: Float32Array;
  /** n × 2 coordinates of the same rows. */
  coords: Float32Array;
  dims: number;
}

/** Neighbours used per new paper. 5 is few enough to stay inside one cluster, enough to smooth noise. */
export const PLACE_K = 5;

/**
 * Coordinates for `added` (m × dims vectors) from the `k` most similar rows of `base` (exact cosine:
 * dot products of normalised vectors, O(m · n · dims)). Weights are max(sim, 0)^4 so the closest
 * neighbour dominates; ties go to the lower row. Empty base → all at the origin.
 */
export interface Placement {
  /** m × 2 coordinates. */
  coords: Float32Array;
  /** The most similar laid-out row of each added paper (−1 when the base is empty). */
  nearest: Int32Array;
}

export function placeNew(base: PlacedBase, added: Float32Array, k = PLACE_K): Placement {
  const { vectors, coords, dims } = base;
  const n = vectors.length / dims;
  const m = added.length / dims;
  const out = new Float32Array(m * 2);
  const nearest = new Int32Array(m).fill(-1);
  if (n === 0) return { coords: out, nearest };
  const kk = Math.min(k, n);
  const sims = new Float32Array(n);
  const best: number[] = [];
  for (let j = 0; j < m; j++) {
    const q = added.subarray(j * dims, (j + 1) * dims);
    for (let i = 0; i < n; i++) {
      let s = 0;
      const off = i * dims;
      for (let d = 0; d < dims; d++) s += q[d]! * vectors[off + d]!;
      sims[i] = s;
    }
    // Partial selection of the top kk (kk is tiny: insertion into a sorted list of row indices).
    best.length = 0;
    for (let i = 0; i < n; i++) {
      if (best.length === kk && sims[i]! <= sims[best[kk - 1]!]!) continue;
      let p = best.length === kk ? kk - 1 : best.length;
      while (p > 0 && sims[best[p - 1]!]! < sims[i]!) {
        best[p] = best[p - 1]!;
        p--;
      }
      best[p] = i;
    }
    nearest[j] = best[0]!;
    let wx = 0, wy = 0, wsum = 0;
    for (const i of best) {
      const w = Math.max(sims[i]!, 0) ** 4;
      wx += w * coords[2 * i]!;
      wy += w * coords[2 * i + 1]!;
      wsum += w;
    }
    if (wsum > 0) {
      out[2 * j] = wx / wsum;
      out[2 * j + 1] = wy / wsum;
    } else {
      // Orthogonal or opposite to everything: the nearest row anyway, rather than the origin.
      out[2 * j] = coords[2 * best[0]!]!;
      out[2 * j + 1] = coords[2 * best[0]! + 1]!;
    }
  }
  return { coords: out, nearest };
}

/**
 * Offer "re-layout" once placed papers are a fifth of those laid out (at least 10): from then on
 * a sizeable part of the map was never optimised and may hide a topic of its own (see above).
 * Deleting papers never asks for it: the remaining points keep a valid layout.
 */
export const RELAYOUT_FRACTION = 0.2;
export const RELAYOUT_MIN_ADDED = 10;

export function relayoutRecommended(laidOut: number, placed: number): boolean {
  return placed >= RELAYOUT_MIN_ADDED && placed >= RELAYOUT_FRACTION * laidOut;
}
