/**
 * The reading list: papers the reader starred, in the order they were starred (newest first),
 * stored with the rest of the library (the store's meta table: IndexedDB in the browser), so it is
 * kept across reloads. Ids only: the papers themselves stay in their collections; a starred paper
 * that was deleted simply drops out of the list.
 *
 * Failure modes: a storage failure keeps the list in memory for this session (StorageGuard's rule:
 * storage errors never stop us); a damaged stored value is read as an empty list.
 */
import type { Paper } from '../types.ts';
import type { StorageGuard } from './storage.ts';

const META_KEY = 'readingList';
/** More stars than any reader keeps; bounds what a damaged or hostile value can cost. */
export const MAX_STARRED = 10_000;

export class ReadingList {
  private ids: string[] = [];

  constructor(
    private readonly storage: StorageGuard,
    private readonly papers: () => ReadonlyMap<string, Paper>,
  ) {}

  async load(): Promise<void> {
    const v = await this.storage.safe((s) => s.getMeta<unknown>(META_KEY), undefined);
    this.ids = Array.isArray(v) ? [...new Set(v.filter((x): x is string => typeof x === 'string'))].slice(0, MAX_STARRED) : [];
  }

  has(id: string): boolean {
    return this.ids.includes(id);
  }

  /** The starred papers that still exist, newest star first. */
  list(): Paper[] {
    const all = this.papers();
    return this.ids.map((id) => all.get(id)).filter((p): p is Paper => !!p);
  }

  async set(ids: string[], starred: boolean): Promise<void> {
    const known = this.papers();
    const valid = ids.filter((id) => known.has(id));
    const rest = this.ids.filter((id) => !valid.includes(id));
    this.ids = (starred ? [...valid, ...rest] : rest).slice(0, MAX_STARRED);
    await this.storage.safe((s) => s.setMeta(META_KEY, this.ids), undefined);
  }

  /** After "clear storage": nothing is starred. */
  reset(): void {
    this.ids = [];
  }
}
