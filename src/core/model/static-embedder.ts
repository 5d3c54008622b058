/**
 * The quick semantic tier: a static embedding model distilled from the default transformer
 * (scripts/distill.ts, recipe in src/node/distill/recipe.ts). A text's vector is the weighted sum of
 * its tokens' rows, L2-normalised — no neural network runs, so it costs microseconds per abstract in
 * plain TypeScript, in Node and in the browser worker alike, and both compute the same floats in the
 * same order (tests compare them).
 *
 * Integrity: the file is read once, checked against the sha256 pinned in the registry, then parsed
 * from memory; that sha256 is the vector identity's `weights`, and the file carries its own
 * tokenizer, so nothing else decides a vector.
 *
 * Responsiveness: embedDocuments yields to the event loop (a macrotask) at least every
 * YIELD_EVERY_MS of work, so a worker that embeds a large library with it still answers questions.
 */
import type { Device, EmbeddingModel, EmbeddingsResult, EmbedOptions } from '../types.ts';
import { abortError } from '../util/abort.ts';
import { runtime } from '../util/runtime.ts';
import { verifySha256 } from '../util/sha256.ts';
import { VECTOR_FORMAT } from '../vectors/document-text.ts';
import type { VectorIdentity } from '../vectors/identity.ts';
import { getStaticModel, type StaticModelSpec } from './registry.ts';
import { decodeStaticModel, halfToFloatTable, type StaticModelData } from './static-format.ts';
import { WordPieceTokenizer } from './wordpiece.ts';
import { fetchBytes } from './fetch-bytes.ts';

/** Longest stretch of embedding work between two yields to the event loop. */
export const YIELD_EVERY_MS = 12;
const DEFAULT_BATCH = 256;

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Identity of a static model: the file's sha256 is its weights; no prefixes; pooling 'static'. */
export function staticIdentity(spec: StaticModelSpec): VectorIdentity {
  return {
    model: spec.id,
    weights: spec.file.sha256,
    dtype: spec.dtype,
    pooling: 'static',
    queryPrefix: '',
    passagePrefix: '',
    dims: spec.dims,
    textFormat: VECTOR_FORMAT,
  };
}

/**
 * out[k] += m × rows[off + k] for k < d, four lanes per step. Each element still gets exactly the
 * operations of the plain loop in the same order (f64 multiply-add, rounded to f32 on store), so the
 * vectors are bit-identical to it; the unrolling only cuts loop overhead, which dominated the
 * static tier's time once the tokenizer got its ASCII fast path.
 */
function addScaledRow(out: Float32Array, rows: Int8Array | Float32Array, off: number, m: number, d: number): void {
  let k = 0;
  for (; k + 4 <= d; k += 4) {
    const o = off + k;
    out[k] += m * rows[o]!;
    out[k + 1] += m * rows[o + 1]!;
    out[k + 2] += m * rows[o + 2]!;
    out[k + 3] += m * rows[o + 3]!;
  }
  for (; k < d; k++) out[k] += m * rows[off + k]!;
}

export class StaticEmbedder implements EmbeddingModel {
  readonly modelId: string;
  readonly identity: VectorIdentity;
  readonly dimensions: number;
  readonly device: Device = 'cpu';
  embedCount = 0;
  queryCount = 0;
  readonly tokenizer: WordPieceTokenizer;
  private readonly rows: Int8Array | Float32Array;
  /** Per token: weight × dequantisation scale (0 for ignored tokens). */
  private readonly mult: Float32Array;
  private readonly ids: number[] = [];
  private readonly touched: number[] = [];
  /** Scratch: occurrences per token id of the text being embedded (all zero between calls). */
  private readonly counts: Float32Array;
  private disposed = false;
  private readonly now: () => number;

