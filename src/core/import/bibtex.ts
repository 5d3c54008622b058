/**
 * BibTeX / BibLaTeX via @retorquere/bibtex-parser (the parser behind Better BibTeX for Zotero):
 * it resolves @string macros, crossrefs, name lists and LaTeX commands/accents to Unicode.
 *
 * Two adaptations keep untrusted text literal:
 *  - the parser renders some LaTeX (\emph, \textbf, \url, \sc …) as HTML tags, and maps a literal
 *    `<`/`>` in text mode to `¡`/`¿` (T1 font encoding). We swap every literal `<`/`>` for a
 *    private-use placeholder before parsing, strip the tags the parser generated afterwards, and put
 *    the literal characters back. So `<script>` in an abstract stays `<script>`, as text.
 *  - titles are not re-cased (english: false): we show the title as the file has it.
 * An unescaped `%` inside a field is kept as a percent sign (LaTeX would read it as a comment and
 * drop the rest of the line — never what an exporter meant).
 *
 * Speed: the library's LaTeX parser costs ~4 µs per character and grows faster than linearly on
 * long values (≈ 4 ms per entry with an abstract; 16 s for one 200 000-char LaTeX abstract).
 * `extractPlainFields` therefore swaps every brace-delimited field value that contains no LaTeX
 * syntax (the vast majority) for a short token before parsing and puts the text back afterwards;
 * values with LaTeX still go through the library, cut to RAW_LATEX_CAP first. Name lists (author,
 * editor, …) and structural fields (crossref, keywords) always go through the library.
 */
import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import type { Creator, Entry } from '@retorquere/bibtex-parser';
import type { Paper, ParseIssue, ParseResult } from '../types.ts';
import { ImportError } from './errors.ts';
import { excerpt } from './limits.ts';
import { buildPaper, LineIndex, type RawRecord, type RecordLimits } from './record.ts';

const LT = '\uE000';
const GT = '\uE001';

/** Text that needs LaTeX processing: commands, math, ties, dashes, TeX quotes. */
const LATEX_SYNTAX = /[\\$~]|--|``|''/;
const TOKEN = 'ATLASPLAINTOKEN';
const TOKEN_ALL = new RegExp(`${TOKEN}(\\d+)X`, 'g');
const WHOLE_TOKEN = new RegExp(`^${TOKEN}\\d+X$`);
const CUT = 'ATLASCUTMARK';
const CUT_ALL = new RegExp(`\\s*${CUT}(\\d+)X`, 'g');

/** LaTeX values longer than this are cut BEFORE the LaTeX parser sees them (see module comment);
 *  the result is capped at MAX_ABSTRACT_CHARS anyway. */
export const RAW_LATEX_CAP = 25_000;

/** Fields the library must parse itself: name lists and fields with structure. */
const LIBRARY_FIELDS = new Set([
  'author', 'editor', 'bookauthor', 'collaborator', 'commentator', 'director', 'editora', 'editorb', 'editors', 'holder',
  'scriptwriter', 'translator', 'crossref', 'xdata', 'keywords', 'langid', 'hyphenation', 'language', 'ids', 'options',
]);

/** Last whitespace before `max` that is outside braces and math, so the cut value still parses. */
function safeCut(value: string, max: number): number {
  let depth = 0;
  let math = false;
  let best = -1;
  for (let i = 0; i < max && i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (c === '$') math = !math;
    else if (depth === 0 && !math && /\s/.test(c)) best = i;
  }
  return best;
}

const escapePercent = (v: string) => v.replace(/(^|[^\\])%/g, '$1\\%');
const sameLines = (v: string) => '\n'.repeat(v.split('\n').length - 1);

/**
 * Rewrites field values found at field level (brace depth 1) of entries: plain `{…}` values become
 * `{ATLASPLAINTOKEN<n>X}` (same number of line breaks, so line numbers stay right); LaTeX values
 * get bare `%` escaped and are cut at RAW_LATEX_CAP (marked `ATLASCUTMARK<length>X`).
 */
