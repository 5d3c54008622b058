/**
 * Page-wide keys: `/` focuses the question, Esc closes the related panel or clears the question,
 * ↑/↓ move through the results, Enter expands the selected result, `r` opens its related papers.
 * Keys typed into a form field belong to the field (except ↑/↓/Enter in the question box).
 */
import type { RelatedState } from '../related/related.svelte.ts';
import type { SearchState } from '../search/search.svelte.ts';

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
}

export function handleKey(e: KeyboardEvent, search: SearchState, related: RelatedState, input: HTMLInputElement | undefined): void {
  if (e.ctrlKey || e.metaKey || e.altKey || !input) return;
  const hits = search.result?.hits ?? [];
  const inSearch = e.target === input;
  if (e.key === '/' && !isTyping(e.target)) {
    e.preventDefault();
    search.active = -1; // back to the question: the result cursor starts over
    input.focus();
    input.select();
  } else if (e.key === 'Escape') {
    if (related.shown) related.close();
    else {
      search.clear();
      input.focus();
    }
  } else if ((e.key === 'ArrowDown' || e.key === 'ArrowUp') && hits.length && (inSearch || !isTyping(e.target))) {
    e.preventDefault();
    const next = e.key === 'ArrowDown' ? Math.min(hits.length - 1, search.active + 1) : search.active - 1;
    if (next < 0) {
      search.active = -1;
      input.focus();
    } else {
      search.active = next;
      (document.activeElement as HTMLElement | null)?.blur?.();
    }
  } else if (inSearch && e.key === 'Enter') {
    e.preventDefault();
    void search.run('commit');
  } else if (!isTyping(e.target) && search.active >= 0 && hits[search.active]) {
    if (e.key === 'Enter' && (e.target as HTMLElement).tagName !== 'BUTTON') {
      e.preventDefault();
      search.toggle(hits[search.active].paper.id);
    } else if (e.key === 'r') {
      e.preventDefault();
      void related.show(hits[search.active].paper.id, search.collections);
    }
  }
}
