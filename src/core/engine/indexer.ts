/**
 * Indexing: makes sure every paper has a vector of the active model's identity, and that the
 * SearchEngine's vector space holds them — reusing stored, shipped and bundled vectors, embedding the
 * rest through the one reconcile routine (vectors/reconcile.ts), persisting per batch, and
 * persisting / adopting the HNSW graph so a reload never rebuilds it.
 *
 * Guarantees (kept from the first version, tested in engine-session.test.ts):
 * - A vector is reused only when (identity key, paper id, text hash) match; a reload embeds nothing.
 * - Each embedded batch is stored before the next starts: a killed tab resumes after that batch.
 * - One run at a time, under a named lock (Web Locks in the browser), so two tabs never embed at
 *   once; after waiting, stored vectors are re-read so the other tab's work is reused.
 * - Semantic search works on what is indexed while the rest embeds.
 * - Never rejects: a cancel raises an info notice, any other failure an error notice.
 */
import type { EmbeddingModel, Paper } from '../types.ts';
import type { StoredVector } from '../store/store.ts';
import { HnswIndex } from '../ann/index.ts';
import type { SearchEngine } from '../search/engine.ts';
import { vectorKey, type VectorIdentity, type VectorKey } from '../vectors/identity.ts';
import { reconcile, rowSource, RECONCILE_BATCH, type VectorRow } from '../vectors/reconcile.ts';
import type { ShippedResult } from '../vectors/shipped.ts';
import type { EmbedProgressEvent } from './api.ts';
import { AtlasError, isAbortError } from './errors.ts';
import { collectionOf, paperTextHash, SEED_COLLECTION, type BundleVectors, type Library } from './library.ts';
import type { ModelSlot } from './model-slot.ts';
import type { NoticeBoard } from './notices.ts';
import type { StorageGuard } from './storage.ts';

/** Texts per embedding call = per persisted batch: small enough that a killed tab loses little. */
export const EMBED_BATCH = RECONCILE_BATCH;

export interface IndexerDeps {
  loadShipped?: (identity: VectorIdentity, papers: Paper[]) => Promise<ShippedResult>;
  /** Runs `fn` while holding an exclusive lock; `onWait` is called if it must wait for another holder. */
  withLock?: <T>(name: string, fn: () => Promise<T>, onWait: () => void) => Promise<T>;
  onEmbedProgress: (e: EmbedProgressEvent) => void;
  /** Something shown in the status changed. */
  changed: () => void;
  /** An indexing run ended (the UI clears its progress). */
  ended: () => void;
  now: () => number;
}

const defaultLock = async <T>(_n: string, fn: () => Promise<T>) => fn();

