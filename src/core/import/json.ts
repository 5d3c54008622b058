/**
 * JSON (an array of paper objects, or an object wrapping one under papers/items/records/results/
 * data) and JSON Lines (one object per line). Field names are matched case- and
 * punctuation-insensitively with the synonyms of common sources: Zotero and CSL-JSON, Crossref,
 * Semantic Scholar, OpenAlex (inverted-index abstracts), arXiv.
 *
 * A JSON file with a syntax error is not thrown away: the top-level array is split into its
 * elements with a string-aware scanner and each element is parsed alone, so a truncated export
 * keeps every complete record and the broken one is reported with its line.
 */
import type { Author, Paper, ParseIssue, ParseResult } from '../types.ts';
import { ImportError } from './errors.ts';
import { excerpt } from './limits.ts';
import { buildPaper, LineIndex, type RawRecord, type RecordLimits, type RecordPlace } from './record.ts';

const WRAPPER_KEYS = ['papers', 'items', 'records', 'results', 'data', 'entries', 'works'];

type Obj = Record<string, unknown>;

function normKey(k: string): string {
  return k.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** First non-empty value under any of `names` (normalised keys). */
function pick(o: Map<string, unknown>, names: string[]): unknown {
  for (const n of names) {
    const v = o.get(n);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/** A string from a string, a number, or the first string of an array (Crossref puts titles in arrays). */
function asString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (Array.isArray(v)) return v.map(asString).find((s) => s && s.trim());
  return undefined;
}

/** A person as CSL/Zotero structure ({family, given}, {lastName, firstName}) or as one name string. */
function personName(v: unknown): string | Author | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object') {
    const p = v as Obj;
    const s = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : undefined);
    const family = s('family') ?? s('lastName');
    const given = s('given') ?? s('firstName');
    if (family) return given ? { family, given } : { family };
    return s('name') ?? s('literal') ?? s('display_name') ?? given;
  }
  return undefined;
}

function asAuthors(v: unknown): (string | Author)[] | string | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    // OpenAlex: authorships[].author.display_name
    const names = v.map((x) => personName(x && typeof x === 'object' && 'author' in (x as Obj) ? (x as Obj).author : x)).filter((s): s is string | Author => !!s);
    return names.length ? names : undefined;
  }
  return undefined;
}

/** OpenAlex ships abstracts as {word: [positions]}; rebuild the text. */
function fromInvertedIndex(v: unknown): string | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const words: string[] = [];
  for (const [w, positions] of Object.entries(v as Obj)) {
    if (!Array.isArray(positions)) return undefined;
    for (const p of positions) if (Number.isInteger(p) && p >= 0 && p < 100_000) words[p] = w;
  }
  return words.filter((w) => w !== undefined).join(' ') || undefined;
}

function yearOf(v: unknown): string | number | undefined {
  if (typeof v === 'number' || typeof v === 'string') return v;
  // CSL: issued: {"date-parts": [[2020, 5, 1]]}
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const dp = (v as Obj)['date-parts'];
    if (Array.isArray(dp) && Array.isArray(dp[0]) && dp[0].length) return dp[0][0] as number;
  }
  return undefined;
}

/** Maps one JSON object to raw fields. */
export function recordFromObject(o: Obj): RawRecord {
  const m = new Map<string, unknown>();
  for (const [k, v] of Object.entries(o)) {
    const n = normKey(k);
    if (!m.has(n)) m.set(n, v);
  }
  const ext = o.externalIds ?? o.external_ids ?? o.ids;
  const extDoi = ext && typeof ext === 'object' ? ((ext as Obj).DOI ?? (ext as Obj).doi) : undefined;
  const primary = o.primary_location as Obj | undefined;
  return {
    title: asString(pick(m, ['title', 'papertitle', 'articletitle', 'name', 'displayname'])),
    shortTitle: asString(pick(m, ['shorttitle', 'titleshort'])),
    abstract: asString(pick(m, ['abstract', 'abstractnote', 'summary', 'description', 'abstracttext'])) ?? fromInvertedIndex(m.get('abstractinvertedindex')),
    authors: asAuthors(pick(m, ['authors', 'author', 'creators', 'authorships'])),
    year: yearOf(pick(m, ['year', 'publicationyear', 'pubyear', 'issued', 'date', 'publicationdate', 'published'])),
    venue:
      asString(pick(m, ['venue', 'journal', 'containertitle', 'publicationtitle', 'booktitle', 'source', 'journaltitle'])) ??
      asString((primary?.source as Obj | undefined)?.display_name),
    doi: asString(pick(m, ['doi'])) ?? asString(extDoi),
    url: asString(pick(m, ['url', 'link', 'href', 'absurl'])),
    arxiv: asString(pick(m, ['arxiv', 'arxivid'])) ?? asString(ext && typeof ext === 'object' ? ((ext as Obj).ArXiv ?? (ext as Obj).arxiv) : undefined),
  };
}

