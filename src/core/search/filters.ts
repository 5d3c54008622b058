/**
 * Fielded filters of a search: year range, author, venue (collections are scoped separately).
 * The same predicate runs in the worker, the CLI and tests. Text is compared folded — accents
 * removed, lower case, punctuation as spaces — so "garcia" matches "García" and "Chen, X." matches
 * "Xinlei Chen" only by its words, in any order.
 *
 * A paper without the field a filter asks about does not pass it (a year range drops papers with no
 * year): the filter says what must be true of every result.
 */
import type { Paper } from '../types.ts';
import { formatAuthor, readAuthors } from '../library/authors.ts';

export interface SearchFilters {
  yearFrom?: number;
  yearTo?: number;
  /** Words of one author's name, any order ("chen xinlei", "Chen, X"). */
  author?: string;
  /** Words of the venue ("neurips", "computer vision"). */
  venue?: string;
}

export function foldText(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[øłđı]/g, (c) => ({ ø: 'o', ł: 'l', đ: 'd', ı: 'i' })[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function words(s: string): string[] {
  return foldText(s).split(' ').filter(Boolean);
}

/** Every query word starts a word of the text ("x" matches "xinlei", "neur" matches "neurips"). */
function wordsMatch(query: string[], text: string): boolean {
  return wordsHave(query, words(text));
}

function wordsHave(query: string[], have: string[]): boolean {
  return query.every((q) => have.some((w) => w.startsWith(q)));
}

export function hasFilters(f: SearchFilters | undefined): boolean {
  return !!f && (f.yearFrom !== undefined || f.yearTo !== undefined || !!f.author?.trim() || !!f.venue?.trim());
}

/**
 * Checks and normalises filters from an untrusted source (URL, protocol, CLI): years must be whole
 * numbers in 1000–2999, text at most 200 characters. Throws an Error naming the bad field.
 */
export function validateFilters(f: SearchFilters | undefined): SearchFilters | undefined {
  if (!f) return undefined;
  const out: SearchFilters = {};
  for (const k of ['yearFrom', 'yearTo'] as const) {
    const v = f[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1000 || v > 2999) throw new Error(`${k} must be a year like 2019 (got ${JSON.stringify(v)})`);
    out[k] = v;
  }
  if (out.yearFrom !== undefined && out.yearTo !== undefined && out.yearFrom > out.yearTo) throw new Error(`yearFrom (${out.yearFrom}) is after yearTo (${out.yearTo})`);
  for (const k of ['author', 'venue'] as const) {
    const v = f[k];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string' || v.length > 200) throw new Error(`${k} must be text of at most 200 characters`);
    if (v.trim()) out[k] = v.trim();
  }
  return hasFilters(out) ? out : undefined;
}

/**
 * Each paper's authors as folded words, made once per paper object: the author filter runs over
 * every matching paper of a question (most of a 100k library for a lay question), and parsing and
 * folding the names each time was most of a filtered search at 100k (`npx tsx bench/lexical-scale.ts`).
 * Invariant: a Paper object is not changed after it is built (edits, merges and imports make new
 * objects), so its identity keys the cache; entries go with their papers.
 */
const authorWordsOf = new WeakMap<Paper, string[][]>();
function authorWords(p: Paper): string[][] {
  let w = authorWordsOf.get(p);
  if (!w) {
    w = (readAuthors(p.authors) ?? []).map((a) => words(formatAuthor(a)));
    authorWordsOf.set(p, w);
  }
  return w;
}

/** A predicate over papers for these filters (undefined filters: everything passes). */
export function paperFilter(f: SearchFilters | undefined): (p: Paper) => boolean {
  if (!hasFilters(f)) return () => true;
  const author = f!.author ? words(f!.author) : [];
  const venue = f!.venue ? words(f!.venue) : [];
  return (p) => {
    if (f!.yearFrom !== undefined && (p.year === undefined || p.year < f!.yearFrom)) return false;
    if (f!.yearTo !== undefined && (p.year === undefined || p.year > f!.yearTo)) return false;
    if (author.length && !authorWords(p).some((have) => wordsHave(author, have))) return false;
    if (venue.length && !(p.venue && wordsMatch(venue, p.venue))) return false;
    return true;
  };
}
