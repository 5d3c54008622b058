/**
 * Turns one raw record from any format into a `Paper`, applying the same rules everywhere:
 * required title, whitespace clean-up, length caps, DOI/URL/year normalisation, `noAbstract` flag.
 * Text is kept literally (HTML/script tags included): the UI renders it as text, so nothing here
 * interprets or strips markup.
 */
import { paperId } from '../library/ids.ts';
import type { Paper, ParseIssue } from '../types.ts';
import { excerpt, MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS } from './limits.ts';

/** Fields a format parser extracted, before validation. */
export interface RawRecord {
  title?: string;
  abstract?: string;
  authors?: string[] | string;
  year?: string | number;
  venue?: string;
  doi?: string;
  url?: string;
}

/** Where a record came from, for messages: "entry 3 (line 17, key smith2020)". */
export interface RecordPlace {
  entry?: number;
  line?: number;
  /** Format-specific name of the record, e.g. a BibTeX citation key. */
  label?: string;
  /** What a record is called in this format: "entry" (default), "row", "record". */
  noun?: string;
}

export interface RecordLimits {
  maxAbstractChars: number;
  maxTitleChars: number;
}

export const DEFAULT_LIMITS: RecordLimits = { maxAbstractChars: MAX_ABSTRACT_CHARS, maxTitleChars: MAX_TITLE_CHARS };

/** Human-readable place, e.g. `entry 3 "smith2020" (line 17)`. */
export function describePlace(p: RecordPlace): string {
  const parts: string[] = [];
  if (p.entry !== undefined) parts.push(`${p.noun ?? 'entry'} ${p.entry}`);
  if (p.label) parts.push(`"${excerpt(p.label)}"`);
  if (p.line !== undefined) parts.push(parts.length ? `(line ${p.line})` : `line ${p.line}`);
  return parts.join(' ') || 'an entry';
}

// Control characters other than whitespace never belong in bibliographic text (they come from
// bad conversions) and would confuse tokenisers; they are replaced by spaces.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/g;

/** Collapse all whitespace (incl. newlines) to single spaces. */
export function cleanText(s: string): string {
  return s.normalize('NFC').replace(CONTROL, ' ').replace(/\s+/g, ' ').trim();
}

/** Cut at a word boundary near `max` (never mid-surrogate-pair) and add an ellipsis. */
function truncate(s: string, max: number): string {
  let cut = s.lastIndexOf(' ', max - 1);
  if (cut < max * 0.8) cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(s.charAt(cut - 1))) cut--;
  return s.slice(0, cut).trimEnd() + '…';
}

/**
 * DOI in canonical form: lower case (DOIs are case-insensitive), no `doi:` / resolver prefix.
 * Returns undefined when the value is not a DOI (must look like `10.<registrant>/<suffix>`).
 */
export function normalizeDoi(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let d = raw.trim();
  d = d.replace(/^doi:\s*/i, '');
  d = d.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '');
  if (/%2f/i.test(d)) {
    try {
      d = decodeURIComponent(d);
    } catch {
      /* keep as is */
    }
  }
  d = d.trim().toLowerCase();
  return /^10\.\d{4,9}\/\S+$/.test(d) ? d : undefined;
}

/** A URL safe to show as a link: only http(s). `javascript:` and friends are dropped. */
export function normalizeUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const u = raw.trim().split(/\s+/)[0] ?? '';
  if (!/^https?:\/\/[^\s]+$/i.test(u)) return undefined;
  try {
    return new URL(u).href;
  } catch {
    return undefined;
  }
}

/** First plausible 4-digit publication year in a value like "2020", "2020///", "2020-05-01", "May 2020". */
export function normalizeYear(raw: string | number | undefined): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const m = /(?:^|[^\d])(1[5-9]\d\d|20\d\d)(?![\d])/.exec(String(raw));
  return m ? Number(m[1]) : undefined;
}

/**
 * Authors from a list or a single string. A string is split on ";" (Zotero/WoS CSV), else on
 * " and " (BibTeX style), else on "," only when every part has a space ("Ann Lee, Bo Chen") —
 * "Lee, Ann" stays one name.
 */
export function normalizeAuthors(raw: string[] | string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  let list: string[];
  if (Array.isArray(raw)) list = raw;
  else if (raw.includes(';')) list = raw.split(';');
  else if (/\s+and\s+/i.test(raw)) list = raw.split(/\s+and\s+/i);
  else if (raw.includes(',') && raw.split(',').every((p) => p.trim().includes(' '))) list = raw.split(',');
  else list = [raw];
  const out = list.map(cleanText).filter((a) => a && !/^(others|et al\.?)$/i.test(a));
  return out.length ? out : undefined;
}

/**
 * Validates and normalises one record. Returns undefined (and pushes an issue) when the record has
 * no title; pushes a warning when a field was cut or a DOI/URL was dropped.
 */
export function buildPaper(
  raw: RawRecord,
  place: RecordPlace,
  collection: string | undefined,
  limits: RecordLimits,
  issues: ParseIssue[],
): Paper | undefined {
  const where = describePlace(place);
  let title = cleanText(raw.title ?? '');
  let abstract = cleanText(raw.abstract ?? '');
  if (!title) {
    issues.push({
      entry: place.entry,
      line: place.line,
      message: `${capitalise(where)} has no title; skipped.`,
      excerpt: abstract ? excerpt(abstract) : undefined,
    });
    return undefined;
  }
  if (title.length > limits.maxTitleChars) {
    issues.push({
      entry: place.entry,
      line: place.line,
      message: `${capitalise(where)}: title is ${title.length} characters; cut to ${limits.maxTitleChars}.`,
      excerpt: excerpt(title),
    });
    title = truncate(title, limits.maxTitleChars);
  }
  if (abstract.length > limits.maxAbstractChars) {
    issues.push({
      entry: place.entry,
      line: place.line,
      message: `${capitalise(where)}: abstract is ${abstract.length} characters; cut to the limit of ${limits.maxAbstractChars}.`,
      excerpt: excerpt(title),
    });
    abstract = truncate(abstract, limits.maxAbstractChars);
  }
  const paper: Paper = { id: paperId(title), title, abstract };
  if (collection !== undefined) paper.collection = collection;
  const authors = normalizeAuthors(raw.authors);
  if (authors) paper.authors = authors;
  const year = normalizeYear(raw.year);
  if (year !== undefined) paper.year = year;
  const venue = raw.venue ? cleanText(raw.venue) : '';
  if (venue) paper.venue = venue;
  if (raw.doi && raw.doi.trim()) {
    const doi = normalizeDoi(raw.doi);
    if (doi) paper.doi = doi;
    else issues.push({ entry: place.entry, line: place.line, message: `${capitalise(where)}: "${excerpt(raw.doi)}" is not a DOI; ignored.` });
  }
  if (raw.url && raw.url.trim()) {
    const url = normalizeUrl(raw.url);
    if (url) paper.url = url;
    else issues.push({ entry: place.entry, line: place.line, message: `${capitalise(where)}: URL "${excerpt(raw.url)}" is not an http(s) link; ignored.` });
  }
  if (!abstract) paper.flags = { noAbstract: true };
  return paper;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Sorted start offsets of every line, for offset → 1-based line lookups in large inputs. */
export class LineIndex {
  private starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}
