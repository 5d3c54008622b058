/**
 * Page state of the reading list: the starred papers as the engine stores them (IndexedDB, with
 * the library), a filter text for searching the list, and star / unstar. The worker's reply is the
 * truth: the list is replaced by each reply, never patched locally.
 */
import type { Paper } from '../../protocol.ts';
import type { EngineState } from '../shell/engine.svelte.ts';
import { foldText } from '../../core/search/filters.ts';
import { formatAuthors, readAuthors } from '../../core/library/authors.ts';

export class ReadingState {
  papers = $state.raw<Paper[]>([]);
  filter = $state('');
  error = $state('');
  readonly ids = $derived(new Set(this.papers.map((p) => p.id)));
  /** The starred papers whose title, authors, venue or abstract contain every word of the filter. */
  readonly shown = $derived.by(() => {
    const words = foldText(this.filter).split(' ').filter(Boolean);
    if (!words.length) return this.papers;
    return this.papers.filter((p) => {
      const text = ` ${foldText([p.title, formatAuthors(readAuthors(p.authors), 100), p.venue ?? '', String(p.year ?? ''), p.abstract].join(' '))}`;
      return words.every((w) => text.includes(` ${w}`));
    });
  });

  constructor(private readonly engine: EngineState) {}

  async load(): Promise<void> {
    const client = this.engine.client;
    if (!client) return;
    try {
      this.papers = (await client.request({ type: 'readingList' })).papers;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  async toggle(paper: Paper): Promise<void> {
    const client = this.engine.client;
    if (!client) return;
    try {
      this.papers = (await client.request({ type: 'star', paperIds: [paper.id], starred: !this.has(paper.id) })).papers;
      this.error = '';
    } catch (e) {
      this.error = `Could not change the reading list: ${(e as Error).message}`;
    }
  }
}
