/**
 * Indexing of ONE vector space: makes sure every paper has a vector of this space's model identity
 * and that the SearchEngine's space holds them — reusing stored, shipped and bundled vectors,
 * embedding the rest through the one reconcile routine (vectors/reconcile.ts), persisting per batch,
 * and persisting / adopting the HNSW graph so a reload never rebuilds it. A library may have several
 * spaces (the default model, a quick tier, a second model); the Indexer (indexer.ts) runs them in
 * order under one lock.
 *
 * Guarantees (tested in engine-session.test.ts):
 * - A vector is reused only when (identity key, paper id, text hash) match; a reload embeds nothing.
 * - Each embedded batch is stored before the next starts: a killed tab resumes after that batch.
 * - Semantic search works on what is indexed while the rest embeds.
 */
import type { EmbeddingModel, Paper } from '../types.ts';
import type { StoredVector } from '../store/store.ts';
import { HnswIndex } from '../ann/index.ts';
import type { SearchEngine } from '../search/engine.ts';
import { vectorKey, type VectorIdentity, type VectorKey } from '../vectors/identity.ts';
import { reconcile, rowSource, RECONCILE_BATCH, type VectorRow } from '../vectors/reconcile.ts';
import type { ShippedResult } from '../vectors/shipped.ts';
import { allFinite, storedRows, toStoredForm } from '../vectors/quantize.ts';
import type { EmbedProgressEvent } from './api.ts';
import { AtlasError } from './errors.ts';
import { EtaMeter } from './eta.ts';
import { collectionOf, paperTextHash, SEED_COLLECTION, type Library } from './library.ts';
import type { ModelSlot } from './model-slot.ts';
import type { NoticeBoard } from './notices.ts';
import type { StorageGuard } from './storage.ts';
import { counted } from '../util/count.ts';

/** Texts per embedding call = per persisted batch: small enough that a killed tab loses little. */
export const EMBED_BATCH = RECONCILE_BATCH;
/**
 * The quick (static) tier embeds ~2,000+ texts/s: batches of 16 would spend its time in IndexedDB
 * transactions (measured: 204 seed papers took seconds). 512 is still ~0.2 s of work per batch.
 */
export const QUICK_EMBED_BATCH = 512;
/**
 * The static model's step inside a quick batch: it yields to the event loop between steps once its
 * time slice is used, so a question waits at most one step (~64 abstracts, tens of ms) rather than a
 * whole 512-abstract batch (0.25-1 s on this machine).
 */
export const QUICK_EMBED_STEP = 64;

/** What a space is for: the UI names tiers by it, the Indexer orders runs by it. */
export type SpaceRole = 'primary' | 'quick' | 'extra';

export interface SpaceDeps {
  loadShipped?: (identity: VectorIdentity, papers: Paper[]) => Promise<ShippedResult>;
  onEmbedProgress: (e: EmbedProgressEvent) => void;
  /** Something shown in the status changed. */
  changed: () => void;
  now: () => number;
  /** Awaited between batches: holds a paused run there; rejects (AbortError) on a cancel while paused. */
  between?: (signal: AbortSignal) => Promise<void>;
  /** This model's embedding rate measured by an earlier run on this device (docs/s), for a first ETA. */
  rateOf?: (modelId: string) => Promise<number | undefined>;
}

export class SpaceIndexer {
  /** Vectors of this space's identity, by paper id (mirror of the store). */
  vectors = new Map<string, StoredVector>();
  semanticReady = false;
  embeddedCount = 0;
  shippedCount = 0;
  useShipped = true;

  constructor(
    readonly role: SpaceRole,
    readonly slot: ModelSlot,
    private readonly deps: SpaceDeps,
    private readonly library: Library,
    private readonly storage: StorageGuard,
    private readonly notices: NoticeBoard,
    /** The current engine (the session replaces it on clear / model switch). */
    private readonly engine: () => SearchEngine,
  ) {}

  /** The loaded model's vector key (undefined until the model is loaded). */
  get key(): VectorKey | undefined {
    return this.slot.model ? vectorKey(this.slot.model.identity) : undefined;
  }

