/**
 * Turns one raw record from any format into a `Paper`, applying the same rules everywhere:
 * required title (a short title stands in for a missing one), whitespace and invisible-character
 * clean-up, exporter HTML reduced to text (text/html.ts: formatting tags and entities only —
 * anything else, `<script>` included, stays literal text, which the UI renders as text), length
 * caps, DOI/URL/year/arXiv normalisation, structured authors, `noAbstract` flag.
 */
import { parseAuthorName, type NameStyle } from '../library/authors.ts';
import { normalizeDoi, paperId, titleKey } from '../library/ids.ts';
import { htmlToText } from '../text/html.ts';
import type { Author, EntryPlace, Paper, ParseIssue } from '../types.ts';
import { NUL_MARK } from './encoding.ts';
import { excerpt, MAX_ABSTRACT_CHARS, MAX_TITLE_CHARS } from './limits.ts';

/** Fields a format parser extracted, before validation. */
export interface RawRecord {
  title?: string;
  /** Used as the title when `title` is empty (Zotero's "Short Title", BibTeX shorttitle, RIS ST). */
  shortTitle?: string;
  abstract?: string;
  /** Structured names, or strings read with `nameStyle`; one string is a list to split. */
  authors?: (string | Author)[] | string;
  /** How name strings are written in this format (default 'natural', see library/authors.ts). */
  nameStyle?: NameStyle;
  year?: string | number;
  venue?: string;
  doi?: string;
  url?: string;
  /** arXiv id (BibTeX eprint with archivePrefix arXiv); also found in arxiv.org URLs and DOIs. */
  arxiv?: string;
  /** Text is already clean (bundles written by the app): do not reduce HTML/entities again. */
  keepMarkup?: boolean;
}

/** Where a record came from, for messages: "entry 3 (line 17, key smith2020)". */
export type RecordPlace = EntryPlace;

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
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/g;
// Invisible characters with no business in a title or abstract: zero-width space, word joiner and
// invisible operators, BOM, soft hyphen, Mongolian vowel separator, and the bidi embedding /
// override / isolate controls (U+202E can make a title display reversed). Removed from the text.
// ZWJ/ZWNJ (emoji, Indic and Persian script) and the LRM/RLM/ALM marks are kept; the UI renders
// every title isolated (dir="auto") so what remains cannot reorder the text around it.
const INVISIBLE = /[\u00AD\u180E\u200B\u2060-\u2064\uFEFF\u202A-\u202E\u2066-\u2069]/g;

/** Collapse all whitespace (incl. newlines) to single spaces; drop control and invisible characters. */
export function cleanText(s: string): string {
  return s.normalize('NFC').replace(CONTROL, ' ').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
}

/** `cleanText` after reducing exporter HTML (formatting tags, entities) to text. */
export function cleanRichText(s: string): string {
  return cleanText(htmlToText(s));
}

/** Cut at a word boundary near `max` (never mid-surrogate-pair) and add an ellipsis. */
export function truncateText(s: string, max: number): string {
  if (s.length <= max) return s;
  return truncate(s, max);
}

function truncate(s: string, max: number): string {
  let cut = s.lastIndexOf(' ', max - 1);
  if (cut < max * 0.8) cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(s.charAt(cut - 1))) cut--;
  return s.slice(0, cut).trimEnd() + '…';
}

export { normalizeDoi } from '../library/ids.ts';

/** arXiv ids: new style 2101.00001 (4+4/5 digits), old style hep-th/9901001; version suffix dropped. */
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/i;

/**
 * arXiv id from an explicit value ("arXiv:2101.00001v2", "2101.00001"), an arxiv.org URL
 * (abs/pdf) or an arXiv DOI (10.48550/arXiv.2101.00001). Undefined when none is recognisable.
 */
