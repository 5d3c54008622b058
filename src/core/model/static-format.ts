/**
 * The static model file (`*.atlas-static`): one self-contained, hash-pinned binary holding everything
 * that decides a static vector — the tokenizer (vocabulary + normaliser flags), one row per token and
 * one weight per token — so the file's sha256 alone is the vector identity's `weights`.
 *
 * Layout (little-endian):
 *   "ATST"  u32 headerBytes  header JSON (UTF-8)  zero padding to a multiple of 8  data…
 * The header names each data section as [offset, bytes] relative to the data start (8-aligned, so
 * typed-array views need no copy):
 *   vocab    UTF-8 tokens joined by "\n" (id order)
 *   weights  f32 × vocabSize   the token's weight in a sentence sum (SIF weights; 0 = ignored token)
 *   scales   f32 × vocabSize   int8 only: the row's dequantisation scale
 *   rows     vocabSize × dims  int8, f16 (u16 bits) or f32
 *
 * Invariant: encodeStaticModel is a pure function of its input (key order fixed, no timestamps), so
 * the distiller's bytes — and their pinned sha256 — repeat run to run.
 */
import type { WordPieceConfig } from './wordpiece.ts';

export type StaticDtype = 'int8' | 'f16' | 'f32';

export const STATIC_MAGIC = 'ATST';
export const STATIC_FORMAT_VERSION = 1;

/** Everything about the file except its arrays. */
export interface StaticHeader {
  version: number;
  dims: number;
  vocabSize: number;
  dtype: StaticDtype;
  /** The tokenizer, minus its vocabulary (which is the `vocab` section). */
  tokenizer: Omit<WordPieceConfig, 'vocab'>;
  /** Where the table came from and how (teacher, its sha256, pooling, PCA, weighting): informative. */
  recipe: Record<string, unknown>;
  sections: Record<'vocab' | 'weights' | 'scales' | 'rows', [number, number]>;
}

export interface StaticModelData {
  header: StaticHeader;
  vocab: string[];
  weights: Float32Array;
  /** int8 only (empty otherwise). */
  scales: Float32Array;
  rows: Int8Array | Uint16Array | Float32Array;
}

export class StaticFormatError extends Error {
  override name = 'StaticFormatError';
}

const align8 = (n: number) => (n + 7) & ~7;

