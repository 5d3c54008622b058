/**
 * The engine's orchestration, independent of where it runs: the browser worker wraps it in a
 * message adapter (workers/engine.worker.ts); unit tests drive it in Node with a MemoryStore /
 * fake-indexeddb and a fake EmbeddingModel.
 *
 * What it guarantees:
 * - Lexical search works as soon as papers are loaded, before (and without) any model.
 * - A vector is reused whenever (model key, paper id, text hash) match what is stored, so a reload
 *   embeds nothing; missing vectors are embedded in batches and each batch is persisted before the
 *   next starts, so a killed tab resumes where it stopped.
 * - Indexing runs under a named lock (Web Locks in the browser) so two tabs never embed at once;
 *   after waiting, the stored vectors are re-read so the other tab's work is reused.
 * - Failures never leave it stuck: storage problems fall back to memory, a model that fails to
 *   load leaves lexical search working, a WebGPU failure retries on WASM; each raises a Notice.
 *
 * Ranking, parsing and bundles are NOT implemented here: see search/, import/, import/bundle.ts.
 */
import type { EmbeddingModel, Paper, SearchHit, SearchMode } from '../types.ts';
import { MemoryStore, modelKey, type Store, type StoredVector } from '../store/store.ts';
import { DEFAULT_MODEL_ID, getModel } from '../model/registry.ts';
import { documentText } from '../vectors/document-text.ts';
import { fnv1a64, textHash } from '../library/ids.ts';
import { parseSeed } from '../import/seed-parser.ts';
import { SearchEngine, type SearchEngineOptions } from '../search/engine.ts';
import { HnswIndex } from '../ann/index.ts';
import type { ShippedModelFacts, ShippedResult } from '../vectors/shipped.ts';
import type {
  CollectionInfo,
  EngineError,
  EngineEvent,
  EngineStatus,
  ErrorCode,
  ImportPreview,
  Notice,
  ReembedCost,
  SearchResult,
} from '../../protocol.ts';

/**
 * textHash per paper object. status() runs every few batches over every paper, so hashing each
 * title + abstract anew would cost O(corpus text) per progress tick. Papers are replaced, never
 * mutated, so object identity is a safe memo key.
 */
const paperHashes = new WeakMap<Paper, string>();
function paperTextHash(p: Paper): string {
  let h = paperHashes.get(p);
  if (h === undefined) paperHashes.set(p, (h = textHash(p.title, p.abstract)));
  return h;
}

export const SEED_COLLECTION = 'seed';
/** Texts per embedding call = per persisted batch: small enough that a killed tab loses little. */
export const EMBED_BATCH = 16;
/** Fallback embedding speed (docs/s) for cost estimates before anything was measured here. */
const DEFAULT_RATE = 3;

export class SessionError extends Error implements EngineError {
  constructor(readonly code: ErrorCode, message: string, readonly detail?: string) {
    super(message);
    this.name = 'SessionError';
  }
}

export type DeviceRequest = 'auto' | 'webgpu' | 'wasm';

export interface ModelLoadProgress {
  file: string;
  loaded: number;
  total: number;
}

export interface SessionDeps {
  /** Opens persistent storage; a throw falls back to MemoryStore with a notice. */
  openStore: () => Promise<{ store: Store; recovered?: string }>;
  /** Deletes the persistent database entirely (used by "rebuild" after corruption). */
  destroyStore?: () => Promise<void>;
  loadModel: (modelId: string, device: DeviceRequest, onProgress: (p: ModelLoadProgress) => void) => Promise<EmbeddingModel>;
  seedText: () => Promise<string> | string;
  loadShipped?: (facts: ShippedModelFacts, papers: Paper[]) => Promise<ShippedResult>;
  /** Runs `fn` while holding an exclusive lock; `onWait` is called if it must wait for another holder. */
  withLock?: <T>(name: string, fn: () => Promise<T>, onWait: () => void) => Promise<T>;
  emit: (e: EngineEvent) => void;
  env?: { threads?: number; crossOriginIsolated?: boolean };
  now?: () => number;
  /** Ranking options (tests lower `exactThreshold` to exercise HNSW persistence on small corpora). */
  engineOptions?: Omit<SearchEngineOptions, 'model'>;
}

