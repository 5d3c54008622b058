/**
 * Page state of a search: the question, the ranking mode, the collections in scope, the fielded
 * filters, the sort order, how many results are loaded, the result on screen, the cursor (keyboard
 * selection) and which abstracts are expanded.
 *
 * Invariants: a reply is shown only if it answers the newest request (a slower, older one is
 * dropped); `answered` is the question the shown result belongs to and `pending` is true while a
 * newer request is out, so tests and assistive tech can tell a settled list from a stale one.
 * Sorting by year reorders the loaded results only (the ranking decides which papers are loaded).
 */
import type { SearchFilters, SearchHit, SearchMode, SearchResult } from '../../protocol.ts';
import type { EngineState } from '../shell/engine.svelte.ts';
import { readUrlState, writeUrlState, type SortOrder, type UrlState } from '../shell/url-state.ts';
import type { RecentQuestions } from '../history/recent.svelte.ts';

/** Typing pause before a search runs by itself (Enter runs at once). */
const DEBOUNCE_MS = 250;
/** Results per page: the first request and each "Show more". */
export const PAGE_SIZE = 20;

export class SearchState {
  query = $state('');
  mode = $state<SearchMode>('hybrid');
  result = $state<SearchResult | null>(null);
  error = $state('');
  /** Index of the keyboard-selected hit, -1 for none. */
  active = $state(-1);
  expanded = $state<Record<string, boolean>>({});
  /** Collections searched; empty means all. */
  scope = $state<string[]>([]);
  filters = $state<SearchFilters>({});
  sort = $state<SortOrder>('relevance');
  /** Results requested (grows by PAGE_SIZE with "Show more"; a new question starts over). */
  limit = $state(PAGE_SIZE);
  /** Papers searched, set by a selection on the map (map/map.svelte.ts); null means no limit. */
  within = $state.raw<string[] | null>(null);
  answered = $state('');
  pending = $state(false);
  /** Bumped when Back / Forward replaced the state from the URL (form fields re-read it then). */
  restored = $state(0);
  private seq = 0;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  /** The loaded hits in the chosen order (year: newest first, papers without a year last, rank breaks ties). */
  readonly hits = $derived.by((): SearchHit[] => {
    const hits = this.result?.hits ?? [];
    if (this.sort !== 'year') return hits;
    return hits
      .map((h, i) => ({ h, i }))
      .sort((a, b) => (b.h.paper.year ?? -Infinity) - (a.h.paper.year ?? -Infinity) || a.i - b.i)
      .map((x) => x.h);
  });

  constructor(
    private readonly engine: EngineState,
    init: UrlState,
    private readonly recent?: RecentQuestions,
  ) {
    this.apply(init);
  }

  private apply(s: UrlState) {
    this.query = s.q;
    this.mode = s.mode ?? 'hybrid';
    this.filters = { ...s.filters };
    this.scope = [...s.scope];
    this.sort = s.sort;
  }

  private urlState() {
    return { q: this.query, mode: this.mode, filters: $state.snapshot(this.filters), scope: $state.snapshot(this.scope), sort: this.sort };
  }

  /**
   * Runs the question now. `kind`: 'commit' (Enter, mode / filter / scope change, a recent
   * question: its own history entry), 'typing' (the typing pause), 'restore' (Back / Forward),
   * 'refresh' (same search again, e.g. semantic index became ready: no history change),
   * 'more' (next page of the same search).
   */
  async run(kind: 'commit' | 'typing' | 'restore' | 'refresh' | 'more' = 'commit'): Promise<void> {
    clearTimeout(this.debounce);
    const question = this.query;
    // The URL and history first, even before the engine has answered `init`: a question committed
    // while the page starts is run by the shell's first 'refresh' once the engine is up, and must
    // already be in the URL (and Back) by then — it used to be dropped from both.
    if (kind === 'commit' || kind === 'typing' || kind === 'restore') writeUrlState(this.urlState(), kind);
    if (kind === 'commit' && question.trim()) this.recent?.add(question);
    const client = this.engine.client;
    if (!client || !this.engine.status) return;
    const my = ++this.seq;
    if (kind !== 'more' && kind !== 'refresh') this.limit = PAGE_SIZE;
    if (!question.trim()) {
      this.result = null;
      this.answered = '';
      this.pending = false;
      return;
    }
    this.pending = true;
    try {
      const filters = $state.snapshot(this.filters);
      const r = await client.request({
        type: 'search',
        question,
        mode: this.mode,
        k: this.limit,
        collections: this.scope.length ? $state.snapshot(this.scope) : undefined,
        filters: Object.keys(filters).length ? filters : undefined,
        ids: this.within ?? undefined,
      });
      if (my !== this.seq) return; // a newer search superseded this one
      this.result = r;
      this.answered = question;
      this.error = '';
      if (kind !== 'more') this.active = -1;
    } catch (e) {
      if (my === this.seq) this.error = (e as Error).message;
    } finally {
      if (my === this.seq) this.pending = false;
    }
  }

  /** Sorting reorders the loaded hits (no new request) and is part of the URL. */
  sortChanged(): void {
    writeUrlState(this.urlState(), 'commit');
  }

  /** "Show more": the next page of the same search. */
  more(): Promise<void> {
    this.limit += PAGE_SIZE;
    return this.run('more');
  }

  /** Typing: search after a short pause. */
  typed(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.run('typing'), DEBOUNCE_MS);
  }

  /** Back / Forward: the URL already holds the search to show. */
  restore(search: string): void {
    this.apply(readUrlState(search));
    this.restored++;
    void this.run('restore');
  }

  /** Esc: empty question, no results. */
  clear(): void {
    clearTimeout(this.debounce);
    this.seq++;
    this.query = '';
    this.result = null;
    this.answered = '';
    this.pending = false;
    writeUrlState(this.urlState(), 'commit');
  }

  /** A recent question (or any question) asked at once. */
  ask(question: string): Promise<void> {
    this.query = question;
    return this.run('commit');
  }

  toggle(id: string): void {
    this.expanded[id] = !this.expanded[id];
  }

  /** Scope for related-paper requests (same collections as the search). */
  get collections(): string[] | undefined {
    return this.scope.length ? $state.snapshot(this.scope) : undefined;
  }
}
