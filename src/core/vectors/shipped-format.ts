/**
 * The on-disk format of precomputed ("shipped") vectors, shared by the Node writer
 * (scripts/precompute.ts) and the browser reader (shipped.ts). Pure: no DOM, no `node:`.
 *
 * Layout under `<base>/precomputed/`:
 * - `manifest.json` — a {@link ShippedManifest}: the corpus rows (paper id + text hash, in row order)
 *   and one {@link ShippedSet} per model, each naming its binaries by content hash.
 * - `vectors.<model slug>.<sha256 prefix>.bin` — `count × dims` little-endian Float32, row i belongs to
 *   `papers[i]`, every row L2-normalised.
 *
 * Invariant: a vector is used only if its set's vector identity (vectors/identity.ts) equals the
 * model the browser loads and the paper's text hash matches; anything else is a mismatch and the
 * browser embeds locally.
 */
import { float32ToLeBytes, leBytesToFloat32 } from './float32-le.ts';
import { identityFields, type VectorIdentity } from './identity.ts';
import { sha256Hex } from '../util/sha256.ts';
import { runtime } from '../util/runtime.ts';

export const SHIPPED_FORMAT = 'abstract-atlas/precomputed';
/** Bump when the manifest or binary layout changes incompatibly. v2: each set names its full vector identity. */
export const SHIPPED_VERSION = 2;

export interface ShippedFile {
  /** File name relative to the manifest's folder. */
  file: string;
  bytes: number;
  sha256: string;
}

export interface ShippedSet {
  /** Everything that decides the vectors (vectors/identity.ts); compared field by field on load. */
  identity: VectorIdentity;
  vectors: ShippedFile;
  /** Informational: what produced the vectors (the build compares it to decide whether to re-embed). */
  producer?: Record<string, string>;
}

export interface ShippedManifest {
  format: typeof SHIPPED_FORMAT;
  version: number;
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
  return runtime.subtle ? sha256Hex(bytes) : undefined;
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
  if (!Array.isArray(x.papers)) return 'manifest has no papers list';
  for (const [i, p] of x.papers.entries()) {
    if (!p || typeof p.id !== 'string' || typeof p.textHash !== 'string') return `manifest paper row ${i} is malformed`;
  }
  if (!Array.isArray(x.sets)) return 'manifest has no sets list';
  for (const [i, s] of x.sets.entries()) {
    const id = s?.identity;
    if (!id || typeof id.model !== 'string' || typeof id.weights !== 'string' || typeof id.dims !== 'number')
      return `manifest set ${i} has a malformed vector identity`;
    const f = s.vectors;
    if (!f || typeof f.file !== 'string' || typeof f.bytes !== 'number' || typeof f.sha256 !== 'string')
      return `manifest set ${i} has a malformed vectors entry`;
    if (!/^[\w.-]+$/.test(f.file)) return `manifest set ${i} names an unsafe file "${f.file}"`;
  }
  return undefined;
}

export interface ShippedSetInput {
  identity: VectorIdentity;
  /** Row-major, `papers.length × identity.dims`, L2-normalised. */
  vectors: Float32Array;
  producer?: Record<string, string>;
}

/**
 * Builds one set's binary and manifest entry. File names carry a content-hash prefix so hosts and
 * the service worker can cache them forever and a new build never serves old bytes under a known name.
 */
export async function makeShippedSet(rows: number, input: ShippedSetInput): Promise<{ set: ShippedSet; files: Map<string, Uint8Array> }> {
  const { identity } = input;
  if (input.vectors.length !== rows * identity.dims)
    throw new Error(`vectors hold ${input.vectors.length} floats, ${rows} rows × ${identity.dims} dims need ${rows * identity.dims}`);
  const bytes = encodeVectors(input.vectors);
  const sha256 = await sha256HexIfAvailable(bytes);
  if (!sha256) throw new Error('WebCrypto (crypto.subtle) is required to write shipped vectors');
  const file = `vectors.${modelSlug(identity.model)}.${identity.dtype}.${sha256.slice(0, 12)}.bin`;
  const set: ShippedSet = { identity: identityFields(identity), vectors: { file, bytes: bytes.byteLength, sha256 } };
  if (input.producer) set.producer = input.producer;
  return { set, files: new Map([[file, bytes]]) };
}