  /** A current vector exists for the paper's text. */
  hasVector(p: Paper): boolean {
    return this.vectors.get(p.id)?.textHash === paperTextHash(p);
  }

  /** Papers inside this space's search index. */
  get indexed(): number {
    const m = this.slot.model;
    return m ? (this.engine().findSpace(m.identity)?.size ?? 0) : 0;
  }

  /** Forgets all vectors (model switch, re-embed, clear); stored ones stay in the store. */
  reset(): void {
    this.vectors.clear();
    this.semanticReady = false;
    this.prefetched = undefined;
  }

  /** A read of the stored vectors started ahead of the run (prefetchStored), for one key. */
  private prefetched: { key: VectorKey; rows: Promise<Map<string, StoredVector>> } | undefined;

  /**
   * Starts reading this space's stored vectors now; the next run's loadStored takes them instead of
   * reading again. On a reload the session calls it once the papers are read, while the keyword
   * index loads: at 50k papers reading the quick tier's vectors took 2.2 s after that, on the way to
   * semantic search. Safe because only this space's own run (after loadStored) writes vectors of its key;
   * reset() (clear, model switch) drops a prefetch.
   */
  prefetchStored(key: VectorKey): void {
    this.prefetched ??= { key, rows: this.storage.safe((s) => s.getVectors(key), new Map<string, StoredVector>()) };
  }

  /** One indexing pass of this space (the caller holds the lock). */
  async run(signal: AbortSignal): Promise<void> {
    // A model that already failed this run (the Indexer loads all first) is not tried twice.
    const model = this.slot.model ?? (this.slot.state === 'failed' ? null : await this.slot.ensure());
    if (!model) return;
    const key = vectorKey(model.identity);
    await this.loadStored(key, model.identity.dims);
    if (this.useShipped) await this.takeShipped(key, model);
    // Index what is already there first: semantic search works on it while the rest embeds.
    await this.buildIndex(model);
    await this.embedMissing(model, signal);
    await this.persistIndex(model);
  }

  private async loadStored(key: VectorKey, dims: number): Promise<void> {
    const pre = this.prefetched?.key === key ? this.prefetched.rows : undefined;
    this.prefetched = undefined;
    const stored = await (pre ?? this.storage.safe((s) => s.getVectors(key), new Map<string, StoredVector>()));
    let bad = 0;
    for (const [id, v] of stored) {
      if (v.vector.length !== dims || !allFinite(v.vector)) {
        stored.delete(id);
        bad++;
      }
    }
    if (bad) this.notices.add('warning', `${counted(bad, 'stored vector')} ${bad === 1 ? 'was' : 'were'} damaged and ${bad === 1 ? 'is' : 'are'} being re-embedded.`);
    // Keep vectors made in this session that the store could not take (quota): they are still valid.
    for (const [id, v] of this.vectors) if (!stored.has(id)) stored.set(id, v);
    this.vectors = stored;
    this.deps.changed();
  }

  private missing(): Paper[] {
    return this.library.list().filter((p) => !this.hasVector(p));
  }

  private async takeShipped(key: VectorKey, model: EmbeddingModel): Promise<void> {
    if (!this.deps.loadShipped) return;
    const seedMissing = this.missing().filter((p) => collectionOf(p) === SEED_COLLECTION);
    if (!seedMissing.length) return;
    const res = await this.deps.loadShipped(model.identity, seedMissing).catch((e) => ({ ok: false as const, reason: (e as Error).message }));
    if (!res.ok) return;
    const rows: StoredVector[] = [];
    for (const p of seedMissing) {
      const v = res.vectors.get(p.id);
      if (v && v.length === model.identity.dims) rows.push({ paperId: p.id, textHash: paperTextHash(p), vector: toStoredForm(v) });
    }
    for (const r of rows) this.vectors.set(r.paperId, r);
    this.shippedCount += rows.length;
    await this.storage.safe((s) => s.putVectors(key, rows), undefined);
    this.deps.changed();
  }

