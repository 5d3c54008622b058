/**
 * A finished map as it is shipped (scripts/precompute-map.ts → public/precomputed/) and persisted
 * (IndexedDB, through the Store's meta/blob interface): coordinates, clusters and their labels,
 * under the persistence key it was made for (key.ts). Pure: no DOM, no `node:`.
 *
 * Invariants: rows 0..laidOut-1 were laid out together by UMAP; rows from laidOut on were placed
 * later from their neighbours (place.ts). Every array has one entry per row of `ids`.
 */
export const MAP_FORMAT = 'abstract-atlas/map';
export const MAP_VERSION = 1;

export interface MapCluster {
  /** 0..k-1, largest cluster first. */
  id: number;
  size: number;
  /** Mean position of the members. */
  center: [number, number];
  /** Distinctive terms, most distinctive first (labels.ts). */
  terms: string[];
}

export interface PaperMap {
  key: string;
  ids: string[];
  /** ids.length × 2, in [-1, 1]. */
  coords: Float32Array;
  laidOut: number;
  /** Cluster id of each row. */
  cluster: Int32Array;
  clusters: MapCluster[];
}

export interface PaperMapJson {
  format: typeof MAP_FORMAT;
  version: number;
  key: string;
  ids: string[];
  coords: number[];
  laidOut: number;
  cluster: number[];
  clusters: MapCluster[];
}

export function mapToJson(m: PaperMap): PaperMapJson {
  return {
    format: MAP_FORMAT,
    version: MAP_VERSION,
    key: m.key,
    ids: m.ids,
    // float32 → float64 → decimal text round-trips exactly back through Float32Array.
    coords: Array.from(m.coords),
    laidOut: m.laidOut,
    cluster: Array.from(m.cluster),
    clusters: m.clusters,
  };
}

/** First structural problem of a parsed map file, or undefined. Catches truncated or hand-edited files. */
export function mapProblem(x: unknown): string | undefined {
  if (!x || typeof x !== 'object') return 'map is not a JSON object';
  const m = x as Partial<PaperMapJson>;
  if (m.format !== MAP_FORMAT) return `map format is ${JSON.stringify(m.format)}, expected "${MAP_FORMAT}"`;
  if (m.version !== MAP_VERSION) return `map version ${m.version} is not supported (expected ${MAP_VERSION})`;
  if (typeof m.key !== 'string' || !Array.isArray(m.ids) || !m.ids.every((i) => typeof i === 'string')) return 'map has no key or ids';
  const n = m.ids.length;
  if (!Array.isArray(m.coords) || m.coords.length !== 2 * n || !m.coords.every(Number.isFinite)) return `map coords are not ${2 * n} finite numbers`;
  if (!Number.isInteger(m.laidOut) || m.laidOut! < 0 || m.laidOut! > n) return 'map laidOut is out of range';
  if (!Array.isArray(m.clusters)) return 'map has no clusters';
  const k = m.clusters.length;
  if (!Array.isArray(m.cluster) || m.cluster.length !== n || !m.cluster.every((c) => Number.isInteger(c) && c >= 0 && c < k)) return 'map cluster ids are malformed';
  for (const [i, c] of m.clusters.entries()) {
    if (!c || c.id !== i || !Array.isArray(c.terms) || !Array.isArray(c.center) || c.center.length !== 2) return `map cluster ${i} is malformed`;
  }
  return undefined;
}

export function mapFromJson(x: unknown): PaperMap {
  const p = mapProblem(x);
  if (p) throw new Error(p);
  const m = x as PaperMapJson;
  return { key: m.key, ids: m.ids, coords: Float32Array.from(m.coords), laidOut: m.laidOut, cluster: Int32Array.from(m.cluster), clusters: m.clusters };
}
