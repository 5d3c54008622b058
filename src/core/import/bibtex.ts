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
 * Speed: the library runs every field value through a PEG LaTeX parser that costs ~5–9 µs per
 * character and grows faster than linearly on long values (16 s for one 200 000-char abstract).
 * Profiled on the real exports (shared/fixtures/real-exports), >85 % of the parse time was that
 * PEG parser. `extractPlainFields` therefore hands the library only what needs it, before parsing:
 *  - fields this importer never reads (file, keywords, annote, issn, …) are emptied;
 *  - values without LaTeX syntax (most) become a short token, the text is put back afterwards;
 *  - values whose only LaTeX is escapes (\% \& \$ \# \_ \{ \}), dashes, TeX quotes and ties —
 *    1 947 of the ~2 300 LaTeX constructs in the real exports are `--` — are converted here by
 *    `simpleLatexToText`, which gives the library's output (tests compare both on every such value
 *    of the real exports);
 *  - other LaTeX values (accents, math, commands) are converted by the library in a second pass,
 *    in chunks of ~CHUNK_CHARS cut at safe spaces, so the cost stays linear;
 * name lists (author, editor, …) and structural fields (crossref, ids) always go through the
 * library in the main pass. An earlier version of the guard below fell back to the slow path for
 * a whole file whenever a `publisher` field was present (Zotero writes one on most entries).
 */
import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import type { Creator, Entry } from '@retorquere/bibtex-parser';
import type { Author, Paper, ParseIssue, ParseResult } from '../types.ts';
import { ImportError } from './errors.ts';
import { excerpt } from './limits.ts';
import { buildPaper, cleanText, LineIndex, truncateText, type RawRecord, type RecordLimits, type RecordPlace } from './record.ts';

const LT = '\uE000';
const GT = '\uE001';

/** Text that needs LaTeX processing: commands, math, ties, dashes, TeX quotes. */
const LATEX_SYNTAX = /[\\$~]|--|``|''/;
/** LaTeX that `simpleLatexToText` converts exactly as the library does: escapes of special
 *  characters, braces, and the text-mode ligatures/ties. Anything else goes to the library. */