  private async embedMissing(model: EmbeddingModel, signal: AbortSignal): Promise<void> {
    const space = this.engine().space(model.identity);
    let staleInIndex = false;
    let active = model;
    const prior = await this.deps.rateOf?.(model.modelId);
    let meter: EtaMeter | undefined;
    const secs = () => this.deps.now() / 1000;
    const res = await reconcile({
      papers: this.library.list(),
      // Everything stored or shipped is already in `vectors` (and in the index): only the rest is embedded.
      sources: [rowSource('stored', this.vectors)],
      model,
      batchSize: this.role === 'quick' ? QUICK_EMBED_BATCH : EMBED_BATCH,
      // A transformer on WASM/CPU runs one text per pass anyway (q8, embedder.ts): one call per text
      // lets a question in between passes. WebGPU batches on the device: one call per batch.
      embedBatchSize: this.role === 'quick' ? QUICK_EMBED_STEP : model.device === 'webgpu' ? undefined : 1,
      signal,
      hashOf: paperTextHash,
      now: this.deps.now,
      onEmbedError: async (err) => {
        const wasm = await this.slot.fallbackToWasm(err);
        if (!wasm) throw new AtlasError('embed-failed', `Embedding failed: ${err.message}`);
        active = wasm;
        this.engine().useModel(wasm);
        return wasm;
      },
      onRows: async (made, origin) => {
        if (origin === 'reused') return;
        // Stored form (f16) from here on: the index holds what a reload reads back.
        const rows = storedRows(made);
        this.embeddedCount += rows.length;
        for (const r of rows) this.vectors.set(r.paperId, r);
        // Papers whose text changed already sit in the index with an old vector: rebuild once at the end.
        const fresh = rows.filter((r) => !space.has(r.paperId));
        if (fresh.length < rows.length) staleInIndex = true;
        await space.addVectors(fresh.map((r) => r.paperId), pack(fresh, active.identity.dims));
        this.updateReady();
        // Persist per batch: a tab killed now resumes after this batch.
        await this.storage.safe((s) => s.putVectors(vectorKey(active.identity), rows), undefined);
        // Pause point (between batches, after the batch is stored); paused time is not work.
        if (this.deps.between) {
          const t = secs();
          await this.deps.between(signal);
          if (secs() - t > 0.05) {
            meter?.pause(t);
            meter?.resume(secs());
          }
        }
      },
      onProgress: (p) => {
        // The ETA from the recent rate (eta.ts), not reconcile's whole-run average.
        if (p.done === 0 || !meter) meter = new EtaMeter(p.total, secs(), { prior });
        const r = p.done === 0 ? meter.reading() : meter.record(p.done, secs());
        this.deps.onEmbedProgress({ kind: 'embed', space: this.role, done: p.done, total: p.total, rate: r.rate, eta: r.eta, basis: r.basis });
        // A status after every batch: the progress panel, the status bar and the collections list
        // all count from it, so they show one number (a batch takes seconds on the full model;
        // the quick tier's 512-paper batches make this a few statuses a second at most).
        if (p.done > 0) this.deps.changed();
      },
    });
    if (staleInIndex) await this.buildIndex(active);
    if (res.seconds > 0.5 && res.embedded) {
      await this.storage.safe((s) => s.setMeta(`embedRate:${active.modelId}`, res.embedded / res.seconds), undefined);
    }
  }

  /** Bundle rows (already stored under their key by the Indexer) join this space when the key is its own. */
  adoptBundle(rows: VectorRow[], key: VectorKey): void {
    if (this.key !== key) return;
    for (const r of rows) this.vectors.set(r.paperId, r);
  }

  /** Removes papers' vectors of this space (from memory and the store). */
  async forget(ids: string[]): Promise<void> {
    const key = this.key;
    if (key) await this.storage.safe((s) => s.deleteVectors(key, ids), undefined);
    for (const id of ids) this.vectors.delete(id);
  }

  /** Forgets papers' vectors in memory only (another tab already deleted them from the store). */
  dropFromMemory(ids: string[]): void {
    for (const id of ids) this.vectors.delete(id);
  }

  /** Paper ids that have a current vector, in a stable order (insertion order of papers). */
  private coveredIds(): string[] {
    return this.library.list().filter((p) => this.hasVector(p)).map((p) => p.id);
  }

