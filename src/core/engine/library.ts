/**
 * The papers the session holds: the bundled seed corpus plus the user's imports, mirrored in the
 * store, and the import preview waiting for the user's confirmation.
 *
 * Invariants: seed papers are re-seeded from the bundled text whenever it changed (its hash is
 * stored), never touching user collections; unreadable stored records are dropped with a notice
 * instead of crashing the UI; the SearchEngine's lexical side is kept equal to `papers` by the
 * session (this class only owns the data).
 */
import { fnv1a64 } from '../library/ids.ts';
import { parseSeed } from '../import/seed-parser.ts';
import { isReadablePaper, readStoredPaper } from '../library/authors.ts';
import type { Paper } from '../types.ts';
import type { CollectionInfo, ImportPreview } from './api.ts';
import { AtlasError } from './errors.ts';
import type { NoticeBoard } from './notices.ts';
import type { StorageGuard } from './storage.ts';
import type { VectorIdentity } from '../vectors/identity.ts';
import type { VectorRow } from '../vectors/reconcile.ts';
import { counted } from '../util/count.ts';

export const SEED_COLLECTION = 'seed';

/** Characters of each abstract an import preview sends to the UI (the staged papers keep all). */
export const PREVIEW_ABSTRACT_CHARS = 120;
/** Papers an import preview sends to the UI to draw (it gets every id; the commit adds all chosen). */
export const PREVIEW_ROWS = 200;

export const collectionOf = (p: Paper): string => p.collection ?? SEED_COLLECTION;

export { paperTextHash } from '../library/text-hash.ts';

/** Vectors that came with an imported bundle, and the identity they were made under. */
export interface BundleVectors {
  identity: VectorIdentity;
  vectors: Map<string, VectorRow>;
}

interface PendingImport {
  token: string;
  papers: Paper[];
  bundle?: BundleVectors;
}

export class Library {
  papers = new Map<string, Paper>();
  /** Papers added this session that did not reach persistent storage: a refresh must keep them. */
  private unsaved = new Set<string>();
  private pending: PendingImport | null = null;
  private seq = 0;

  constructor(
    private readonly storage: StorageGuard,
    private readonly notices: NoticeBoard,
  ) {}

  get size(): number {
    return this.papers.size;
  }

  list(): Paper[] {
    return [...this.papers.values()];
  }

