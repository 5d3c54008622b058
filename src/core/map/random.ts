/**
 * Seeded PRNG for the map: every random choice of the layout (UMAP's initialisation, neighbour
 * descent and negative sampling) and of clustering (k-means++ seeding) draws from one of these, so
 * the same papers and vectors always give the same map, in Node and in a worker alike.
 */

/** mulberry32: 32-bit state, uniform in [0, 1). Small, fast and good enough for sampling. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
