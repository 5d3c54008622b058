/**
 * The shipped seed layout is a cache, never an authority (core/map/shipped-map.ts): used only for
 * the asked vector key with the announced length, sha256 and a well-formed body; and restrictMap
 * (core/map/build.ts) drops rows while keeping the others where they were.
 */
import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { loadShippedMap } from '../../src/core/map/shipped-map.ts';
import { mapToJson, type PaperMap } from '../../src/core/map/map-format.ts';
import { restrictMap } from '../../src/core/map/build.ts';
import { mapKey } from '../../src/core/map/key.ts';

const VKEY = 'model@abc';
const papers = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, textHash: `h${i}`, title: `${id} ${i < 3 ? 'galaxy stars' : 'soil crops'}`, abstract: i < 3 ? 'galaxy telescope stars' : 'soil crops irrigation' }));
const map: PaperMap = {
  key: mapKey(VKEY, papers),
  ids: papers.map((p) => p.id),
  coords: Float32Array.from([0, 0, 0.1, 0, 0, 0.1, 1, 1, 0.9, 1]),
  laidOut: 4,
  cluster: Int32Array.from([0, 0, 0, 1, 1]),
  clusters: [
    { id: 0, size: 3, center: [0.03, 0.03], terms: ['galaxy'] },
    { id: 1, size: 2, center: [0.95, 1], terms: ['soil'] },
  ],
};

function site(body: string, entry: Record<string, unknown> = {}) {
  const bytes = Buffer.from(body);
  const index = { format: 'abstract-atlas/maps', version: 1, maps: [{ key: map.key, vectorKey: VKEY, file: 'map.x.json', bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), ...entry }] };
  return (async (url: string) => {
    if (url.endsWith('/precomputed/maps.json')) return new Response(JSON.stringify(index));
    if (url.endsWith('/precomputed/map.x.json')) return new Response(bytes);
    return new Response('nope', { status: 404 });
  }) as unknown as typeof fetch;
}
const good = JSON.stringify(mapToJson(map));

describe('shipped map', () => {
  it('loads the map of the asked vector key', async () => {
    const r = await loadShippedMap('http://x/', VKEY, site(good));
    expect(r.map?.key).toBe(map.key);
    expect(Array.from(r.map!.coords)).toEqual(Array.from(map.coords));
  });

  it('refuses another vector key, a wrong length or hash, a malformed body, a path in the file name, and never throws', async () => {
    expect((await loadShippedMap('http://x/', 'other@def', site(good))).map).toBeUndefined();
    expect(await loadShippedMap('http://x/', VKEY, site(good, { bytes: 3 }))).toMatchObject({ reason: expect.stringMatching(/bytes/) });
    expect(await loadShippedMap('http://x/', VKEY, site(good, { sha256: '0'.repeat(64) }))).toMatchObject({ reason: expect.stringMatching(/sha256/) });
    const bad = JSON.stringify({ ...mapToJson(map), coords: [1, 2] });
    expect(await loadShippedMap('http://x/', VKEY, site(bad))).toMatchObject({ reason: expect.stringMatching(/coords/) });
    expect((await loadShippedMap('http://x/', VKEY, site(good, { file: '../secret.json' }))).map).toBeUndefined();
    expect(await loadShippedMap('http://x/', VKEY, site(JSON.stringify({ ...mapToJson(map), key: 'map/v1/x/y' })))).toMatchObject({ reason: expect.stringMatching(/keyed/) });
    const down = (async () => new Response('', { status: 500 })) as unknown as typeof fetch;
    expect(await loadShippedMap('http://x/', VKEY, down)).toMatchObject({ reason: expect.stringMatching(/HTTP 500/) });
  });
});

describe('restrictMap', () => {
  it('keeps the remaining rows in place, drops emptied clusters, recounts and relabels', () => {
    const kept = [papers[0]!, papers[2]!];
    const r = restrictMap(map, VKEY, kept);
    expect(r.ids).toEqual(['a', 'c']);
    expect(Array.from(r.coords)).toEqual([0, 0, 0, 0.1].map(Math.fround));
    expect(r.clusters.length).toBe(1);
    expect(r.clusters[0]!.size).toBe(2);
    expect(Array.from(r.cluster)).toEqual([0, 0]);
    expect(r.key).toBe(mapKey(VKEY, kept));
    expect(r.laidOut).toBe(2);
    // laidOut counts the kept rows that were laid out (row 4 was placed later).
    expect(restrictMap(map, VKEY, [papers[3]!, papers[4]!]).laidOut).toBe(1);
  });

  it('rejects rows that are not on the map or out of map order', () => {
    expect(() => restrictMap(map, VKEY, [{ ...papers[0]!, id: 'zz' }])).toThrow(/not on the map/);
    expect(() => restrictMap(map, VKEY, [papers[2]!, papers[0]!])).toThrow(/row order/);
  });
});
