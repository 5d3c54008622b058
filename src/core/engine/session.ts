/**
 * The engine session: a small facade over its parts, independent of where it runs. The browser worker
 * wraps it in the message protocol (workers/engine.worker.ts); unit tests drive it in Node with a
 * MemoryStore / fake-indexeddb and a fake EmbeddingModel.
 *
 * Parts (one concern each):
 * - notices.ts      user-visible messages
 * - storage.ts      the store in use and the "storage errors never stop us" rule
 * - library.ts      the papers (seed + imports) and the import waiting for confirmation
 * - model-slot.ts   the embedding model: load, WebGPU → WASM fallback, switch
 * - indexer.ts      vectors for every paper (reuse, embed the rest, persist, HNSW graph)
 * - search/engine   ranking (BM25 + vector spaces + fusion), owned here and fed by the others
 *
 * What it guarantees: lexical search as soon as papers are loaded, before and without any model;
 * the indexer's guarantees (reload embeds nothing, resumable, one tab at a time); failures never leave
 * it stuck (each raises a Notice). Ranking, parsing and bundles are not implemented here: see
 * search/, import/, import/bundle.ts.
 */
import type { EmbeddingModel, Paper, SearchHit, SearchMode } from '../types.ts';
import type { Store } from '../store/store.ts';
import { sliced } from '../util/time-slice.ts';
import { APP_DTYPE, BEST_QUALITY_MODEL_ID, DEFAULT_MODEL_ID, getModel, MODELS } from '../model/registry.ts';
import { DEFAULT_RESULTS, SearchEngine, type FusionOptions, type SearchEngineOptions } from '../search/engine.ts';
import { isWeakMatch } from '../search/weak-match.ts';
import { transformerIdentity, vectorKey, type VectorIdentity } from '../vectors/identity.ts';
import type { ShippedResult } from '../vectors/shipped.ts';
import type { StoredVector } from '../store/store.ts';
import type { EngineEvent, EngineStatus, ImportCommitResult, ImportPreview, MapResult, ModelChoice, Notice, ReembedCost, RelatedResult, SearchResult } from './api.ts';
import { AtlasError } from './errors.ts';
import { validateFilters, type SearchFilters } from '../search/filters.ts';
import { Indexer } from './indexer.ts';
import { SpaceIndexer, type SpaceDeps, type SpaceRole } from './space-indexer.ts';
import { collectionOf, Library, paperTextHash, SEED_COLLECTION, type BundleVectors } from './library.ts';
import { LexicalCache } from './lexical-cache.ts';
import { ModelSlot, type DeviceRequest, type LoadModel } from './model-slot.ts';
import { NoticeBoard } from './notices.ts';
import { ReadingList } from './reading-list.ts';
import { StorageGuard } from './storage.ts';
import { MapService, type MapRequest, type RunLayout } from './map-service.ts';
import type { PaperMap } from '../map/map-format.ts';
import { counted } from '../util/count.ts';

export { SEED_COLLECTION } from './library.ts';
export { EMBED_BATCH } from './indexer.ts';
export { AtlasError, toEngineError } from './errors.ts';
export type { DeviceRequest, ModelLoadProgress } from './model-slot.ts';

/** Related papers shown when the caller does not say how many. */
export const DEFAULT_RELATED = 10;
/**
 * Fusion while the quick (static) tier ranks: the default z-score fusion with the static cosine's
 * weight lowered to 0.3 (BM25 0.7). Static vectors are weaker than the full model's, and with more
 * weight static + BM25 falls below BM25 alone on the title check (α 0.4: MRR .883 vs .888). At 0.3
 * it is above BM25 on dev-queries, dev-paraphrase and the title check together (1.000 / .516 / .899
 * vs .933 / .484 / .888; `npx tsx bench/fusion.ts --fine`).
 */
export const QUICK_FUSION: Partial<FusionOptions> = { alpha: 0.3 };

/**
 * The "best quality" setting's second model, fused with the default model and BM25 (z-score fusion,
 * the vector weight shared). Measured (README "Choosing the model and the ranking", bench/fusion.ts):
 * bge + MiniLM + BM25 MRR@10 1.000 / .639 / .917 on dev-queries / dev-paraphrase / title check vs
 * bge + BM25's 1.000 / .627 / .912 — a small gain for a second download (~23 MB) and twice the
 * embedding work, so it is an opt-in setting, not the default.
 */
