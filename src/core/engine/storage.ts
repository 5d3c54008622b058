/**
 * The session's hold on persistent storage: which store is in use (IndexedDB, or memory after a
 * failure), and the rule for storage errors — a failed read or write never stops the engine; it
 * falls back (to memory, or to recomputing) and raises one clear notice.
 *
 * Failure modes: opening fails → MemoryStore + an error notice offering "rebuild"; a database of a
 * newer version → its papers read into a MemoryStore, the database untouched, a warning (issue 14
 * #5); the connection lost mid-session (site data cleared, eviction) → from then on MemoryStore,
 * `kind` 'memory' and ONE notice, later failures of the old connection's writes stay silent (#3);
 * a quota error on a write → a notice that new data is kept in memory for this visit; any other
 * storage error → a notice offering "rebuild". Reads that fail return the caller's fallback value.
 * `unsaved` words what an import whose papers did not reach persistent storage tells the user (#4).
 */
import { MemoryStore, type Store } from '../store/store.ts';
import { isQuotaError } from './errors.ts';
import { counted } from '../util/count.ts';

/**
 * IndexedDB's "the connection is closing/closed": a write after the browser closed the database
 * (InvalidStateError), or a transaction the closing aborted — Chromium's "Connection is closing
 * because of: Force close delete origin" can arrive before the connection's close event.
 */
function isConnectionClosed(e: unknown): boolean {
  const err = e as { name?: unknown; message?: unknown } | null;
  return err?.name === 'InvalidStateError' || (typeof err?.message === 'string' && /connection is clos|force close/i.test(err.message));
}
import type { NoticeBoard } from './notices.ts';

export interface StorageDeps {
  /** Opens persistent storage; a throw falls back to MemoryStore with a notice. */
  openStore: () => Promise<{ store: Store; recovered?: string; readOnly?: string }>;
  /** Deletes the persistent database entirely (used by "rebuild" after corruption). */
  destroyStore?: () => Promise<void>;
}

export class StorageGuard {
  store: Store = new MemoryStore();
  kind: 'indexeddb' | 'memory' = 'memory';
  /** Storage was found unusable and recreated this session (one message is enough). */
  recovered = false;
  /** Why the session runs in memory although it opened storage: lost mid-session, or a newer database. */
  private memoryCause: 'lost' | 'newer' | 'unavailable' | undefined;
  /** Set while the database is deleted on purpose (rebuild): its closing is not a loss. */
  private destroying = false;

  constructor(
    private readonly deps: StorageDeps,
    private readonly notices: NoticeBoard,
  ) {}

  get canRebuild(): boolean {
    return !!this.deps.destroyStore;
  }

  async open(): Promise<void> {
    try {
      const { store, recovered, readOnly } = await this.deps.openStore();
      this.store = store;
      if (readOnly) {
        this.kind = 'memory';
        this.memoryCause = 'newer';
        this.notices.add('warning', readOnly);
        return;
      }
      this.kind = 'indexeddb';
      this.memoryCause = undefined;
      if (recovered) {
        this.recovered = true;
        this.notices.add('warning', recovered);
      }
    } catch (e) {
      this.store = new MemoryStore();
      this.kind = 'memory';
      this.memoryCause = 'unavailable';
      this.notices.add(
        'error',
        `Browser storage is unavailable (${(e as Error).message}). Working in memory: nothing will be kept after this tab closes.`,
        this.deps.destroyStore ? 'rebuild' : undefined,
      );
    }
  }

  /** Deletes the database (after a failure) and opens a fresh one. */
  async destroyAndReopen(): Promise<void> {
    this.destroying = true;
    try {
      this.store.close?.();
      if (this.deps.destroyStore) await this.deps.destroyStore().catch(() => {});
    } finally {
      this.destroying = false;
    }
    await this.open();
  }

  /**
   * The browser closed the database under this tab (site data cleared, eviction, another tab deleted
   * or upgraded it): continue in memory, say so once, and make every later write say it will not
   * persist. Idempotent; called by the store's close event and by a write that finds it closed.
   */
  lost(): void {
    if (this.kind !== 'indexeddb' || this.destroying) return;
    this.kind = 'memory';
    this.memoryCause = 'lost';
    this.store = new MemoryStore();
    this.notices.add(
      'error',
      'Browser storage was closed under this tab (site data cleared, storage evicted, or the database deleted in another tab). Working in memory: papers imported from now on are not kept after this tab closes. Reload to use browser storage again.',
    );
  }

  /**
   * What an import reply says when its papers were not persisted: `error` is the failed write, if
   * the write was tried (else the session already ran in memory).
   */
  unsaved(n: number, error?: unknown): string {
    if (error !== undefined && isQuotaError(error)) {
      return `The ${counted(n, 'paper')} could not be saved in this browser (storage is full): they are searchable in this tab only and will be gone after a reload. Free space or delete a collection, then import the file again.`;
    }
    if (this.memoryCause === 'lost') return `Browser storage is not available in this tab any more: the ${counted(n, 'paper')} are searchable here but will not persist after a reload.`;
    if (this.memoryCause === 'newer') return `This tab works in memory (the stored library belongs to a newer version): the ${counted(n, 'paper')} are searchable here but will not persist after a reload. Export the collection to keep it.`;
    if (this.kind === 'memory') return `This tab works in memory (browser storage is unavailable): the ${counted(n, 'paper')} are searchable here but will not persist after a reload. Export the collection to keep it.`;
    const why = (error as Error)?.message ?? String(error);
    return `The ${counted(n, 'paper')} could not be saved in this browser (${why}): they are searchable in this tab only and will be gone after a reload.`;
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

  /**
   * A rejection that escaped every `safe()` (an IndexedDB request or transaction of the connection
   * the browser force-closed, e.g. "Clear site data" while a write was in flight). Connection-loss
   * errors are storage loss (memory mode, said once); an AbortError after that is one more write of
   * the old connection and says nothing. Returns false for anything else: a real bug stays loud.
   */
  absorbStray(e: unknown): boolean {
    if (isConnectionClosed(e)) {
      this.failed(e);
      return true;
    }
    const name = (e as { name?: unknown } | null)?.name;
    if ((name === 'AbortError' || name === 'TransactionInactiveError') && (this.kind === 'memory' || this.store.lost)) {
      this.failed(e);
      return true;
    }
    return false;
  }

  failed(e: unknown, what?: { papers: number }): void {
    // A write of the connection we already left behind (in flight when storage was lost): said once.
    if (this.kind === 'memory') return;
    if (this.store.lost || isConnectionClosed(e)) return this.lost();
    if (isQuotaError(e) && what) {
      this.notices.add('error', `${counted(what.papers, 'imported paper')} could not be saved: browser storage is full. They are kept in this tab only; free space or delete a collection, then import again.`);
    } else if (isQuotaError(e)) {
      this.notices.add('error', 'Browser storage is full: new vectors are kept in memory only for this visit. Free space or delete a collection.');
    } else {
      const err = e as Error;
      this.notices.add('error', `Storage error: ${err?.message ?? String(e)}. Continuing in memory.`, 'rebuild');
    }
  }
}
