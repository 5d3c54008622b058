/**
 * Binary snapshot of a lexical index (Bm25Index.parts()) with the paper id of every document, so
 * a reload can load postings instead of re-tokenizing every abstract (issue 15 #6).
 *
 * Layout (little-endian): "ATLX" | u32 version | u32 header length | header JSON (UTF-8) |
 * padding to 8 | offsets Int32[terms+1] | slots Int32[postings] | tfs Float32|Float64[postings] |
 * pad to 8 | lens Float64[docs] | u32 FNV-1a checksum of everything before it.
 * The header holds the options, the fingerprint of the paper set, the terms, the ids and the counts.
 *
 * Failure modes: `decodeLexicalSnapshot` throws `SnapshotError` for any bytes it cannot vouch for
 * (wrong magic or version, truncated, checksum mismatch, counts that disagree). It never returns
 * a partly read index. Whether the snapshot fits the current papers and options is the caller's
 * check (engine/lexical-cache.ts): the fingerprint and options are returned for that.
 */
import type { Bm25Options, Bm25Parts } from './bm25.ts';

export const SNAPSHOT_VERSION = 1;
const MAGIC = 0x584c5441; // "ATLX"

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

export interface LexicalSnapshot {
  /** Index contents; `labels` are 0..n-1 (document i is paper `ids[i]`). */
  parts: Bm25Parts;
  ids: string[];
  /** Caller-defined hash of the paper set the index was built from. */
  fingerprint: string;
}

interface Header {
  opts: Required<Bm25Options>;
  fingerprint: string;
  terms: string[];
  ids: string[];
  postings: number;
  tf64: boolean;
  totalLen: number;
}

/** FNV-1a over bytes, 32-bit. Catches truncation and flipped bytes (not a defence against forgery). */
function fnv32(b: Uint8Array, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

const pad8 = (n: number) => (n + 7) & ~7;

export function encodeLexicalSnapshot(s: LexicalSnapshot): Uint8Array {
  const { parts } = s;
  const tf64 = parts.tfs instanceof Float64Array;
  const header: Header = { opts: parts.opts, fingerprint: s.fingerprint, terms: parts.terms, ids: s.ids, postings: parts.slots.length, tf64, totalLen: parts.totalLen };
  if (s.ids.length !== parts.labels.length) throw new SnapshotError('ids and documents differ in number');
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = pad8(12 + json.length);
  const tfBytes = parts.tfs.length * (tf64 ? 8 : 4);
  const lensAt = pad8(start + parts.offsets.byteLength + parts.slots.byteLength + tfBytes);
  const total = lensAt + parts.lens.byteLength + 4;
  const buf = new ArrayBuffer(total);
  const bytes = new Uint8Array(buf);
  const dv = new DataView(buf);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, SNAPSHOT_VERSION, true);
  dv.setUint32(8, json.length, true);
  bytes.set(json, 12);
  let at = start;
  new Int32Array(buf, at, parts.offsets.length).set(parts.offsets);
  at += parts.offsets.byteLength;
  new Int32Array(buf, at, parts.slots.length).set(parts.slots);
  at += parts.slots.byteLength;
  // tfs may start at a 4-byte boundary only: Float64 needs 8, so copy through bytes.
  bytes.set(new Uint8Array(parts.tfs.buffer, parts.tfs.byteOffset, tfBytes), at);
  new Float64Array(buf, lensAt, parts.lens.length).set(parts.lens);
  dv.setUint32(total - 4, fnv32(bytes, total - 4), true);
  return bytes;
}

export function decodeLexicalSnapshot(input: Uint8Array): LexicalSnapshot {
  if (!(input instanceof Uint8Array) || input.length < 16) throw new SnapshotError('too short');
  // A copy aligned at 0, so typed views over it are legal whatever the stored array's offset.
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dv.getUint32(0, true) !== MAGIC) throw new SnapshotError('not a lexical index snapshot');
  const version = dv.getUint32(4, true);
  if (version !== SNAPSHOT_VERSION) throw new SnapshotError(`version ${version}, expected ${SNAPSHOT_VERSION}`);
  const total = bytes.length;
  if (fnv32(bytes, total - 4) !== dv.getUint32(total - 4, true)) throw new SnapshotError('checksum mismatch (damaged bytes)');
  const jsonLen = dv.getUint32(8, true);
  if (12 + jsonLen > total - 4) throw new SnapshotError('truncated header');
  let h: Header;
  try {
    h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + jsonLen))) as Header;
  } catch {
    throw new SnapshotError('unreadable header');
  }
  if (!h || !Array.isArray(h.terms) || !Array.isArray(h.ids) || !Number.isInteger(h.postings) || h.postings < 0 || typeof h.fingerprint !== 'string' || typeof h.opts !== 'object' || typeof h.totalLen !== 'number') {
    throw new SnapshotError('malformed header');
  }
  const nTerms = h.terms.length;
  const nDocs = h.ids.length;
  const start = bytes.byteOffset + pad8(12 + jsonLen);
  const tfBytes = h.postings * (h.tf64 ? 8 : 4);
  const lensRel = pad8(pad8(12 + jsonLen) + (nTerms + 1) * 4 + h.postings * 4 + tfBytes);
  if (lensRel + nDocs * 8 + 4 !== total) throw new SnapshotError('size does not match the header');
  const buf = bytes.buffer;
  const offsets = new Int32Array(buf, start, nTerms + 1).slice();
  const slots = new Int32Array(buf, start + (nTerms + 1) * 4, h.postings).slice();
  const tfAt = pad8(12 + jsonLen) + (nTerms + 1) * 4 + h.postings * 4;
  const tfCopy = bytes.slice(tfAt, tfAt + tfBytes).buffer;
  const tfs = h.tf64 ? new Float64Array(tfCopy) : new Float32Array(tfCopy);
  const lens = new Float64Array(buf, bytes.byteOffset + lensRel, nDocs).slice();
  const labels = new Int32Array(nDocs);
  for (let i = 0; i < nDocs; i++) labels[i] = i;
  return { parts: { opts: h.opts, terms: h.terms, offsets, slots, tfs, labels, lens, totalLen: h.totalLen }, ids: h.ids, fingerprint: h.fingerprint };
}