export { BEST_QUALITY_MODEL_ID };

/** Least time between two 'indexing' import progress events. */
const IMPORT_PROGRESS_MS = 200;

/** Fallback embedding speed (docs/s) for cost estimates before anything was measured here. */
const DEFAULT_RATE = 3;

/** What narrows a session search; every field is optional (all papers, DEFAULT_RESULTS hits). */
export interface SessionSearchOptions {
  /** How many hits to return. */
  k?: number;
  /** Only papers in these collections; undefined = all. */
  collections?: string[];
  /** Year / author / venue filters, validated here (a bad one is a 'bad-request' AtlasError). */
  filters?: SearchFilters;
  /** Only these papers (a selection on the map); undefined = no limit, [] = nothing. */
  ids?: string[];
}

export interface SessionDeps {
  /** Opens persistent storage; a throw falls back to MemoryStore with a notice. */
  openStore: () => Promise<{ store: Store; recovered?: string; readOnly?: string }>;
  /** Deletes the persistent database entirely (used by "rebuild" after corruption). */
  destroyStore?: () => Promise<void>;
  loadModel: LoadModel;
  seedText: () => Promise<string> | string;
  loadShipped?: (identity: VectorIdentity, papers: Paper[]) => Promise<ShippedResult>;
  /** Runs `fn` while holding an exclusive lock; `onWait` is called if it must wait for another holder. */
  withLock?: <T>(name: string, fn: () => Promise<T>, onWait: () => void) => Promise<T>;
  emit: (e: EngineEvent) => void;
  env?: { threads?: number; crossOriginIsolated?: boolean };
  now?: () => number;
  /** Ranking options (tests lower `exactThreshold` to exercise HNSW persistence on small corpora). */
  engineOptions?: Omit<SearchEngineOptions, 'model'>;
  /** The build's map layout for a vector key (core/map/shipped-map.ts). */
  loadShippedMap?: (vectorKey: string) => Promise<PaperMap | undefined>;
  /** Lays out a map off this thread (the layout worker); default: in-thread (tests). */
  runLayout?: RunLayout;
}

export interface InitOptions {
  modelId?: string;
  device?: DeviceRequest;
  useShipped?: boolean;
  /** The UI remembers a finished index; if storage is empty anyway, say it was lost and rebuilt. */
  expectStored?: boolean;
  /** Start model loading + embedding right after init (default true). */
  autoIndex?: boolean;
  /**
   * A quick tier: a static model (registry STATIC_MODELS) indexed before the primary model, which
   * answers semantic questions until the primary covers every paper. Default: none.
   */
  quickModelId?: string;
}

/** The models offered to the user, as the UI shows them. */
export function modelChoices(): ModelChoice[] {
  return MODELS.map((m) => ({ id: m.id, label: m.id.split('/')[1] ?? m.id, bytes: m.onnx[APP_DTYPE]?.bytes ?? 0, layers: m.layers }));
}

export class EngineSession {
  private readonly notices: NoticeBoard;
  private readonly storage: StorageGuard;
  private readonly library: Library;
  private readonly reading: ReadingList;
  private readonly slot: ModelSlot;
  private readonly indexer: Indexer;
  /** The default model's space: what status, related and the model menu are about. */
  private readonly primary: SpaceIndexer;
  private readonly spaceDeps: SpaceDeps;
  private engine: SearchEngine;
  /** Saves / loads the lexical index snapshot, so a reload does not re-tokenize every paper. */
  private readonly lexical: LexicalCache;
  private readonly maps: MapService;
  private started = false;
  /**
   * Settles when init has loaded the papers into the keyword index (or failed). A question that
   * arrives earlier (the page may ask before init's reply, e.g. a ?q= URL on a loaded machine) waits
   * for it instead of searching an empty index: loading includes an await on the lexical snapshot,
   * and a search in that window answered "no results" on a first visit.
   */
  private papersLoaded: Promise<void>;
  private markPapersLoaded!: () => void;
  private readonly now: () => number;

