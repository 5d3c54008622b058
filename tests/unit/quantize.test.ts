import { describe, it, expect } from 'vitest';
import { codecBytes, decodeF16, decodeInt8, encodeF16, encodeInt8, fromHalf, isStorable, roundTrip, storedRows, toHalf, toStoredForm } from '../../src/core/vectors/quantize.ts';
import { mulberry32 } from '../../src/core/map/random.ts';

/** Unit vectors with a realistic spread (a few large components, most small), row-major. */
function vectors(n: number, dims: number, seed = 7): Float32Array {
  const rnd = mulberry32(seed);
  const out = new Float32Array(n * dims);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let i = 0; i < dims; i++) {
      // Sum of uniforms ≈ normal; cube some to get heavier tails like real embeddings.
      const g = rnd() + rnd() + rnd() - 1.5;
      const x = i % 37 === 0 ? g * g * g * 4 : g;
      out[r * dims + i] = x;
      norm += x * x;
    }
    for (let i = 0; i < dims; i++) out[r * dims + i]! /= Math.sqrt(norm);
  }
  return out;
}

const cos = (a: Float32Array, b: Float32Array) => {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) (d += a[i]! * b[i]!), (na += a[i]! * a[i]!), (nb += b[i]! * b[i]!);
  return d / Math.sqrt(na * nb);
};

describe('int8 codec', () => {
  it('keeps direction (cosine > 0.999 even with heavy-tailed components) and length, with per-component error ≤ max|x|/254 before the length rescale', () => {
    const dims = 384;
    const flat = vectors(200, dims);
    const { codes, scales } = encodeInt8(flat, dims);
    expect(codes).toBeInstanceOf(Int8Array);
    expect(scales.length).toBe(200);
    const back = decodeInt8(codes, scales, dims);
    for (let r = 0; r < 200; r++) {
      const a = flat.subarray(r * dims, (r + 1) * dims);
      const b = back.subarray(r * dims, (r + 1) * dims);
      expect(cos(a, b)).toBeGreaterThan(0.999);
      let n2 = 0;
      for (const x of b) n2 += x * x;
      expect(Math.sqrt(n2)).toBeCloseTo(1, 5);
      let max = 0;
      for (const x of a) max = Math.max(max, Math.abs(x));
      for (let i = 0; i < dims; i++) expect(Math.abs(codes[r * dims + i]! * (max / 127) - a[i]!)).toBeLessThanOrEqual(max / 254 + 1e-7);
    }
  });

  it('keeps the order of nearest neighbours almost everywhere (top-10 overlap ≥ 9.5 of 10 on average)', () => {
    const dims = 256;
    const docs = vectors(2000, dims, 1);
    const qs = vectors(50, dims, 2);
    const back = roundTrip(docs, dims, 'int8');
    const top = (d: Float32Array, q: Float32Array) => {
      const s: [number, number][] = [];
      for (let r = 0; r < 2000; r++) {
        let x = 0;
        for (let i = 0; i < dims; i++) x += d[r * dims + i]! * q[i]!;
        s.push([x, r]);
      }
      return new Set(s.sort((a, b) => b[0] - a[0]).slice(0, 10).map((x) => x[1]));
    };
    let overlap = 0;
    for (let j = 0; j < 50; j++) {
      const q = qs.subarray(j * dims, (j + 1) * dims);
      const a = top(docs, q);
      for (const id of top(back, q)) if (a.has(id)) overlap++;
    }
    expect(overlap / 50).toBeGreaterThanOrEqual(9.5);
  });

  it('encodes zeros as zeros and refuses non-finite input and ragged lengths', () => {
    const z = encodeInt8(new Float32Array(4), 4);
    expect([...z.scales]).toEqual([0]);
    expect([...decodeInt8(z.codes, z.scales, 4)]).toEqual([0, 0, 0, 0]);
    expect(() => encodeInt8(new Float32Array([1, NaN, 0, 0]), 4)).toThrow(/component 1 is NaN/);
    expect(() => encodeInt8(new Float32Array(5), 4)).toThrow(/not whole vectors/);
    expect(() => decodeInt8(new Int8Array(8), new Float32Array(1), 4)).toThrow(/do not match/);
  });

  it('costs dims + 4 bytes per vector (vs 4·dims for f32)', () => {
    expect(codecBytes('int8', 384)).toBe(388);
    expect(codecBytes('f16', 384)).toBe(768);
    expect(codecBytes('f32', 384)).toBe(1536);
  });
});

describe('f16 codec', () => {
  it('decodeF16 (a lookup table) gives fromHalf of every one of the 65,536 bit patterns', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const got = decodeF16(all);
    for (let i = 0; i < 65536; i++) if (!Object.is(got[i], Math.fround(fromHalf(i)))) throw new Error(`pattern ${i}: ${got[i]} vs ${fromHalf(i)}`);
    expect(got[0x3c00]).toBe(1);
    expect(got[0xfc00]).toBe(-Infinity);
    expect(Number.isNaN(got[0x7e00])).toBe(true);
  });

  it('matches IEEE half rounding on known values', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(toHalf(2 ** -24)).toBe(1); // smallest subnormal
    expect(toHalf(0)).toBe(0);
    expect(fromHalf(0x3555)).toBeCloseTo(0.33325, 5);
    // Round half to even: 1 + 2^-11 lies exactly between 1 and 1 + 2^-10.
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00);
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips unit vectors within 2^-11 relative error', () => {
    const flat = vectors(50, 384, 3);
    const back = decodeF16(encodeF16(flat));
    for (let i = 0; i < flat.length; i++) {
      const x = flat[i]!;
      if (Math.abs(x) > 6.2e-5) expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
      else expect(Math.abs(back[i]! - x)).toBeLessThanOrEqual(2 ** -25);
    }
    expect(() => encodeF16(new Float32Array([Infinity]))).toThrow(/not a finite number/);
  });
});

describe('stored form (what IndexedDB gives back)', () => {
  it('is a fixed point: a stored-form vector encodes to the same bits and decodes to itself', () => {
    const v = vectors(20, 384);
    const once = toStoredForm(v);
    expect(once.some((x, i) => x !== v[i])).toBe(true); // f16 does change these vectors
    const twice = toStoredForm(once);
    expect(twice.every((x, i) => Object.is(x, once[i]))).toBe(true);
    expect([...encodeF16(twice)]).toEqual([...encodeF16(once)]);
  });

  it('gives rows in stored form without touching the input rows', () => {
    const v = vectors(1, 16);
    const rows = [{ paperId: 'a', textHash: 'h', vector: v }];
    const out = storedRows(rows);
    expect(out[0]).toMatchObject({ paperId: 'a', textHash: 'h' });
    expect([...out[0]!.vector]).toEqual([...toStoredForm(v)]);
    expect(rows[0]!.vector).toBe(v);
    expect([...rows[0]!.vector]).toEqual([...vectors(1, 16)]);
  });

  it('refuses a vector f16 cannot hold instead of storing Infinity', () => {
    expect(isStorable(Float32Array.of(0.5, -65504))).toBe(true);
    expect(isStorable(Float32Array.of(0.5, 70000))).toBe(false);
    expect(isStorable(Float32Array.of(NaN))).toBe(false);
    expect(() => toStoredForm(Float32Array.of(1e6))).toThrow(RangeError);
  });
});
