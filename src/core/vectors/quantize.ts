/**
 * Compact vector codecs for storage (issue 15 #4): int8 with one scale per vector, and IEEE f16.
 * Search itself runs on Float32Array; a codec only changes what is kept in IndexedDB (and what an
 * eval round-trips through with `--storage`, to measure the ranking loss).
 *
 * int8: codes[i] = round(x[i] / max|x| · 127); the stored scale is chosen so that the DECODED vector
 * has the original's L2 length (scale = ‖x‖ / ‖codes‖), not max|x|/127: cosine and dot-product
 * rankings then only see the direction error. Per component the error before that rescale is at
 * most max|x| / 254 (half a step); for a 384-d unit vector the cosine to the original is > 0.999 even with heavy-tailed components
 * in practice (tests/unit/quantize.test.ts bounds it).
 *
 * f16: round-to-nearest-even half floats, done by hand (Float16Array is not in Node 20 nor every
 * browser). Relative error ≤ 2^-11 for normal values; values beyond ±65504 become ±Infinity, which
 * `encodeInt8` never produces and a caller must reject (vectors are checked for finiteness on load).
 *
 * Invariants: an all-zero vector encodes to codes 0 and scale 0 and decodes to zeros; a vector with a
 * non-finite component is refused (RangeError) rather than stored as garbage.
 */

/**
 * 'int8' is what IndexedDB keeps (int8 + per-vector scale + per-chunk dimension weights, as
 * core/store/vector-chunks.ts writes it); 'int8-plain' is int8 with the per-vector scale only, kept
 * for the comparison (it loses 0.013 MRR on dev-paraphrase with bge-small, README "Storage").
 */
export type StorageCodec = 'f32' | 'f16' | 'int8' | 'int8-plain';
export const STORAGE_CODECS: readonly StorageCodec[] = ['f32', 'f16', 'int8', 'int8-plain'];

/** Bytes one stored vector of `dims` components takes under a codec (payload only). */
export function codecBytes(codec: StorageCodec, dims: number): number {
  // int8's weights cost dims·4 bytes per chunk (< 4 bytes per vector at 512 per chunk): not counted.
  return codec === 'f32' ? dims * 4 : codec === 'f16' ? dims * 2 : dims + 4;
}

function assertFinite(v: ArrayLike<number>, what: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw new RangeError(`${what}: component ${i} is ${v[i]} (not a finite number)`);
  }
}

/**
 * Encodes `n` vectors of `dims` (row-major in `flat`) to int8 codes + one scale each. `flat.length`
 * must be a multiple of `dims`.
 */
export function encodeInt8(flat: Float32Array, dims: number, weights?: Float32Array): { codes: Int8Array; scales: Float32Array } {
  if (!(dims > 0) || flat.length % dims !== 0) throw new RangeError(`encodeInt8: ${flat.length} values are not whole vectors of ${dims}`);
  if (weights && weights.length !== dims) throw new RangeError(`encodeInt8: ${weights.length} weights for ${dims} dimensions`);
  assertFinite(flat, 'encodeInt8');
  const n = flat.length / dims;
  const codes = new Int8Array(flat.length);
  const scales = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    const o = r * dims;
    let max = 0;
    let norm2 = 0;
    for (let i = 0; i < dims; i++) {
      const x = flat[o + i]!;
      const y = weights ? x / weights[i]! : x;
      const a = y < 0 ? -y : y;
      if (a > max) max = a;
      norm2 += x * x;
    }
    if (max === 0) continue; // zeros: codes 0, scale 0
    const k = 127 / max;
    let c2 = 0;
    for (let i = 0; i < dims; i++) {
      const c = Math.round((weights ? flat[o + i]! / weights[i]! : flat[o + i]!) * k);
      codes[o + i] = c;
      const d = weights ? c * weights[i]! : c;
      c2 += d * d;
    }
    scales[r] = Math.sqrt(norm2) / Math.sqrt(c2);
  }
  return { codes, scales };
}