  constructor(private readonly deps: SessionDeps) {
    this.now = deps.now ?? (() => Date.now());
    this.papersLoaded = new Promise<void>((r) => (this.markPapersLoaded = r));
    this.notices = new NoticeBoard(() => this.emitStatus());
    this.storage = new StorageGuard(deps, this.notices);
    this.library = new Library(this.storage, this.notices);
    this.reading = new ReadingList(this.storage, () => this.library.papers);
    this.slot = new ModelSlot(DEFAULT_MODEL_ID, deps.loadModel, this.notices, (e) => deps.emit(e), () => this.emitStatus());
    this.engine = this.newEngine();
    this.lexical = new LexicalCache(() => this.storage.store, () => this.engine);
    this.indexer = new Indexer(
      { withLock: deps.withLock, changed: () => this.emitStatus(), ended: () => deps.emit({ kind: 'idle' }) },
      this.storage,
      this.notices,
    );
    this.spaceDeps = {
      loadShipped: deps.loadShipped,
      onEmbedProgress: (e: EngineEvent) => deps.emit(e),
      changed: () => this.emitStatus(),
      now: this.now,
      between: (signal) => this.indexer.between(signal),
      rateOf: (modelId) => this.storage.safe((s) => s.getMeta<number>(`embedRate:${modelId}`), undefined),
    };
    this.primary = new SpaceIndexer('primary', this.slot, this.spaceDeps, this.library, this.storage, this.notices, () => this.engine);
    this.indexer.add(this.primary);
    this.maps = new MapService({
      papers: (collections) => {
        const allowed = collections?.length ? new Set(collections) : undefined;
        return this.library.list().filter((p) => !allowed || allowed.has(collectionOf(p)));
      },
      // The primary model's identity is known before it loads, so a shipped / stored map paints at once.
      identity: () => this.slot.model?.identity ?? transformerIdentity(getModel(this.slot.modelId), APP_DTYPE),
      vector: (p) => {
        const m = this.slot.model;
        return m && this.primary.hasVector(p) ? this.engine.findSpace(m.identity)?.getVector(p.id) : undefined;
      },
      storage: this.storage,
      emit: (e) => deps.emit(e),
      loadShippedMap: deps.loadShippedMap,
      runLayout: deps.runLayout,
      now: this.now,
    });
  }

  // ---------------------------------------------------------------- status & notices

  private graphOf(s: SpaceIndexer): { graph?: { covered: number; total: number } } {
    const m = s.slot.model;
    const g = m ? this.engine.findSpace(m.identity)?.graphProgress : undefined;
    return g ? { graph: g } : {};
  }

  status(): EngineStatus {
    const model = this.slot.model;
    const space = model ? this.engine.findSpace(model.identity) : undefined;
    return {
      phase: !this.started ? 'starting' : this.indexer.active ? 'indexing' : 'ready',
      papers: this.library.size,
      collections: this.library.collections((p) => this.primary.hasVector(p)),
      modelId: this.slot.modelId,
      models: modelChoices(),
      bestQuality: { modelId: BEST_QUALITY_MODEL_ID, on: this.indexer.all.some((s) => s.role === 'extra') },
      vectorKey: model ? vectorKey(model.identity) : undefined,
      modelState: this.slot.state,
      modelError: this.slot.error,
      semanticReady: this.primary.semanticReady,
      indexedVectors: space?.size ?? 0,
      indexKind: space?.kind ?? null,
      embeddedCount: this.primary.embeddedCount,
      storedVectors: this.primary.vectors.size,
      shippedVectors: this.primary.shippedCount,
      backend: model?.device ?? null,
      threads: this.deps.env?.threads ?? 1,
      crossOriginIsolated: this.deps.env?.crossOriginIsolated ?? false,
      storage: this.storage.kind,
      waitingForLock: this.indexer.waitingForLock,
      indexRun: this.indexer.state,
      spaces: this.indexer.all.map((s) => ({
        role: s.role,
        modelId: s.slot.modelId,
        vectorKey: s.key,
        modelState: s.slot.state,
        indexed: s.indexed,
        stored: s.vectors.size,
        embedded: s.embeddedCount,
        shipped: s.shippedCount,
        ready: s.semanticReady,
        ...this.graphOf(s),
      })),
      notices: this.notices.all,
    };
  }

  /** A search engine whose spaces report graph-build progress as status updates (the progress panel's graph row). */
  private newEngine(): SearchEngine {
    return new SearchEngine({ ...this.deps.engineOptions, onGraphProgress: () => this.emitStatus() });
  }

  private emitStatus() {
    this.deps.emit({ kind: 'status', status: this.status() });
  }