export interface InitOptions {
  modelId?: string;
  device?: DeviceRequest;
  useShipped?: boolean;
  /** The UI remembers a finished index; if storage is empty anyway, say it was lost and rebuilt. */
  expectStored?: boolean;
  /** Start model loading + embedding right after init (default true). */
  autoIndex?: boolean;
}

interface PendingImport {
  token: string;
  papers: Paper[];
  bundleVectors?: { modelKey: string; vectors: Map<string, StoredVector> };
}

const defaultLock = async <T>(_n: string, fn: () => Promise<T>) => fn();

export class EngineSession {
  private store: Store = new MemoryStore();
  private storageKind: 'indexeddb' | 'memory' = 'memory';
  private papers = new Map<string, Paper>();
  private engine: SearchEngine;
  private model: EmbeddingModel | null = null;
  private modelId = DEFAULT_MODEL_ID;
  private device: DeviceRequest = 'auto';
  private modelState: EngineStatus['modelState'] = 'idle';
  private modelError?: string;
  private modelLoading: Promise<EmbeddingModel | null> | null = null;
  /** Vectors for the active model, in memory, by paper id (mirror of the store). */
  private vectors = new Map<string, StoredVector>();
  private semanticReady = false;
  private embeddedCount = 0;
  private shippedCount = 0;
  private phase: EngineStatus['phase'] = 'starting';
  private waitingForLock = false;
  private notices: Notice[] = [];
  private noticeSeq = 0;
  private abort: AbortController | null = null;
  private indexing: Promise<void> | null = null;
  private pending: PendingImport | null = null;
  private useShipped = true;
  /** Storage was found unusable and recreated this session (one message is enough). */
  private recovered = false;
  private readonly withLock;
  private readonly now;

  constructor(private readonly deps: SessionDeps) {
    this.withLock = deps.withLock ?? defaultLock;
    this.now = deps.now ?? (() => Date.now());
    this.engine = new SearchEngine(deps.engineOptions);
  }

  // ---------------------------------------------------------------- status & notices

  status(): EngineStatus {
    const collections = new Map<string, CollectionInfo>();
    for (const p of this.papers.values()) {
      const c = p.collection ?? SEED_COLLECTION;
      const info = collections.get(c) ?? { id: c, size: 0, embedded: 0 };
      info.size++;
      const v = this.vectors.get(p.id);
      if (v && v.textHash === paperTextHash(p)) info.embedded++;
      collections.set(c, info);
    }
    return {
      phase: this.phase,
      papers: this.papers.size,
      collections: [...collections.values()].sort((a, b) =>
        a.id === SEED_COLLECTION ? -1 : b.id === SEED_COLLECTION ? 1 : a.id.localeCompare(b.id),
      ),
      modelId: this.modelId,
      modelKey: this.model ? modelKey(this.model.modelId, this.model.modelHash) : undefined,
      modelState: this.modelState,
      modelError: this.modelError,
      semanticReady: this.semanticReady,
      indexedVectors: this.engine.vectorCount,
      indexKind: this.engine.vectorIndexKind(),
      embeddedCount: this.embeddedCount,
      storedVectors: this.vectors.size,
      shippedVectors: this.shippedCount,
      backend: this.model?.device ?? null,
      threads: this.deps.env?.threads ?? 1,
      crossOriginIsolated: this.deps.env?.crossOriginIsolated ?? false,
      storage: this.storageKind,
      waitingForLock: this.waitingForLock,
      notices: [...this.notices],
    };
  }

  private emitStatus() {
    this.deps.emit({ kind: 'status', status: this.status() });
  }

  notice(level: Notice['level'], message: string, action?: Notice['action']): void {
    // The same message twice is noise: keep one.
    if (this.notices.some((n) => n.message === message)) return;
    this.notices.push({ id: `n${++this.noticeSeq}`, level, message, action });
    this.emitStatus();
  }

  dismissNotice(id: string): EngineStatus {
    this.notices = this.notices.filter((n) => n.id !== id);
    return this.status();
  }