export function normalizeArxiv(...candidates: (string | undefined)[]): string | undefined {
  for (const raw of candidates) {
    if (!raw) continue;
    let v = raw.trim();
    const url = /arxiv\.org\/(?:abs|pdf)\/([^\s?#]+?)(?:\.pdf)?(?:[?#].*)?$/i.exec(v);
    const doi = /^(?:https?:\/\/(?:dx\.)?doi\.org\/)?10\.48550\/arxiv\.(\S+)$/i.exec(v);
    if (url) v = url[1]!;
    else if (doi) v = doi[1]!;
    else v = v.replace(/^arxiv:\s*/i, '');
    const m = ARXIV_ID.exec(v);
    if (m) return m[1]!.replace(/v\d+$/i, '');
  }
  return undefined;
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
 * Authors from a list or a single string, structured (library/authors.ts). A string is split on
 * ";" (Zotero/WoS CSV), else on " and " (BibTeX style), else on "," only when every part has a
 * space ("Ann Lee, Bo Chen") — "Lee, Ann" stays one name. Strings are read with `style`.
 */
export function normalizeAuthors(raw: (string | Author)[] | string | undefined, style: NameStyle = 'natural'): Author[] | undefined {
  if (raw === undefined) return undefined;
  let list: (string | Author)[];
  if (Array.isArray(raw)) list = raw;
  else if (raw.includes(';')) list = raw.split(';');
  else if (/\s+and\s+/i.test(raw)) list = raw.split(/\s+and\s+/i);
  else if (raw.includes(',') && raw.split(',').every((p) => p.trim().includes(' '))) list = raw.split(',');
  else list = [raw];
  const out: Author[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      const a = parseAuthorName(cleanRichText(item), style);
      if (a) out.push(a);
    } else {
      const family = cleanRichText(item.family);
      const given = item.given ? cleanRichText(item.given) : '';
      if (family && !/^(others|et al\.?)$/i.test(family)) out.push(given ? { family, given } : { family });
      else if (!family && given) out.push({ family: given });
    }
  }
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
  const nulField = (['title', 'shortTitle', 'abstract', 'venue', 'doi', 'url', 'year'] as const).find((k) => typeof raw[k] === 'string' && (raw[k] as string).includes(NUL_MARK)) ??
    (raw.authors !== undefined && JSON.stringify(raw.authors).includes(NUL_MARK) ? 'authors' : undefined);
  if (nulField) {
    issues.push({
      entry: place.entry,
      line: place.line,
      message: `${capitalise(where)} contains a NUL byte (in its ${nulField === 'shortTitle' ? 'short title' : nulField}): a damaged or binary part of the file; skipped.`,
      excerpt: excerpt((raw.title ?? '').replaceAll(NUL_MARK, '␀')),
      skipped: true,
    });
    return undefined;
  }
  const rich = raw.keepMarkup ? cleanText : cleanRichText;
  let title = rich(raw.title ?? '');
  let abstract = rich(raw.abstract ?? '');
  if (!title && raw.shortTitle && cleanRichText(raw.shortTitle)) {
    title = cleanRichText(raw.shortTitle);
    issues.push({ entry: place.entry, line: place.line, message: `${capitalise(where)} has no title; its short title "${excerpt(title)}" is used.` });
  }
  if (!title || !titleKey(title)) {
    // "\u200B\u200B" or "\u202E" alone: not blank to String.trim, but nothing to show or match.
    const invisible = (raw.title ?? '').trim() ? 'has a title made only of invisible characters or markup' : 'has no title';
    issues.push({
      entry: place.entry,
      line: place.line,
      message: `${capitalise(where)} ${invisible}; skipped.`,
      excerpt: abstract ? excerpt(abstract) : undefined,
      skipped: true,
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
  const paper: Paper = { id: '', title, abstract };
  if (collection !== undefined) paper.collection = collection;
  const authors = normalizeAuthors(raw.authors, raw.nameStyle);
  if (authors) paper.authors = authors;
  const year = normalizeYear(raw.year);
  if (year !== undefined) paper.year = year;
  const venue = raw.venue ? cleanRichText(raw.venue) : '';
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
  const arxiv = normalizeArxiv(raw.arxiv, paper.url, paper.doi);
  if (arxiv) paper.arxiv = arxiv;
  if (!abstract) paper.flags = { noAbstract: true };
  paper.id = paperId(paper);
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
