/**
 * On-disk cache of document vectors for the CLI (Node only), so a second run does not re-embed.
 *
 * Key: the vector identity (vectors/identity.ts: model, weights sha256, dtype, pooling, prefixes,
 * dims, text rule) in the file name, and per entry paper id + text hash. A paper whose title/abstract
 * changed gets a new text hash and is re-embedded; its stale entry is replaced. Any change to the
 * identity is a different file, so vectors of another identity are never read.
 *
 * File: `<root>/<model id with / → __>/<weights sha256 prefix>-<fnv64 of the identity key>.vec`, binary:
 *   u32 magic "AAVC" | u32 version | u32 dimensions | u32 count | u32 keysByteLength
 *   | UTF-8 JSON array of "paperId:textHash" (count entries) | zero padding to 4 bytes
 *   | count × dimensions little-endian float32
 * Writes go to a temporary file renamed over the old one, so a killed run never leaves a torn file,
 * and save() merges with whatever another process wrote meanwhile. A file that fails validation is
 * ignored (reported through `onWarning`) and rewritten on the next save — never trusted partially.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fnv1a64 } from '../core/library/ids.ts';
import { vectorKey, type VectorIdentity } from '../core/vectors/identity.ts';

const MAGIC = 0x43564141; // "AAVC" little-endian
const VERSION = 1;
const HEADER_BYTES = 20;

/** `$ATLAS_CACHE_DIR/vectors` if set, else `<repo>/.cache/vectors`. */
export function defaultVectorCacheDir(): string {
  if (process.env.ATLAS_CACHE_DIR) return join(resolve(process.env.ATLAS_CACHE_DIR), 'vectors');
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return join(repo, '.cache', 'vectors');
}

interface Entry {
  textHash: string;
  vector: Float32Array;
}

export class VectorCacheNode {
  readonly file: string;
  private entries = new Map<string, Entry>(); // paper id → entry
  private dims = 0;
  private dirty = false;

  private constructor(file: string) {
    this.file = file;
  }

  /** Opens (or starts) the cache for one model file. Never throws on a damaged cache file. */
  static open(root: string, identity: VectorIdentity, onWarning: (msg: string) => void = () => {}): VectorCacheNode {
    if (!/^[0-9a-f]{64}$/.test(identity.weights)) throw new Error(`Vector cache: weights hash "${identity.weights}" is not a sha256 hex digest`);
    const safeId = identity.model.replace(/[^A-Za-z0-9._-]+/g, '__');
    const cache = new VectorCacheNode(join(root, safeId, `${identity.weights.slice(0, 16)}-${fnv1a64(vectorKey(identity))}.vec`));
    try {
      cache.merge(readCacheFile(cache.file));
    } catch (e) {
      onWarning(`Ignoring damaged vector cache ${cache.file}: ${(e as Error).message}`);
    }
    cache.dirty = false;
    return cache;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cached vector, only if it was computed from exactly this text. */
  get(paperId: string, textHash: string): Float32Array | undefined {
    const e = this.entries.get(paperId);
    return e && e.textHash === textHash ? e.vector : undefined;
  }

  put(paperId: string, textHash: string, vector: Float32Array): void {
    if (this.dims && vector.length !== this.dims) {
      throw new Error(`Vector cache: ${vector.length}-d vector for a ${this.dims}-d cache (${this.file})`);
    }
    this.dims = vector.length;
    this.entries.set(paperId, { textHash, vector: vector.slice() });
    this.dirty = true;
  }

  /** Writes the cache if anything changed, merged with the file's current content. */
  save(): void {
    if (!this.dirty) return;
    let onDisk = new Map<string, Entry>();
    try {
      onDisk = readCacheFile(this.file);
    } catch {
      // A damaged file is simply replaced.
    }
    for (const [id, e] of onDisk) if (!this.entries.has(id) && e.vector.length === this.dims) this.entries.set(id, e);
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, encode(this.entries, this.dims));
    renameSync(tmp, this.file);
    this.dirty = false;
  }

  private merge(entries: Map<string, Entry>): void {
    for (const [id, e] of entries) {
      if (this.dims && e.vector.length !== this.dims) continue;
      this.dims = e.vector.length;
      this.entries.set(id, e);
    }
  }
}

function encode(entries: Map<string, Entry>, dims: number): Uint8Array {
  const keys = [...entries].map(([id, e]) => `${id}:${e.textHash}`);
  const keyBytes = new TextEncoder().encode(JSON.stringify(keys));
  const pad = (4 - (keyBytes.length % 4)) % 4;
  const dataOffset = HEADER_BYTES + keyBytes.length + pad;
  const out = new Uint8Array(dataOffset + entries.size * dims * 4);
  const view = new DataView(out.buffer);
  [MAGIC, VERSION, dims, entries.size, keyBytes.length].forEach((v, i) => view.setUint32(i * 4, v, true));
  out.set(keyBytes, HEADER_BYTES);
  let off = dataOffset;
  for (const e of entries.values()) {
    // DataView keeps the file little-endian whatever the host byte order.
    for (let j = 0; j < dims; j++, off += 4) view.setFloat32(off, e.vector[j], true);
  }
  return out;
}

/** Parses a cache file; an absent file is an empty cache, anything malformed throws. */
function readCacheFile(file: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  if (!existsSync(file)) return out;
  const buf = readFileSync(file);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < HEADER_BYTES) throw new Error(`file too short (${buf.byteLength} bytes)`);
  const [magic, version, dims, count, keyLen] = [0, 1, 2, 3, 4].map((i) => view.getUint32(i * 4, true));
  if (magic !== MAGIC) throw new Error('not a vector cache file (bad magic)');
  if (version !== VERSION) throw new Error(`unsupported cache version ${version}`);
  const pad = (4 - (keyLen % 4)) % 4;
  const dataOffset = HEADER_BYTES + keyLen + pad;
  if (buf.byteLength !== dataOffset + count * dims * 4) {
    throw new Error(`truncated: ${buf.byteLength} bytes for ${count} vectors of ${dims} dimensions`);
  }
  const keys = JSON.parse(new TextDecoder().decode(buf.subarray(HEADER_BYTES, HEADER_BYTES + keyLen))) as unknown;
  if (!Array.isArray(keys) || keys.length !== count) throw new Error('key list does not match the vector count');
  keys.forEach((key, i) => {
    const sep = typeof key === 'string' ? key.lastIndexOf(':') : -1;
    if (sep <= 0) throw new Error(`bad key at entry ${i}`);
    const vector = new Float32Array(dims);
    const base = dataOffset + i * dims * 4;
    for (let j = 0; j < dims; j++) vector[j] = view.getFloat32(base + j * 4, true);
    out.set(key.slice(0, sep), { textHash: key.slice(sep + 1), vector });
  });
  return out;
}