  /** An unhandled rejection that is the storage going away (see StorageGuard.absorbStray): handled quietly. */
  absorbStorageError(e: unknown): boolean {
    return this.storage.absorbStray(e);
  }

  notice(level: Notice['level'], message: string, action?: Notice['action']): void {
    this.notices.add(level, message, action);
  }

  /**
   * The browser closed persistent storage under this session (site data cleared, eviction, the
   * database deleted by another tab): continue in memory and say so (issue 14 #3).
   */
  storageLost(): void {
    this.storage.lost();
    this.emitStatus();
  }

  dismissNotice(id: string): EngineStatus {
    this.notices.dismiss(id);
    return this.status();
  }

  // ---------------------------------------------------------------- startup

  /** Opens storage, loads (or seeds) papers so lexical search works, then indexes in the background. */
  async init(opts: InitOptions = {}): Promise<EngineStatus> {
    try {
      return await this.initOnce(opts);
    } finally {
      this.markPapersLoaded();
    }
  }

  private async initOnce(opts: InitOptions): Promise<EngineStatus> {
    this.slot.device = opts.device ?? 'auto';
    for (const s of this.indexer.all) s.useShipped = opts.useShipped ?? true;
    await this.storage.open();
    const stored = await this.storage.safe((s) => s.getMeta<string>('modelId'), undefined);
    this.slot.modelId = getModel(opts.modelId ?? stored ?? DEFAULT_MODEL_ID).id;
    // Static vectors cost ~0.1 s for the seed corpus: nothing is shipped for them (no manifest fetch).
    if (opts.quickModelId && !this.quick) this.addSpace('quick', opts.quickModelId).useShipped = false;
    // The quick tier's model (a ~10 MB table, no inference session) starts loading now, while the
    // papers are read and the keyword index is built: on a 5k reload that was ~0.7 s spent after
    // them, before semantic search. ensure() is idempotent; the indexing run awaits the same load.
    // The transformer is not started early: creating its session competes for this thread.
    const quick = this.quick;
    const quickModel = quick?.slot.ensure();
    if (this.slot.modelId !== BEST_QUALITY_MODEL_ID && (await this.storage.safe((s) => s.getMeta<boolean>('bestQuality'), undefined))) this.addSpace('extra', BEST_QUALITY_MODEL_ID).useShipped = opts.useShipped ?? true;
    // Once the papers are read, the quick tier's stored vectors are read while the keyword index
    // loads (SpaceIndexer.prefetchStored). Not earlier: both reads at once delayed keyword search.
    await this.loadPapers(opts.expectStored ?? false, () => void quickModel?.then((m) => m && quick!.prefetchStored(vectorKey(m.identity))));
    await this.reading.load();
    // A pause the person left on survives the reload (the run holds at its first batch boundary).
    await this.indexer.restorePause();
    this.started = true;
    // Indexing starts first, so the first status says 'indexing' — not a 'ready' with 0 vectors
    // that the UI would show as "0 embedded" on every first visit (the run emits the status).
    if (opts.autoIndex ?? true) void this.startIndexing();
    else this.emitStatus();
    return this.status();
  }

  private async loadPapers(expectStored: boolean, papersRead?: () => void) {
    // The keyword snapshot is one large record: read it beside the papers (LexicalCache.prefetch).
    this.lexical.prefetch();
    await this.library.load(await this.deps.seedText(), expectStored);
    papersRead?.();
    await this.lexical.restore(this.library.list());
  }

  // ---------------------------------------------------------------- indexing

  /** Starts (or joins) a background indexing run. Resolves when it ends, never rejects. */
  startIndexing(): Promise<void> {
    return this.indexer.start();
  }

  /** Waits until any running indexing has finished (tests, export). */
  idle(): Promise<void> {
    return this.indexer.idle();
  }

  /** Writes the lexical index snapshot now instead of after the debounce (tests, bench). */
  saveLexicalIndex(): Promise<boolean> {
    this.lexical.cancel();
    return this.lexical.saveNow();
  }

  cancel(): boolean {
    return this.indexer.cancel();
  }

  /** Pauses indexing at the next batch boundary of every space (keyword and semantic search keep working). */
  pause(): EngineStatus {
    this.indexer.pause();
    return this.status();
  }