/** Offset → line/column from a JSON.parse error message, across V8 ("position N"), Firefox ("line L column C"). */
function errorOffset(msg: string, lines: LineIndex, base: number): { line?: number; detail: string } {
  const lc = /line (\d+) column (\d+)/.exec(msg);
  const pos = /position (\d+)/.exec(msg);
  if (pos) {
    const line = lines.lineAt(base + Number(pos[1]));
    return { line, detail: msg.replace(/\s*\(line \d+ column \d+\)/, '').replace(/ in JSON at position \d+/, '') };
  }
  if (lc && base === 0) return { line: Number(lc[1]), detail: msg };
  return { detail: msg };
}

interface Element {
  start: number;
  end: number;
}

/**
 * Splits a JSON array starting at `open` (index of '[') into element ranges without parsing them.
 * Tracks strings/escapes and nesting only, so it survives syntax errors inside elements. Returns
 * `closed: false` when the input ends before the array does (a truncated file).
 */
export function splitJsonArray(text: string, open: number): { elements: Element[]; closed: boolean } {
  const elements: Element[] = [];
  let depth = 0;
  let inStr = false;
  let start = open + 1;
  for (let i = open + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++; // backslash: skip escaped char
      else if (c === 0x22) inStr = false;
      continue;
    }
    if (c === 0x22) inStr = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) {
        if (c === 0x5d) {
          if (text.slice(start, i).trim()) elements.push({ start, end: i });
          return { elements, closed: true };
        }
      } else depth--;
    } else if (c === 0x2c && depth === 0) {
      elements.push({ start, end: i });
      start = i + 1;
    }
  }
  if (text.slice(start).trim()) elements.push({ start, end: text.length });
  return { elements, closed: false };
}

function firstNonSpace(text: string, from: number): number {
  const m = /\S/.exec(text.slice(from, from + 1000));
  return m ? from + m.index : -1;
}

/** Deepest nesting papers can need (an object holding arrays of objects); far below V8's stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * Deepest bracket nesting of `text` (strings skipped), stopping once `limit` is passed. Deeper
 * JSON is not a list of papers, and would overflow the stack of JSON.parse/stringify
 * ("Maximum call stack size exceeded") — so it is refused with a message saying so.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): { depth: number; line?: number; offset?: number } {
  let depth = 0;
  let max = 0;
  let inStr = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inStr) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inStr = false;
    } else if (c === 0x22) inStr = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) max = depth;
      if (max > limit) return { depth: max, offset: i };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { depth: max };
}

function assertShallow(text: string, what: string, lineBase?: number): void {
  const d = jsonDepth(text);
  if (d.offset === undefined) return;
  const line = (lineBase ?? 0) + (text.slice(0, d.offset).match(/\n/g)?.length ?? 0) + 1;
  throw new ImportError(
    'bad-structure',
    `${what} is nested more than ${MAX_JSON_DEPTH} levels deep (at line ${line}): that is not a list of papers. Expected an array of objects like [{"title": "…", "abstract": "…"}].`,
  );
}

export function parseJsonText(text: string, collection: string | undefined, limits: RecordLimits): ParseResult {
  const issues: ParseIssue[] = [];
  const lines = new LineIndex(text);
  let doc: unknown;
  let syntaxError: string | undefined;
  // Too deep to be papers (and to parse safely): read record by record, skipping deep records.
  const deep = jsonDepth(text).offset !== undefined;
  if (!deep) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      syntaxError = (e as Error).message;
    }
  }

  if (!deep && syntaxError === undefined) {
    const list = Array.isArray(doc) ? doc : findWrapped(doc);
    if (!list) {
      throw new ImportError(
        'bad-structure',
        `This JSON file is not a list of papers: expected an array of objects like [{"title": "…", "abstract": "…"}], or an object with one under "papers" (also: ${WRAPPER_KEYS.slice(1).join(', ')}).`,
      );
    }
    // Line numbers for messages: the scanner's element ranges line up with the parsed list.
    const open = locateArray(text);
    const els = open >= 0 ? splitJsonArray(text, open).elements : [];
    const lineOf = (i: number) => (els.length === list.length ? lines.lineAt(firstNonSpace(text, els[i]!.start)) : undefined);
    return recordsToPapers(list.map((v, i) => ({ value: v, entry: i + 1, line: lineOf(i) })), collection, limits, issues);
  }

  // Syntax error: report it where it is, then salvage what can be parsed.
  const open = locateArray(text);
  if (deep && open < 0) assertShallow(text, 'This JSON file');
  const where = syntaxError !== undefined ? errorOffset(syntaxError, lines, 0) : { line: undefined, detail: '' };
  if (syntaxError !== undefined) {
    issues.push({
      line: where.line,
      message: `JSON syntax error${where.line ? ` at line ${where.line}` : ''}: ${where.detail}. Complete records before and after it are kept where possible.`,
    });
  }
  if (open < 0) throw new ImportError('bad-structure', `The JSON file could not be read: ${where.detail}${where.line ? ` (line ${where.line})` : ''}.`);
  const { elements, closed } = splitJsonArray(text, open);
  const values: { value: unknown; entry: number; line: number }[] = [];
  elements.forEach((el, i) => {
    const line = lines.lineAt(firstNonSpace(text, el.start));
    const src = text.slice(el.start, el.end);
    if (deep && jsonDepth(src).offset !== undefined) {
      issues.push({ entry: i + 1, line, message: `Record ${i + 1} (line ${line}) is nested more than ${MAX_JSON_DEPTH} levels deep: not a paper record; skipped.`, excerpt: excerpt(src), skipped: true });
      return;
    }
    try {
      values.push({ value: JSON.parse(src), entry: i + 1, line });
    } catch (e) {
      const err = errorOffset((e as Error).message, lines, el.start);
      issues.push({
        entry: i + 1,
        line,
        message: `Record ${i + 1} (line ${line}) is not valid JSON${err.line && err.line !== line ? ` (error at line ${err.line})` : ''}${!closed && i === elements.length - 1 ? ' — the file ends inside it (truncated?)' : ''}: ${err.detail}; skipped.`,
        excerpt: excerpt(src),
        skipped: true,
      });
    }
  });
  if (!closed && (elements.length === 0 || values.length === elements.length)) {
    issues.push({ line: lines.lineAt(text.length), message: 'The JSON file ends before its closing "]": it may be truncated.' });
  }
  return recordsToPapers(values, collection, limits, issues, 'record', elements.length - values.length);
}

function findWrapped(doc: unknown): unknown[] | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  for (const [k, v] of Object.entries(doc as Obj)) if (WRAPPER_KEYS.includes(k.toLowerCase()) && Array.isArray(v)) return v;
  // A single paper object is a list of one.
  if ('title' in (doc as Obj)) return [doc];
  return undefined;
}

/** Index of the '[' of the record list: the top-level array, or the one under a wrapper key. */
function locateArray(text: string): number {
  const s = firstNonSpace(text, 0);
  if (s >= 0 && text[s] === '[') return s;
  const re = new RegExp(`"(${WRAPPER_KEYS.join('|')})"\\s*:\\s*\\[`, 'i');
  const m = re.exec(text);
  return m ? m.index + m[0].length - 1 : -1;
}