/** Decodes int8 codes + per-vector scales (as made by encodeInt8) back to Float32. */
export function decodeInt8(codes: Int8Array, scales: Float32Array, dims: number, weights?: Float32Array): Float32Array {
  if (codes.length !== scales.length * dims) throw new RangeError(`decodeInt8: ${codes.length} codes do not match ${scales.length} vectors of ${dims}`);
  if (weights && weights.length !== dims) throw new RangeError(`decodeInt8: ${weights.length} weights for ${dims} dimensions`);
  const out = new Float32Array(codes.length);
  for (let r = 0; r < scales.length; r++) {
    const s = scales[r]!;
    const o = r * dims;
    if (weights) for (let i = 0; i < dims; i++) out[o + i] = codes[o + i]! * s * weights[i]!;
    else for (let i = 0; i < dims; i++) out[o + i] = codes[o + i]! * s;
  }
  return out;
}

/**
 * Per-dimension weights for encodeInt8 from sample vectors: each dimension's RMS, shrunk towards the
 * mean RMS (w_d = sqrt(mean x_d² + mean over d of mean x_d²)) so a sample of one vector cannot make a
 * weight ~0. Embedding models have a few dimensions far larger than the rest (bge-small: one at
 * |x| ≈ 0.39 in every vector, the median dimension's max 0.085): with a single per-vector scale those
 * few set the step for all; dividing by w first spends the 8 bits evenly. Never zero, always finite.
 */
export function dimWeights(flat: Float32Array, dims: number): Float32Array {
  const n = Math.floor(flat.length / dims);
  const ms = new Float64Array(dims);
  for (let r = 0; r < n; r++) for (let i = 0; i < dims; i++) ms[i] += flat[r * dims + i]! ** 2;
  let mean = 0;
  for (let i = 0; i < dims; i++) mean += (ms[i]! /= Math.max(1, n)) / dims;
  const w = new Float32Array(dims);
  for (let i = 0; i < dims; i++) w[i] = Math.sqrt(ms[i]! + mean) || 1;
  return w;
}

// ---------------------------------------------------------------- f16

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One float → IEEE 754 half bits (round to nearest even; overflow → ±Infinity). */
export function toHalf(x: number): number {
  f32[0] = x;
  const b = u32[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit 1 in, round to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** IEEE 754 half bits → float. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

export function encodeF16(flat: Float32Array): Uint16Array {
  assertFinite(flat, 'encodeF16');
  const out = new Uint16Array(flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = toHalf(flat[i]!);
  return out;
}

export function decodeF16(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = fromHalf(h[i]!);
  return out;
}

/**
 * `flat` as it reads back after being stored under `codec` (a fresh array; f32 copies). The eval's
 * `--storage` flag and the storage bench rank with these to measure what a codec costs.
 */
export function roundTrip(flat: Float32Array, dims: number, codec: StorageCodec, chunk = 512, calibrate = 16): Float32Array {
  if (codec === 'f32') return flat.slice();
  if (codec === 'f16') return decodeF16(encodeF16(flat));
  if (codec === 'int8-plain') {
    const { codes, scales } = encodeInt8(flat, dims);
    return decodeInt8(codes, scales, dims);
  }
  // int8 as the store does it: per chunk of `chunk` vectors, weights from the chunk's first write
  // (`calibrate` vectors: an embedding batch is 16).
  const out = new Float32Array(flat.length);
  for (let o = 0; o < flat.length; o += chunk * dims) {
    const part = flat.subarray(o, Math.min(flat.length, o + chunk * dims));
    const w = dimWeights(part.subarray(0, Math.min(part.length, calibrate * dims)), dims);
    const { codes, scales } = encodeInt8(part, dims, w);
    out.set(decodeInt8(codes, scales, dims, w), o);
  }
  return out;
}