  /** Resumes a paused run, or starts a new one after a cancel. */
  resume(): EngineStatus {
    this.indexer.resume();
    return this.status();
  }

  /**
   * Adds a vector space beside the primary one (a quick tier, a second model), indexed by the next
   * run. Its model comes through the same `loadModel` dependency as the primary's.
   */
  addSpace(role: Exclude<SpaceRole, 'primary'>, modelId: string): SpaceIndexer {
    const existing = this.indexer.all.find((s) => s.role === role);
    if (existing) this.removeSpace(existing);
    const slot = new ModelSlot(modelId, this.deps.loadModel, this.notices, (e) => this.deps.emit(e), () => this.emitStatus(), {
      // Not the reader's main model: say what is lost, and leave "Retry" to the primary's notice
      // (a retry restarts every space).
      level: 'warning',
      text: (error) =>
        role === 'quick'
          ? `The quick semantic index could not be loaded (${error}); semantic search waits for the full model.`
          : `The second model could not be loaded (${error}); search uses the default model only.`,
    });
    slot.device = this.slot.device;
    const space = new SpaceIndexer(role, slot, this.spaceDeps, this.library, this.storage, this.notices, () => this.engine);
    this.indexer.add(space);
    return space;
  }

  /**
   * "Best quality": adds (or removes) the second model's space. It is indexed after the running
   * indexing run (which has its spaces fixed), from shipped or stored vectors where they exist, and
   * searched together with the primary space once it covers every paper. Persisted in storage meta.
   */
  async setBestQuality(on: boolean): Promise<EngineStatus> {
    const extra = this.indexer.all.find((s) => s.role === 'extra');
    // The same model twice would be one vector space counted twice (and removing it would drop the primary's).
    if (on && this.slot.modelId === BEST_QUALITY_MODEL_ID) throw new AtlasError('bad-request', `Best quality adds ${BEST_QUALITY_MODEL_ID} beside the active model, and it is the active model already.`);
    if (on && !extra) {
      this.addSpace('extra', BEST_QUALITY_MODEL_ID);
      void this.indexer.idle().then(() => this.startIndexing());
    } else if (!on && extra) this.removeSpace(extra);
    await this.storage.safe((s) => s.setMeta('bestQuality', on), undefined);
    this.emitStatus();
    return this.status();
  }

  removeSpace(space: SpaceIndexer): void {
    if (space === this.primary) throw new AtlasError('bad-request', 'The primary vector space cannot be removed.');
    this.indexer.remove(space);
    const m = space.slot.model;
    if (m) this.engine.dropSpace(vectorKey(m.identity));
    void space.slot.choose(space.slot.modelId);
  }

  private get quick(): SpaceIndexer | undefined {
    return this.indexer.all.find((s) => s.role === 'quick');
  }

  /**
   * The tier a question is ranked with: the full model once it covers every paper; before that the
   * quick tier when it has vectors; else whatever part of the full model is indexed.
   *
   * Why not fuse both while the full tier is partial (measured, .cache-free: 204 seed papers, the full
   * model covering a random share f, mean of 5 draws; MRR dev-queries / dev-paraphrase / title):
   * quick + BM25 gives 1.000 / .516 / .897 at any f; full + BM25 over covered papers only .618 / .344 /
   * .532 at f = 0.5 and .929 / .540 / .837 at f = 0.9; all three fused .934 / .480 / .829 at f = 0.5
   * and .978 / .559 / .885 at f = 0.9 — a partial ranker lifts the papers it covers over the ones it
   * has not reached. At f = 1 full + BM25 (1.000 / .576 / .913) beats all three fused on the title
   * check (.899), so the quick tier then steps aside.
   */
  private searchTier(): { tier: 'full' | 'quick'; space: SpaceIndexer } | undefined {
    const full = this.slot.model && this.primary.indexed > 0 ? this.primary : undefined;
    if (full && this.primary.semanticReady) return { tier: 'full', space: full };
    // The quick tier only once it covers every paper (it gets there in well under a second of work):
    // a partial tier would rank the papers it has over the ones it has not reached.
    const q = this.quick;
    if (q?.slot.model && q.semanticReady) return { tier: 'quick', space: q };
    return full ? { tier: 'full', space: full } : undefined;
  }

  // ---------------------------------------------------------------- queries