  /**
   * `identity` must describe `data` (the loader derives both from one verified file). `now` is the
   * clock the yield policy reads (tests pass a fake one).
   */
  constructor(data: StaticModelData, identity: VectorIdentity, opts: { now?: () => number } = {}) {
    this.now = opts.now ?? (() => Date.now());
    const h = data.header;
    if (identity.dims !== h.dims) throw new Error(`static model ${identity.model}: file has ${h.dims} dims, identity says ${identity.dims}`);
    this.modelId = identity.model;
    this.identity = identity;
    this.dimensions = h.dims;
    this.tokenizer = new WordPieceTokenizer({ ...h.tokenizer, vocab: data.vocab });
    const V = h.vocabSize;
    this.mult = new Float32Array(V);
    this.counts = new Float32Array(V);
    for (let i = 0; i < V; i++) this.mult[i] = data.weights[i]! * (h.dtype === 'int8' ? data.scales[i]! : 1);
    if (h.dtype === 'f16') {
      // Decoded once: 4 bytes per value in memory, against a sum loop without a table lookup.
      const table = halfToFloatTable();
      const src = data.rows as Uint16Array;
      const rows = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) rows[i] = table[src[i]!]!;
      this.rows = rows;
    } else {
      this.rows = data.rows as Int8Array | Float32Array;
    }
  }

  /** The normalised vector of one text, written into `out` (length dims). */
  embedInto(text: string, out: Float32Array): Float32Array {
    if (this.disposed) throw new Error(`Static model ${this.modelId} was disposed`);
    const d = this.dimensions;
    const rows = this.rows;
    const mult = this.mult;
    out.fill(0);
    const ids = this.ids;
    ids.length = 0;
    this.tokenizer.encode(text, ids);
    // Count each distinct token once, then add count × weight × row: an abstract repeats many of its
    // tokens ("the", ",", its topic words), so this halves the row additions (measured 1.5× per CPU-s).
    const counts = this.counts;
    const touched = this.touched;
    touched.length = 0;
    for (let t = 0; t < ids.length; t++) {
      const id = ids[t]!;
      if (counts[id] === 0) touched.push(id);
      counts[id]++;
    }
    // In first-seen order, so the floating-point sum is a function of the text alone.
    for (let t = 0; t < touched.length; t++) {
      const id = touched[t]!;
      const m = mult[id]! * counts[id]!;
      counts[id] = 0;
      if (m === 0) continue;
      addScaledRow(out, rows, id * d, m, d);
    }
    let s = 0;
    for (let k = 0; k < d; k++) s += out[k]! * out[k]!;
    if (s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let k = 0; k < d; k++) out[k] *= inv;
    }
    return out;
  }

  async embedDocuments(texts: string[], opts: EmbedOptions = {}): Promise<EmbeddingsResult> {
    const d = this.dimensions;
    const out = new Float32Array(texts.length * d);
    const batch = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH));
    let since = this.now();
    for (let start = 0; start < texts.length; start += batch) {
      if (opts.signal?.aborted) throw abortError('Embedding was cancelled');
      const end = Math.min(texts.length, start + batch);
      for (let i = start; i < end; i++) this.embedInto(texts[i]!, out.subarray(i * d, (i + 1) * d));
      this.embedCount += end - start;
      opts.onProgress?.({ done: end, total: texts.length });
      if (end < texts.length && this.now() - since >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        since = this.now();
      }
    }
    return { vectors: out, dimensions: d };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const v = this.embedInto(text, new Float32Array(this.dimensions));
    this.queryCount++;
    return v;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}

export interface StaticLoadOptions {
  modelId: string;
  /** Folder (Node path) or URL prefix (browser, e.g. '/models/') that contains `<modelId>/<file>`. */
  localModelPath: string;
  onProgress?: (p: { file: string; loaded: number; total: number; stage?: 'download' | 'verify' | 'start' }) => void;
}

async function readBytes(src: string, label: string, total: number, onProgress?: StaticLoadOptions['onProgress']): Promise<Uint8Array> {
  const isUrl = /^(https?:|blob:|data:)/.test(src) || !runtime.isNode;
  if (!isUrl) {
    const fs = runtime.nodeModule<{ readFile(p: string): Promise<Uint8Array> }>('node:fs/promises');
    if (!fs) throw new Error('Reading a static model from a folder needs Node ≥ 20.16 (process.getBuiltinModule)');
    try {
      return new Uint8Array(await fs.readFile(src));
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') throw new Error(`Static model file missing: ${src}. Run \`npm run distill\` to make it.`);
      throw err;
    }
  }
  return fetchBytes(src, label, total, onProgress);
}

/**
 * Loads a registered static model: reads the file once, verifies its pinned sha256 (a corrupt or
 * stale file is a HashMismatchError naming both hashes), parses it from memory.
 */
export async function loadStaticEmbedder(opts: StaticLoadOptions): Promise<StaticEmbedder> {
  const spec = getStaticModel(opts.modelId);
  const base = opts.localModelPath.endsWith('/') ? opts.localModelPath : opts.localModelPath + '/';
  const src = `${base}${spec.id}/${spec.file.path}`;
  const bytes = await readBytes(src, spec.file.path, spec.file.bytes, opts.onProgress);
  opts.onProgress?.({ file: spec.file.path, loaded: bytes.byteLength, total: bytes.byteLength, stage: 'verify' });
  await verifySha256(src, bytes, spec.file.sha256);
  return new StaticEmbedder(decodeStaticModel(bytes), staticIdentity(spec));
}
