/**
 * The map's pure core (src/core/map): deterministic layout, persistence keys, incremental
 * placement, clustering and c-TF-IDF labels. Data are generated (seeded), never hand-picked: groups
 * of vectors around random centres, and documents whose distinctive words are made up per group.
 */
import { describe, expect, it } from 'vitest';
import { computeLayout, canonicalOrder, normaliseCoords } from '../../src/core/map/layout.ts';
import { mapKey, paperSetHash } from '../../src/core/map/key.ts';
import { placeNew, relayoutRecommended, RELAYOUT_MIN_ADDED } from '../../src/core/map/place.ts';
import { clusterLayout, kRange } from '../../src/core/map/cluster.ts';
import { kmeans, silhouette } from '../../src/core/map/kmeans.ts';
import { clusterLabels } from '../../src/core/map/labels.ts';
import { buildMap, extendMap, type MapPaper } from '../../src/core/map/build.ts';
import { mapFromJson, mapProblem, mapToJson } from '../../src/core/map/map-format.ts';
import { mulberry32 } from '../../src/core/map/random.ts';

const DIMS = 32;

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** `groups` random unit centres, `per` unit vectors around each (noise sigma), row-major. */
function groupedVectors(groups: number, per: number, seed: number, sigma = 0.15): { vectors: Float32Array; group: number[] } {
  const r = mulberry32(seed);
  const centres = Array.from({ length: groups }, () => Array.from({ length: DIMS }, () => gauss(r)));
  const vectors = new Float32Array(groups * per * DIMS);
  const group: number[] = [];
  for (let g = 0; g < groups; g++)
    for (let p = 0; p < per; p++) {
      const row = group.length;
      let norm = 0;
      for (let d = 0; d < DIMS; d++) {
        const v = centres[g]![d]! / Math.sqrt(DIMS) + sigma * gauss(r);
        vectors[row * DIMS + d] = v;
        norm += v * v;
      }
      for (let d = 0; d < DIMS; d++) vectors[row * DIMS + d]! /= Math.sqrt(norm);
      group.push(g);
    }
  return { vectors, group };
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `p${String(i).padStart(4, '0')}`);
const dist = (c: Float32Array, i: number, j: number) => Math.hypot(c[2 * i]! - c[2 * j]!, c[2 * i + 1]! - c[2 * j + 1]!);

