/**
 * Page state of the related-papers panel: which paper it is about and its neighbours.
 * A failed request clears the panel and keeps the reason to show instead.
 */
import type { SearchHit } from '../../protocol.ts';
import type { EngineState } from '../shell/engine.svelte.ts';

/** Neighbours shown in the panel. */
const RELATED_SHOWN = 8;

export class RelatedState {
  shown = $state<{ title: string; id: string; hits: SearchHit[] } | null>(null);
  error = $state('');

  constructor(private readonly engine: EngineState) {}

  async show(paperId: string, collections?: string[]): Promise<void> {
    const client = this.engine.client;
    if (!client) return;
    this.error = '';
    try {
      const r = await client.request({ type: 'related', paperId, k: RELATED_SHOWN, collections });
      this.shown = { title: r.paper.title, id: r.paper.id, hits: r.hits };
    } catch (e) {
      this.shown = null;
      this.error = (e as Error).message;
    }
  }

  close(): void {
    this.shown = null;
  }
}
