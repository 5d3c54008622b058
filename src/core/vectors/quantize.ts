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

export type StorageCodec = 'f32' | 'f16' | 'int8';
export const STORAGE_CODECS: readonly StorageCodec[] = ['f32', 'f16', 'int8'];

/** Bytes one stored vector of `dims` components takes under a codec (payload only). */
export function codecBytes(codec: StorageCodec, dims: number): number {
  return codec === 'f32' ? dims * 4 : codec === 'f16' ? dims * 2 : dims + 4;
}

/**
 * Whether every component is a finite number. A plain loop: `every(Number.isFinite)` took ~0.15 s
 * over 50k stored vectors on a reload (a callback per component).
 */
export function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i]!)) return false;
  return true;
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
export function encodeInt8(flat: Float32Array, dims: number): { codes: Int8Array; scales: Float32Array } {
  if (!(dims > 0) || flat.length % dims !== 0) throw new RangeError(`encodeInt8: ${flat.length} values are not whole vectors of ${dims}`);
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
      const a = x < 0 ? -x : x;
      if (a > max) max = a;
      norm2 += x * x;
    }
    if (max === 0) continue; // zeros: codes 0, scale 0
    const k = 127 / max;
    let c2 = 0;
    for (let i = 0; i < dims; i++) {
      const c = Math.round(flat[o + i]! * k);
      codes[o + i] = c;
      c2 += c * c;
    }
    scales[r] = Math.sqrt(norm2) / Math.sqrt(c2);
  }
  return { codes, scales };
}

/** Decodes int8 codes + per-vector scales (as made by encodeInt8) back to Float32. */
export function decodeInt8(codes: Int8Array, scales: Float32Array, dims: number): Float32Array {
  if (codes.length !== scales.length * dims) throw new RangeError(`decodeInt8: ${codes.length} codes do not match ${scales.length} vectors of ${dims}`);
  const out = new Float32Array(codes.length);
  for (let r = 0; r < scales.length; r++) {
    const s = scales[r]!;
    const o = r * dims;
    for (let i = 0; i < dims; i++) out[o + i] = codes[o + i]! * s;
  }
  return out;
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

/**
 * Every f16 bit pattern's value, built once (256 KB): decoding is then one table read a component.
 * A reload of 50k quick-tier vectors (12.8M components) spent ~0.5 s in fromHalf in the browser
 * worker; the table gives the same floats (it is filled by fromHalf).
 */
let halfTable: Float32Array | undefined;
function halfValues(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = fromHalf(h);
  }
  return halfTable;
}

export function decodeF16(h: Uint16Array): Float32Array {
  const table = halfValues();
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) out[i] = table[h[i]!]!;
  return out;
}

/**
 * `flat` as it reads back after being stored under `codec` (a fresh array; f32 copies). The eval's
 * `--storage` flag and the storage bench rank with these to measure what a codec costs.
 */
export function roundTrip(flat: Float32Array, dims: number, codec: StorageCodec): Float32Array {
  if (codec === 'f32') return flat.slice();
  if (codec === 'f16') return decodeF16(encodeF16(flat));
  const { codes, scales } = encodeInt8(flat, dims);
  return decodeInt8(codes, scales, dims);
}

// ---------------------------------------------------------------- the app's stored form

/**
 * The codec the browser's IndexedDB keeps document vectors in (issue 15 #4): f16, half of f32.
 * Chosen by measurement, `npm run cli -- eval --storage <codec>` on the two dev sets and the title
 * check (2026-12-03, bge-small and the static quick tier): f16 ranks exactly like f32 on all three
 * (every MRR and success@k equal); int8 with a per-vector scale loses 0.013 MRR and 0.025 success@1
 * on the lay questions with bge (one question of 40 drops from rank 1), above the 0.005 budget.
 */
export const STORED_CODEC: StorageCodec = 'f16';

/**
 * `v` exactly as it reads back from storage. Every document vector enters a search space in this
 * form (embedded, shipped, bundled or read back), so a ranking in the session that made the vectors
 * is the ranking after a reload. Idempotent: a stored-form vector encodes to the same bits again
 * (every f16 value is exactly representable in f32).
 */
export function toStoredForm(v: Float32Array): Float32Array {
  if (!isStorable(v)) throw new RangeError('A vector with a component beyond ±65504 (or not a number) cannot be stored as f16');
  return roundTrip(v, v.length, STORED_CODEC);
}

/** Whether `v` survives STORED_CODEC: finite, every |component| ≤ 65504 (f16's largest value). */
export function isStorable(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (!(Math.abs(v[i]!) <= 65504)) return false;
  return true;
}

/** Rows with their vectors in stored form (fresh objects; the input is left as it was). */
export function storedRows<R extends { vector: Float32Array }>(rows: readonly R[]): R[] {
  return rows.map((r) => ({ ...r, vector: toStoredForm(r.vector) }));
}
