/**
 * Page state of a search: the question, the ranking mode, the collections in scope, the result on
 * screen, the cursor (keyboard selection) and which abstracts are expanded.
 *
 * Invariants: a reply is shown only if it answers the newest request (a slower, older one is
 * dropped); `answered` is the question the shown result belongs to and `pending` is true while a
 * newer request is out, so tests and assistive tech can tell a settled list from a stale one.
 */
import type { SearchMode, SearchResult } from '../../protocol.ts';
import type { EngineState } from '../shell/engine.svelte.ts';
import { writeUrlState } from '../shell/url-state.ts';

/** Typing pause before a search runs by itself (Enter runs at once). */
const DEBOUNCE_MS = 250;

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
  /** Papers searched, set by a selection on the map (map/map.svelte.ts); null means no limit. */
  within = $state.raw<string[] | null>(null);
  answered = $state('');
  pending = $state(false);
  private seq = 0;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly engine: EngineState, init: { q: string; mode?: SearchMode }) {
    this.query = init.q;
    this.mode = init.mode ?? 'hybrid';
  }

  /** Runs the question now (Enter, mode change, scope change, semantic index became ready). */
  async run(): Promise<void> {
    clearTimeout(this.debounce);
    const client = this.engine.client;
    if (!client || !this.engine.status) return;
    const my = ++this.seq;
    const question = this.query;
    writeUrlState({ q: question, mode: this.mode });
    if (!question.trim()) {
      this.result = null;
      this.answered = '';
      this.pending = false;
      return;
    }
    this.pending = true;
    try {
      const r = await client.request({
        type: 'search',
        question,
        mode: this.mode,
        collections: this.scope.length ? $state.snapshot(this.scope) : undefined,
        ids: this.within ?? undefined,
      });
      if (my !== this.seq) return; // a newer search superseded this one
      this.result = r;
      this.answered = question;
      this.error = '';
      this.active = -1;
    } catch (e) {
      if (my === this.seq) this.error = (e as Error).message;
    } finally {
      if (my === this.seq) this.pending = false;
    }
  }

  /** Typing: search after a short pause. */
  typed(): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.run(), DEBOUNCE_MS);
  }

  /** Esc: empty question, no results. */
  clear(): void {
    clearTimeout(this.debounce);
    this.seq++;
    this.query = '';
    this.result = null;
    this.answered = '';
    this.pending = false;
    writeUrlState({ q: '', mode: this.mode });
  }

  toggle(id: string): void {
    this.expanded[id] = !this.expanded[id];
  }

  /** Scope for related-paper requests (same collections as the search). */
  get collections(): string[] | undefined {
    return this.scope.length ? $state.snapshot(this.scope) : undefined;
  }
}