const SIMPLE_LATEX = /^(?:[^\\$]|\\[%&$#_{}])*$/;
const TOKEN = 'ATLASPLAINTOKEN';
const TOKEN_ALL = new RegExp(`${TOKEN}(\\d+)X`, 'g');
const WHOLE_TOKEN = new RegExp(`^${TOKEN}\\d+X$`);
const KEY_TOKEN = 'ATLASKEY';
const KEY_ALL = new RegExp(`${KEY_TOKEN}(\\d+)X`, 'g');

/**
 * LaTeX values longer than this many source characters are cut (at a space) before conversion:
 * the text is capped at the abstract limit anyway, and the user is told the real length.
 * Three times the default abstract limit: LaTeX source is longer than the text it gives.
 */
export const RAW_LATEX_CAP = 60_000;
/** Size of the pieces a LaTeX value is cut into: pieces with simple LaTeX only are converted here,
 *  the others by the library (whose parser is superlinear in the length of what it reads). */
const CHUNK_CHARS = 200;

/** Fields the library must parse itself: name lists and fields with structure. */
const LIBRARY_FIELDS = new Set([
  'author', 'editor', 'bookauthor', 'collaborator', 'commentator', 'director', 'editora', 'editorb', 'editors', 'holder',
  'scriptwriter', 'translator', 'crossref', 'xdata', 'langid', 'hyphenation', 'language', 'ids', 'options',
]);

/** Fields this importer reads (see parseBibtexText) or that can donate them (crossref targets are
 *  whole entries, so their fields pass through the same filter). Others are emptied before parsing. */
const USED_FIELDS = new Set([
  'title', 'booktitle', 'shorttitle', 'abstract', 'year', 'date', 'journal', 'journaltitle', 'series', 'publisher', 'school',
  'institution', 'howpublished', 'doi', 'url', 'eprint', 'archiveprefix', 'eprinttype', 'primaryclass', 'maintitle', 'subtitle',
]);

/**
 * Converts LaTeX made only of special-character escapes, braces, dashes, TeX quotes and ties the
 * way @retorquere/bibtex-parser does (`--` → –, `---` → —, ``` `` ``` → “, `''` → ”, `~` → no-break
 * space, `\%` → %, braces dropped; a brace or an escape breaks a ligature: `-{}-` stays `--`).
 * Only for values matching SIMPLE_LATEX.
 */
export function simpleLatexToText(value: string): string {
  let out = '';
  for (const m of value.matchAll(/\\([%&$#_{}])|[{}]|[^\\{}]+/g)) {
    if (m[1]) out += m[1];
    else if (m[0] === '{' || m[0] === '}') continue;
    else out += m[0].replace(/---|--|``|''|~/g, (l) => ({ '---': '—', '--': '–', '``': '“', "''": '”', '~': '\u00A0' })[l]!);
  }
  return out;
}

/**
 * Splits a LaTeX value into pieces of about CHUNK_CHARS at spaces that are outside math and do not
 * follow a control word (the library drops the space after `\foo`). Groups open at a cut are
 * closed at the end of the piece and reopened at the start of the next: with case conversion off
 * a group changes nothing in the text.
 */
export function splitLatex(value: string, size = CHUNK_CHARS): string[] {
  if (value.length <= size) return [value];
  const pieces: string[] = [];
  let depth = 0;
  let math = false;
  let start = 0;
  let reopen = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === '$') math = !math;
    else if (i - start >= size && !math && /\s/.test(c) && !/\\[a-zA-Z]+$/.test(value.slice(Math.max(start, i - 40), i))) {
      pieces.push('{'.repeat(reopen) + value.slice(start, i) + '}'.repeat(depth));
      reopen = depth;
      start = i + 1;
    }
  }
  pieces.push('{'.repeat(reopen) + value.slice(start));
  return pieces;
}

/**
 * `value` cut to at most `max` characters at the last space outside math, with the groups open
 * there closed, so the cut value still parses and keeps everything before the cut. (Cutting only
 * at brace depth 0, as an earlier version did, kept 5 554 of 25 000 characters of an abstract
 * whose text sat inside one `{\em …}` group.)
 */
export function cutLatex(value: string, max: number): string {
  let depth = 0;
  let math = false;
  let best = -1;
  let bestDepth = 0;
  for (let i = 0; i < max && i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}') depth = Math.max(0, depth - 1);
    else if (c === '$') math = !math;
    else if (!math && /\s/.test(c)) {
      best = i;
      bestDepth = depth;
    }
  }
  if (best < 0) return value.slice(0, max).replace(/[\\{}$]/g, ' ');
  return value.slice(0, best) + '}'.repeat(bestDepth);
}

const escapePercent = (v: string) => v.replace(/(^|[^\\])%/g, '$1\\%');
const sameLines = (v: string) => '\n'.repeat(v.split('\n').length - 1);

/** Characters the library accepts in a citation key (its tokenizer's rule), besides letters. */
const KEY_OK = /^[+'a-zA-Z0-9&;_:\\./\-[\]*"\p{L}]*$/u;
const ENTRY_HEAD = /^([ \t]*@\s*([a-zA-Z]+)\s*[{(]\s*)([^,\s{}()]+)/gm;

/**
 * Citation keys the library cannot read are swapped for `ATLASKEY<n>X` (same line) and put back
 * afterwards: Zotero writes `????` into the key of an undated item (`garcin_optic_????`), which
 * the library rejects as "Token mismatch", losing the entry.
 */
export function protectKeys(src: string): { src: string; keys: string[] } {
  const keys: string[] = [];
  const out = src.replace(ENTRY_HEAD, (all, head: string, type: string, key: string) => {
    if (NON_ENTRY_TYPES.has(type.toLowerCase()) || KEY_OK.test(key)) return all;
    keys.push(key);
    return `${head}${KEY_TOKEN}${keys.length - 1}X`;
  });
  return { src: out, keys };
}

export interface ExtractedFields {
  src: string;
  /** Plain text of each extracted value (`ATLASPLAINTOKEN<n>X` in token mode). */
  plain: string[];
  /** LaTeX values for the library's second pass: value index → source (already cut). */
  latex: Map<number, string>;
  /** Value index → length of the LaTeX source before RAW_LATEX_CAP cut it. */
  cut: Map<number, number>;
  /** Remove mode: offset of an entry's `@` in `src` → its removed fields (name → value index). */
  byEntry: Map<number, Map<string, number>>;
  /** Remove mode: offset of an entry's `@` → author/editor lists read here (no LaTeX in them). */
  names: Map<number, Map<string, Author[]>>;
}

const NAME_FIELDS = new Set(['author', 'editor']);

/**
 * A BibTeX name list without LaTeX or braces, read the way the library reads it (tests compare
 * both on every such list of the real exports): "and" separates names; "Family, Given",
 * "Family, Jr, Given", or "Given von Family" (the first lower-case word starts the family part).
 * Undefined when the list has a shape the library handles specially (4+ comma parts, `=`).
 */
export function simpleNames(value: string): Author[] | undefined {
  if (/[\\{}$~%=]/.test(value)) return undefined;
  const out: Author[] = [];
  // ASCII whitespace only, as the library: a no-break space stays inside a name part.
  for (const raw of value.trim().split(/[ \t\r\n]+and[ \t\r\n]+/i)) {
    const name = raw.replace(/[ \t\r\n]+/g, ' ').trim();
    if (!name) continue;
    const parts = name.split(',').map((x) => x.trim());
    if (parts.length === 3 && parts[2] === '') parts.pop();
    let family: string;
    let given: string | undefined;
    if (parts.length > 3) return undefined;
    if (parts.length >= 2) {
      family = parts[0]! + (parts.length === 3 && parts[1] ? ` ${parts[1]}` : '');
      given = parts[parts.length - 1];
    } else {
      const words = name.split(' ').filter(Boolean);
      const prefix = words.findIndex((w) => /^[a-z]/.test(w));
      const postfix = prefix <= 0 ? -1 : words.findIndex((w, i) => i > prefix && !/^[a-z]/.test(w));
      if (words.length === 1) family = words[0]!;
      else if (postfix === -1) {
        family = words[words.length - 1]!;
        given = words.slice(0, -1).join(' ');
      } else {
        given = words.slice(0, prefix).join(' ');
        family = words.slice(prefix).join(' ');
      }
    }
    if (!family && given) out.push({ family: given });
    else if (family) out.push(given ? { family, given } : { family });
  }
  return out;
}

/**
 * Rewrites field values found at field level (brace depth 1) of entries (see the module comment).
 *  - mode 'remove' (files without crossref/xdata): extracted fields are cut out of the source
 *    (their line breaks kept, so line numbers stay right) and kept by entry, so the library
 *    never sees them; plain name lists are read here too;
 *  - mode 'token': values become `{ATLASPLAINTOKEN<n>X}` (needed when crossref lets the
 *    library copy fields between entries).
 * Either way plain and simple-LaTeX values are converted at once; other LaTeX values are kept in
 * `latex` for `convertLatex`; unused fields are emptied.
 */
export function extractPlainFields(src: string, mode: 'remove' | 'token' = 'token'): ExtractedFields {
  const plain: string[] = [];
  const latex = new Map<number, string>();
  const cut = new Map<number, number>();
  const byEntry = new Map<number, Map<string, number>>();
  const names = new Map<number, Map<string, Author[]>>();
  const out: string[] = [];
  let outLen = 0;
  let last = 0;
  let depth = 0;
  /** Output offset of the `@` of the entry whose fields are at depth 1, or -1. */
  let entryAt = -1;
  let pendingAt = -1;
  const push = (x: string) => {
    out.push(x);
    outLen += x.length;
  };
  const fieldRe = /([a-zA-Z][\w-]*)\s*=\s*\{/y;
  const headRe = /@\s*([a-zA-Z]+)\s*\{/y;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x40 && depth === 0) {
      headRe.lastIndex = i;
      const h = headRe.exec(src);
      pendingAt = h && !NON_ENTRY_TYPES.has(h[1]!.toLowerCase()) ? outLen + (i - last) : -1;
    } else if (c === 0x7b) {
      if (depth === 0) {
        entryAt = pendingAt;
        pendingAt = -1;
      }
      depth++;
    } else if (c === 0x7d) {
      depth = Math.max(0, depth - 1);
      if (depth === 0) entryAt = -1;
    } else if (depth === 1 && /[\s,]/.test(src.charAt(i - 1)) && /[a-zA-Z]/.test(src.charAt(i))) {
      fieldRe.lastIndex = i;
      const m = fieldRe.exec(src);
      if (!m) continue;
      const name = m[1]!.toLowerCase();
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
      const removing = mode === 'remove' && entryAt >= 0;
      const people = removing && NAME_FIELDS.has(name) ? simpleNames(value) : undefined;
      if (LIBRARY_FIELDS.has(name) && !people) {
        i = open - 1; // resume just before the value's `{`, which the scan then counts
        continue;
      }
      let index = -1;
      if (USED_FIELDS.has(name)) {
        index = plain.length;
        if (!LATEX_SYNTAX.test(value)) plain.push(value.replace(/[{}]/g, ''));
        else if (SIMPLE_LATEX.test(value)) plain.push(simpleLatexToText(value));
        else {
          let v = value;
          if (v.length > RAW_LATEX_CAP) {
            v = cutLatex(v, RAW_LATEX_CAP);
            cut.set(index, value.length);
          }
          plain.push('');
          latex.set(index, escapePercent(v));
        }
      }
      if (removing) {
        // Cut `name = {value}` and the comma after it (or, for the last field, nothing more).
        let end = j + 1;
        const after = /^\s*,/.exec(src.slice(end, end + 200));
        if (after) end += after[0].length;
        push(src.slice(last, i));
        push(sameLines(src.slice(i, end)));
        if (people) {
          const list = names.get(entryAt) ?? new Map<string, Author[]>();
          if (!list.has(name)) list.set(name, people);
          names.set(entryAt, list);
        } else if (index >= 0) {
          const fields = byEntry.get(entryAt) ?? new Map<string, number>();
          if (!fields.has(name)) fields.set(name, index);
          byEntry.set(entryAt, fields);
        }
        last = end;
        i = end - 1;
        continue;
      }
      push(src.slice(last, open + 1));
      push(index >= 0 ? `${TOKEN}${index}X` + sameLines(value) : sameLines(value));
      last = j;
      i = j; // continue after the value's closing brace; depth stays 1
    }
  }
  push(src.slice(last));
  return { src: out.join(''), plain, latex, cut, byEntry, names };
}

/**
 * The library's text for each LaTeX value, converted in one extra library call: every value is
 * split (`splitLatex`) and each piece becomes the abstract of a synthetic entry. A value that
 * still fails is kept with its braces and backslash commands removed rather than lost.
 */
export function convertLatex(values: Map<number, string>): Map<number, string> {
  const out = new Map<number, string>();
  if (!values.size) return out;
  // Each value → pieces; a piece is either converted here (simple) or sent to the library.
  const pieces = new Map<number, (string | { lib: number; src: string })[]>();
  const parts: string[] = [];
  for (const [n, v] of values) {
    pieces.set(
      n,
      splitLatex(v).map((piece) => {
        if (SIMPLE_LATEX.test(piece)) return simpleLatexToText(piece);
        parts.push(`@misc{atlaspiece${parts.length},\n abstract = {${piece}}\n}\n`);
        return { lib: parts.length - 1, src: piece };
      }),
    );
  }
  const lib = parts.length ? parseBibtex(parts.join(''), { english: false, unsupported: 'ignore', applyCrossRef: false }) : { entries: [] };
  const byKey = new Map(lib.entries.map((e) => [e.key, typeof e.fields.abstract === 'string' ? e.fields.abstract : '']));
  for (const [n, list] of pieces) {
    out.set(n, list.map((x) => (typeof x === 'string' ? x : (byKey.get(`atlaspiece${x.lib}`) ?? fallbackText(x.src)))).join(' '));
  }
  return out;
}

/** Last resort for a piece the library rejects: drop commands and braces, keep the words. */
function fallbackText(piece: string): string {
  return piece.replace(/\\[a-zA-Z]+\*?|\\.|[{}$]/g, ' ');
}

/** Removes the HTML the parser generated and restores the literal angle brackets of the source. */
function toPlain(s: string): string {
  return (
    s
      .replace(/<\/?(p|br|li|ul|ol|blockquote|h\d)\b[^<>]*>/gi, ' ')
      .replace(/<[^<>]*>/g, '')
      .replaceAll(LT, '<')
      .replaceAll(GT, '>')
      // `{\'\i}` / `{\"\i}` come out as a dotless ı (or ȷ) plus a combining accent: "Minorı́a".
      // The dotted letter composes to the character every other format has ("Minoría").
      .replace(/\u0131(?=[\u0300-\u036f])/g, 'i')
      .replace(/\u0237(?=[\u0300-\u036f])/g, 'j')
      .normalize('NFC')
  );
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
/** An error whose input is an entry (not @string/@comment/@preamble): the entry itself was lost. */
const ENTRY_INPUT = /^\s*@\s*([a-zA-Z]+)\s*[{(]/;

function parseLibrary(src: string) {
  try {
    return parseBibtex(src, { english: false, unsupported: 'ignore', applyCrossRef: true });
  } catch (e) {
    throw new ImportError('bad-structure', `The BibTeX file could not be parsed: ${(e as Error).message}`);
  }
}

/** True when a token ended up anywhere but as a whole field value (or a whole list element, as
 *  in `publisher`): the scan misread the structure. */
function tokensMisplaced(entries: Entry[]): boolean {
  const whole = (x: string) => !x.includes(TOKEN) || WHOLE_TOKEN.test(x.trim());
  const bad = (v: unknown): boolean => {
    if (typeof v === 'string') return !whole(v);
    if (Array.isArray(v)) return v.some((x) => (typeof x === 'string' ? !whole(x) : JSON.stringify(x).includes(TOKEN)));
    return false;
  };
  return entries.some((e) => Object.values(e.fields).some(bad) || e.key.includes(TOKEN));
}

export function parseBibtexText(text: string, collection: string | undefined, limits: RecordLimits): ParseResult {
  const issues: ParseIssue[] = [];
  const protectedKeys = protectKeys(text.replaceAll('<', LT).replaceAll('>', GT));
  const original = protectedKeys.src;
  const keys = protectedKeys.keys;
  // crossref/xdata let the library copy fields between entries: it must see them (as tokens).
  const mode = /\b(crossref|xdata)\s*=/i.test(original) ? 'token' : 'remove';
  const fast = extractPlainFields(original, mode);
  let src = fast.src;
  let plain = fast.plain;
  let cuts = fast.cut;
  let byEntry = fast.byEntry;
  let names = fast.names;
  let lib = parseLibrary(src);
  // Guard: e.g. stray braces between entries can desynchronise the scan; then parse the original
  // text the slow way rather than risk a token leaking into the results.
  if (tokensMisplaced(lib.entries)) {
    src = original;
    plain = [];
    cuts = new Map();
    byEntry = new Map();
    names = new Map();
    lib = parseLibrary(src);
  } else {
    for (const [n, t] of convertLatex(fast.latex)) plain[n] = t;
  }
  const lines = new LineIndex(src); // tokens keep line breaks, so lines match the user's file
  const unkey = (s: string) => (keys.length ? s.replace(KEY_ALL, (_m, n: string) => keys[Number(n)] ?? '') : s);
  /** Parser output → plain text, with plain values and protected keys put back. */
  const restore = (s: string) => unkey(toPlain(plain.length ? s.replace(TOKEN_ALL, (_m, n: string) => plain[Number(n)] ?? '') : s));
  /** Fields the scan took out of the current entry (remove mode). */
  let taken: Map<string, number> | undefined;
  const field = (e: Entry, ...names: string[]): string | undefined => {
    for (const n of names) {
      const k = taken?.get(n);
      if (k !== undefined && plain[k]!.trim()) return restore(plain[k]!);
      const v = (e.fields as Record<string, unknown>)[n];
      if (typeof v === 'string' && v.trim()) return restore(v);
      if (Array.isArray(v) && v.length && typeof v[0] === 'string') return restore(v.join(', '));
    }
    return undefined;
  };
  /** Index of a field's value: from the scan, or from a whole token (token mode). */
  const valueIndex = (e: Entry, name: string): number | undefined => {
    const k = taken?.get(name);
    if (k !== undefined) return k;
    const v = (e.fields as Record<string, unknown>)[name];
    const m = typeof v === 'string' ? /^\s*ATLASPLAINTOKEN(\d+)X\s*$/.exec(v) : null;
    return m ? Number(m[1]) : undefined;
  };
  const person = (c: Creator): Author | undefined => {
    if (c.name) return { family: restore(c.name) };
    const family = restore([c.prefix, c.lastName].filter(Boolean).join(' ') + (c.suffix ? ` ${c.suffix}` : ''));
    const given = c.firstName ? restore(c.firstName) : '';
    if (!family) return given ? { family: given } : undefined;
    return given ? { family, given } : { family };
  };

  const failedInputs = lib.errors.filter((er) => er.input && /^\s*@/.test(er.input));
  const usedErrors = new Set<object>();
  let cursor = 0;
  let entryNo = 0;
  const papers: Paper[] = [];
  const places: RecordPlace[] = [];
  for (const e of lib.entries) {
    entryNo++;
    let line: number | undefined;
    taken = undefined;
    let people: Map<string, Author[]> | undefined;
    if (e.input) {
      // The parser keeps each entry's verbatim text: find it, in order, for the line number
      // (and, in remove mode, the fields the scan took out of it).
      const at = src.indexOf(e.input, cursor);
      if (at >= 0) {
        line = lines.lineAt(at);
        cursor = at + e.input.length;
        taken = byEntry.get(at);
        people = names.get(at);
      }
    }
    const key = e.key ? restore(e.key) : undefined;
    const where = `Entry ${entryNo}${key ? ` "${key}"` : ''}${line ? ` (line ${line})` : ''}`;
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
        message: `Entry ${entryNo}${key ? ` "${key}"` : ''}${line ? ` (line ${line})` : ''} is malformed and was skipped: ${restore(err?.error ?? 'syntax error')}.`,
        excerpt: err?.input ? excerpt(restore(err.input)) : undefined,
        skipped: true,
      });
      continue;
    }
    let abstract = field(e, 'abstract');
    const absIndex = valueIndex(e, 'abstract');
    const srcLength = absIndex !== undefined ? cuts.get(absIndex) : undefined;
    if (abstract && srcLength !== undefined) {
      // Cut before conversion (RAW_LATEX_CAP): say how long the source was, then cut the text
      // to the limit here so the record layer does not report the shorter converted length.
      issues.push({ entry: entryNo, line, message: `${where}: abstract is ${srcLength} characters; cut to the limit of ${limits.maxAbstractChars}.`, excerpt: excerpt(field(e, 'title') ?? '') });
      abstract = truncateText(cleanText(abstract), limits.maxAbstractChars);
    }
    const archive = (field(e, 'archiveprefix', 'eprinttype') ?? '').toLowerCase();
    const raw: RawRecord = {
      title: field(e, 'title') ?? field(e, 'booktitle'),
      shortTitle: field(e, 'shorttitle'),
      abstract,
      authors: people?.get('author') ?? (e.fields.author ? undefined : people?.get('editor')) ?? (e.fields.author ?? e.fields.editor)?.map(person).filter((a): a is Author => !!a),
      year: field(e, 'year', 'date'),
      venue: field(e, 'title') !== undefined ? field(e, 'journal', 'journaltitle', 'booktitle', 'series', 'publisher', 'school', 'institution', 'howpublished') : field(e, 'journal', 'journaltitle'),
      doi: field(e, 'doi'),
      url: field(e, 'url'),
      arxiv: archive === 'arxiv' || /^arxiv:/i.test(field(e, 'eprint') ?? '') ? field(e, 'eprint') : undefined,
    };
    const place: RecordPlace = { entry: entryNo, line, label: key };
    const paper = buildPaper(raw, place, collection, limits, issues);
    if (paper) {
      papers.push(paper);
      places.push(place);
    }
  }
  // Errors not tied to a recovered entry: an entry the library dropped whole (counted and named
  // as a skipped entry), or a bad @string / stray text between entries.
  for (const er of lib.errors) {
    if (usedErrors.has(er)) continue;
    const at = er.input ? src.indexOf(er.input) : -1;
    const line = at >= 0 ? lines.lineAt(at) : lineOfMessage(er.error);
    const type = er.input ? ENTRY_INPUT.exec(er.input)?.[1] : undefined;
    if (type && !NON_ENTRY_TYPES.has(type.toLowerCase())) {
      entryNo++;
      const key = keyOf(er.input!);
      issues.push({
        entry: entryNo,
        line,
        message: `Entry${key ? ` "${restore(key)}"` : ''}${line ? ` (line ${line})` : ''} could not be read and was skipped: ${restore(er.error)}.`,
        excerpt: excerpt(restore(er.input!)),
        skipped: true,
      });
      continue;
    }
    issues.push({
      line,
      message: `BibTeX syntax problem: ${restore(er.error)}.`,
      excerpt: er.input ? excerpt(restore(er.input)) : undefined,
    });
  }
  if (lib.entries.length === 0) {
    const starts = [...src.matchAll(ENTRY_START)].filter((m) => !NON_ENTRY_TYPES.has(m[1]!.toLowerCase()));
    if (starts.length === 0) {
      throw new ImportError('no-entries', 'No BibTeX entries found (expected entries like "@article{key, title = {…}, …}").');
    }
  }
  return { papers, places, issues, entries: entryNo };
}