  async search(question: string, mode: SearchMode, options: SessionSearchOptions = {}): Promise<SearchResult> {
    await this.papersLoaded;
    const { k = DEFAULT_RESULTS, collections, ids } = options;
    let filters: SearchFilters | undefined;
    try {
      filters = validateFilters(options.filters);
    } catch (e) {
      throw new AtlasError('bad-request', `Bad search filter: ${(e as Error).message}`);
    }
    const t0 = this.now();
    let used = mode;
    let note: string | undefined;
    const tier = mode === 'lexical' ? undefined : this.searchTier();
    if (mode !== 'lexical' && !tier) {
      used = 'lexical';
      note =
        this.slot.state === 'failed' ? 'The model is unavailable: showing keyword results.' : 'Semantic index not ready yet: showing keyword results.';
    } else if (tier?.tier === 'quick') {
      const full = this.primary.indexed;
      note = `Quick semantic index (${tier.space.indexed} of ${this.library.size} papers); the full model ${this.slot.state === 'ready' ? `has ${full} of ${this.library.size}` : 'is loading'} and takes over when it has them all.`;
    } else if (tier && !this.primary.semanticReady) {
      note = `Semantic index covers ${tier.space.indexed} of ${this.library.size} papers so far.`;
    }
    const model = tier?.space.slot.model;
    const spaces = model ? [vectorKey(model.identity)] : undefined;
    // Best quality: the second model joins the full tier once it covers every paper (a partial
    // space would rank the papers it has over the others, as for the tiers).
    const extra = this.indexer.all.find((s) => s.role === 'extra');
    if (spaces && tier?.tier === 'full' && extra?.slot.model && extra.semanticReady) spaces.push(vectorKey(extra.slot.model.identity));
    const fusion = tier?.tier === 'quick' ? QUICK_FUSION : undefined;
    const hits = question.trim() ? await this.engine.search(question, { k, mode: used, collections, spaces, fusion, filters, ids }) : [];
    const total = question.trim() ? Math.max(hits.length, this.engine.countMatches(question, used, collections, filters, ids)) : 0;
    const weakMatch = model && used !== 'lexical' && hits.length ? isWeakMatch(hits, model.modelId) : undefined;
    return { hits, mode: used, tier: tier?.tier, note, ...(weakMatch === undefined ? {} : { weakMatch }), tookMs: this.now() - t0, total };
  }

  related(paperId: string, k = DEFAULT_RELATED, collections?: string[]): RelatedResult {
    const paper = this.library.papers.get(paperId);
    if (!paper) throw new AtlasError('not-found', `No paper with id ${paperId}`);
    // The full model's neighbours when it has this paper, else the quick tier's.
    for (const space of [this.primary, this.quick]) {
      const model = space?.slot.model;
      if (model && this.engine.findSpace(model.identity)?.has(paperId)) {
        return { paper, hits: this.engine.related(paperId, k, { collections, space: vectorKey(model.identity) }) };
      }
    }
    throw new AtlasError('not-ready', "Related papers need this paper's vector, which is not ready yet.");
  }

  // ---------------------------------------------------------------- reading list

  /** The starred papers (newest star first). */
  readingList(): Paper[] {
    return this.reading.list();
  }

  /** Stars or unstars papers (unknown ids are ignored); returns the list. */
  async star(ids: string[], starred: boolean): Promise<Paper[]> {
    await this.reading.set(ids, starred);
    return this.reading.list();
  }

  /** Which of these papers are starred (bundle export). */
  starredOf(ids: string[]): string[] {
    return ids.filter((id) => this.reading.has(id));
  }

  /** The map of these collections (map-service.ts: shipped, stored, placed or laid out now). */
  async map(req: MapRequest = {}): Promise<MapResult> {
    // Like search: a map asked for while init still reads the papers would be a map of nothing,
    // and it used to be stored as the base later maps are placed on (so they were all laid out anew).
    await this.papersLoaded;
    return this.maps.get(req);
  }

  // ---------------------------------------------------------------- collections

  getPapers(): Paper[] {
    return this.library.list();
  }

  /**
   * Adds papers (already validated by the import preview) and indexes them incrementally. Returns
   * once they are stored and searchable by keywords; embedding runs in the background — a run
   * already going (e.g. waiting for the model to load) takes them too, instead of the import
   * waiting for it to end (which made imports look stuck for as long as the model took to load).
   */
  async addPapers(papers: Paper[], bundle?: BundleVectors): Promise<number> {
    return (await this.addAndSave(papers, bundle)).added;
  }

