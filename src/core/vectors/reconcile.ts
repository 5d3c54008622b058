/**
 * The one "embed what is missing" routine, used by the worker's indexer (src/core/engine/indexer.ts),
 * the CLI (src/cli/engine-node.ts) and the build's precompute step (scripts/precompute.ts):
 *
 *   papers + vectors already available (stored, shipped, bundled, cached — in priority order)
 *     → reuse every vector that was made for the paper's current text under the model's identity
 *     → embed the rest in batches, with progress and cancellation
 *     → hand each group of rows to `onRows` as soon as it is known (persist + index there).
 *
 * Invariants: a source vector is used only when it has the model's dimension and finite values (the
 * caller's sources already filter by identity and text hash); every paper ends with exactly one row
 * or the routine throws; `onRows` sees reused rows first, then each embedded batch once, so a killed
 * run loses at most one batch. Cancellation (signal) rejects with an AbortError between batches.
 */
import { textHash } from '../library/ids.ts';
import { abortError, isAbortError } from '../util/abort.ts';
import { DEFAULT_SLICE_MS, yieldToEventLoop } from '../util/time-slice.ts';
import type { EmbeddingModel, Paper } from '../types.ts';
import { documentText } from './document-text.ts';

export interface VectorRow {
  paperId: string;
  /** textHash(title, abstract) of the text the vector was made from. */
  textHash: string;
  vector: Float32Array;
}

/** A place vectors may already be: answers for one paper's current text, or undefined. */
export interface VectorSource {
  /** For counts and messages ("stored", "shipped", "bundle", "cache"). */
  name: string;
  lookup(paper: Paper, textHash: string): Float32Array | undefined;
}

export interface ReconcileProgress {
  done: number;
  total: number;
  /** Documents per second so far. */
  rate: number;
  /** Seconds left at that rate; undefined until measurable. */
  eta?: number;
}

export interface ReconcileOptions {
  papers: readonly Paper[];
  sources?: readonly VectorSource[];
  /** Embeds what no source has. */
  model: EmbeddingModel;
  /** Texts per embedding call = per `onRows` call (default 16). */
  batchSize?: number;
  /**
   * Texts per model call inside one batch (default `batchSize`: one call). Smaller steps are made
   * as separate calls with a turn of the event loop between them once a time slice is used, so a
   * question waits for one step, not a batch: a WASM forward pass blocks the thread it runs on,
   * and passes chained by promises alone never let a queued message (a search) in.
   */
  embedBatchSize?: number;
  signal?: AbortSignal;
  onRows?: (rows: VectorRow[], origin: 'reused' | 'embedded') => Promise<void> | void;
  onProgress?: (p: ReconcileProgress) => void;
  /** Called when an embedding call fails; may return a replacement model to retry the batch with. */
  onEmbedError?: (err: Error) => Promise<EmbeddingModel | null>;
  /** Text hash per paper (callers that memoise it pass theirs). */
  hashOf?: (p: Paper) => string;
  now?: () => number;
}

export interface ReconcileResult {
  /** Paper id → row, for every paper. */
  rows: Map<string, VectorRow>;
  /** Reused rows per source name. */
  reused: Record<string, number>;
  /** Rows a source offered but that were unusable (wrong dimension, NaN): they were embedded again. */
  damaged: number;
  embedded: number;
  seconds: number;
}

export const RECONCILE_BATCH = 16;

function usable(v: Float32Array | undefined, dims: number): v is Float32Array {
  if (!v || v.length !== dims) return false;
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}

export async function reconcile(opts: ReconcileOptions): Promise<ReconcileResult> {
  const now = opts.now ?? (() => Date.now());
  const hashOf = opts.hashOf ?? ((p: Paper) => textHash(p.title, p.abstract));
  let model = opts.model;
  const dims = model.identity.dims;
  const rows = new Map<string, VectorRow>();
  const reused: Record<string, number> = {};
  let damaged = 0;
  const reusedRows: VectorRow[] = [];
  const todo: Paper[] = [];
  for (const p of opts.papers) {
    const h = hashOf(p);
    let row: VectorRow | undefined;
    for (const src of opts.sources ?? []) {
      const v = src.lookup(p, h);
      if (v === undefined) continue;
      if (!usable(v, dims)) {
        damaged++;
        continue;
      }
      row = { paperId: p.id, textHash: h, vector: v };
      reused[src.name] = (reused[src.name] ?? 0) + 1;
      break;
    }
    if (row) {
      rows.set(p.id, row);
      reusedRows.push(row);
    } else todo.push(p);
  }
  if (reusedRows.length) await opts.onRows?.(reusedRows, 'reused');

  const started = now();
  const total = todo.length;
  const batchSize = Math.max(1, opts.batchSize ?? RECONCILE_BATCH);
  const stepSize = Math.max(1, opts.embedBatchSize ?? batchSize);
  let sliceStart = now();
  const embedBatch = async (texts: string[]) => {
    if (stepSize >= texts.length) return model.embedDocuments(texts, { batchSize: stepSize, signal: opts.signal });
    let out: Float32Array | undefined;
    let dimensions = 0;
    for (let j = 0; j < texts.length; j += stepSize) {
      if (j > 0 && now() - sliceStart >= DEFAULT_SLICE_MS) {
        await yieldToEventLoop();
        sliceStart = now();
      }
      if (opts.signal?.aborted) throw abortError('Indexing was cancelled');
      const r = await model.embedDocuments(texts.slice(j, j + stepSize), { batchSize: stepSize, signal: opts.signal });
      dimensions = r.dimensions;
      out ??= new Float32Array(texts.length * dimensions);
      out.set(r.vectors, j * dimensions);
    }
    return { vectors: out!, dimensions };
  };
  let done = 0;
  if (total) opts.onProgress?.({ done: 0, total, rate: 0 });
  for (let i = 0; i < total; i += batchSize) {
    if (opts.signal?.aborted) throw abortError('Indexing was cancelled');
    const batch = todo.slice(i, i + batchSize);
    const texts = batch.map(documentText);
    let res;
    try {
      res = await embedBatch(texts);
    } catch (e) {
      if (isAbortError(e) || !opts.onEmbedError) throw e;
      const replacement = await opts.onEmbedError(e as Error);
      if (!replacement) throw e;
      model = replacement;
      res = await embedBatch(texts);
    }
    const fresh: VectorRow[] = batch.map((p, j) => ({
      paperId: p.id,
      textHash: hashOf(p),
      // Copy: a subarray would keep (and store) the whole batch buffer.
      vector: res.vectors.slice(j * res.dimensions, (j + 1) * res.dimensions),
    }));
    for (const r of fresh) rows.set(r.paperId, r);
    await opts.onRows?.(fresh, 'embedded');
    done += batch.length;
    const secs = Math.max(1e-3, (now() - started) / 1000);
    const rate = done / secs;
    opts.onProgress?.({ done, total, rate, eta: (total - done) / rate });
  }
  return { rows, reused, damaged, embedded: done, seconds: (now() - started) / 1000 };
}

/** A source over a map of rows (stored / bundled vectors) keyed by paper id, checked by text hash. */
export function rowSource(name: string, rows: ReadonlyMap<string, { textHash: string; vector: Float32Array }>): VectorSource {
  return {
    name,
    lookup: (p, h) => {
      const r = rows.get(p.id);
      return r && r.textHash === h ? r.vector : undefined;
    },
  };
}