export function encodeStaticModel(m: Omit<StaticModelData, 'header'> & { header: Omit<StaticHeader, 'sections' | 'version'> }): Uint8Array {
  const { dims, vocabSize, dtype } = m.header;
  if (m.vocab.length !== vocabSize) throw new StaticFormatError(`vocab has ${m.vocab.length} tokens, header says ${vocabSize}`);
  if (m.vocab.some((t) => t.includes('\n'))) throw new StaticFormatError('a vocabulary token contains a newline');
  if (m.weights.length !== vocabSize) throw new StaticFormatError(`weights: ${m.weights.length} values for ${vocabSize} tokens`);
  if (m.rows.length !== vocabSize * dims) throw new StaticFormatError(`rows: ${m.rows.length} values for ${vocabSize}×${dims}`);
  if (dtype === 'int8' && m.scales.length !== vocabSize) throw new StaticFormatError(`scales: ${m.scales.length} values for ${vocabSize} tokens`);
  const vocab = new TextEncoder().encode(m.vocab.join('\n'));
  const parts: [keyof StaticHeader['sections'], Uint8Array][] = [
    ['vocab', vocab],
    ['weights', new Uint8Array(m.weights.buffer, m.weights.byteOffset, m.weights.byteLength)],
    ['scales', dtype === 'int8' ? new Uint8Array(m.scales.buffer, m.scales.byteOffset, m.scales.byteLength) : new Uint8Array(0)],
    ['rows', new Uint8Array(m.rows.buffer, m.rows.byteOffset, m.rows.byteLength)],
  ];
  const sections = {} as StaticHeader['sections'];
  let off = 0;
  for (const [name, bytes] of parts) {
    sections[name] = [off, bytes.byteLength];
    off = align8(off + bytes.byteLength);
  }
  // Fixed key order: the bytes must not depend on how the caller built the object.
  const h = m.header;
  const header: StaticHeader = {
    version: STATIC_FORMAT_VERSION,
    dims: h.dims,
    vocabSize: h.vocabSize,
    dtype: h.dtype,
    tokenizer: {
      unkToken: h.tokenizer.unkToken,
      continuingSubwordPrefix: h.tokenizer.continuingSubwordPrefix,
      maxInputCharsPerWord: h.tokenizer.maxInputCharsPerWord,
      lowercase: h.tokenizer.lowercase,
      stripAccents: h.tokenizer.stripAccents,
      cleanText: h.tokenizer.cleanText,
      handleChineseChars: h.tokenizer.handleChineseChars,
      addedTokens: [...h.tokenizer.addedTokens],
    },
    recipe: sortKeys(h.recipe) as Record<string, unknown>,
    sections,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align8(8 + json.byteLength);
  const out = new Uint8Array(dataStart + off);
  out.set(new TextEncoder().encode(STATIC_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.byteLength, true);
  out.set(json, 8);
  for (const [name, bytes] of parts) out.set(bytes, dataStart + sections[name][0]);
  return out;
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys((v as Record<string, unknown>)[k]);
    return o;
  }
  return v;
}

/** Parses (views into) a static model file; a damaged or foreign file is a StaticFormatError naming what is wrong. */
export function decodeStaticModel(bytes: Uint8Array): StaticModelData {
  if (bytes.byteLength < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== STATIC_MAGIC) {
    throw new StaticFormatError('not a static model file (bad magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerBytes = view.getUint32(4, true);
  if (8 + headerBytes > bytes.byteLength) throw new StaticFormatError('static model file is truncated (header)');
  let header: StaticHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes))) as StaticHeader;
  } catch (e) {
    throw new StaticFormatError(`static model header is not JSON: ${(e as Error).message}`);
  }
  if (header.version !== STATIC_FORMAT_VERSION) throw new StaticFormatError(`static model format ${header.version} is not supported (this build reads ${STATIC_FORMAT_VERSION})`);
  const { dims, vocabSize, dtype } = header;
  if (!Number.isInteger(dims) || dims < 1 || !Number.isInteger(vocabSize) || vocabSize < 1) throw new StaticFormatError('static model header has bad dims/vocabSize');
  const dataStart = align8(8 + headerBytes);
  // Typed views need aligned offsets; copy once when the caller's buffer is not 8-aligned.
  const base = (bytes.byteOffset + dataStart) % 8 === 0 ? bytes : bytes.slice();
  const section = (name: keyof StaticHeader['sections'], want: number): Uint8Array => {
    const s = header.sections?.[name];
    if (!s || s[1] !== want) throw new StaticFormatError(`static model section ${name}: ${s ? s[1] : 'missing'} bytes, expected ${want}`);
    const start = dataStart + s[0];
    if (start + s[1] > base.byteLength) throw new StaticFormatError(`static model file is truncated (section ${name})`);
    return base.subarray(start, start + s[1]);
  };
  const f32 = (u: Uint8Array) => new Float32Array(u.buffer, u.byteOffset, u.byteLength / 4);
  const rowBytes = { int8: 1, f16: 2, f32: 4 }[dtype];
  if (!rowBytes) throw new StaticFormatError(`static model dtype ${String(dtype)} is not supported`);
  const vocabSection = header.sections?.vocab;
  if (!vocabSection) throw new StaticFormatError('static model section vocab: missing');
  const vocab = new TextDecoder().decode(section('vocab', vocabSection[1])).split('\n');
  if (vocab.length !== vocabSize) throw new StaticFormatError(`static model vocab has ${vocab.length} tokens, header says ${vocabSize}`);
  const weights = f32(section('weights', vocabSize * 4));
  const scales = dtype === 'int8' ? f32(section('scales', vocabSize * 4)) : new Float32Array(0);
  const r = section('rows', vocabSize * dims * rowBytes);
  const rows =
    dtype === 'int8'
      ? new Int8Array(r.buffer, r.byteOffset, r.byteLength)
      : dtype === 'f16'
        ? new Uint16Array(r.buffer, r.byteOffset, r.byteLength / 2)
        : f32(r);
  return { header, vocab, weights, scales, rows };
}

// ------------------------------------------------------------------ f16 (Node 20 has no Float16Array)

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** IEEE half from float, round to nearest even (used by the distiller). */
export function toHalf(x: number): number {
  f32buf[0] = x;
  const b = u32buf[0]!;
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && r & 1)) r++;
  return sign | r;
}

let halfTable: Float32Array | undefined;
/** float value of every half bit pattern (256 kB, built on first use). */
export function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const s = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    t[h] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return (halfTable = t);
}
