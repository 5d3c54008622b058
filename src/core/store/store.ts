/**
 * Storage interface of the engine session: IndexedDB in the browser (src/browser/idb-store.ts),
 * MemoryStore below in Node tests and as the fallback. (The CLI keeps vectors in its own file cache,
 * src/node/vector-cache.ts, under the same rule.) Vectors are filed under a vector identity's key
 * (vectors/identity.ts), so a vector is reused only when (identity, paper id, text hash) all match.
 */
import type { Paper } from '../types.ts';
import type { VectorKey } from '../vectors/identity.ts';

export interface StoredVector {
  paperId: string;
  textHash: string;
  vector: Float32Array;
}

export interface Store {
  getPapers(): Promise<Paper[]>;
  /** Upsert by `paper.id`. Atomic: either all papers are written or none. */
  putPapers(papers: Paper[]): Promise<void>;
  deletePapers(ids: string[]): Promise<void>;

  /** All vectors stored for a model, by paper id. */
  getVectors(key: VectorKey): Promise<Map<string, StoredVector>>;
  /** Upsert; called once per embedding batch so a killed tab loses at most one batch. */
  putVectors(key: VectorKey, vectors: StoredVector[]): Promise<void>;
  deleteVectors(key: VectorKey, paperIds: string[]): Promise<void>;

  /** Opaque binary blobs (serialised HNSW graph). */
  getBlob(name: string): Promise<Uint8Array | undefined>;
  putBlob(name: string, bytes: Uint8Array): Promise<void>;
  deleteBlob(name: string): Promise<void>;

  getMeta<T = unknown>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;

  /** Removes everything this store holds. */
  clear(): Promise<void>;

  /**
   * Persistent stores only: true once the browser closed the connection under us (site data
   * cleared, eviction, another tab deleting the database). Every later call fails.
   */
  readonly lost?: boolean;
  /** Persistent stores only: closes the connection (before the database is deleted on purpose). */
  close?(): void;
}

/** In-memory store: tests, and the fallback when IndexedDB is unavailable (private mode, blocked DB). */
export class MemoryStore implements Store {
  private papers = new Map<string, Paper>();
  private vectors = new Map<VectorKey, Map<string, StoredVector>>();
  private blobs = new Map<string, Uint8Array>();
  private meta = new Map<string, unknown>();

  async getPapers() {
    return [...this.papers.values()];
  }
  async putPapers(papers: Paper[]) {
    for (const p of papers) this.papers.set(p.id, p);
  }
  async deletePapers(ids: string[]) {
    for (const id of ids) this.papers.delete(id);
  }
  async getVectors(key: VectorKey) {
    return new Map(this.vectors.get(key) ?? []);
  }
  async putVectors(key: VectorKey, vectors: StoredVector[]) {
    let m = this.vectors.get(key);
    if (!m) this.vectors.set(key, (m = new Map()));
    for (const v of vectors) m.set(v.paperId, v);
  }
  async deleteVectors(key: VectorKey, paperIds: string[]) {
    const m = this.vectors.get(key);
    for (const id of paperIds) m?.delete(id);
  }
  async getBlob(name: string) {
    return this.blobs.get(name);
  }
  async putBlob(name: string, bytes: Uint8Array) {
    this.blobs.set(name, bytes);
  }
  async deleteBlob(name: string) {
    this.blobs.delete(name);
  }
  async getMeta<T>(key: string) {
    return this.meta.get(key) as T | undefined;
  }
  async setMeta(key: string, value: unknown) {
    this.meta.set(key, value);
  }
  async clear() {
    this.papers.clear();
    this.vectors.clear();
    this.blobs.clear();
    this.meta.clear();
  }
}