  // ---------------------------------------------------------------- startup

  /** Opens storage, loads (or seeds) papers so lexical search works, then indexes in the background. */
  async init(opts: InitOptions = {}): Promise<EngineStatus> {
    this.device = opts.device ?? 'auto';
    this.useShipped = opts.useShipped ?? true;
    await this.openStorage();
    const stored = await this.safe(() => this.store.getMeta<string>('modelId'), undefined);
    this.modelId = getModel(opts.modelId ?? stored ?? DEFAULT_MODEL_ID).id;
    await this.loadPapers(opts.expectStored ?? false);
    this.phase = 'ready';
    this.emitStatus();
    if (opts.autoIndex ?? true) void this.startIndexing();
    return this.status();
  }

  private async openStorage() {
    try {
      const { store, recovered } = await this.deps.openStore();
      this.store = store;
      this.storageKind = 'indexeddb';
      if (recovered) {
        this.recovered = true;
        this.notice('warning', recovered);
      }
    } catch (e) {
      this.store = new MemoryStore();
      this.storageKind = 'memory';
      this.notice(
        'error',
        `Browser storage is unavailable (${(e as Error).message}). Working in memory: nothing will be kept after this tab closes.`,
        this.deps.destroyStore ? 'rebuild' : undefined,
      );
    }
  }