  /** addPapers, also saying whether the papers reached persistent storage (and if not, why). */
  private async addAndSave(papers: Paper[], bundle?: BundleVectors): Promise<{ added: number; saved: boolean; note?: string }> {
    if (!papers.length) return { added: 0, saved: true };
    const total = papers.length;
    this.deps.emit({ kind: 'import', phase: 'saving', done: 0, total });
    const save = await this.library.add(papers);
    // In time slices: 5k abstracts cost seconds of lexical indexing, and questions sent meanwhile
    // must not wait for all of it (issue 15 #1-2). The commit replies once every paper is searchable.
    let done = 0;
    let told = this.now();
    this.deps.emit({ kind: 'import', phase: 'indexing', done, total });
    await sliced(papers, (part) => {
      this.engine.addPapers(part);
      done += part.length;
      // A few events a second at most: each one is a message and a re-render.
      if (this.now() - told >= IMPORT_PROGRESS_MS) {
        told = this.now();
        this.deps.emit({ kind: 'import', phase: 'indexing', done, total });
      }
    });
    this.deps.emit({ kind: 'import', phase: 'indexing', done: total, total });
    this.lexical.changed();
    if (bundle) await this.indexer.adoptBundle(papers, bundle);
    this.indexer.updateReady();
    this.emitStatus();
    void this.startIndexing();
    return { added: papers.length, ...save };
  }

  /**
   * Another tab changed the stored library (import, delete, clear): take its papers over, drop the
   * ones it removed, and index what is new (vectors the other tab stored are reused, not re-made).
   */
  async refreshLibrary(): Promise<EngineStatus> {
    if (!this.started || this.storage.kind !== 'indexeddb') return this.status();
    const { added, removed } = await this.library.refresh();
    if (!added.length && !removed.length) return this.status();
    this.engine.removePapers(removed);
    for (const s of this.indexer.all) s.dropFromMemory(removed);
    this.engine.addPapers(added);
    this.lexical.changed();
    this.indexer.updateReady();
    const parts = [added.length ? `${counted(added.length, 'paper')} added` : '', removed.length ? `${removed.length} removed` : ''].filter(Boolean).join(', ');
    this.notices.add('info', `The library was changed in another tab: ${parts}.`);
    this.emitStatus();
    // After any run in progress (it may be embedding): the next run reuses the other tab's vectors.
    void this.idle().then(() => this.startIndexing());
    return this.status();
  }

  async deletePapers(ids: string[]): Promise<number> {
    const present = await this.library.remove(ids);
    await this.indexer.forget(present);
    // Removed at once from lexical, vector and related results; the graph is rebuilt lazily on next load.
    this.engine.removePapers(present);
    this.lexical.changed();
    this.indexer.updateReady();
    this.emitStatus();
    return present.length;
  }

  deleteCollection(collection: string): Promise<number> {
    return this.deletePapers(this.library.idsOfCollection(collection));
  }

  /** The active model's vectors of these papers, with their identity (export). */
  vectorsFor(ids: string[]): { identity?: VectorIdentity; vectors: Map<string, StoredVector> } {
    const out = new Map<string, StoredVector>();
    for (const id of ids) {
      const v = this.primary.vectors.get(id);
      if (v) out.set(id, v);
    }
    return { identity: this.slot.model?.identity, vectors: out };
  }

  get activeModel(): EmbeddingModel | null {
    return this.slot.model;
  }

  // ---------------------------------------------------------------- imports (preview → commit)

  /** Keeps the parsed papers of a preview until the user confirms which to add. */
  stagePreview(preview: Omit<ImportPreview, 'token' | 'paperIds'>, bundle?: BundleVectors): ImportPreview {
    return this.library.stage(preview, bundle, this.now());
  }

  async commitImport(token: string, collection: string, paperIds: string[]): Promise<ImportCommitResult> {
    const taken = this.library.take(token, collection, paperIds);
    const { added, saved, note } = await this.addAndSave(taken.papers, taken.bundle);
    return { added, skipped: paperIds.length - added, collection: taken.collection, saved, ...(note ? { note } : {}) };
  }

  // ---------------------------------------------------------------- maintenance

