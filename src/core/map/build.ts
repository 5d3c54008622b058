/**
 * Making and extending a map: layout (layout.ts) → clusters (cluster.ts) → labels (labels.ts),
 * and placing papers added later (place.ts). Pure; the map worker, the build step and tests call it.
 */
import { clusterLayout } from './cluster.ts';
import { mapKey, type MapPaperRow } from './key.ts';
import { clusterLabels, type LabelDoc } from './labels.ts';
import { computeLayout, type LayoutOptions } from './layout.ts';
import type { MapCluster, PaperMap } from './map-format.ts';
import { placeNew, relayoutRecommended } from './place.ts';

export interface MapPaper extends MapPaperRow, LabelDoc {}

export interface MapInput {
  /** Identity of the vectors (store.ts modelKey): part of the key. */
  vectorIdentity: string;
  papers: readonly MapPaper[];
  /** papers.length × dims, row i belongs to papers[i]. */
  vectors: Float32Array;
  dims: number;
}

function describeClusters(papers: readonly LabelDoc[], cluster: Int32Array, k: number, centers: Float32Array, sizes: number[]): MapCluster[] {
  const labels = clusterLabels(papers, cluster, k);
  return labels.map((l, id) => ({ id, size: sizes[id]!, center: [centers[2 * id]!, centers[2 * id + 1]!], terms: l.terms }));
}

/** Lays out all papers and names their clusters. */
export async function buildMap(input: MapInput, opts: LayoutOptions = {}): Promise<PaperMap> {
  const { papers, vectors, dims } = input;
  const ids = papers.map((p) => p.id);
  const coords = await computeLayout({ ids, vectors, dims }, opts);
  const c = clusterLayout(coords);
  return {
    key: mapKey(input.vectorIdentity, papers),
    ids,
    coords,
    laidOut: ids.length,
    cluster: c.assignment,
    clusters: describeClusters(papers, c.assignment, c.k, c.centers, c.sizes),
  };
}

export interface ExtendInput {
  vectorIdentity: string;
  /** The existing map's papers, in its row order (same ids as map.ids). */
  papers: readonly MapPaper[];
  /** Their vectors, same order. */
  vectors: Float32Array;
  /** Papers to add (not on the map yet) and their vectors. */
  added: readonly MapPaper[];
  addedVectors: Float32Array;
  dims: number;
}

/**
 * The map with `added` placed from their neighbours, appended after the existing rows. A new
 * paper joins its nearest neighbour's cluster; cluster sizes and labels are recomputed over all
 * members (cheap: no layout), centres are left where the laid-out members put them.
 */
export function extendMap(map: PaperMap, input: ExtendInput): PaperMap & { relayoutRecommended: boolean } {
  if (input.papers.length !== map.ids.length || input.papers.some((p, i) => p.id !== map.ids[i])) throw new Error('extendMap: papers are not the map\'s rows');
  const { coords: placed, nearest } = placeNew({ vectors: input.vectors, coords: map.coords, dims: input.dims }, input.addedVectors);
  const n = map.ids.length;
  const m = input.added.length;
  const coords = new Float32Array((n + m) * 2);
  coords.set(map.coords);
  coords.set(placed, n * 2);
  const cluster = new Int32Array(n + m);
  cluster.set(map.cluster);
  for (let j = 0; j < m; j++) cluster[n + j] = nearest[j]! >= 0 ? map.cluster[nearest[j]!]! : 0;
  const all = [...input.papers, ...input.added];
  // An empty map has no cluster to join: everything added forms one until a re-layout.
  const k = Math.max(map.clusters.length, m > 0 ? 1 : 0);
  const sizes = new Array<number>(k).fill(0);
  for (const c of cluster) sizes[c]!++;
  const centers = new Float32Array(k * 2);
  map.clusters.forEach((c, i) => centers.set(c.center, 2 * i));
  if (map.clusters.length === 0 && k === 1) centers.set([placed[0] ?? 0, placed[1] ?? 0]);
  return {
    key: mapKey(input.vectorIdentity, all),
    ids: all.map((p) => p.id),
    coords,
    laidOut: map.laidOut,
    cluster,
    clusters: k ? describeClusters(all, cluster, k, centers, sizes) : [],
    relayoutRecommended: relayoutRecommended(map.laidOut, n + m - map.laidOut),
  };
}

/**
 * The map without the rows `keep` rejects (papers deleted, out of scope, or whose text changed):
 * the remaining points keep their positions (a valid layout stays valid when points leave), empty
 * clusters are dropped and the rest renumbered largest first, sizes, centres and labels recomputed
 * from the members that remain. `papers` are the kept rows in map order (their text feeds labels).
 */
export function restrictMap(map: PaperMap, vectorIdentity: string, papers: readonly MapPaper[]): PaperMap {
  const rowOf = new Map(map.ids.map((id, i) => [id, i]));
  const rows = papers.map((p) => {
    const r = rowOf.get(p.id);
    if (r === undefined) throw new Error(`restrictMap: ${p.id} is not on the map`);
    return r;
  });
  for (let j = 1; j < rows.length; j++) if (rows[j]! <= rows[j - 1]!) throw new Error('restrictMap: papers must be in map row order');
  const coords = new Float32Array(rows.length * 2);
  const sizes = new Array<number>(map.clusters.length).fill(0);
  const sums = new Float64Array(map.clusters.length * 2);
  rows.forEach((r, j) => {
    coords[2 * j] = map.coords[2 * r]!;
    coords[2 * j + 1] = map.coords[2 * r + 1]!;
    const c = map.cluster[r]!;
    sizes[c]!++;
    sums[2 * c]! += coords[2 * j]!;
    sums[2 * c + 1]! += coords[2 * j + 1]!;
  });
  const order = sizes.map((_, c) => c).filter((c) => sizes[c]! > 0).sort((a, b) => sizes[b]! - sizes[a]! || a - b);
  const rank = new Int32Array(map.clusters.length).fill(-1);
  order.forEach((old, i) => (rank[old] = i));
  const cluster = Int32Array.from(rows, (r) => rank[map.cluster[r]!]!);
  const centers = new Float32Array(order.length * 2);
  order.forEach((old, i) => {
    centers[2 * i] = sums[2 * old]! / sizes[old]!;
    centers[2 * i + 1] = sums[2 * old + 1]! / sizes[old]!;
  });
  return {
    key: mapKey(vectorIdentity, papers),
    ids: papers.map((p) => p.id),
    coords,
    laidOut: rows.filter((r) => r < map.laidOut).length,
    cluster,
    clusters: order.length ? describeClusters(papers, cluster, order.length, centers, order.map((c) => sizes[c]!)) : [],
  };
}
