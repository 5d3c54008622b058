/**
 * Vectors kept many per record (issue 15 #4): one chunk holds up to CHUNK_VECTORS vectors of one
 * vector identity as int8 codes + one scale each, divided first by per-dimension weights the chunk
 * carries (vectors/quantize.ts dimWeights: a few large dimensions would otherwise set the step for
 * all; measured in README "Storage"), with their paper ids and text hashes. One record per vector cost ~1.6 kB of f32 plus per-record overhead, and 100k puts per
 * import; a chunk of 512 int8 vectors of 384-d is ~200 kB, written in one put.
 *
 * Pure data functions (no IndexedDB here): the store (src/browser/idb-store.ts) decides which chunk
 * a vector goes to and calls these to read, append to, replace in and remove from a chunk.
 *
 * Weights come from the vectors of the write that creates the chunk. A chunk calibrated on fewer than
 * CALIBRATE_MIN vectors (one re-embedded paper) is re-calibrated on its next write: its vectors are
 * decoded, joined by the new ones and encoded again under weights from all of them (a second
 * rounding for those few, instead of a weak calibration for the ~500 vectors that follow).
 *
 * Invariants: ids.length === hashes.length === scales.length === codes.length / dims; weights.length
 * === dims, all > 0; an id appears at most once in a chunk. A record that breaks them (a broken build, a hand edit) is rejected by
 * `readChunk` (undefined) and its vectors are simply re-made, never trusted.
 */
import { decodeInt8, dimWeights, encodeInt8 } from '../vectors/quantize.ts';
import type { StoredVector } from './store.ts';

/** Vectors per chunk record. 512 × 388 B ≈ 200 kB per record at 384-d. */
export const CHUNK_VECTORS = 512;
/** Fewer vectors than this make weak dimension weights (measured: 8 and 16 are as good as 512). */
export const CALIBRATE_MIN = 8;

export interface VectorChunk {
  modelKey: string;
  /** Chunk number within its model key (0, 1, 2, …; gaps after deletes are fine). */
  chunk: number;
  dims: number;
  ids: string[];
  hashes: string[];
  scales: Float32Array;
  codes: Int8Array;
  /** Per-dimension weights the codes were divided by (see the module comment). */
  weights: Float32Array;
  /** How many vectors the weights were computed from. */
  calibratedOn: number;
}

/** A chunk's vectors decoded, or undefined when the record is not a well-formed chunk. */
export function readChunk(rec: unknown): StoredVector[] | undefined {
  const c = rec as Partial<VectorChunk> | null;
  if (!c || typeof c !== 'object') return undefined;
  const { ids, hashes, scales, codes, dims, weights } = c;
  if (!Array.isArray(ids) || !Array.isArray(hashes) || !(scales instanceof Float32Array) || !(codes instanceof Int8Array)) return undefined;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1) return undefined;
  if (!(weights instanceof Float32Array) || weights.length !== dims || !weights.every((w) => Number.isFinite(w) && w > 0)) return undefined;
  const n = ids.length;
  if (hashes.length !== n || scales.length !== n || codes.length !== n * dims) return undefined;
  if (!ids.every((x) => typeof x === 'string') || !hashes.every((x) => typeof x === 'string')) return undefined;
  if (!scales.every(Number.isFinite)) return undefined;
  const flat = decodeInt8(codes, scales, dims, weights);
  return ids.map((paperId, i) => ({ paperId, textHash: hashes[i]!, vector: flat.subarray(i * dims, (i + 1) * dims) }));
}

/** Throws a RangeError naming the first vector whose length is not `dims`. */
export function assertDims(rows: StoredVector[], dims: number): void {
  for (const r of rows) {
    if (r.vector.length !== dims) throw new RangeError(`vector of ${r.paperId} has ${r.vector.length} dimensions, the stored ones ${dims}`);
  }
}

/** A new chunk holding `rows` (at most CHUNK_VECTORS; all of `dims`). */
export function makeChunk(modelKey: string, chunk: number, dims: number, rows: StoredVector[], weights?: Float32Array, calibratedOn = 0): VectorChunk {
  assertDims(rows, dims);
  const flat = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => flat.set(r.vector, i * dims));
  const w = weights ?? dimWeights(flat, dims);
  const { codes, scales } = encodeInt8(flat, dims, w);
  return { modelKey, chunk, dims, ids: rows.map((r) => r.paperId), hashes: rows.map((r) => r.textHash), scales, codes, weights: w, calibratedOn: weights ? calibratedOn : rows.length };
}

/**
 * `c` with `rows` written in: a row whose id is in the chunk replaces it in place, the others are
 * appended (the caller keeps the chunk within CHUNK_VECTORS). Returns a new chunk; `c` is unchanged.
 */
export function upsertIntoChunk(c: VectorChunk, rows: StoredVector[]): VectorChunk {
  assertDims(rows, c.dims);
  if (c.calibratedOn < CALIBRATE_MIN) {
    // Weak weights: encode everything again under weights from all (old decoded + new) vectors.
    const byId = new Map((readChunk(c) ?? []).map((r) => [r.paperId, r]));
    for (const r of rows) byId.set(r.paperId, r);
    return makeChunk(c.modelKey, c.chunk, c.dims, [...byId.values()]);
  }
  const at = new Map(c.ids.map((id, i) => [id, i]));
  const fresh = rows.filter((r) => !at.has(r.paperId));
  const n = c.ids.length + new Set(fresh.map((r) => r.paperId)).size;
  const codes = new Int8Array(n * c.dims);
  codes.set(c.codes);
  const scales = new Float32Array(n);
  scales.set(c.scales);
  const ids = c.ids.slice();
  const hashes = c.hashes.slice();
  const enc = makeChunk(c.modelKey, c.chunk, c.dims, rows, c.weights, c.calibratedOn);
  rows.forEach((r, j) => {
    let i = at.get(r.paperId);
    if (i === undefined) {
      i = ids.length;
      ids.push(r.paperId);
      hashes.push(r.textHash);
      at.set(r.paperId, i);
    }
    hashes[i] = r.textHash;
    scales[i] = enc.scales[j]!;
    codes.set(enc.codes.subarray(j * c.dims, (j + 1) * c.dims), i * c.dims);
  });
  return { ...c, ids, hashes, scales, codes };
}

/** `c` without the vectors of `remove` (a new chunk; possibly empty). */
export function removeFromChunk(c: VectorChunk, remove: Set<string>): VectorChunk {
  const keep = c.ids.map((id, i) => (remove.has(id) ? -1 : i)).filter((i) => i >= 0);
  const codes = new Int8Array(keep.length * c.dims);
  keep.forEach((i, j) => codes.set(c.codes.subarray(i * c.dims, (i + 1) * c.dims), j * c.dims));
  return {
    ...c,
    ids: keep.map((i) => c.ids[i]!),
    hashes: keep.map((i) => c.hashes[i]!),
    scales: Float32Array.from(keep.map((i) => c.scales[i]!)),
    codes,
  };
}