  /** Drops everything stored (papers, vectors, indexes) and starts again from the bundled corpus. */
  async clear(): Promise<EngineStatus> {
    this.cancel();
    await this.idle();
    this.lexical.cancel();
    await this.storage.safe((s) => s.clear(), undefined);
    this.reading.reset();
    for (const s of this.indexer.all) s.reset();
    this.maps.reset();
    this.notices.clear();
    this.engine.dispose();
    this.engine = this.newEngine();
    for (const s of this.indexer.all) if (s.slot.model) this.engine.useModel(s.slot.model);
    await this.loadPapers(false);
    void this.startIndexing();
    return this.status();
  }

  /** After a storage failure: delete the database, reopen it, and index again. */
  async rebuild(): Promise<EngineStatus> {
    this.cancel();
    await this.idle();
    const keep = this.library.list().filter((p) => collectionOf(p) !== SEED_COLLECTION);
    this.notices.clear();
    await this.storage.destroyAndReopen();
    if (keep.length) await this.storage.safe((s) => s.putPapers(keep), undefined);
    for (const s of this.indexer.all) s.reset();
    await this.loadPapers(false);
    void this.startIndexing();
    return this.status();
  }

  async reembedCost(modelId: string): Promise<ReembedCost> {
    const spec = getModel(modelId);
    let reusable = 0;
    if (spec.onnx[APP_DTYPE]) {
      const key = vectorKey(transformerIdentity(spec, APP_DTYPE));
      const stored = await this.storage.safe((s) => s.getVectors(key), new Map<string, StoredVector>());
      for (const p of this.library.list()) if (stored.get(p.id)?.textHash === paperTextHash(p)) reusable++;
    }
    const measured = await this.storage.safe((s) => s.getMeta<number>(`embedRate:${spec.id}`), undefined);
    // Unmeasured: scale the default by depth (a 12-layer model costs about twice a 6-layer one).
    const rate = measured ?? DEFAULT_RATE * (12 / spec.layers);
    const todo = this.library.size - reusable;
    return { modelId: spec.id, papers: this.library.size, reusable, seconds: Math.round(todo / rate), secondsAll: Math.round(this.library.size / rate) };
  }

  /** Switches the active model (the UI confirms the cost first) and re-indexes with it. */
  async setModel(modelId: string): Promise<EngineStatus> {
    const spec = getModel(modelId);
    if (spec.id === this.slot.modelId && this.slot.model) return this.status();
    const extra = this.indexer.all.find((x) => x.role === 'extra');
    if (extra && spec.id === BEST_QUALITY_MODEL_ID) {
      this.removeSpace(extra);
      await this.storage.safe((x) => x.setMeta('bestQuality', false), undefined);
    }
    this.cancel();
    await this.idle();
    await this.storage.safe((s) => s.setMeta('modelId', spec.id), undefined);
    await this.slot.choose(spec.id);
    this.primary.reset();
    const keep = this.engine;
    this.engine = this.newEngine();
    // The keyword index and the other tiers' spaces (graphs included) move over as they are: none
    // depends on the primary model, and rebuilding them took tens of seconds at 100k papers.
    const others = this.indexer.all.flatMap((s) => (s !== this.primary && s.slot.model ? [vectorKey(s.slot.model.identity)] : []));
    this.engine.adoptFrom(keep, others);
    // What is left in the old engine (the old primary's space) stops its graph build here.
    keep.dispose();
    void this.startIndexing();
    return this.status();
  }

  /** "Re-embed on this device": drops the active model's vectors (shipped or not) and embeds all. */
  async reembed(): Promise<EngineStatus> {
    this.cancel();
    await this.idle();
    const model = await this.slot.ensure();
    if (!model) throw new AtlasError('model-load-failed', this.slot.error ?? 'The model is unavailable.');
    await this.storage.safe((s) => s.deleteVectors(vectorKey(model.identity), this.library.list().map((p) => p.id)), undefined);
    this.primary.reset();
    const keepShipped = this.primary.useShipped;
    this.primary.useShipped = false;
    void this.startIndexing().finally(() => (this.primary.useShipped = keepShipped));
    return this.status();
  }

  async retryModel(): Promise<EngineStatus> {
    this.notices.dismissAction('retry-model');
    // Only here is a failed model tried again (an import or a delete must not re-download it).
    for (const s of this.indexer.all) s.slot.clearFailure();
    void this.startIndexing();
    return this.status();
  }
}

