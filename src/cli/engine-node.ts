/**
 * Builds a SearchEngine for the CLI: papers always; model + document vectors only when the command
 * needs them. Vectors come from the on-disk cache when (model id, model sha256, paper id, text hash)
 * match, and only the rest is embedded — so the second run embeds nothing.
 *
 * The CLI always uses exact vector search: it does not persist an HNSW graph, and rebuilding one per
 * invocation would cost far more than exact search saves (see EXACT_THRESHOLD in ann.ts). Exact
 * search is also the reference that HNSW is tested against, so ranking quality is unaffected.
 */
import { getModel, getStaticModel, isStaticModelId, DEFAULT_MODEL_ID, STATIC_MODELS } from '../core/model/registry.ts';
import { SearchEngine, type FusionOptions } from '../core/search/engine.ts';
import { identityMismatch } from '../core/vectors/identity.ts';
import { reconcile, type VectorSource } from '../core/vectors/reconcile.ts';
import { roundTrip, type StorageCodec } from '../core/vectors/quantize.ts';
import type { CorpusVectors } from '../node/import-file.ts';
import { VectorCacheNode, defaultVectorCacheDir } from '../node/vector-cache.ts';
import type { EmbeddingModel, Paper } from '../core/types.ts';
import { UsageError } from './args.ts';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress is then redrawn in place). */
  errIsTTY?: boolean;
}

export interface EngineStats {
  /** Papers embedded in this run (0 when every vector came from the cache). */
  embedded: number;
  cached: number;
}

export interface BuildOptions {
  papers: Paper[];
  needVectors: boolean;
  modelId?: string;
  cache: boolean;
  cacheDir?: string;
  fusion?: Partial<FusionOptions>;
  /** Precomputed vectors (e.g. from a bundle); used only when made under the model's vector identity. */
  vectors?: CorpusVectors;
  /**
   * Save the vector cache at most this often while embedding (ms), so a killed long run resumes
   * where it stopped. Default: only at the end (a search of a small corpus needs no checkpoints).
   */
  checkpointMs?: number;
  /** Rank with document vectors as they read back from storage under this codec (eval --storage). */
  storage?: StorageCodec;
  io: Io;
}

export interface BuiltEngine {
  engine: SearchEngine;
  modelId: string;
  model?: EmbeddingModel;
  stats: EngineStats;
  /** papers.length × dims document vectors, row i ↔ papers[i] (when vectors were needed). */
  vectors?: Float32Array;
}

/** Loads a static model (quick tier) from the local model folders; a missing file is a usage error with the fix. */
async function loadLocalStaticModel(modelId: string, io: Io): Promise<EmbeddingModel> {
  const spec = getStaticModel(modelId);
  const { resolveLocalStaticDir } = await import('../node/model-dir.ts');
  const dir = resolveLocalStaticDir(spec.id);
  if (!dir) {
    throw new UsageError(
      `Static model ${spec.id} is not installed (looked in $ATLAS_MODELS, public/models and ../shared/models).\n` +
        `Make it with: npm run distill -- ${spec.id}`,
    );
  }
  io.err(`Loading ${spec.id} from ${dir}…\n`);
  const { loadStaticEmbedder } = await import('../core/model/static-embedder.ts');
  return loadStaticEmbedder({ modelId: spec.id, localModelPath: dir });
}

/** Loads a model from the local model folder; a missing model is a usage error with the fix. */
export async function loadLocalModel(modelId: string, io: Io): Promise<EmbeddingModel> {
  if (isStaticModelId(modelId)) return loadLocalStaticModel(modelId, io);
  const spec = modelSpec(modelId);
  const { resolveLocalModelDir } = await import('../node/model-dir.ts');
  const dir = resolveLocalModelDir(spec.id);
  if (!dir) {
    throw new UsageError(
      `Model ${spec.id} is not installed (looked in $ATLAS_MODELS, public/models and ../shared/models).\n` +
        `Install it with: npm run fetch-model -- ${spec.id}`,
    );
  }
  io.err(`Loading ${spec.id} from ${dir}…\n`);
  const { loadEmbedder } = await import('../core/model/embedder.ts');
  return loadEmbedder({ modelId: spec.id, localModelPath: dir, allowRemote: false });
}

