/**
 * The session's hold on persistent storage: which store is in use (IndexedDB, or memory after a
 * failure), and the rule for storage errors — a failed read or write never stops the engine; it
 * falls back (to memory, or to recomputing) and raises one clear notice.
 *
 * Failure modes: opening fails → MemoryStore + an error notice offering "rebuild"; a quota error
 * on a write → a notice that new data is kept in memory for this visit; any other storage error →
 * a notice offering "rebuild". Reads that fail return the caller's fallback value.
 */
import { MemoryStore, type Store } from '../store/store.ts';
import { isQuotaError } from './errors.ts';
import type { NoticeBoard } from './notices.ts';

export interface StorageDeps {
  /** Opens persistent storage; a throw falls back to MemoryStore with a notice. */
  openStore: () => Promise<{ store: Store; recovered?: string }>;
  /** Deletes the persistent database entirely (used by "rebuild" after corruption). */
  destroyStore?: () => Promise<void>;
}

export class StorageGuard {
  store: Store = new MemoryStore();
  kind: 'indexeddb' | 'memory' = 'memory';
  /** Storage was found unusable and recreated this session (one message is enough). */
  recovered = false;

  constructor(
    private readonly deps: StorageDeps,
    private readonly notices: NoticeBoard,
  ) {}

  get canRebuild(): boolean {
    return !!this.deps.destroyStore;
  }

  async open(): Promise<void> {
    try {
      const { store, recovered } = await this.deps.openStore();
      this.store = store;
      this.kind = 'indexeddb';
      if (recovered) {
        this.recovered = true;
        this.notices.add('warning', recovered);
      }
    } catch (e) {
      this.store = new MemoryStore();
      this.kind = 'memory';
      this.notices.add(
        'error',
        `Browser storage is unavailable (${(e as Error).message}). Working in memory: nothing will be kept after this tab closes.`,
        this.deps.destroyStore ? 'rebuild' : undefined,
      );
    }
  }

  /** Deletes the database (after a failure) and opens a fresh one. */
  async destroyAndReopen(): Promise<void> {
    if (this.deps.destroyStore) await this.deps.destroyStore().catch(() => {});
    await this.open();
  }

  /** Runs a storage call; on failure returns `fallback` and tells the user, never throws. */
  async safe<T>(fn: (store: Store) => Promise<T>, fallback: T): Promise<T> {
    try {
      return await fn(this.store);
    } catch (e) {
      this.failed(e);
      return fallback;
    }
  }

  failed(e: unknown): void {
    if (isQuotaError(e)) {
      this.notices.add('error', 'Browser storage is full: new vectors are kept in memory only for this visit. Free space or delete a collection.');
    } else {
      const err = e as Error;
      this.notices.add('error', `Storage error: ${err?.message ?? String(e)}. Continuing in memory.`, 'rebuild');
    }
  }
}