  updateReady(): void {
    const space = this.slot.model ? this.engine().findSpace(this.slot.model.identity) : undefined;
    let all = this.library.size > 0 && !!space;
    if (space) for (const id of this.library.papers.keys()) if (!space.has(id)) { all = false; break; }
    this.semanticReady = all;
  }

  private blobName(model: EmbeddingModel): string {
    return `hnsw:${vectorKey(model.identity)}`;
  }

  /**
   * (Re)builds the vector index over every paper that has a vector. A stored HNSW graph is adopted
   * when its id list (stored with it) is a prefix of the current ids in order — the same library, or
   * one that grew since it was saved, whose new rows the space adds to the graph in slices; otherwise,
   * or when its bytes are damaged, the graph is rebuilt from the vectors (in slices: queries are
   * answered exactly meanwhile).
   */
  private async buildIndex(model: EmbeddingModel): Promise<void> {
    const ids = this.coveredIds();
    const dims = model.identity.dims;
    const space = this.engine().useModel(model);
    // Already indexed exactly these papers (a second pass, a pass resumed after the quick tier
    // took new papers): nothing to do. Rebuilding would block this thread for seconds at 5k+
    // papers (an HNSW build), delaying every question. Stale vectors cannot hide here: a paper
    // whose text changed is not covered, so its old row makes the sizes differ.
    if (space.size === ids.length && ids.every((id) => space.has(id))) {
      this.updateReady();
      this.deps.changed();
      return;
    }
    const flat = new Float32Array(ids.length * dims);
    ids.forEach((id, i) => flat.set(this.vectors.get(id)!.vector, i * dims));
    const name = this.blobName(model);
    const savedIds = await this.storage.safe((s) => s.getMeta<string[]>(`${name}:ids`), undefined);
    if (savedIds && isPrefix(savedIds, ids)) {
      // Restoring a large graph takes seconds (it passes through hnswlib's IndexedDB file system):
      // the space answers exactly meanwhile and adopts it when it is there.
      const restoring = (async () => {
        const bytes = await this.storage.safe((s) => s.getBlob(name), undefined);
        if (!bytes) throw new Error('missing graph bytes');
        const index = await HnswIndex.restore(bytes, dims, { rows: flat });
        if (index.size !== savedIds.length) throw new Error(`graph holds ${index.size} vectors, its id list ${savedIds.length}`);
        return index;
      })().catch(() => {
        this.notices.add('warning', 'The stored search index was damaged; it was rebuilt from the stored vectors.');
        return null;
      });
      await space.setVectors(ids, flat, { index: restoring });
    } else {
      await space.setVectors(ids, flat);
    }
    this.updateReady();
    this.deps.changed();
  }

  /**
   * Saves the HNSW graph once it covers every vector (exact indexes are rebuilt from the vectors in
   * milliseconds: not saved). Waits for the slice builder, which has been running beside the
   * embedding; queries are answered meanwhile, only this space's indexing pass stays open.
   */
  private async persistIndex(model: EmbeddingModel): Promise<void> {
    const space = this.engine().findSpace(model.identity);
    try {
      await space?.indexed();
    } catch (e) {
      this.notices.add('warning', `The fast search index could not be built (${(e as Error).message}); search stays exact, which is slower on a large library.`);
      return;
    }
    const index = space?.vectorIndex;
    if (!space || !index || index.kind !== 'hnsw') return;
    const name = this.blobName(model);
    const ids = [...space.paperIds];
    const savedIds = await this.storage.safe((s) => s.getMeta<string[]>(`${name}:ids`), undefined);
    if (savedIds && sameList(savedIds, ids)) return;
    const bytes = await index.serialize();
    // The id list says which rows the stored graph holds: write it only once the graph is stored, or
    // a failed save would pair the new list with the old graph (then rebuilt as "damaged").
    const saved = await this.storage.safe(async (s) => (await s.putBlob(name, bytes), true), false);
    if (saved) await this.storage.safe((s) => s.setMeta(`${name}:ids`, ids), undefined);
  }
}

/** `a` equals the first a.length entries of `b`. */
function isPrefix(a: readonly string[], b: readonly string[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[i]);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function pack(rows: VectorRow[], dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => out.set(r.vector, i * dims));
  return out;
}
