/**
 * Binary snapshot of a lexical index (Bm25Index.parts()) with the paper id of every document, so
 * a reload can load postings instead of re-tokenizing every abstract (issue 15 #6).
 *
 * Layout (little-endian): "ATLX" | u32 version | u32 header length | header JSON (UTF-8) | body |
 * u32 FNV-1a checksum of everything before it. The header holds the options, the fingerprint of the
 * paper set, the terms, the ids and the counts.
 *
 * Body of version 2 (written), varints are unsigned LEB128:
 *   per term: varint document frequency, then its slots as varint gaps (first slot, then each minus
 *   the one before: slots ascend within a term, Bm25Index.parts() renumbers them in order);
 *   then every tf as a varint when `intTf` (tf is a count times the integer title weight, so an
 *   integer: exact), else pad to 8 and tfs Float32|Float64[postings];
 *   then every document length as a varint when `intTf` (sums of integer tfs), else pad to 8 and
 *   lens Float64[docs].
 * About 2.5 bytes a posting instead of 8: at 5k papers the snapshot is ≈ 1.5 MB instead of 5.8 MB
 * (issue 15 #4, IndexedDB at 100k papers).
 * Body of version 1 (still read): pad to 8 | offsets Int32[terms+1] | slots Int32[postings] |
 * tfs Float32|Float64[postings] | pad to 8 | lens Float64[docs].
 *
 * Failure modes: `decodeLexicalSnapshot` throws `SnapshotError` for any bytes it cannot vouch for
 * (wrong magic or version, truncated, checksum mismatch, counts that disagree). It never returns
 * a partly read index. Whether the snapshot fits the current papers and options is the caller's
 * check (engine/lexical-cache.ts): the fingerprint and options are returned for that.
 */
import type { Bm25Options, Bm25Parts } from './bm25.ts';
import { DEFAULT_SLICE_MS, yieldToEventLoop } from '../util/time-slice.ts';

export const SNAPSHOT_VERSION = 2;
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
  /** Version 2: tfs and lens are integers, written as varints. */
  intTf?: boolean;
}

/** FNV-1a over bytes, 32-bit. Catches truncation and flipped bytes (not a defence against forgery). */
function fnv32(b: Uint8Array, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h >>> 0;
}

const pad8 = (n: number) => (n + 7) & ~7;

/** Growable byte buffer with unsigned LEB128 varints. */
class ByteWriter {
  bytes = new Uint8Array(1 << 16);
  at = 0;
  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const b = new Uint8Array(Math.max(this.at + n, this.bytes.length * 2));
    b.set(this.bytes.subarray(0, this.at));
    this.bytes = b;
  }
  varint(x: number): void {
    this.room(5);
    while (x >= 0x80) {
      this.bytes[this.at++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.bytes[this.at++] = x;
  }
  raw(b: Uint8Array, align = 8): void {
    this.room(align + b.length);
    while (this.at % align) this.bytes[this.at++] = 0;
    this.bytes.set(b, this.at);
    this.at += b.length;
  }
}

const isUint32 = (x: number) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

/**
 * The encoder as steps: it pauses (yields) every few thousand terms or postings, so a caller on the
 * engine thread can let questions in between (encodeLexicalSnapshotSliced). Same bytes either way.
 */
function* encodeSteps(s: LexicalSnapshot): Generator<void, Uint8Array> {
  const { parts } = s;
  const tf64 = parts.tfs instanceof Float64Array;
  if (s.ids.length !== parts.labels.length) throw new SnapshotError('ids and documents differ in number');
  const intTf = parts.tfs.every(isUint32) && parts.lens.every(isUint32);
  const header: Header = { opts: parts.opts, fingerprint: s.fingerprint, terms: parts.terms, ids: s.ids, postings: parts.slots.length, tf64, totalLen: parts.totalLen, intTf };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const w = new ByteWriter();
  w.raw(new Uint8Array(12), 1);
  w.raw(json, 1);
  for (let t = 0; t < parts.terms.length; t++) {
    if (t % 1024 === 1023) yield;
    const a = parts.offsets[t]!;
    const b = parts.offsets[t + 1]!;
    w.varint(b - a);
    let prev = -1;
    for (let i = a; i < b; i++) {
      const slot = parts.slots[i]!;
      if (slot <= prev) throw new SnapshotError(`postings of "${parts.terms[t]}" are not in ascending order`);
      w.varint(slot - prev - 1);
      prev = slot;
    }
  }
  if (intTf) {
    for (let i = 0; i < parts.tfs.length; i++) {
      if (i % 65536 === 65535) yield;
      w.varint(parts.tfs[i]!);
    }
    for (let i = 0; i < parts.lens.length; i++) w.varint(parts.lens[i]!);
  } else {
    w.raw(new Uint8Array(parts.tfs.buffer, parts.tfs.byteOffset, parts.tfs.byteLength));
    w.raw(new Uint8Array(parts.lens.buffer, parts.lens.byteOffset, parts.lens.byteLength));
  }
  w.raw(new Uint8Array(4), 1);
  const bytes = w.bytes.slice(0, w.at);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, SNAPSHOT_VERSION, true);
  dv.setUint32(8, json.length, true);
  dv.setUint32(bytes.length - 4, fnv32(bytes, bytes.length - 4), true);
  return bytes;
}