export function extractPlainFields(src: string): { src: string; plain: string[] } {
  const plain: string[] = [];
  const out: string[] = [];
  let last = 0;
  let depth = 0;
  const fieldRe = /([a-zA-Z][\w-]*)\s*=\s*\{/y;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x7b) depth++;
    else if (c === 0x7d) depth = Math.max(0, depth - 1);
    else if (depth === 1 && /[\s,]/.test(src.charAt(i - 1)) && /[a-zA-Z]/.test(src.charAt(i))) {
      fieldRe.lastIndex = i;
      const m = fieldRe.exec(src);
      if (!m) continue;
      const name = m[1]!.toLowerCase();
      if (LIBRARY_FIELDS.has(name)) {
        i = fieldRe.lastIndex - 2; // resume just before the value's `{`, which the scan then counts
        continue;
      }
      const open = fieldRe.lastIndex - 1;
      let d = 0;
      let j = open;
      for (; j < src.length; j++) {
        const cj = src.charCodeAt(j);
        if (cj === 0x7b) d++;
        else if (cj === 0x7d && --d === 0) break;
      }
      if (j >= src.length) break; // unterminated: leave it to the parser to report
      const value = src.slice(open + 1, j);
      const latex = LATEX_SYNTAX.test(value);
      const cut = latex && value.length > RAW_LATEX_CAP ? safeCut(value, RAW_LATEX_CAP) : -1;
      let replacement: string;
      if (cut > 0) replacement = escapePercent(value.slice(0, cut)) + ` ${CUT}${value.length}X` + sameLines(value.slice(cut));
      else if (latex && value.length <= RAW_LATEX_CAP) replacement = escapePercent(value);
      else {
        // Plain text (or an over-long LaTeX value with no safe cut point: read as plain text).
        replacement = `${TOKEN}${plain.length}X` + sameLines(value);
        plain.push(value.replace(/[{}]/g, ''));
      }
      out.push(src.slice(last, open + 1), replacement);
      last = j;
      i = j; // continue after the value's closing brace; depth stays 1
    }
  }
  out.push(src.slice(last));
  return { src: out.join(''), plain };
}

/** Removes the HTML the parser generated and restores the literal angle brackets of the source. */
function toPlain(s: string): string {
  return s
    .replace(/<\/?(p|br|li|ul|ol|blockquote|h\d)\b[^<>]*>/gi, ' ')
    .replace(/<[^<>]*>/g, '')
    .replaceAll(LT, '<')
    .replaceAll(GT, '>');
}

function creatorName(c: Creator): string {
  if (c.name) return toPlain(c.name);
  const first = [c.firstName, c.prefix, c.lastName].filter(Boolean).join(' ');
  return toPlain(c.suffix ? `${first}, ${c.suffix}` : first);
}

