/**
 * hnswlib's file without its vectors (src/core/ann/hnsw-file.ts): the refilled vectors must be the
 * very floats hnswlib-wasm stores, or a restored graph would score differently from the saved one.
 */
import { describe, expect, it } from 'vitest';
import { cosineNormalise, fillVectors, HnswFileError, stripVectors } from '../../src/core/ann/hnsw-file.ts';
import { HnswIndex } from '../../src/core/ann/hnsw.ts';

function lcg(seed: number) {
  let x = seed;
  return () => (x = (x * 16807) % 2147483647) / 2147483647 - 0.5;
}

describe('cosineNormalise', () => {
  it('gives the floats of hnswlib-wasm normalizePoint, bit for bit (not unit-length inputs too)', async () => {
    const lib = await (await import('hnswlib-wasm')).loadHnswlib();
    const r = lcg(5);
    for (const [d, scale] of [[384, 1], [256, 0.01], [7, 30]] as const) {
      for (let t = 0; t < 20; t++) {
        const v = Float32Array.from({ length: d }, () => r() * scale);
        const want = Float32Array.from(lib.normalizePoint([...v]));
        expect(cosineNormalise(v, new Float32Array(d))).toEqual(want);
      }
    }
  });
});

describe('stripVectors / fillVectors', () => {
  it('strips what fillVectors puts back, and rejects foreign or truncated bytes', async () => {
    const d = 32;
    const n = 400;
    const r = lcg(9);
    const rows = Float32Array.from({ length: n * d }, r);
    const h = await HnswIndex.create(d, { capacity: 64 });
    h.add(rows, Array.from({ length: n }, (_, i) => i));
    const graph = (await h.serialize()).subarray(32); // the stripped file after the 8-word header
    const full = fillVectors(graph, d, rows);
    expect(full.byteLength - graph.byteLength).toBe(n * d * 4);
    expect(stripVectors(full, d)).toEqual(graph);
    expect(() => fillVectors(graph, 16, rows)).toThrow(HnswFileError);
    expect(() => fillVectors(graph.subarray(0, graph.byteLength - 3), d, rows)).toThrow(/link lists/);
    expect(() => stripVectors(new Uint8Array(40), d)).toThrow(/too short/);
    expect(() => stripVectors(full.subarray(0, 5000), d)).toThrow(HnswFileError);
  });
});
