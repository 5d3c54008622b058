/**
 * When the lexical index is saved to and loaded from the store (issue 15 #6): building BM25 over
 * 100k abstracts costs ~17 s in a browser, reading its snapshot a fraction of that.
 *
 * - restore(): on load, a snapshot is used only if it decodes cleanly (bm25-snapshot.ts), was made
 *   under the same tokenizer/scoring options, and its fingerprint equals that of the papers now in
 *   the library (ids + text hashes + author text, in the snapshot's order). Anything else — stale,
 *   damaged, foreign, unreadable store — is ignored and the index rebuilt, never trusted; a save
 *   is then scheduled.
 * - changed(): after an import / delete / another tab's change, a save runs `delayMs` after the
 *   LAST change (debounced), never on the hot path of an import.
 * - A failing save (quota, lost database) is logged and forgotten: search never depends on it, and
 *   a snapshot that was not replaced is stale and so ignored on the next load.
 */
import type { SearchEngine } from '../search/engine.ts';
import { authorText } from '../search/engine.ts';
import { decodeLexicalSnapshot, encodeLexicalSnapshotSliced } from '../search/bm25-snapshot.ts';
import { Fnv64 } from '../library/ids.ts';
import { paperTextHash } from './library.ts';
import type { Store } from '../store/store.ts';
import type { Paper } from '../types.ts';

export const LEXICAL_BLOB = 'lexical-index';
export const LEXICAL_SAVE_DELAY_MS = 3000;

/** Hash of what the lexical index reads from each paper, in the given order. */
export function lexicalFingerprint(papers: readonly Paper[]): string {
  // The hash of the rows `${id}\0${text hash}\0${author text}` joined by '\n', fed piece by piece.
  const h = new Fnv64();
  for (let i = 0; i < papers.length; i++) {
    const p = papers[i]!;
    if (i) h.update('\n');
    h.update(p.id).update('\u0000').update(paperTextHash(p)).update('\u0000');
    if (p.authors !== undefined) h.update(authorText(p));
  }
  return `${papers.length}:${h.digest()}`;
}

const sameOptions = (a: object, b: object) => JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());

export type RestoreResult = 'snapshot' | 'built';

export class LexicalCache {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Saves done (tests, diagnostics). */
  saves = 0;

  constructor(
    private readonly store: () => Store,
    private readonly engine: () => SearchEngine,
    private readonly delayMs = LEXICAL_SAVE_DELAY_MS,
  ) {}

  /** A read of the snapshot started ahead of restore() (prefetch). */
  private early: Promise<Uint8Array | undefined> | undefined;

  /**
   * Starts reading the stored snapshot now, while the papers are read: at 100k papers its 31 MB
   * took ~0.5 s to arrive after them, on the way to keyword search. restore() takes the bytes.
   * A failed read is left to restore(), which then rebuilds. A new prefetch replaces an unused one
   * (the store may have changed since); the fingerprint check would reject stale bytes anyway.
   */
  prefetch(): void {
    const early = this.store().getBlob(LEXICAL_BLOB);
    early.catch(() => {});
    this.early = early;
  }

  /** Fills the engine with `papers`: from the stored snapshot when it fits them, else by building. */
  async restore(papers: Paper[]): Promise<RestoreResult> {
    const engine = this.engine();
    const early = this.early;
    this.early = undefined;
    if (papers.length) {
      try {
        const bytes = await (early ?? this.store().getBlob(LEXICAL_BLOB));
        if (bytes) {
          const snap = decodeLexicalSnapshot(bytes);
          if (sameOptions(snap.parts.opts, engine.lexicalOptions)) {
            const byId = new Map(papers.map((p) => [p.id, p]));
            const ordered = snap.ids.map((id) => byId.get(id));
            if (snap.ids.length === papers.length && ordered.every((p) => p) && lexicalFingerprint(ordered as Paper[]) === snap.fingerprint) {
              engine.setPapersIndexed(ordered as Paper[], snap);
              return 'snapshot';
            }
          }
        }
      } catch (e) {
        // Damaged bytes or an unreadable store: rebuild below.
        console.warn('lexical index snapshot ignored:', (e as Error)?.message ?? e);
      }
    }
    engine.setPapers(papers);
    if (papers.length) this.changed();
    return 'built';
  }

  /** The papers changed: save once they have been quiet for `delayMs`. */
  changed(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.saveNow();
    }, this.delayMs);
  }

  /** The save in progress: saves run one after another, so an older snapshot never lands last. */
  private saving: Promise<boolean> = Promise.resolve(true);

  /** Writes the snapshot now (also what the debounce calls). Never throws. */
  saveNow(): Promise<boolean> {
    const run = this.saving.then(() => this.saveOnce());
    this.saving = run;
    return run;
  }

  private async saveOnce(): Promise<boolean> {
    try {
      const engine = this.engine();
      const { parts, ids } = engine.lexicalParts();
      const papers = ids.map((id) => engine.getPaper(id)!);
      // Sliced: the parts are a copy, so questions answered in between cannot change what is encoded.
      const bytes = await encodeLexicalSnapshotSliced({ parts, ids, fingerprint: lexicalFingerprint(papers) });
      await this.store().putBlob(LEXICAL_BLOB, bytes);
      this.saves++;
      return true;
    } catch (e) {
      console.warn('lexical index snapshot not saved:', (e as Error)?.message ?? e);
      return false;
    }
  }

  /** Forget a pending save (session cleared or closing). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.early = undefined;
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }
}
