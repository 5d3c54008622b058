import { describe, it, expect } from 'vitest';
import { CALIBRATE_MIN, makeChunk, readChunk, removeFromChunk, upsertIntoChunk } from '../../src/core/store/vector-chunks.ts';
import { mulberry32 } from '../../src/core/map/random.ts';

const dims = 32;
function row(i: number, seed = 1) {
  const rnd = mulberry32(i * 31 + seed);
  const v = Float32Array.from({ length: dims }, (_, d) => (d === 3 ? 2 : 0) + rnd() - 0.5);
  const n = Math.hypot(...v);
  return { paperId: `p${i}`, textHash: `h${i}`, vector: v.map((x) => x / n) };
}
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('vector chunks', () => {
  it('round-trips ids, hashes and vectors; replaces in place; removes', () => {
    const rows = Array.from({ length: 20 }, (_, i) => row(i));
    let c = makeChunk('k', 0, dims, rows);
    expect(c.calibratedOn).toBe(20);
    c = upsertIntoChunk(c, [{ ...row(99), paperId: 'p4', textHash: 'new' }, row(20)]);
    const back = readChunk(c)!;
    expect(back.map((r) => r.paperId)).toEqual([...rows.map((r) => r.paperId), 'p20']);
    expect(back[4]!.textHash).toBe('new');
    expect(cos(back[4]!.vector, row(99).vector)).toBeGreaterThan(0.999);
    expect(cos(back[7]!.vector, row(7).vector)).toBeGreaterThan(0.999);
    const left = readChunk(removeFromChunk(c, new Set(['p0', 'p20'])))!;
    expect(left.length).toBe(19);
    expect(left[0]!.paperId).toBe('p1');
    expect(cos(left[0]!.vector, row(1).vector)).toBeGreaterThan(0.999);
  });

  it('re-calibrates a chunk started by fewer than CALIBRATE_MIN vectors on its next write', () => {
    let c = makeChunk('k', 0, dims, [row(0)]);
    expect(c.calibratedOn).toBe(1);
    c = upsertIntoChunk(c, Array.from({ length: CALIBRATE_MIN }, (_, i) => row(i + 1)));
    expect(c.calibratedOn).toBe(CALIBRATE_MIN + 1);
    const back = readChunk(c)!;
    expect(back.length).toBe(CALIBRATE_MIN + 1);
    for (const r of back) expect(cos(r.vector, row(Number(r.paperId.slice(1))).vector)).toBeGreaterThan(0.999);
    // Calibrated now: the next write keeps the weights.
    const w = c.weights;
    expect(upsertIntoChunk(c, [row(50)]).weights).toBe(w);
  });

  it('rejects malformed records', () => {
    const good = makeChunk('k', 0, dims, [row(0), row(1)]);
    expect(readChunk(good)).toHaveLength(2);
    expect(readChunk({ ...good, weights: new Float32Array(dims - 1) })).toBeUndefined();
    expect(readChunk({ ...good, weights: new Float32Array(dims) })).toBeUndefined(); // zero weights
    expect(readChunk({ ...good, hashes: ['one'] })).toBeUndefined();
    expect(readChunk({ ...good, codes: Array.from(good.codes) })).toBeUndefined();
    expect(readChunk(null)).toBeUndefined();
    expect(() => upsertIntoChunk(good, [{ paperId: 'x', textHash: 't', vector: new Float32Array(3) }])).toThrow(/3 dimensions/);
  });
});
