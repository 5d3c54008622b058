/**
 * Page state of the related-papers panel: which paper it is about and its neighbours.
 * A failed request clears the panel and keeps the reason to show instead.
 *
 * Focus: opening the panel moves focus (and the view) to it — on a phone it sits below every
 * result, and on a desktop the first neighbour was dozens of Tab presses away; closing it returns
 * focus to where it was opened from.
 */
import type { SearchHit } from '../../protocol.ts';
import type { EngineState } from '../shell/engine.svelte.ts';

/** Neighbours shown in the panel. */
const RELATED_SHOWN = 8;

export class RelatedState {
  shown = $state<{ title: string; id: string; hits: SearchHit[] } | null>(null);
  error = $state('');
  /** Bumped per opened panel: the view moves focus to it when this changes. */
  opened = $state(0);
  /** Where focus was when the panel was opened from outside it (restored on close). */
  private origin: HTMLElement | null = null;

  constructor(private readonly engine: EngineState) {}

  async show(paperId: string, collections?: string[]): Promise<void> {
    const client = this.engine.client;
    if (!client) return;
    this.error = '';
    const from = document.activeElement as HTMLElement | null;
    if (from && !from.closest('[data-testid=related]')) this.origin = from.closest<HTMLElement>('li.result') ?? from;
    try {
      const r = await client.request({ type: 'related', paperId, k: RELATED_SHOWN, collections });
      this.shown = { title: r.paper.title, id: r.paper.id, hits: r.hits };
      this.opened++;
    } catch (e) {
      this.shown = null;
      this.error = (e as Error).message;
    }
  }

  close(): void {
    this.shown = null;
    const o = this.origin;
    this.origin = null;
    if (o?.isConnected) o.focus();
  }
}