export function encodeLexicalSnapshot(s: LexicalSnapshot): Uint8Array {
  const steps = encodeSteps(s);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * encodeLexicalSnapshot with a turn of the event loop whenever `sliceMs` have passed: at 100k
 * papers encoding took ~0.9 s (Node), all of it a question's wait on the engine thread. `parts` must
 * not change meanwhile (the caller passes a copy: SearchEngine.lexicalParts()).
 */
export async function encodeLexicalSnapshotSliced(s: LexicalSnapshot, sliceMs = DEFAULT_SLICE_MS): Promise<Uint8Array> {
  const steps = encodeSteps(s);
  let started = performance.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - started >= sliceMs) {
      await yieldToEventLoop();
      started = performance.now();
    }
  }
}

/** Reads the version-2 body (see the module comment); throws SnapshotError on anything inconsistent. */
function decodeBodyV2(bytes: Uint8Array, at: number, end: number, h: Header): { offsets: Int32Array; slots: Int32Array; tfs: Float32Array | Float64Array; lens: Float64Array } {
  const nTerms = h.terms.length;
  const nDocs = h.ids.length;
  let p = at;
  // Multi-byte varints only; the one-byte case (most gaps and tfs) is inlined in the loops below:
  // ~26M values at 100k papers, where a call per value was half of the decode time.
  const varint = (): number => {
    let x = 0;
    let shift = 0;
    for (;;) {
      if (p >= end) throw new SnapshotError('truncated postings');
      const b = bytes[p++]!;
      x += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return x;
      shift += 7;
      if (shift > 28) throw new SnapshotError('malformed varint');
    }
  };
  const offsets = new Int32Array(nTerms + 1);
  const slots = new Int32Array(h.postings);
  let k = 0;
  for (let t = 0; t < nTerms; t++) {
    const df = varint();
    if (k + df > h.postings) throw new SnapshotError('more postings than the header says');
    let slot = -1;
    for (let i = 0; i < df; i++) {
      const b = p < end ? bytes[p]! : 0x80;
      if (b < 0x80) {
        p++;
        slot += b + 1;
      } else slot += varint() + 1;
      slots[k++] = slot;
    }
    offsets[t + 1] = k;
  }
  if (k !== h.postings) throw new SnapshotError('fewer postings than the header says');
  const tfs = h.tf64 ? new Float64Array(h.postings) : new Float32Array(h.postings);
  const lens = new Float64Array(nDocs);
  if (h.intTf) {
    for (let i = 0; i < h.postings; i++) {
      const b = p < end ? bytes[p]! : 0x80;
      if (b < 0x80) {
        p++;
        tfs[i] = b;
      } else tfs[i] = varint();
    }
    for (let i = 0; i < nDocs; i++) lens[i] = varint();
  } else {
    const take = (arr: Float32Array | Float64Array) => {
      p = pad8(p);
      const n = arr.byteLength;
      if (p + n > end) throw new SnapshotError('truncated frequencies');
      new Uint8Array(arr.buffer).set(bytes.subarray(p, p + n));
      p += n;
    };
    take(tfs);
    take(lens);
  }
  if (p !== end) throw new SnapshotError('size does not match the header');
  return { offsets, slots, tfs, lens };
}

export function decodeLexicalSnapshot(input: Uint8Array): LexicalSnapshot {
  if (!(input instanceof Uint8Array) || input.length < 16) throw new SnapshotError('too short');
  // A copy aligned at 0, so typed views over it are legal whatever the stored array's offset.
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice();
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  if (dv.getUint32(0, true) !== MAGIC) throw new SnapshotError('not a lexical index snapshot');
  const version = dv.getUint32(4, true);
  if (version !== 1 && version !== SNAPSHOT_VERSION) throw new SnapshotError(`version ${version}, expected ${SNAPSHOT_VERSION}`);
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
  const labels = new Int32Array(nDocs);
  for (let i = 0; i < nDocs; i++) labels[i] = i;
  if (version === 2) {
    const { offsets, slots, tfs, lens } = decodeBodyV2(bytes, 12 + jsonLen, total - 4, h);
    return { parts: { opts: h.opts, terms: h.terms, offsets, slots, tfs, labels, lens, totalLen: h.totalLen }, ids: h.ids, fingerprint: h.fingerprint };
  }
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
  return { parts: { opts: h.opts, terms: h.terms, offsets, slots, tfs, labels, lens, totalLen: h.totalLen }, ids: h.ids, fingerprint: h.fingerprint };
}