  /** Runs a storage call; on failure falls back to `fallback` and tells the user, never throws. */
  private async safe<T>(fn: () => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      this.storageFailed(e);
      return fallback;
    }
  }

  private storageFailed(e: unknown) {
    const err = e as Error;
    if (err?.name === 'QuotaExceededError') {
      this.notice('error', 'Browser storage is full: new vectors are kept in memory only for this visit. Free space or delete a collection.');
    } else {
      this.notice('error', `Storage error: ${err?.message ?? String(e)}. Continuing in memory.`, 'rebuild');
    }
  }

  private async loadPapers(expectStored: boolean) {
    const seedText = await this.deps.seedText();
    const seedHash = fnv1a64(seedText);
    let papers = await this.safe(() => this.store.getPapers(), [] as Paper[]);
    // Records edited by hand / written by a broken build are dropped rather than crashing the UI.
    const valid = papers.filter((p) => p && typeof p.id === 'string' && typeof p.title === 'string' && typeof p.abstract === 'string');
    if (valid.length !== papers.length) {
      this.notice('warning', `${papers.length - valid.length} stored paper record(s) were unreadable and were removed.`);
      const bad = papers.filter((p) => !valid.includes(p)).map((p) => (p as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string');
      await this.safe(() => this.store.deletePapers(bad), undefined);
    }
    papers = valid;
    const hasSeed = papers.some((p) => (p.collection ?? SEED_COLLECTION) === SEED_COLLECTION);
    const storedSeedHash = await this.safe(() => this.store.getMeta<string>('seedHash'), undefined);
    if (!hasSeed || storedSeedHash !== seedHash) {
      if (expectStored && !hasSeed && !this.recovered) {
        this.notice('warning', 'The stored index was missing (browser data deleted?). It is being rebuilt.');
      }
      const parsed = parseSeed(seedText, SEED_COLLECTION);
      const oldSeed = papers.filter((p) => (p.collection ?? SEED_COLLECTION) === SEED_COLLECTION && !parsed.papers.some((q) => q.id === p.id));
      await this.safe(() => this.store.deletePapers(oldSeed.map((p) => p.id)), undefined);
      await this.safe(() => this.store.putPapers(parsed.papers), undefined);
      await this.safe(() => this.store.setMeta('seedHash', seedHash), undefined);
      const user = papers.filter((p) => (p.collection ?? SEED_COLLECTION) !== SEED_COLLECTION);
      papers = [...parsed.papers, ...user.filter((u) => !parsed.papers.some((s) => s.id === u.id))];
    }
    this.papers = new Map(papers.map((p) => [p.id, p]));
    this.engine.setPapers([...this.papers.values()]);
  }

  // ---------------------------------------------------------------- model

  private async ensureModel(): Promise<EmbeddingModel | null> {
    if (this.model && this.model.modelId === this.modelId) return this.model;
    if (this.modelLoading) return this.modelLoading;
    this.modelState = 'loading';
    this.modelError = undefined;
    this.emitStatus();
    const load = async (device: DeviceRequest) =>
      this.deps.loadModel(this.modelId, device, (p) => this.deps.emit({ kind: 'model', ...p }));
    this.modelLoading = (async () => {
      try {
        let m: EmbeddingModel;
        try {
          m = await load(this.device);
        } catch (e) {
          if (this.device === 'wasm') throw e;
          // WebGPU adapter missing/lost or failing kernels: WASM is slower but always there.
          this.notice('warning', `GPU backend failed (${(e as Error).message}); using WASM on the CPU.`);
          this.device = 'wasm';
          m = await load('wasm');
        }
        if (this.model && this.model !== m) await this.model.dispose().catch(() => {});
        this.model = m;
        this.engine.setModel(m);
        this.modelState = 'ready';
        return m;
      } catch (e) {
        this.modelState = 'failed';
        this.modelError = (e as Error).message;
        this.notice('error', `The embedding model could not be loaded (${this.modelError}). Keyword search still works.`, 'retry-model');
        return null;
      } finally {
        this.modelLoading = null;
        this.emitStatus();
      }
    })();
    return this.modelLoading;
  }

  /** Switches to WASM after a WebGPU failure in the middle of a run (e.g. device lost). */
  private async fallbackToWasm(err: Error): Promise<EmbeddingModel | null> {
    if (this.model?.device !== 'webgpu') return null;
    this.notice('warning', `The GPU stopped working (${err.message}); continuing on the CPU (WASM).`);
    const old = this.model;
    this.model = null;
    this.device = 'wasm';
    await old.dispose().catch(() => {});
    return this.ensureModel();
  }

  // ---------------------------------------------------------------- indexing

  /** Starts (or joins) a background indexing run. Resolves when it ends, never rejects. */
  startIndexing(): Promise<void> {
    if (!this.indexing) {
      this.indexing = this.runIndexing()
        .catch((e) => {
          const err = e as Error;
          if (err.name === 'AbortError') this.notice('info', 'Indexing cancelled. Keyword search works; resume any time.');
          else this.notice('error', `Indexing stopped: ${err.message}`);
        })
        .finally(() => {
          this.indexing = null;
          this.abort = null;
          this.phase = 'ready';
          this.emitStatus();
          this.deps.emit({ kind: 'idle' });
        });
    }
    return this.indexing;
  }

  /** Waits until any running indexing has finished (tests, export). */
  async idle(): Promise<void> {
    while (this.indexing) await this.indexing;
  }

  cancel(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    return true;
  }

  private missingIds(): Paper[] {
    return [...this.papers.values()].filter((p) => {
      const v = this.vectors.get(p.id);
      return !v || v.textHash !== paperTextHash(p);
    });
  }

  private async runIndexing(): Promise<void> {
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.phase = 'indexing';
    this.emitStatus();
    const model = await this.ensureModel();
    if (!model) return;
    const key = modelKey(model.modelId, model.modelHash);
    await this.withLock(
      'atlas-index',
      async () => {
        this.waitingForLock = false;
        this.emitStatus();
        await this.loadStoredVectors(key, model.dimensions);
        if (this.useShipped) await this.takeShipped(key, model);
        // Index what is already there first: semantic search works on it while the rest embeds.
        await this.buildIndex();
        await this.embedMissing(signal);
        await this.persistIndex();
      },
      () => {
        this.waitingForLock = true;
        this.notice('info', 'Another tab is indexing; this tab will reuse its work when it finishes.');
      },
    );
  }

  private async loadStoredVectors(key: string, dims: number) {
    const stored = await this.safe(() => this.store.getVectors(key), new Map<string, StoredVector>());
    let bad = 0;
    for (const [id, v] of stored) {
      if (v.vector.length !== dims || !v.vector.every(Number.isFinite)) {
        stored.delete(id);
        bad++;
      }
    }
    if (bad) this.notice('warning', `${bad} stored vector(s) were damaged and are being re-embedded.`);
    // Keep vectors made in this session that the store could not take (quota): they are still valid.
    for (const [id, v] of this.vectors) if (!stored.has(id)) stored.set(id, v);
    this.vectors = stored;
    this.emitStatus();
  }

  private async takeShipped(key: string, model: EmbeddingModel) {
    if (!this.deps.loadShipped) return;
    const seedMissing = this.missingIds().filter((p) => (p.collection ?? SEED_COLLECTION) === SEED_COLLECTION);
    if (!seedMissing.length) return;
    const spec = getModel(model.modelId);
    const res = await this.deps
      .loadShipped({ modelId: model.modelId, modelSha256: model.modelHash, dtype: 'q8' }, seedMissing)
      .catch((e) => ({ ok: false as const, reason: (e as Error).message }));
    if (!res.ok) return;
    const rows: StoredVector[] = [];
    for (const p of seedMissing) {
      const v = res.vectors.get(p.id);
      if (v && v.length === spec.dims) rows.push({ paperId: p.id, textHash: paperTextHash(p), vector: v });
    }
    for (const r of rows) this.vectors.set(r.paperId, r);
    this.shippedCount += rows.length;
    await this.safe(() => this.store.putVectors(key, rows), undefined);
    this.emitStatus();
  }

  private async embedMissing(signal: AbortSignal) {
    const todo = this.missingIds();
    if (!todo.length) return;
    const total = todo.length;
    const started = this.now();
    let done = 0;
    let staleInIndex = false;
    this.deps.emit({ kind: 'embed', done: 0, total, rate: 0 });
    for (let i = 0; i < todo.length; i += EMBED_BATCH) {
      if (signal.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const batch = todo.slice(i, i + EMBED_BATCH);
      const texts = batch.map(documentText);
      let model = this.model!;
      let res;
      try {
        res = await model.embedDocuments(texts, { batchSize: EMBED_BATCH, signal });
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
        const wasm = await this.fallbackToWasm(e as Error);
        if (!wasm) throw new SessionError('embed-failed', `Embedding failed: ${(e as Error).message}`);
        model = wasm;
        res = await model.embedDocuments(texts, { batchSize: EMBED_BATCH, signal });
      }
      this.embeddedCount += batch.length;
      const key = modelKey(model.modelId, model.modelHash);
      const rows: StoredVector[] = batch.map((p, j) => ({
        paperId: p.id,
        textHash: paperTextHash(p),
        // Copy: a subarray would keep (and store) the whole batch buffer.
        vector: res.vectors.slice(j * res.dimensions, (j + 1) * res.dimensions),
      }));
      for (const r of rows) this.vectors.set(r.paperId, r);
      // Papers whose text changed already sit in the index with an old vector: rebuild once at the end.
      const fresh = rows.filter((r) => !this.engine.getVector(r.paperId));
      if (fresh.length < rows.length) staleInIndex = true;
      const packed = new Float32Array(fresh.length * res.dimensions);
      fresh.forEach((r, j) => packed.set(r.vector, j * res.dimensions));
      await this.engine.addVectors(fresh.map((r) => r.paperId), packed);
      this.updateReady();
      // Persist per batch: a tab killed now resumes after this batch.
      await this.safe(() => this.store.putVectors(key, rows), undefined);
      done += batch.length;
      const secs = Math.max(1e-3, (this.now() - started) / 1000);
      const rate = done / secs;
      this.deps.emit({ kind: 'embed', done, total, rate, eta: done ? (total - done) / rate : undefined });
      if (done % (EMBED_BATCH * 4) === 0 || done === total) this.emitStatus();
    }
    if (staleInIndex) await this.buildIndex();
    const secs = (this.now() - started) / 1000;
    if (secs > 0.5) await this.safe(() => this.store.setMeta(`embedRate:${this.modelId}`, done / secs), undefined);
  }

  /** Paper ids that have a current vector, in a stable order (insertion order of papers). */
  private coveredIds(): string[] {
    const ids: string[] = [];
    for (const p of this.papers.values()) {
      const v = this.vectors.get(p.id);
      if (v && v.textHash === paperTextHash(p)) ids.push(p.id);
    }
    return ids;
  }

  private updateReady() {
    let all = this.papers.size > 0;
    for (const id of this.papers.keys()) if (!this.engine.getVector(id)) { all = false; break; }
    this.semanticReady = all;
  }

  private blobName(): string {
    return `hnsw:${modelKey(this.model!.modelId, this.model!.modelHash)}`;
  }

  /**
   * (Re)builds the vector index over every paper that has a vector. A stored HNSW graph is adopted
   * when it was built from exactly the same ids in the same order (its id list is stored with it);
   * otherwise, or when its bytes are damaged, it is rebuilt from the vectors.
   */
  private async buildIndex() {
    const ids = this.coveredIds();
    const dims = this.model!.dimensions;
    const flat = new Float32Array(ids.length * dims);
    ids.forEach((id, i) => flat.set(this.vectors.get(id)!.vector, i * dims));
    const name = this.blobName();
    const savedIds = await this.safe(() => this.store.getMeta<string[]>(`${name}:ids`), undefined);
    let adopted = false;
    if (savedIds && savedIds.length === ids.length && savedIds.every((id, i) => id === ids[i])) {
      const bytes = await this.safe(() => this.store.getBlob(name), undefined);
      try {
        if (!bytes) throw new Error('missing graph bytes');
        const index = await HnswIndex.restore(bytes, dims);
        await this.engine.setVectors(ids, flat, { index });
        adopted = true;
      } catch {
        this.notice('warning', 'The stored search index was damaged; it was rebuilt from the stored vectors.');
      }
    }
    if (!adopted) await this.engine.setVectors(ids, flat);
    this.updateReady();
    this.emitStatus();
  }

  /** Saves an HNSW graph (exact indexes are rebuilt from the vectors in milliseconds: not saved). */
  private async persistIndex() {
    const index = this.engine.vectorIndex;
    if (!index || index.kind !== 'hnsw') return;
    const name = this.blobName();
    const ids = [...this.engine.vectorPaperIds];
    const savedIds = await this.safe(() => this.store.getMeta<string[]>(`${name}:ids`), undefined);
    if (savedIds && savedIds.length === ids.length && savedIds.every((id, i) => id === ids[i])) return;
    const bytes = await index.serialize();
    await this.safe(() => this.store.putBlob(name, bytes), undefined);
    await this.safe(() => this.store.setMeta(`${name}:ids`, ids), undefined);
  }

  // ---------------------------------------------------------------- queries

  async search(question: string, mode: SearchMode, k = 20, collections?: string[]): Promise<SearchResult> {
    const t0 = this.now();
    let used = mode;
    let note: string | undefined;
    if (mode !== 'lexical' && !(this.model && this.engine.vectorCount > 0)) {
      used = 'lexical';
      note =
        this.modelState === 'failed'
          ? 'The model is unavailable: showing keyword results.'
          : 'Semantic index not ready yet: showing keyword results.';
    } else if (mode !== 'lexical' && !this.semanticReady) {
      note = `Semantic index covers ${this.engine.vectorCount} of ${this.papers.size} papers so far.`;
    }
    const hits = question.trim() ? await this.engine.search(question, { k, mode: used, collections }) : [];
    return { hits, mode: used, note, tookMs: this.now() - t0 };
  }

  related(paperId: string, k = 10, collections?: string[]): { paper: Paper; hits: SearchHit[] } {
    const paper = this.papers.get(paperId);
    if (!paper) throw new SessionError('not-found', `No paper with id ${paperId}`);
    if (!this.engine.getVector(paperId)) {
      throw new SessionError('not-ready', 'Related papers need this paper\'s vector, which is not ready yet.');
    }
    return { paper, hits: this.engine.related(paperId, k, { collections }) };
  }

  // ---------------------------------------------------------------- collections

  getPapers(): Paper[] {
    return [...this.papers.values()];
  }

  /** Adds papers (already validated by the import preview) and indexes them incrementally. */
  async addPapers(papers: Paper[], bundle?: PendingImport['bundleVectors']): Promise<number> {
    if (!papers.length) return 0;
    try {
      await this.store.putPapers(papers);
    } catch (e) {
      this.storageFailed(e);
    }
    for (const p of papers) this.papers.set(p.id, p);
    this.engine.addPapers(papers);
    if (bundle) {
      const rows = papers.map((p) => bundle.vectors.get(p.id)).filter((v): v is StoredVector => !!v);
      const key = this.model ? modelKey(this.model.modelId, this.model.modelHash) : undefined;
      if (key === bundle.modelKey) {
        await this.safe(() => this.store.putVectors(key, rows), undefined);
        for (const r of rows) this.vectors.set(r.paperId, r);
      } else if (!key) {
        // Model not loaded yet: store under the bundle's key; loadStoredVectors picks them up if it matches.
        await this.safe(() => this.store.putVectors(bundle.modelKey, rows), undefined);
      }
    }
    this.updateReady();
    this.emitStatus();
    await this.idle();
    void this.startIndexing();
    return papers.length;
  }

  async deletePapers(ids: string[]): Promise<number> {
    const present = ids.filter((id) => this.papers.has(id));
    await this.safe(() => this.store.deletePapers(present), undefined);
    if (this.model) await this.safe(() => this.store.deleteVectors(modelKey(this.model!.modelId, this.model!.modelHash), present), undefined);
    for (const id of present) {
      this.papers.delete(id);
      this.vectors.delete(id);
    }
    // Removed at once from lexical, vector and related results; the graph is rebuilt lazily on next load.
    this.engine.removePapers(present);
    this.updateReady();
    this.emitStatus();
    return present.length;
  }

  async deleteCollection(collection: string): Promise<number> {
    const ids = [...this.papers.values()].filter((p) => (p.collection ?? SEED_COLLECTION) === collection).map((p) => p.id);
    return this.deletePapers(ids);
  }

  /** Everything stored for the active model's vectors, by paper id (export). */
  vectorsFor(ids: string[]): { modelKey?: string; vectors: Map<string, StoredVector> } {
    const out = new Map<string, StoredVector>();
    for (const id of ids) {
      const v = this.vectors.get(id);
      if (v) out.set(id, v);
    }
    return { modelKey: this.model ? modelKey(this.model.modelId, this.model.modelHash) : undefined, vectors: out };
  }

  get activeModel(): EmbeddingModel | null {
    return this.model;
  }

  // ---------------------------------------------------------------- imports (preview → commit)

  /** Keeps the parsed papers of a preview until the user confirms which to add. */
  stagePreview(preview: Omit<ImportPreview, 'token'>, bundleVectors?: PendingImport['bundleVectors']): ImportPreview {
    const token = `imp${this.now()}-${++this.noticeSeq}`;
    this.pending = { token, papers: preview.papers, bundleVectors };
    return { ...preview, token };
  }

  async commitImport(token: string, collection: string, paperIds: string[]): Promise<{ added: number; skipped: number; collection: string }> {
    const name = collection.trim();
    if (!name) throw new SessionError('bad-request', 'Give the collection a name.');
    if (name === SEED_COLLECTION) throw new SessionError('bad-request', `"${SEED_COLLECTION}" is the bundled collection; choose another name.`);
    if (!this.pending || this.pending.token !== token) throw new SessionError('bad-request', 'This import preview has expired; load the file again.');
    const wanted = new Set(paperIds);
    const chosen = this.pending.papers.filter((p) => wanted.has(p.id)).map((p) => ({ ...p, collection: name }));
    const bundle = this.pending.bundleVectors;
    this.pending = null;
    const added = await this.addPapers(chosen, bundle);
    return { added, skipped: paperIds.length - added, collection: name };
  }

  // ---------------------------------------------------------------- maintenance

  /** Drops everything stored (papers, vectors, indexes) and starts again from the bundled corpus. */
  async clear(): Promise<EngineStatus> {
    this.cancel();
    await this.idle();
    await this.safe(() => this.store.clear(), undefined);
    this.vectors.clear();
    this.semanticReady = false;
    this.notices = [];
    this.engine = new SearchEngine(this.deps.engineOptions);
    if (this.model) this.engine.setModel(this.model);
    await this.loadPapers(false);
    void this.startIndexing();
    return this.status();
  }

  /** After a storage failure: delete the database, reopen it, and index again. */
  async rebuild(): Promise<EngineStatus> {
    this.cancel();
    await this.idle();
    const keep = [...this.papers.values()].filter((p) => (p.collection ?? SEED_COLLECTION) !== SEED_COLLECTION);
    if (this.deps.destroyStore) await this.deps.destroyStore().catch(() => {});
    this.notices = [];
    await this.openStorage();
    if (keep.length) await this.safe(() => this.store.putPapers(keep), undefined);
    this.vectors.clear();
    this.semanticReady = false;
    await this.loadPapers(false);
    void this.startIndexing();
    return this.status();
  }

  async reembedCost(modelId: string): Promise<ReembedCost> {
    const spec = getModel(modelId);
    let reusable = 0;
    const file = spec.onnx.q8;
    if (file) {
      const stored = await this.safe(() => this.store.getVectors(modelKey(spec.id, file.sha256)), new Map<string, StoredVector>());
      for (const p of this.papers.values()) {
        const v = stored.get(p.id);
        if (v && v.textHash === paperTextHash(p)) reusable++;
      }
    }
    const measured = await this.safe(() => this.store.getMeta<number>(`embedRate:${spec.id}`), undefined);
    // Unmeasured: scale the default by depth (a 12-layer model costs about twice a 6-layer one).
    const rate = measured ?? DEFAULT_RATE * (12 / spec.layers);
    const todo = this.papers.size - reusable;
    return { modelId: spec.id, papers: this.papers.size, reusable, seconds: Math.round(todo / rate), secondsAll: Math.round(this.papers.size / rate) };
  }

  /** Switches the active model (the UI confirms the cost first) and re-indexes with it. */
  async setModel(modelId: string): Promise<EngineStatus> {
    const spec = getModel(modelId);
    if (spec.id === this.modelId && this.model) return this.status();
    this.cancel();
    await this.idle();
    this.modelId = spec.id;
    await this.safe(() => this.store.setMeta('modelId', spec.id), undefined);
    if (this.model) await this.model.dispose().catch(() => {});
    this.model = null;
    this.modelState = 'idle';
    this.vectors.clear();
    this.semanticReady = false;
    this.engine = new SearchEngine(this.deps.engineOptions);
    this.engine.setPapers([...this.papers.values()]);
    void this.startIndexing();
    return this.status();
  }

  /** "Re-embed on this device": drops the active model's vectors (shipped or not) and embeds all. */
  async reembed(): Promise<EngineStatus> {
    this.cancel();
    await this.idle();
    const model = await this.ensureModel();
    if (!model) throw new SessionError('model-load-failed', this.modelError ?? 'The model is unavailable.');
    const key = modelKey(model.modelId, model.modelHash);
    await this.safe(() => this.store.deleteVectors(key, [...this.papers.keys()]), undefined);
    this.vectors.clear();
    this.semanticReady = false;
    const keepShipped = this.useShipped;
    this.useShipped = false;
    void this.startIndexing().finally(() => (this.useShipped = keepShipped));
    return this.status();
  }

  async retryModel(): Promise<EngineStatus> {
    this.notices = this.notices.filter((n) => n.action !== 'retry-model');
    void this.startIndexing();
    return this.status();
  }
}

/** Turns anything thrown into the protocol's structured error. */
export function toEngineError(e: unknown): EngineError {
  if (e instanceof SessionError) return { code: e.code, message: e.message, detail: e.detail };
  const err = e as Error;
  if (err?.name === 'QuotaExceededError') return { code: 'quota-exceeded', message: 'Browser storage is full.', detail: err.message };
  if (err?.name === 'AbortError') return { code: 'cancelled', message: 'Cancelled.' };
  if (err?.name === 'ImportError') return { code: 'import-failed', message: err.message, detail: (err as { code?: string }).code };
  return { code: 'internal', message: err?.message ?? String(e), detail: err?.stack };
}