describe('layout', () => {
  it('is deterministic and independent of input order', async () => {
    const { vectors } = groupedVectors(3, 20, 1);
    const idList = ids(60);
    const a = await computeLayout({ ids: idList, vectors, dims: DIMS });
    const b = await computeLayout({ ids: idList, vectors, dims: DIMS });
    expect(Array.from(b)).toEqual(Array.from(a));
    // Reverse the rows: each paper must land at the same coordinates.
    const rev = idList.map((_, i) => 59 - i);
    const rv = new Float32Array(vectors.length);
    rev.forEach((src, dst) => rv.set(vectors.subarray(src * DIMS, (src + 1) * DIMS), dst * DIMS));
    const c = await computeLayout({ ids: rev.map((i) => idList[i]!), vectors: rv, dims: DIMS });
    rev.forEach((src, dst) => {
      expect(c[2 * dst]).toBe(a[2 * src]);
      expect(c[2 * dst + 1]).toBe(a[2 * src + 1]);
    });
  });

  it('keeps groups of similar vectors together, normalised to [-1, 1]', async () => {
    const { vectors, group } = groupedVectors(3, 20, 2);
    const xy = await computeLayout({ ids: ids(60), vectors, dims: DIMS });
    let maxAbs = 0;
    for (const v of xy) maxAbs = Math.max(maxAbs, Math.abs(v));
    expect(maxAbs).toBeCloseTo(1, 5);
    // Every point's nearest map neighbour belongs to its own group.
    for (let i = 0; i < 60; i++) {
      let best = -1;
      for (let j = 0; j < 60; j++) if (j !== i && (best < 0 || dist(xy, i, j) < dist(xy, i, best))) best = j;
      expect(group[best]).toBe(group[i]);
    }
  });

  it('reports progress, handles tiny inputs and rejects duplicate ids', async () => {
    const { vectors } = groupedVectors(2, 10, 3);
    const seen: string[] = [];
    await computeLayout({ ids: ids(20), vectors, dims: DIMS }, { onProgress: (p) => seen.push(p.phase) });
    expect(seen[0]).toBe('neighbours');
    expect(seen.filter((p) => p === 'optimise').length).toBeGreaterThan(2);
    expect(await computeLayout({ ids: [], vectors: new Float32Array(0), dims: DIMS })).toHaveLength(0);
    expect(Array.from(await computeLayout({ ids: ['a'], vectors: vectors.subarray(0, DIMS), dims: DIMS }))).toEqual([0, 0]);
    expect(() => canonicalOrder(['a', 'b', 'a'])).toThrow(/duplicate paper id a/);
    await expect(computeLayout({ ids: ['a', 'b'], vectors: vectors.subarray(0, DIMS), dims: DIMS })).rejects.toThrow(/floats/);
  });

  it('stops at the next epoch when aborted', async () => {
    const { vectors } = groupedVectors(2, 10, 3);
    const ac = new AbortController();
    const p = computeLayout({ ids: ids(20), vectors, dims: DIMS }, { signal: ac.signal, onProgress: (x) => x.done >= 20 && ac.abort() });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('normalises without distortion', () => {
    const xy = normaliseCoords(Float32Array.from([2, 2, 4, 3, 6, 2]));
    expect(Array.from(xy)).toEqual([-1, -0.25, 0, 0.25, 1, -0.25]);
  });
});

describe('persistence key', () => {
  const rows = [{ id: 'a', textHash: '1' }, { id: 'b', textHash: '2' }];
  it('ignores order but changes with the paper set, a paper\'s text and the vector identity', () => {
    const k = mapKey('model@sha', rows);
    expect(mapKey('model@sha', [...rows].reverse())).toBe(k);
    expect(mapKey('model@sha', [...rows, { id: 'c', textHash: '3' }])).not.toBe(k);
    expect(mapKey('model@sha', rows.slice(0, 1))).not.toBe(k);
    expect(mapKey('model@sha', [rows[0]!, { id: 'b', textHash: '9' }])).not.toBe(k);
    expect(mapKey('other@sha', rows)).not.toBe(k);
    expect(paperSetHash([])).not.toBe(paperSetHash(rows));
    expect(() => mapKey('', rows)).toThrow(/identity/);
  });
});

describe('incremental placement', () => {
  it('puts a new paper next to its nearest neighbours, not elsewhere', async () => {
    const { vectors, group } = groupedVectors(3, 20, 4);
    const coords = await computeLayout({ ids: ids(60), vectors, dims: DIMS });
    // A slightly perturbed copy of each of a few rows.
    const r = mulberry32(9);
    const probes = [0, 25, 47];
    const added = new Float32Array(probes.length * DIMS);
    probes.forEach((row, j) => {
      let norm = 0;
      for (let d = 0; d < DIMS; d++) {
        const v = vectors[row * DIMS + d]! + 0.01 * gauss(r);
        added[j * DIMS + d] = v;
        norm += v * v;
      }
      for (let d = 0; d < DIMS; d++) added[j * DIMS + d]! /= Math.sqrt(norm);
    });
    const { coords: placed, nearest } = placeNew({ vectors, coords, dims: DIMS }, added);
    probes.forEach((row, j) => {
      expect(nearest[j]).toBe(row);
      const all = new Float32Array([...coords, placed[2 * j]!, placed[2 * j + 1]!]);
      const me = 60;
      // Closer to the rows of its group's centre than to any row of another group.
      let ownMean = 0, otherMin = Infinity, own = 0;
      for (let i = 0; i < 60; i++) {
        if (group[i] === group[row]) {
          ownMean += dist(all, me, i);
          own++;
        } else otherMin = Math.min(otherMin, dist(all, me, i));
      }
      expect(ownMean / own).toBeLessThan(otherMin);
    });
  });

  it('recommends a re-layout once many papers were placed', () => {
    expect(relayoutRecommended(200, RELAYOUT_MIN_ADDED - 1)).toBe(false);
    expect(relayoutRecommended(200, 39)).toBe(false);
    expect(relayoutRecommended(200, 40)).toBe(true);
    expect(relayoutRecommended(10, RELAYOUT_MIN_ADDED)).toBe(true);
    expect(relayoutRecommended(10, RELAYOUT_MIN_ADDED - 1)).toBe(false);
  });
});

describe('clusters', () => {
  it('k-means is deterministic and silhouette ranks a true partition above a random one', () => {
    const r = mulberry32(5);
    const pts = new Float32Array(90 * 2);
    for (let i = 0; i < 90; i++) {
      pts[2 * i] = [0, 5, 10][i % 3]! + 0.5 * gauss(r);
      pts[2 * i + 1] = 0.5 * gauss(r);
    }
    const a = kmeans(pts, 2, 3, { seed: 3 });
    expect(Array.from(kmeans(pts, 2, 3, { seed: 3 }).assignment)).toEqual(Array.from(a.assignment));
    const truth = Array.from({ length: 90 }, (_, i) => i % 3);
    const shuffled = truth.map((_, i) => Math.floor(i / 30));
    expect(silhouette(pts, 2, truth, 3)).toBeGreaterThan(0.7);
    expect(silhouette(pts, 2, shuffled, 3)).toBeLessThan(0.1);
    // The found partition is the true one up to renaming.
    for (let i = 3; i < 90; i++) expect(a.assignment[i] === a.assignment[i % 3]).toBe(true);
  });

  it('makes contiguous regions on the map: no cluster spans two separated groups', async () => {
    const { vectors, group } = groupedVectors(4, 25, 6);
    const xy = await computeLayout({ ids: ids(100), vectors, dims: DIMS });
    const c = clusterLayout(xy);
    const [lo, hi] = kRange(100);
    expect(c.k).toBeGreaterThanOrEqual(lo);
    expect(c.k).toBeLessThanOrEqual(hi);
    for (let k = 0; k < c.k; k++) {
      const groups = new Set(group.filter((_, i) => c.assignment[i] === k));
      expect(groups.size).toBe(1);
    }
    expect(c.sizes.reduce((s, x) => s + x, 0)).toBe(100);
    expect([...c.sizes]).toEqual([...c.sizes].sort((x, y) => y - x));
  });
});

/** Made-up words so no test depends on an English vocabulary: w<group>_<i>. */
function groupDocs(groups: number, per: number, seed: number) {
  const r = mulberry32(seed);
  const filler = Array.from({ length: 300 }, (_, i) => `filler${i}x`);
  const docs: { title: string; abstract: string }[] = [];
  const assignment: number[] = [];
  for (let g = 0; g < groups; g++)
    for (let p = 0; p < per; p++) {
      const words = [`signature${g}q`, 'everywhereword'];
      // A word of the group used by most (not all) members, and one only this paper uses, many times.
      if (p % 4 !== 0) words.push(`frequent${g}q`);
      words.push(...Array(6).fill(`solo${g}y${p}`));
      for (let i = 0; i < 30; i++) words.push(filler[Math.floor(r() * filler.length)]!);
      docs.push({ title: `Paper ${g} ${p}`, abstract: words.join(' ') });
      assignment.push(g);
    }
  return { docs, assignment };
}

describe('cluster labels (class-based TF-IDF)', () => {
  it('names each cluster by the terms its members share and other clusters lack', () => {
    const { docs, assignment } = groupDocs(3, 12, 7);
    const labels = clusterLabels(docs, assignment, 3, { top: 2 });
    labels.forEach((l, g) => {
      expect(l.terms).toEqual([`signature${g}q`, `frequent${g}q`]);
      expect(l.weights[0]).toBeGreaterThan(l.weights[1]!);
    });
    // A term every paper uses, or that one paper repeats, never names a cluster.
    const all = clusterLabels(docs, assignment, 3, { top: 50 }).flatMap((l) => l.terms);
    expect(all).not.toContain('everywhereword');
    expect(all.some((t) => t.startsWith('solo'))).toBe(false);
  });

  it('shows hyphenated compounds as written and does not repeat their parts', () => {
    const docs = Array.from({ length: 8 }, (_, i) => ({ title: `t${i}`, abstract: i < 4 ? 'zeta-omega pairs of things' : 'other stuff entirely here' }));
    const labels = clusterLabels(docs, [0, 0, 0, 0, 1, 1, 1, 1], 2, { top: 3 });
    expect(labels[0]!.terms[0]).toBe('zeta-omega');
    expect(labels[0]!.terms).not.toContain('zeta');
    expect(labels[0]!.terms).not.toContain('omega');
  });

  it('ignores unclustered papers in labels but counts them in term rarity, and rejects a length mismatch', () => {
    const { docs, assignment } = groupDocs(2, 8, 8);
    const withNoise = assignment.map((a, i) => (i % 8 === 7 ? -1 : a));
    expect(clusterLabels(docs, withNoise, 2)[0]!.terms[0]).toBe('signature0q');
    expect(() => clusterLabels(docs, [0], 1)).toThrow(/assignments/);
  });
});

describe('map build, extension and file format', () => {
  async function smallMap() {
    const { vectors } = groupedVectors(3, 15, 10);
    const { docs } = groupDocs(3, 15, 11);
    const papers: MapPaper[] = docs.map((d, i) => ({ ...d, id: ids(45)[i]!, textHash: `h${i}` }));
    return { vectors, papers, map: await buildMap({ vectorIdentity: 'm@1', papers, vectors, dims: DIMS }) };
  }

  it('round-trips through JSON exactly and rejects malformed files', async () => {
    const { map } = await smallMap();
    const back = mapFromJson(JSON.parse(JSON.stringify(mapToJson(map))));
    expect(Array.from(back.coords)).toEqual(Array.from(map.coords));
    expect(Array.from(back.cluster)).toEqual(Array.from(map.cluster));
    expect(back.key).toBe(map.key);
    const j = mapToJson(map);
    expect(mapProblem({ ...j, coords: j.coords.slice(1) })).toMatch(/coords/);
    expect(mapProblem({ ...j, cluster: j.cluster.map(() => 99) })).toMatch(/cluster/);
    expect(mapProblem({ ...j, version: 99 })).toMatch(/version/);
    expect(() => mapFromJson('nope')).toThrow(/not a JSON object/);
  });

  it('extends a map by placement: same old rows, new key, clusters of the nearest neighbour', async () => {
    const { vectors, papers, map } = await smallMap();
    // Re-add copies of papers 0 and 20 under new ids.
    const added: MapPaper[] = [0, 20].map((i) => ({ ...papers[i]!, id: `new${i}`, textHash: `n${i}` }));
    const addedVectors = new Float32Array([...vectors.subarray(0, DIMS), ...vectors.subarray(20 * DIMS, 21 * DIMS)]);
    const ext = extendMap(map, { vectorIdentity: 'm@1', papers, vectors, added, addedVectors, dims: DIMS });
    expect(ext.ids.slice(0, 45)).toEqual(map.ids);
    expect(Array.from(ext.coords.subarray(0, 90))).toEqual(Array.from(map.coords));
    expect(ext.key).not.toBe(map.key);
    expect(ext.laidOut).toBe(45);
    expect(ext.cluster[45]).toBe(map.cluster[0]);
    expect(ext.cluster[46]).toBe(map.cluster[20]);
    expect(ext.clusters.reduce((s, c) => s + c.size, 0)).toBe(47);
    expect(ext.relayoutRecommended).toBe(false);
    expect(mapProblem(mapToJson(ext))).toBeUndefined();
  });
});
