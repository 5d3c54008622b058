/**
 * The on-disk format of precomputed ("shipped") vectors, shared by the Node writer
 * (scripts/precompute.ts) and the browser reader (shipped.ts). Pure: no DOM, no `node:`.
 *
 * Layout under `<base>/precomputed/`:
 * - `manifest.json` — a {@link ShippedManifest}: the corpus rows (paper id + text hash, in row order)
 *   and one {@link ShippedSet} per model, each naming its binaries by content hash.
 * - `vectors.<model slug>.<sha256 prefix>.bin` — `count × dims` little-endian Float32, row i belongs to
 *   `papers[i]`, every row L2-normalised.
 * - optional `hnsw.<model slug>.<sha256 prefix>.bin` — the serialised hnswlib graph, label i = row i;
 *   written only when the corpus is at least ann.ts's EXACT_THRESHOLD (smaller corpora search exactly).
 *
 * Invariant: a vector is used only if the model bytes (id + ONNX sha256 + dtype), the pooling and
 * prefixes, the joining rule (VECTOR_FORMAT) and the paper's text hash all equal what the browser
 * would embed; anything else is a mismatch and the browser embeds locally.
 */
import type { Dtype, Pooling } from '../model/registry.ts';
import { float32ToLeBytes, leBytesToFloat32 } from './float32-le.ts';
import { sha256Hex } from '../util/sha256.ts';

export const SHIPPED_FORMAT = 'abstract-atlas/precomputed';
/** Bump when the manifest or binary layout changes incompatibly. */
export const SHIPPED_VERSION = 1;

export interface ShippedModelInfo {
  id: string;
  /** sha256 of the ONNX file the vectors were made with. */
  sha256: string;
  dtype: Dtype;
  pooling: Pooling;
  queryPrefix: string;
  passagePrefix: string;
  dims: number;
}

export interface ShippedFile {
  /** File name relative to the manifest's folder. */
  file: string;
  bytes: number;
  sha256: string;
}

export interface ShippedSet {
  model: ShippedModelInfo;
  vectors: ShippedFile;
  /** hnswlib graph over all rows (label = row index); present only for large corpora. */
  hnsw?: ShippedFile & { M: number; efConstruction: number };
  /** Informational: what produced the vectors (not checked, Node and browser ORT differ by ~1e-6). */
  producer?: Record<string, string>;
}

export interface ShippedManifest {
  format: typeof SHIPPED_FORMAT;
  version: number;
  /** text.ts VECTOR_FORMAT at build time: the rule that turns a paper into the embedded text. */
  vectorFormat: number;
  /** Rows of every set's vector file, in order. */
  papers: { id: string; textHash: string }[];
  sets: ShippedSet[];
}

/** File-name-safe form of a model id ("Xenova/bge-small-en-v1.5" → "Xenova--bge-small-en-v1.5"). */
export function modelSlug(modelId: string): string {
  return modelId.replace(/[^A-Za-z0-9._-]+/g, '--');
}

/** Float32 rows → little-endian bytes (a fresh copy, independent of `vectors`). */
export function encodeVectors(vectors: Float32Array): Uint8Array {
  return float32ToLeBytes(vectors).slice();
}

/** Little-endian bytes → Float32 rows (always a fresh, aligned copy). */
export function decodeVectors(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`vector file length ${bytes.byteLength} is not a multiple of 4`);
  return leBytesToFloat32(bytes);
}

/**
 * Lower-case hex sha256, or undefined where WebCrypto is absent (browsers on insecure http:// origins):
 * readers then fall back to length and norm checks instead of failing.
 */
export async function sha256HexIfAvailable(bytes: Uint8Array): Promise<string | undefined> {
  return globalThis.crypto?.subtle ? sha256Hex(bytes) : undefined;
}

/**
 * Structural check of a parsed manifest; returns a reason string for the first problem, or undefined.
 * Catches hand-edited or truncated files before any field is trusted.
 */
