/**
 * "Why this result": which words of a text match the question, for highlighting. Matching uses the
 * lexical index's own tokenizer (search/bm25.ts: accents folded, stop words dropped, light
 * stemming), so a word is marked exactly when BM25 would count it. The output is plain segments
 * that the view renders as text spans — never HTML.
 */
import { tokenize } from '../../core/search/bm25.ts';

export interface Segment {
  text: string;
  hit: boolean;
}

/** The question's index terms (as BM25 sees them). */
export function queryTerms(question: string): Set<string> {
  return new Set(tokenize(question));
}

/** Splits `text` into matched / unmatched runs; a word matches when one of its tokens is a query term. */
export function highlightSegments(text: string, terms: Set<string>): Segment[] {
  if (!terms.size || !text) return [{ text, hit: false }];
  const out: Segment[] = [];
  const push = (t: string, hit: boolean) => {
    if (!t) return;
    const last = out[out.length - 1];
    if (last && last.hit === hit) last.text += t;
    else out.push({ text: t, hit });
  };
  // Words as the tokenizer splits them (letters, digits, hyphens); the rest is kept as is.
  const re = /[\p{L}\p{N}][\p{L}\p{N}\p{M}-]*/gu;
  let at = 0;
  for (const m of text.matchAll(re)) {
    push(text.slice(at, m.index), false);
    const word = m[0];
    push(word, tokenize(word).some((t) => terms.has(t)));
    at = m.index! + word.length;
  }
  push(text.slice(at), false);
  return out;
}