export class Indexer {
  /** Vectors of the active identity, by paper id (mirror of the store). */
  vectors = new Map<string, StoredVector>();
  semanticReady = false;
  embeddedCount = 0;
  shippedCount = 0;
  waitingForLock = false;
  useShipped = true;
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly deps: IndexerDeps,
    private readonly library: Library,
    private readonly storage: StorageGuard,
    private readonly slot: ModelSlot,
    private readonly notices: NoticeBoard,
    /** The current engine (the session replaces it on clear / model switch). */
    private readonly engine: () => SearchEngine,
  ) {}

  get active(): boolean {
    return this.running !== null;
  }

  /** A current vector exists for the paper's text. */
  hasVector(p: Paper): boolean {
    return this.vectors.get(p.id)?.textHash === paperTextHash(p);
  }

  /** Starts (or joins) a background run. Resolves when it ends, never rejects. */
  start(): Promise<void> {
    if (!this.running) {
      this.running = this.run()
        .catch((e) => {
          if (isAbortError(e)) this.notices.add('info', 'Indexing cancelled. Keyword search works; resume any time.');
          else this.notices.add('error', `Indexing stopped: ${(e as Error).message}`);
        })
        .finally(() => {
          this.running = null;
          this.abort = null;
          this.deps.changed();
          this.deps.ended();
        });
    }
    return this.running;
  }

  /** Waits until any running indexing has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  cancel(): boolean {
    if (!this.abort) return false;
    this.abort.abort();
    return true;
  }

  /** Forgets all vectors (model switch, re-embed, clear); stored ones stay in the store. */
  reset(): void {
    this.vectors.clear();
    this.semanticReady = false;
  }

  private async run(): Promise<void> {
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.deps.changed();
    const model = await this.slot.ensure();
    if (!model) return;
    const key = vectorKey(model.identity);
    await (this.deps.withLock ?? defaultLock)(
      'atlas-index',
      async () => {
        this.waitingForLock = false;
        this.deps.changed();
        await this.loadStored(key, model.identity.dims);
        if (this.useShipped) await this.takeShipped(key, model);
        // Index what is already there first: semantic search works on it while the rest embeds.
        await this.buildIndex(model);
        await this.embedMissing(model, signal);
        await this.persistIndex(model);
      },
      () => {
        this.waitingForLock = true;
        this.notices.add('info', 'Another tab is indexing; this tab will reuse its work when it finishes.');
      },
    );
  }

  private async loadStored(key: VectorKey, dims: number): Promise<void> {
    const stored = await this.storage.safe((s) => s.getVectors(key), new Map<string, StoredVector>());
    let bad = 0;
    for (const [id, v] of stored) {
      if (v.vector.length !== dims || !v.vector.every(Number.isFinite)) {
        stored.delete(id);
        bad++;
      }
    }
    if (bad) this.notices.add('warning', `${bad} stored vector(s) were damaged and are being re-embedded.`);
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
      if (v && v.length === model.identity.dims) rows.push({ paperId: p.id, textHash: paperTextHash(p), vector: v });
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
    const res = await reconcile({
      papers: this.library.list(),
      // Everything stored or shipped is already in `vectors` (and in the index): only the rest is embedded.
      sources: [rowSource('stored', this.vectors)],
      model,
      batchSize: EMBED_BATCH,
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
      onRows: async (rows, origin) => {
        if (origin === 'reused') return;
        this.embeddedCount += rows.length;
        for (const r of rows) this.vectors.set(r.paperId, r);
        // Papers whose text changed already sit in the index with an old vector: rebuild once at the end.
        const fresh = rows.filter((r) => !space.has(r.paperId));
        if (fresh.length < rows.length) staleInIndex = true;
        await space.addVectors(fresh.map((r) => r.paperId), pack(fresh, active.identity.dims));
        this.updateReady();
        // Persist per batch: a tab killed now resumes after this batch.
        await this.storage.safe((s) => s.putVectors(vectorKey(active.identity), rows), undefined);
      },
      onProgress: (p) => {
        this.deps.onEmbedProgress({ kind: 'embed', ...p, eta: p.done ? p.eta : undefined });
        if (p.done > 0 && (p.done % (EMBED_BATCH * 4) === 0 || p.done === p.total)) this.deps.changed();
      },
    });
    if (staleInIndex) await this.buildIndex(active);
    if (res.seconds > 0.5 && res.embedded) {
      await this.storage.safe((s) => s.setMeta(`embedRate:${active.modelId}`, res.embedded / res.seconds), undefined);
    }
  }

  /** Vectors that came with an imported bundle: stored (and used) only under their own identity. */
  async adoptBundle(papers: Paper[], bundle: BundleVectors): Promise<void> {
    const rows = papers.map((p) => bundle.vectors.get(p.id)).filter((v): v is VectorRow => !!v);
    const model = this.slot.model;
    const key = vectorKey(bundle.identity);
    if (model && vectorKey(model.identity) === key) {
      await this.storage.safe((s) => s.putVectors(key, rows), undefined);
      for (const r of rows) this.vectors.set(r.paperId, r);
    } else if (!model) {
      // Model not loaded yet: store under the bundle's key; loadStored picks them up if it matches.
      await this.storage.safe((s) => s.putVectors(key, rows), undefined);
    }
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
   * when it was built from exactly the same ids in the same order (its id list is stored with it);
   * otherwise, or when its bytes are damaged, it is rebuilt from the vectors.
   */
  private async buildIndex(model: EmbeddingModel): Promise<void> {
    const ids = this.coveredIds();
    const dims = model.identity.dims;
    const flat = new Float32Array(ids.length * dims);
    ids.forEach((id, i) => flat.set(this.vectors.get(id)!.vector, i * dims));
    const space = this.engine().useModel(model);
    const name = this.blobName(model);
    const savedIds = await this.storage.safe((s) => s.getMeta<string[]>(`${name}:ids`), undefined);
    let adopted = false;
    if (savedIds && sameList(savedIds, ids)) {
      const bytes = await this.storage.safe((s) => s.getBlob(name), undefined);
      try {
        if (!bytes) throw new Error('missing graph bytes');
        const index = await HnswIndex.restore(bytes, dims);
        await space.setVectors(ids, flat, { index });
        adopted = true;
      } catch {
        this.notices.add('warning', 'The stored search index was damaged; it was rebuilt from the stored vectors.');
      }
    }
    if (!adopted) await space.setVectors(ids, flat);
    this.updateReady();
    this.deps.changed();
  }

  /** Saves an HNSW graph (exact indexes are rebuilt from the vectors in milliseconds: not saved). */
  private async persistIndex(model: EmbeddingModel): Promise<void> {
    const space = this.engine().findSpace(model.identity);
    const index = space?.vectorIndex;
    if (!space || !index || index.kind !== 'hnsw') return;
    const name = this.blobName(model);
    const ids = [...space.paperIds];
    const savedIds = await this.storage.safe((s) => s.getMeta<string[]>(`${name}:ids`), undefined);
    if (savedIds && sameList(savedIds, ids)) return;
    const bytes = await index.serialize();
    await this.storage.safe((s) => s.putBlob(name, bytes), undefined);
    await this.storage.safe((s) => s.setMeta(`${name}:ids`, ids), undefined);
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function pack(rows: VectorRow[], dims: number): Float32Array {
  const out = new Float32Array(rows.length * dims);
  rows.forEach((r, i) => out.set(r.vector, i * dims));
  return out;
}
