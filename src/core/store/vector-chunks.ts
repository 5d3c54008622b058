/**
 * Vectors kept many per record (issue 15 #4): one chunk holds up to CHUNK_VECTORS vectors of one
 * vector identity as int8 codes + one scale each (vectors/quantize.ts), with their paper ids and text
 * hashes. One record per vector cost ~1.6 kB of f32 plus per-record overhead, and 100k puts per
 * import; a chunk of 512 int8 vectors of 384-d is ~200 kB, written in one put.
 *
 * Pure data functions (no IndexedDB here): the store (src/browser/idb-store.ts) decides which chunk
 * a vector goes to and calls these to read, append to, replace in and remove from a chunk.
 *
 * Invariants: ids.length === hashes.length === scales.length === codes.length / dims; an id appears
 * at most once in a chunk. A record that breaks them (a broken build, a hand edit) is rejected by
 * `readChunk` (undefined) and its vectors are simply re-made, never trusted.
 */
import { decodeInt8, encodeInt8 } from '../vectors/quantize.ts';
import type { StoredVector } from './store.ts';

/** Vectors per chunk record. 512 × 388 B ≈ 200 kB per record at 384-d. */
export const CHUNK_VECTORS = 512;

export interface VectorChunk {
  modelKey: string;
  /** Chunk number within its model key (0, 1, 2, …; gaps after deletes are fine). */
  chunk: number;
  dims: number;
  ids: string[];
  hashes: string[];
  scales: Float32Array;
  codes: Int8Array;
}

/** A chunk's vectors decoded, or undefined when the record is not a well-formed chunk. */
export function readChunk(rec: unknown): StoredVector[] | undefined {
  const c = rec as Partial<VectorChunk> | null;
  if (!c || typeof c !== 'object') return undefined;
  const { ids, hashes, scales, codes, dims } = c;
  if (!Array.isArray(ids) || !Array.isArray(hashes) || !(scales instanceof Float32Array) || !(codes instanceof Int8Array)) return undefined;
  if (typeof dims !== 'number' || !Number.isInteger(dims) || dims < 1) return undefined;
  const n = ids.length;
  if (hashes.length !== n || scales.length !== n || codes.length !== n * dims) return undefined;
  if (!ids.every((x) => typeof x === 'string') || !hashes.every((x) => typeof x === 'string')) return undefined;
  if (!scales.every(Number.isFinite)) return undefined;
  const flat = decodeInt8(codes, scales, dims);
  return ids.map((paperId, i) => ({ paperId, textHash: hashes[i]!, vector: flat.subarray(i * dims, (i + 1) * dims) }));
}

/** Throws a RangeError naming the first vector whose length is not `dims`. */
export function assertDims(rows: StoredVector[], dims: number): void {
  for (const r of rows) {
    if (r.vector.length !== dims) throw new RangeError(`vector of ${r.paperId} has ${r.vector.length} dimensions, the stored ones ${dims}`);
  }
}

/** A new chunk holding `rows` (at most CHUNK_VECTORS; all of `dims`). */
export function makeChunk(modelKey: string, chunk: number, dims: number, rows: StoredVector[]): VectorChunk {
  assertDims(rows, dims);
  const flat = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => flat.set(r.vector, i * dims));
  const { codes, scales } = encodeInt8(flat, dims);
  return { modelKey, chunk, dims, ids: rows.map((r) => r.paperId), hashes: rows.map((r) => r.textHash), scales, codes };
}

/**
 * `c` with `rows` written in: a row whose id is in the chunk replaces it in place, the others are
 * appended (the caller keeps the chunk within CHUNK_VECTORS). Returns a new chunk; `c` is unchanged.
 */
export function upsertIntoChunk(c: VectorChunk, rows: StoredVector[]): VectorChunk {
  assertDims(rows, c.dims);
  const at = new Map(c.ids.map((id, i) => [id, i]));
  const fresh = rows.filter((r) => !at.has(r.paperId));
  const n = c.ids.length + new Set(fresh.map((r) => r.paperId)).size;
  const codes = new Int8Array(n * c.dims);
  codes.set(c.codes);
  const scales = new Float32Array(n);
  scales.set(c.scales);
  const ids = c.ids.slice();
  const hashes = c.hashes.slice();
  const enc = makeChunk(c.modelKey, c.chunk, c.dims, rows);
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