export function manifestProblem(m: unknown): string | undefined {
  if (!m || typeof m !== 'object') return 'manifest is not a JSON object';
  const x = m as Partial<ShippedManifest>;
  if (x.format !== SHIPPED_FORMAT) return `manifest format is ${JSON.stringify(x.format)}, expected "${SHIPPED_FORMAT}"`;
  if (x.version !== SHIPPED_VERSION) return `manifest version ${x.version} is not supported (expected ${SHIPPED_VERSION})`;
  if (typeof x.vectorFormat !== 'number') return 'manifest has no vectorFormat';
  if (!Array.isArray(x.papers)) return 'manifest has no papers list';
  for (const [i, p] of x.papers.entries()) {
    if (!p || typeof p.id !== 'string' || typeof p.textHash !== 'string') return `manifest paper row ${i} is malformed`;
  }
  if (!Array.isArray(x.sets)) return 'manifest has no sets list';
  for (const [i, s] of x.sets.entries()) {
    const md = s?.model;
    if (!md || typeof md.id !== 'string' || typeof md.sha256 !== 'string' || typeof md.dims !== 'number')
      return `manifest set ${i} has a malformed model description`;
    const f = s.vectors;
    if (!f || typeof f.file !== 'string' || typeof f.bytes !== 'number' || typeof f.sha256 !== 'string')
      return `manifest set ${i} has a malformed vectors entry`;
    if (!/^[\w.-]+$/.test(f.file)) return `manifest set ${i} names an unsafe file "${f.file}"`;
    if (s.hnsw && !/^[\w.-]+$/.test(s.hnsw.file)) return `manifest set ${i} names an unsafe file "${s.hnsw.file}"`;
  }
  return undefined;
}

/** First field where a manifest's model differs from the expected one, as a human-readable reason. */
export function modelMismatch(got: ShippedModelInfo, want: ShippedModelInfo): string | undefined {
  const keys: (keyof ShippedModelInfo)[] = ['id', 'sha256', 'dtype', 'pooling', 'queryPrefix', 'passagePrefix', 'dims'];
  for (const k of keys) {
    if (got[k] !== want[k]) return `shipped vectors were made with ${k}=${JSON.stringify(got[k])}, the model in use has ${JSON.stringify(want[k])}`;
  }
  return undefined;
}

export interface ShippedSetInput {
  model: ShippedModelInfo;
  /** Row-major, `papers.length × model.dims`, L2-normalised. */
  vectors: Float32Array;
  hnsw?: { bytes: Uint8Array; M: number; efConstruction: number };
  producer?: Record<string, string>;
}

/**
 * Builds one set's binaries and manifest entry. File names carry a content-hash prefix so hosts and
 * the service worker can cache them forever and a new build never serves old bytes under a known name.
 */
export async function makeShippedSet(rows: number, input: ShippedSetInput): Promise<{ set: ShippedSet; files: Map<string, Uint8Array> }> {
  const { model } = input;
  if (input.vectors.length !== rows * model.dims)
    throw new Error(`vectors hold ${input.vectors.length} floats, ${rows} rows × ${model.dims} dims need ${rows * model.dims}`);
  const files = new Map<string, Uint8Array>();
  const entry = async (kind: string, bytes: Uint8Array): Promise<ShippedFile> => {
    const sha256 = await sha256HexIfAvailable(bytes);
    if (!sha256) throw new Error('WebCrypto (crypto.subtle) is required to write shipped vectors');
    const file = `${kind}.${modelSlug(model.id)}.${model.dtype}.${sha256.slice(0, 12)}.bin`;
    files.set(file, bytes);
    return { file, bytes: bytes.byteLength, sha256 };
  };
  const set: ShippedSet = { model, vectors: await entry('vectors', encodeVectors(input.vectors)) };
  if (input.hnsw) set.hnsw = { ...(await entry('hnsw', input.hnsw.bytes)), M: input.hnsw.M, efConstruction: input.hnsw.efConstruction };
  if (input.producer) set.producer = input.producer;
  return { set, files };
}
