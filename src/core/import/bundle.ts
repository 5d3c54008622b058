/**
 * Export/import of one collection with its vectors as a
 * single binary file (`.atlas`), so another machine can search it without re-embedding.
 *
 * Layout (all integers little-endian):
 *   0   8 bytes   magic "ATLASB1\n"
 *   8   u32       H = byte length of the JSON header
 *   12  H bytes   header, UTF-8 JSON (BundleHeader)
 *   …   0–3 zero bytes so the vectors start at a multiple of 4
 *   …   count × dims × 4 bytes   Float32 vectors, row i ↔ header.papers[i]
 *   …   header.index.bytes bytes: a serialised index written by the first version (skipped)
 * Binary rather than JSON+base64: base64 adds 33 % and a 15 MB string copy per 10k vectors, and
 * the Float32 bytes round-trip exactly. The header stays human-readable JSON (`head -c 2000`).
 *
 * Invariants: the payload (vectors + index) is covered by a CRC-32 in the header; a vector is
 * returned only for a paper whose title/abstract still hash to the `textHash` it was embedded
 * from; readers reject schema versions newer than BUNDLE_SCHEMA instead of misreading them.
 */
import { paperId, textHash } from '../library/ids.ts';
import { readAuthors } from '../library/authors.ts';
import { float32ToLeBytes, leBytesToFloat32 } from '../vectors/float32-le.ts';
import { buildPaper, DEFAULT_LIMITS, type RecordLimits } from './record.ts';
import { ImportError } from './errors.ts';
import { MAX_ISSUES, formatBytes } from './limits.ts';
import type { VectorIdentity } from '../vectors/identity.ts';
import { getModel, getStaticModel, isStaticModelId, type ModelSpec } from '../model/registry.ts';
import type { Paper, ParseIssue } from '../types.ts';

export const BUNDLE_MAGIC = 'ATLASB1\n';
export const BUNDLE_MAGIC_BYTES: readonly number[] = [...BUNDLE_MAGIC].map((c) => c.charCodeAt(0));
/** Version of the header/payload layout this code writes and the newest it can read. */
export const BUNDLE_SCHEMA = 1;
export const BUNDLE_APP = 'abstract-atlas';
export const BUNDLE_EXTENSION = '.atlas';

/**
 * The vector identity (vectors/identity.ts) of the bundle's vectors, in the header's field names.
 * Bundles written before the prefixes were recorded lack them: `bundleIdentity` fills them in from
 * the registry for models it knows.
 */
export interface BundleModel {
  id: string;
  /** sha256 of the weights file the vectors were made with. */
  sha256: string;
  dtype: string;
  pooling: string;
  dims: number;
  /** `VECTOR_FORMAT` (vectors/document-text.ts) at export: how a paper's text was built for embedding. */
  vectorFormat: number;
  queryPrefix?: string;
  passagePrefix?: string;
}

export interface BundlePaper extends Paper {
  /** textHash(title, abstract) of the text the vector was computed from. */
  textHash: string;
  /** On the reading list of the library that exported it (absent = not starred; older bundles). */
  starred?: boolean;
}

export interface BundleHeader {
  schema: number;
  app: string;
  created: string;
  collection: string;
  /** Absent when the bundle carries papers only. */
  model?: BundleModel;
  count: number;
  papers: BundlePaper[];
  /**
   * Written by the first version only (never read for search: an index is rebuilt from the vectors
   * in the library it joins). Still parsed so its bytes are covered by the length and CRC checks.
   */
  index?: { kind: string; bytes: number; labels: number[]; params?: Record<string, number> };
  /** CRC-32 of everything after the header padding. */
  payloadCrc32: number;
}

export interface BundleInput {
  collection: string;
  papers: Paper[];
  /** Required with `vectors`: the identity they were made under. */
  identity?: VectorIdentity;
  /** papers.length × identity.dims, row i ↔ papers[i]. */
  vectors?: Float32Array;
  created?: Date;
  /** Ids of the papers on the exporter's reading list. */
  starred?: ReadonlySet<string>;
}