function recordsToPapers(
  values: { value: unknown; entry: number; line?: number }[],
  collection: string | undefined,
  limits: RecordLimits,
  issues: ParseIssue[],
  noun = 'record',
  /** Records that failed to parse before reaching here (each has a `skipped` issue already). */
  skippedBefore = 0,
): ParseResult {
  const papers: Paper[] = [];
  const places: RecordPlace[] = [];
  for (const { value, entry, line } of values) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      issues.push({ entry, line, message: `${noun === 'line' ? 'Line' : 'Record'} ${noun === 'line' ? line : entry} is not an object (found ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : typeof value}); skipped.`, excerpt: excerpt(JSON.stringify(value) ?? ''), skipped: true });
      continue;
    }
    const place: RecordPlace = noun === 'line' ? { line } : { entry, line, noun };
    const p = buildPaper(recordFromObject(value as Obj), place, collection, limits, issues);
    if (p) {
      papers.push(p);
      places.push(place);
    }
  }
  return { papers, places, issues, entries: values.length + skippedBefore };
}

/** JSON Lines: each non-blank line is one object; a bad line is reported and the others kept. */
export function parseJsonLinesText(text: string, collection: string | undefined, limits: RecordLimits): ParseResult {
  const issues: ParseIssue[] = [];
  const values: { value: unknown; entry: number; line: number }[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  let n = 0;
  lines.forEach((l, i) => {
    if (!l.trim()) return;
    n++;
    if (jsonDepth(l).offset !== undefined) {
      issues.push({ line: i + 1, entry: n, message: `Line ${i + 1} is nested more than ${MAX_JSON_DEPTH} levels deep: not a paper record; skipped.`, excerpt: excerpt(l), skipped: true });
      return;
    }
    try {
      values.push({ value: JSON.parse(l), entry: n, line: i + 1 });
    } catch (e) {
      const msg = (e as Error).message.replace(/ in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
      const col = /position (\d+)/.exec((e as Error).message);
      issues.push({
        line: i + 1,
        entry: n,
        message: `Line ${i + 1} is not valid JSON${col ? ` (column ${Number(col[1]) + 1})` : ''}: ${msg}; skipped.`,
        excerpt: excerpt(l),
        skipped: true,
      });
    }
  });
  if (n === 0) throw new ImportError('empty', 'The JSON Lines file has no records.');
  return recordsToPapers(values, collection, limits, issues, 'line', n - values.length);
}