  /** Loads stored papers; (re-)seeds the bundled corpus when it is missing or changed. */
  async load(seedText: string, expectStored: boolean): Promise<void> {
    const seedHash = fnv1a64(seedText);
    let papers = await this.storage.safe((s) => s.getPapers(), [] as Paper[]);
    // Records edited by hand / written by a broken build are dropped rather than crashing the UI.
    const valid = papers.filter(isReadablePaper);
    if (valid.length !== papers.length) {
      this.notices.add('warning', `${counted(papers.length - valid.length, 'stored paper record')} ${papers.length - valid.length === 1 ? 'was' : 'were'} unreadable and removed.`);
      const bad = papers.filter((p) => !valid.includes(p)).map((p) => (p as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string');
      await this.storage.safe((s) => s.deletePapers(bad), undefined);
    }
    // Papers stored by the first version hold authors as plain strings: read them as structured names.
    papers = valid.map(readStoredPaper);
    const hasSeed = papers.some((p) => collectionOf(p) === SEED_COLLECTION);
    const storedSeedHash = await this.storage.safe((s) => s.getMeta<string>('seedHash'), undefined);
    if (!hasSeed || storedSeedHash !== seedHash) {
      // Not in memory mode: a newer version's database left untouched is not a "missing" index.
      if (expectStored && !hasSeed && !this.storage.recovered && this.storage.kind === 'indexeddb') {
        this.notices.add('warning', 'The stored index was missing (browser data deleted?). It is being rebuilt.');
      }
      const parsed = parseSeed(seedText, SEED_COLLECTION);
      const seedIds = new Set(parsed.papers.map((p) => p.id));
      const oldSeed = papers.filter((p) => collectionOf(p) === SEED_COLLECTION && !seedIds.has(p.id));
      await this.storage.safe((s) => s.deletePapers(oldSeed.map((p) => p.id)), undefined);
      await this.storage.safe((s) => s.putPapers(parsed.papers), undefined);
      await this.storage.safe((s) => s.setMeta('seedHash', seedHash), undefined);
      const user = papers.filter((p) => collectionOf(p) !== SEED_COLLECTION && !seedIds.has(p.id));
      papers = [...parsed.papers, ...user];
    }
    this.papers = new Map(papers.map((p) => [p.id, p]));
  }

  /**
   * Stores and adds papers. They are in the library either way; `saved` says whether they reached
   * persistent storage, and when not, `note` says so in words for the import's reply (issue 14 #4:
   * a failed write must never read as success). A failed write also raises a notice.
   */
  async add(papers: Paper[]): Promise<{ saved: boolean; note?: string }> {
    let result: { saved: boolean; note?: string };
    if (this.storage.kind !== 'indexeddb') {
      await this.storage.safe((s) => s.putPapers(papers), undefined);
      result = { saved: false, note: this.storage.unsaved(papers.length) };
    } else {
      try {
        await this.storage.store.putPapers(papers);
        result = { saved: true };
      } catch (e) {
        this.storage.failed(e, { papers: papers.length });
        result = { saved: false, note: this.storage.unsaved(papers.length, e) };
      }
    }
    for (const p of papers) {
      this.papers.set(p.id, p);
      if (result.saved) this.unsaved.delete(p.id);
      else this.unsaved.add(p.id);
    }
    return result;
  }

  /**
   * Re-reads the stored papers after another tab changed them (issue 14 #6) and returns the
   * difference; papers of this tab that were never saved stay. Nothing happens when the store
   * cannot be read (the session then keeps what it has).
   */
  async refresh(): Promise<{ added: Paper[]; removed: string[] }> {
    const stored = await this.storage.safe((s) => s.getPapers(), null as Paper[] | null);
    if (!stored) return { added: [], removed: [] };
    const valid = stored.filter(isReadablePaper).map(readStoredPaper);
    const ids = new Set(valid.map((p) => p.id));
    const added = valid.filter((p) => !this.papers.has(p.id));
    const removed = [...this.papers.keys()].filter((id) => !ids.has(id) && !this.unsaved.has(id));
    for (const id of removed) this.papers.delete(id);
    for (const p of added) this.papers.set(p.id, p);
    return { added, removed };
  }

  /** Removes papers; returns the ids that were present. */
  async remove(ids: string[]): Promise<string[]> {
    const present = ids.filter((id) => this.papers.has(id));
    await this.storage.safe((s) => s.deletePapers(present), undefined);
    for (const id of present) this.papers.delete(id);
    return present;
  }

  idsOfCollection(collection: string): string[] {
    return this.list().filter((p) => collectionOf(p) === collection).map((p) => p.id);
  }

  /** Per collection: size, and how many have a current vector according to `hasVector`. */
  collections(hasVector: (p: Paper) => boolean): CollectionInfo[] {
    const out = new Map<string, CollectionInfo>();
    for (const p of this.papers.values()) {
      const c = collectionOf(p);
      const info = out.get(c) ?? { id: c, size: 0, embedded: 0 };
      info.size++;
      if (hasVector(p)) info.embedded++;
      out.set(c, info);
    }
    return [...out.values()].sort((a, b) => (a.id === SEED_COLLECTION ? -1 : b.id === SEED_COLLECTION ? 1 : a.id.localeCompare(b.id)));
  }

  // ---------------------------------------------------------------- imports (preview → commit)

  /**
   * Keeps the parsed papers of a preview until the user confirms which to add. The returned preview
   * (what the UI receives) lists every paper id but carries at most PREVIEW_ROWS papers to draw —
   * flagged ones (duplicate, merged, same title, no abstract) first — with abstracts cut to
   * PREVIEW_ABSTRACT_CHARS. A 25k-entry file's 25k paper objects cost the page seconds to receive
   * and draw (issue 14 #7); the commit adds the staged papers, whole.
   */
  stage(preview: Omit<ImportPreview, 'token' | 'paperIds'>, bundle?: BundleVectors, now = Date.now()): ImportPreview {
    const token = `imp${now}-${++this.seq}`;
    this.pending = { token, papers: preview.papers, bundle };
    const flaggedIds = new Set<string>([
      ...preview.duplicates.map((d) => d.incomingId),
      ...(preview.report?.merged ?? []).map((m) => m.into),
      ...(preview.report?.sameTitle ?? []).flatMap((x) => [x.id, x.otherId]),
    ]);
    const flagged = (p: Paper) => flaggedIds.has(p.id) || !!p.flags?.noAbstract;
    const rows = preview.papers.length <= PREVIEW_ROWS ? preview.papers : [...preview.papers.filter(flagged), ...preview.papers.filter((p) => !flagged(p))].slice(0, PREVIEW_ROWS);
    const papers = rows.map((p) => (p.abstract.length > PREVIEW_ABSTRACT_CHARS ? { ...p, abstract: p.abstract.slice(0, PREVIEW_ABSTRACT_CHARS) + '…' } : p));
    return { ...preview, papers, paperIds: preview.papers.map((p) => p.id), token };
  }

  /** The chosen papers of a staged preview, renamed into `collection`; the preview is consumed. */
  take(token: string, collection: string, paperIds: string[]): { papers: Paper[]; bundle?: BundleVectors; collection: string } {
    const name = collection.trim();
    if (!name) throw new AtlasError('bad-request', 'Give the collection a name.');
    if (name === SEED_COLLECTION) throw new AtlasError('bad-request', `"${SEED_COLLECTION}" is the bundled collection; choose another name.`);
    if (!this.pending || this.pending.token !== token) throw new AtlasError('bad-request', 'This import preview has expired; load the file again.');
    const wanted = new Set(paperIds);
    // A paper already in another collection is never overwritten by an import (its id says it is
    // the same paper: the preview flagged it as a duplicate); it is counted as skipped.
    const papers = this.pending.papers
      .filter((p) => wanted.has(p.id))
      .filter((p) => {
        const there = this.papers.get(p.id);
        return !there || collectionOf(there) === name;
      })
      .map((p) => ({ ...p, collection: name }));
    const bundle = this.pending.bundle;
    this.pending = null;
    return { papers, bundle, collection: name };
  }
}