export interface Bundle {
  header: BundleHeader;
  /** Validated papers, in header order minus rejected ones; `collection` possibly overridden. */
  papers: Paper[];
  /** Usable vectors by paper id (empty when the bundle has none or all were stale). */
  vectors: Map<string, Float32Array>;
  /** Identity of `vectors` (absent when the bundle carries papers only). */
  identity?: VectorIdentity;
  issues: ParseIssue[];
  /** Papers listed in the header; each is in `papers` or has a `skipped` issue. */
  entries: number;
  /** Ids (as in `papers`) of the papers that were on the exporter's reading list. */
  starred: string[];
}

let crcTable: Uint32Array | undefined;
/** CRC-32 (IEEE), over one or more chunks. */
export function crc32(chunks: Uint8Array[]): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of chunks) for (let i = 0; i < b.length; i++) crc = crcTable[(crc ^ b[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/**
 * Serialises a collection. Throws (programming errors, not user input) when vectors and papers
 * disagree in length, or labels do not match the papers.
 */
export function writeBundle(input: BundleInput): Uint8Array {
  const { papers, vectors, identity } = input;
  if (vectors && !identity) throw new Error('writeBundle: vectors need their vector identity');
  if (vectors && identity && vectors.length !== papers.length * identity.dims) {
    throw new Error(`writeBundle: ${vectors.length} floats for ${papers.length} papers × ${identity.dims} dims`);
  }
  const vecBytes = vectors ? float32ToLeBytes(vectors) : new Uint8Array(0);
  const header: BundleHeader = {
    schema: BUNDLE_SCHEMA,
    app: BUNDLE_APP,
    created: (input.created ?? new Date()).toISOString(),
    collection: input.collection,
    model: vectors && identity ? bundleModelOf(identity) : undefined,
    count: papers.length,
    papers: papers.map((p) => ({ ...p, textHash: textHash(p.title, p.abstract), ...(input.starred?.has(p.id) ? { starred: true } : {}) })),
    payloadCrc32: crc32([vecBytes]),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = 12 + json.length;
  const pad = pad4(start);
  const out = new Uint8Array(start + pad + vecBytes.length);
  out.set(BUNDLE_MAGIC_BYTES, 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(vecBytes, start + pad);
  return out;
}

/** The header's description of vectors made under `id`. */
export function bundleModelOf(id: VectorIdentity): BundleModel {
  return {
    id: id.model,
    sha256: id.weights,
    dtype: id.dtype,
    pooling: id.pooling,
    dims: id.dims,
    vectorFormat: id.textFormat,
    queryPrefix: id.queryPrefix,
    passagePrefix: id.passagePrefix,
  };
}

/**
 * The vector identity a header describes. Prefixes missing from first-version bundles come from the
 * registry entry of the model id (unknown models keep them undefined, so they never match).
 */
export function bundleIdentity(m: BundleModel): Partial<VectorIdentity> {
  let spec: ModelSpec | undefined;
  try {
    spec = getModel(m.id);
  } catch {
    spec = undefined;
  }
  return {
    model: m.id,
    weights: m.sha256,
    dtype: m.dtype,
    pooling: m.pooling,
    dims: m.dims,
    textFormat: m.vectorFormat,
    queryPrefix: m.queryPrefix ?? spec?.queryPrefix,
    passagePrefix: m.passagePrefix ?? spec?.passagePrefix,
  };
}

/** True when `bytes` starts with the bundle magic. */
export function isBundle(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && BUNDLE_MAGIC_BYTES.every((v, i) => bytes[i] === v);
}

const bad = (msg: string) => new ImportError('bad-bundle', msg);

function isObj(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** A header whose vectors cannot be what its (known) model makes: the reason, else undefined. */
function dimsProblem(m: BundleModel): string | undefined {
  // Transformers and the static (quick-tier) models alike: a known id fixes the vector size.
  let spec: { id: string; dims: number } | undefined;
  try {
    spec = isStaticModelId(m.id) ? getStaticModel(m.id) : getModel(m.id);
  } catch {
    return undefined;
  }
  if (spec.dims === m.dims) return undefined;
  return `The bundle's vectors have ${m.dims} dimensions, but ${spec.id} makes ${spec.dims}-dimensional vectors: they are ignored and the papers will be embedded again.`;
}

/** Checks the header's shape; everything in it is untrusted input. */
function validateHeader(h: Record<string, unknown>): BundleHeader {
  const str = (k: string) => {
    if (typeof h[k] !== 'string') throw bad(`The bundle header is invalid: "${k}" is missing or not text.`);
    return h[k] as string;
  };
  const int = (v: unknown, what: string) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw bad(`The bundle header is invalid: ${what} is not a non-negative integer.`);
    return v;
  };
  str('app');
  str('created');
  str('collection');
  int(h.count, '"count"');
  int(h.payloadCrc32, '"payloadCrc32"');
  if (!Array.isArray(h.papers) || h.papers.length !== h.count) throw bad(`The bundle header is invalid: "papers" does not hold "count" (${String(h.count)}) entries.`);
  if (h.model !== undefined) {
    if (!isObj(h.model)) throw bad('The bundle header is invalid: "model" is not an object.');
    const m = h.model;
    for (const k of ['id', 'sha256', 'dtype', 'pooling']) if (typeof m[k] !== 'string') throw bad(`The bundle header is invalid: "model.${k}" is missing.`);
    if (int(m.dims, '"model.dims"') === 0 || (m.dims as number) > 65536) throw bad('The bundle header is invalid: "model.dims" is out of range.');
    int(m.vectorFormat, '"model.vectorFormat"');
  }
  if (h.index !== undefined) {
    if (!isObj(h.index) || typeof h.index.kind !== 'string' || !Array.isArray(h.index.labels)) throw bad('The bundle header is invalid: "index" is malformed.');
    int(h.index.bytes, '"index.bytes"');
    if (h.index.labels.length !== h.count || !h.index.labels.every((l) => Number.isInteger(l) && (l as number) >= 0)) {
      throw bad('The bundle header is invalid: "index.labels" must hold one non-negative integer per paper.');
    }
  }
  return h as unknown as BundleHeader;
}

export interface ReadBundleOptions {
  /** Overrides `Paper.collection` of every paper (import under another name). */
  collection?: string;
  limits?: RecordLimits;
}

/**
 * Reads and validates a bundle. Never trusts the header: lengths, types, CRC, ids and text hashes
 * are checked. Papers that fail validation are dropped with an issue and lose their vector.
 * @throws ImportError 'bad-bundle' (wrong magic, truncated, corrupt, malformed header) or
 *   'newer-schema' (made by a newer version of the app).
 */
export function readBundle(bytes: Uint8Array, opts: ReadBundleOptions = {}): Bundle {
  if (!isBundle(bytes)) {
    throw bad('This is not an Abstract Atlas bundle (the file does not start with "ATLASB1"). Export bundles from the app\'s collection menu or with the CLI.');
  }
  if (bytes.length < 12) throw bad(`The bundle is truncated: ${bytes.length} bytes, not even a complete header.`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hLen = dv.getUint32(8, true);
  if (12 + hLen > bytes.length) {
    throw bad(`The bundle is truncated: its header needs ${formatBytes(12 + hLen)} but the file has ${formatBytes(bytes.length)}. Copy the file again.`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + hLen)));
  } catch (e) {
    throw bad(`The bundle header is corrupt (${(e as Error).message}).`);
  }
  if (!isObj(raw)) throw bad('The bundle header is corrupt (not a JSON object).');
  if (typeof raw.schema !== 'number' || !Number.isInteger(raw.schema) || raw.schema < 1) throw bad('The bundle header has no valid schema version.');
  if (raw.schema > BUNDLE_SCHEMA) {
    throw new ImportError(
      'newer-schema',
      `This bundle was made by a newer version of Abstract Atlas (schema ${raw.schema}, this app reads ≤ ${BUNDLE_SCHEMA}). Update the app, or export again from the newer version as BibTeX/JSON.`,
    );
  }
  const header = validateHeader(raw);
  const dims = header.model?.dims ?? 0;
  const vecStart = 12 + hLen + pad4(12 + hLen);
  const vecLen = header.model ? header.count * dims * 4 : 0;
  const idxLen = header.index?.bytes ?? 0;
  const expected = vecStart + vecLen + idxLen;
  if (bytes.length < expected) {
    throw bad(`The bundle is truncated: expected ${expected} bytes (header, ${header.count} vectors${idxLen ? ', index' : ''}) but the file has ${bytes.length}. Copy the file again.`);
  }
  const issues: ParseIssue[] = [];
  if (bytes.length > expected) issues.push({ message: `The bundle has ${bytes.length - expected} unexpected bytes at the end; ignored.` });
  const vecBytes = bytes.subarray(vecStart, vecStart + vecLen);
  const idxBytes = bytes.subarray(vecStart + vecLen, expected);
  if (crc32([vecBytes, idxBytes]) !== header.payloadCrc32) {
    throw bad('The bundle is corrupt: its vectors/index do not match their checksum (the file was damaged in transfer).');
  }
  let all = header.model ? leBytesToFloat32(vecBytes) : undefined;
  const wrongDims = header.model ? dimsProblem(header.model) : undefined;
  if (wrongDims) {
    // Vectors of another shape than their model makes cannot be searched: keep the papers, re-embed.
    issues.push({ message: wrongDims });
    all = undefined;
  }

  const limits = opts.limits ?? DEFAULT_LIMITS;
  const papers: Paper[] = [];
  const vectors = new Map<string, Float32Array>();
  const seen = new Set<string>();
  const starred: string[] = [];
  header.papers.forEach((rp, i) => {
    const entry = i + 1;
    if (!isObj(rp)) {
      issues.push({ entry, message: `Bundle paper ${entry} is not an object; skipped.`, skipped: true });
      return;
    }
    const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const p = buildPaper(
      {
        title: s(rp.title),
        abstract: s(rp.abstract),
        // Author[] from this version, string[] from earlier ones (readAuthors converts those).
        authors: readAuthors(rp.authors),
        year: typeof rp.year === 'number' ? rp.year : undefined,
        venue: s(rp.venue),
        doi: s(rp.doi),
        url: s(rp.url),
        arxiv: s(rp.arxiv),
        // The app that wrote the bundle cleaned the text already; reducing it again could change
        // it (and its text hash) for papers of earlier versions, which kept HTML literally.
        keepMarkup: true,
      },
      { entry, noun: 'bundle paper', label: s(rp.id) },
      opts.collection ?? s(rp.collection) ?? header.collection,
      limits,
      issues,
    );
    if (!p) {
      return;
    }
    // Ids stay as written when they are content ids: this version's (paperId of the fields) or an
    // earlier version's (title only), so vectors and stored copies of the paper keep matching.
    if (typeof rp.id === 'string' && rp.id !== p.id && rp.id === paperId(p.title)) p.id = rp.id;
    if (seen.has(p.id)) {
      issues.push({ entry, message: `Bundle paper ${entry} repeats an earlier paper of the bundle (same id ${p.id}); skipped.`, skipped: true });
      return;
    }
    seen.add(p.id);
    papers.push(p);
    if (rp.starred === true) starred.push(p.id);
    if (!all) return;
    const row = all.subarray(i * dims, (i + 1) * dims);
    if (rp.textHash !== textHash(p.title, p.abstract)) {
      issues.push({ entry, message: `Bundle paper ${entry} "${p.title}" changed since it was embedded; it will be embedded again.` });
      return;
    }
    if (!row.every(Number.isFinite)) {
      issues.push({ entry, message: `Bundle paper ${entry} "${p.title}" has an invalid vector (NaN/Infinity); it will be embedded again.` });
      return;
    }
    vectors.set(p.id, row);
  });
  const capped = issues.length > MAX_ISSUES ? [...issues.slice(0, MAX_ISSUES), { message: `…and ${issues.length - MAX_ISSUES} more problems.` }] : issues;
  return {
    header,
    papers,
    vectors,
    identity: header.model && all ? (bundleIdentity(header.model) as VectorIdentity) : undefined,
    issues: capped,
    entries: header.count,
    starred,
  };
}