/** Citation key from a verbatim entry text like `@article{smith2020, …`. */
function keyOf(input: string): string | undefined {
  return /^@\s*\w+\s*[{(]\s*([^,\s]+)\s*,/.exec(input)?.[1];
}

/** `… at line 17, column 1 …` in the parser's error messages. */
function lineOfMessage(msg: string): number | undefined {
  const m = /\bline (\d+)/.exec(msg);
  return m ? Number(m[1]) : undefined;
}

/** Entry starts (`@type{` at the start of a line, after optional blanks) — for "no entries". */
const ENTRY_START = /^[ \t]*@\s*([a-zA-Z]+)\s*[{(]/gm;
const NON_ENTRY_TYPES = new Set(['string', 'comment', 'preamble']);

function parseLibrary(src: string) {
  try {
    return parseBibtex(src, { english: false, unsupported: 'ignore', applyCrossRef: true });
  } catch (e) {
    throw new ImportError('bad-structure', `The BibTeX file could not be parsed: ${(e as Error).message}`);
  }
}

/** True when a token ended up anywhere but as a whole field value: the scan misread the structure. */
function tokensMisplaced(entries: Entry[]): boolean {
  const bad = (v: unknown): boolean => {
    if (typeof v === 'string') return v.includes(TOKEN) && !WHOLE_TOKEN.test(v.trim());
    if (Array.isArray(v)) return v.some((x) => (typeof x === 'string' ? x.includes(TOKEN) : JSON.stringify(x).includes(TOKEN)));
    return false;
  };
  return entries.some((e) => Object.values(e.fields).some(bad) || e.key.includes(TOKEN));
}

export function parseBibtexText(text: string, collection: string | undefined, limits: RecordLimits): ParseResult {
  const issues: ParseIssue[] = [];
  const original = text.replaceAll('<', LT).replaceAll('>', GT);
  const fast = extractPlainFields(original);
  let src = fast.src;
  let plain = fast.plain;
  let lib = parseLibrary(src);
  // Guard: e.g. stray braces between entries can desynchronise the scan; then parse the original
  // text the slow way rather than risk a token leaking into the results.
  if (tokensMisplaced(lib.entries)) {
    src = original;
    plain = [];
    lib = parseLibrary(src);
  }
  const lines = new LineIndex(src); // tokens keep line breaks, so lines match the user's file
  /** Parser output → plain text, with plain values put back. Leaves cut marks for the caller. */
  const restore = (s: string) => toPlain(plain.length ? s.replace(TOKEN_ALL, (_m, n: string) => plain[Number(n)] ?? '') : s);
  const field = (e: Entry, ...names: string[]): string | undefined => {
    for (const n of names) {
      const v = (e.fields as Record<string, unknown>)[n];
      if (typeof v === 'string' && v.trim()) return restore(v);
      if (Array.isArray(v) && v.length && typeof v[0] === 'string') return restore(v.join(', '));
    }
    return undefined;
  };
  const uncut = (s: string | undefined) => s?.replace(CUT_ALL, '');

  const failedInputs = lib.errors.filter((er) => er.input && /^\s*@/.test(er.input));
  const usedErrors = new Set<object>();
  let cursor = 0;
  let entryNo = 0;
  const papers: Paper[] = [];
  for (const e of lib.entries) {
    entryNo++;
    let line: number | undefined;
    if (e.input) {
      // The parser keeps each entry's verbatim text: find it, in order, for the line number.
      const at = src.indexOf(e.input, cursor);
      if (at >= 0) {
        line = lines.lineAt(at);
        cursor = at + e.input.length;
      }
    }
    const key = e.key ? restore(e.key) : undefined;
    if (!e.input) {
      // Recovered from a syntax error: its fields are unreliable (a missing brace swallows the
      // following fields), so the entry is skipped, with the parser's own diagnosis.
      const err = failedInputs.find((er) => !usedErrors.has(er) && keyOf(er.input!) === e.key) ?? failedInputs.find((er) => !usedErrors.has(er));
      if (err) usedErrors.add(err);
      const at = err?.input ? src.indexOf(err.input.trimStart()) : -1;
      line = at >= 0 ? lines.lineAt(at) : err ? lineOfMessage(err.error) : undefined;
      issues.push({
        entry: entryNo,
        line,
        message: `Entry ${entryNo}${key ? ` "${key}"` : ''}${line ? ` (line ${line})` : ''} is malformed and was skipped: ${uncut(restore(err?.error ?? 'syntax error'))}.`,
        excerpt: err?.input ? excerpt(uncut(restore(err.input))!) : undefined,
      });
      continue;
    }
    let abstract = field(e, 'abstract');
    const cutMark = abstract ? new RegExp(CUT_ALL.source).exec(abstract) : null;
    if (abstract && cutMark) {
      const where = `Entry ${entryNo}${key ? ` "${key}"` : ''}${line ? ` (line ${line})` : ''}`;
      issues.push({ entry: entryNo, line, message: `${where}: abstract is ${cutMark[1]} characters; cut to the limit of ${limits.maxAbstractChars}.`, excerpt: excerpt(uncut(field(e, 'title')) ?? '') });
      abstract = abstract.slice(0, cutMark.index).slice(0, limits.maxAbstractChars - 1).trimEnd() + '…';
    }
    const title = uncut(field(e, 'title')) ?? uncut(field(e, 'booktitle'));
    const raw: RawRecord = {
      title,
      abstract,
      authors: (e.fields.author ?? e.fields.editor)?.map(creatorName),
      year: field(e, 'year', 'date'),
      venue: uncut(e.fields.title ? field(e, 'journal', 'journaltitle', 'booktitle', 'series', 'publisher', 'school', 'institution', 'howpublished') : field(e, 'journal', 'journaltitle')),
      doi: uncut(field(e, 'doi')),
      url: uncut(field(e, 'url')),
    };
    const paper = buildPaper(raw, { entry: entryNo, line, label: key }, collection, limits, issues);
    if (paper) papers.push(paper);
  }
  // Errors not tied to a recovered entry (bad @string, stray text the parser choked on, …).
  for (const er of lib.errors) {
    if (usedErrors.has(er)) continue;
    const at = er.input ? src.indexOf(er.input) : -1;
    issues.push({
      line: at >= 0 ? lines.lineAt(at) : lineOfMessage(er.error),
      message: `BibTeX syntax problem: ${uncut(restore(er.error))}.`,
      excerpt: er.input ? excerpt(uncut(restore(er.input))!) : undefined,
    });
  }
  if (lib.entries.length === 0) {
    const starts = [...src.matchAll(ENTRY_START)].filter((m) => !NON_ENTRY_TYPES.has(m[1]!.toLowerCase()));
    if (starts.length === 0) {
      throw new ImportError('no-entries', 'No BibTeX entries found (expected entries like "@article{key, title = {…}, …}").');
    }
  }
  return { papers, issues };
}