function progressPrinter(io: Io, label: string) {
  let lastPct = -1;
  return ({ done, total }: { done: number; total: number }) => {
    const pct = Math.floor((100 * done) / Math.max(1, total));
    if (io.errIsTTY) {
      io.err(`\r${label}: ${done}/${total} (${pct}%)${done === total ? '\n' : ''}`);
    } else if (pct >= lastPct + 25 || done === total) {
      // Piped stderr: a few lines, not one per batch.
      lastPct = pct;
      io.err(`${label}: ${done}/${total} (${pct}%)\n`);
    }
  };
}

/** getModel, with an unknown id reported as a usage error (exit code 2). */
function modelSpec(id: string) {
  try {
    return getModel(id);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Registry id of a transformer or static model; an unknown id is a usage error naming both lists. */
function resolveModelId(id: string): string {
  if (isStaticModelId(id)) return getStaticModel(id).id;
  try {
    return getModel(id).id;
  } catch (e) {
    throw new UsageError(`${(e as Error).message}; static models: ${STATIC_MODELS.map((m) => m.id).join(', ')}`);
  }
}

export async function buildEngine(opts: BuildOptions): Promise<BuiltEngine> {
  const modelId = resolveModelId(opts.modelId ?? DEFAULT_MODEL_ID);
  const engine = new SearchEngine({ fusion: opts.fusion, exactThreshold: Number.POSITIVE_INFINITY });
  engine.setPapers(opts.papers);
  const stats: EngineStats = { embedded: 0, cached: 0 };
  if (!opts.needVectors) return { engine, modelId, stats };

  const model = await loadLocalModel(modelId, opts.io);
  const space = engine.useModel(model);
  const cache = opts.cache ? VectorCacheNode.open(opts.cacheDir ?? defaultVectorCacheDir(), model.identity, (m) => opts.io.err(`warning: ${m}\n`)) : null;
  const sources: VectorSource[] = [];
  if (opts.vectors) {
    const problem = identityMismatch(opts.vectors.identity, model.identity);
    if (problem) opts.io.err(`note: the corpus carries vectors that do not fit ${model.modelId} (${problem}); re-embedding\n`);
    else sources.push({ name: 'bundle', lookup: (p) => opts.vectors!.byPaperId.get(p.id) });
  }
  if (cache) sources.push({ name: 'cache', lookup: (p, h) => cache.get(p.id, h) });

  let progress: ((p: { done: number; total: number }) => void) | undefined;
  let lastCheckpoint = Date.now();
  const res = await reconcile({
    papers: opts.papers,
    sources,
    model,
    onRows: (rows, origin) => {
      if (origin !== 'embedded' || !cache) return;
      for (const r of rows) cache.put(r.paperId, r.textHash, r.vector);
      if (opts.checkpointMs !== undefined && Date.now() - lastCheckpoint >= opts.checkpointMs) {
        lastCheckpoint = Date.now();
        saveCache(cache, opts.io);
      }
    },
    onProgress: (p) => {
      if (p.done === 0) progress = progressPrinter(opts.io, `Embedding ${p.total} papers with ${model.modelId} (${model.device})`);
      else progress?.(p);
    },
  });
  stats.cached = opts.papers.length - res.embedded;
  if (res.embedded && cache) saveCache(cache, opts.io);
  // Count what the embedder actually did when it exposes a counter (embedder.ts does), so a
  // cache bug shows up as work done rather than being hidden by our own bookkeeping.
  const counter = (model as { embedCount?: unknown }).embedCount;
  stats.embedded = typeof counter === 'number' ? counter : res.embedded;
  const dims = model.identity.dims;
  const flat = new Float32Array(opts.papers.length * dims);
  opts.papers.forEach((p, i) => flat.set(res.rows.get(p.id)!.vector, i * dims));
  await space.setVectors(
    opts.papers.map((p) => p.id),
    opts.storage && opts.storage !== 'f32' ? roundTrip(flat, dims, opts.storage) : flat,
  );
  return { engine, modelId, model, stats, vectors: flat };
}

function saveCache(cache: VectorCacheNode, io: Io): void {
  try {
    cache.save();
  } catch (e) {
    // A read-only checkout still answers the question; it just embeds again next time.
    io.err(`warning: could not write the vector cache: ${(e as Error).message}\n`);
  }
}
