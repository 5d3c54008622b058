/**
 * Entry point for user imports: `parseImport(fileName, data)` detects the format, decodes the
 * bytes, applies the documented limits (limits.ts) and returns papers plus every problem found.
 *
 * Failure modes:
 *  - whole-file problems (too large, empty, binary, not a bundle, no recognisable structure) throw
 *    `ImportError` with a message for the user;
 *  - problems with single entries become `ParseIssue`s (with line/entry) and the valid entries of
 *    the file are still returned.
 * Duplicates are NOT removed here: call `findDuplicates` (dedupe.ts) against what is stored.
 * Text (titles, abstracts) is returned literally, HTML/script tags included: render it as text.
 */
import type { EntryPlace, ParseIssue, ParseResult } from '../types.ts';
import { BUNDLE_MAGIC_BYTES, readBundle, type Bundle } from './bundle.ts';
import { parseBibtexText } from './bibtex.ts';
import { parseDelimitedText } from './csv.ts';
import { chooseFormat, formatFromExtension, type ImportFormat, type TextFormat } from './detect.ts';
import { assertTextNotBinary, checkSize, decodeBytes, NUL_MARK, type TextEncodingName } from './encoding.ts';
import { ImportError } from './errors.ts';
import { parseJsonLinesText, parseJsonText } from './json.ts';
import { MAX_ABSTRACT_CHARS, MAX_BUNDLE_BYTES, MAX_ISSUES, MAX_TEXT_BYTES, MAX_TITLE_CHARS } from './limits.ts';
import { mergeEntries, type MergedEntry, type SameTitlePair } from './merge.ts';
import type { RecordLimits } from './record.ts';
import { buildReport, type ImportReport } from './report.ts';
import { parseRisText } from './ris.ts';
import { parseSeedText } from './seed.ts';

export { ImportError } from './errors.ts';
export type { ImportErrorCode } from './errors.ts';
export type { ImportFormat, TextFormat } from './detect.ts';
export { FORMAT_NAMES, sniffFormat, formatFromExtension } from './detect.ts';
export { MAX_ABSTRACT_CHARS, MAX_BUNDLE_BYTES, MAX_TEXT_BYTES, MAX_TITLE_CHARS } from './limits.ts';
export { findDuplicates, withoutDuplicates, sameIdentity } from './dedupe.ts';
export type { Duplicate, DedupeFields } from './dedupe.ts';
export { mergeEntries } from './merge.ts';
export type { MergedEntry, SameTitlePair } from './merge.ts';
export { buildReport, summaryLine } from './report.ts';
export type { ImportReport, ImportCounts, SkippedEntry } from './report.ts';

export interface ImportOptions {
  /** Stored on every paper (`Paper.collection`). */
  collection?: string;
  /** Skip detection and use this parser. */
  format?: ImportFormat;
  /** Overrides of the documented limits (tests, CLI flags). */
  maxTextBytes?: number;
  maxBundleBytes?: number;
  maxAbstractChars?: number;
  maxTitleChars?: number;
  /** Keep every issue, merge and skip in the lists (CLI `inspect --json`/`--all`). Default: the
   *  lists are capped at MAX_ISSUES items each, the counts are always complete. */
  allIssues?: boolean;
}

export interface ImportResult extends ParseResult {
  format: ImportFormat;
  /** How the bytes were decoded (absent for string input and bundles). */
  encoding?: TextEncodingName;
  /** Where each paper's (first) record is in the file. */
  places: EntryPlace[];
  /** Records merged into another paper of the file. */
  merged: MergedEntry[];
  /** Same-title papers kept apart. */
  sameTitle: SameTitlePair[];
  /** Counts and explanations: entries = papers + merged + skipped. `issues` above is its list of
   *  skips and warnings in file order. */
  report: ImportReport;
  /** The bundle as read (header, vectors, index), for `.atlas` files. */
  bundle?: Bundle;
}

const PARSERS: Record<TextFormat, (text: string, collection: string | undefined, limits: RecordLimits) => ParseResult> = {
  bibtex: parseBibtexText,
  ris: parseRisText,
  csv: (t, c, l) => parseDelimitedText(t, undefined, c, l),
  tsv: (t, c, l) => parseDelimitedText(t, '\t', c, l),
  json: parseJsonText,
  jsonl: parseJsonLinesText,
  text: parseSeedText,
};

function startsWithMagic(b: Uint8Array): boolean {
  return b.length >= BUNDLE_MAGIC_BYTES.length && BUNDLE_MAGIC_BYTES.every((v, i) => b[i] === v);
}

/** Keeps the report readable for files with thousands of bad lines. */
function capIssues(issues: ParseIssue[], all: boolean): ParseIssue[] {
  if (all || issues.length <= MAX_ISSUES) return issues;
  return [...issues.slice(0, MAX_ISSUES), { message: `…and ${issues.length - MAX_ISSUES} more problems (not listed).` }];
}

/** Appends without spreading: `push(...list)` overflows the call stack for ~100k+ items. */
function append<T>(into: T[], items: readonly T[]): void {
  for (const x of items) into.push(x);
}

/** NUL characters → NUL_MARK, with one file-level issue saying how many and where the first is. */
function markNuls(text: string, issues: ParseIssue[]): string {
  const first = text.indexOf('\u0000');
  if (first < 0) return text;
  let count = 0;
  const out = text.replace(/\u0000/g, () => (count++, NUL_MARK));
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < first; i = text.indexOf('\n', i + 1)) line++;
  issues.push({ line, message: `The file contains ${count} NUL byte${count > 1 ? 's' : ''} (the first on line ${line}), which never belong in a text export; entries holding one are skipped and named below, the others are offered.` });
  return out;
}

/**
 * Parses one imported file or pasted text: decode, detect, parse, merge the records that are the
 * same paper (merge.ts), count (report.ts).
 * @param fileName used for format detection (extension) and in messages; pass e.g. "pasted text".
 * @param data raw file bytes (preferred: enables encoding detection) or already-decoded text.
 * @throws ImportError for whole-file failures; see the module comment.
 */
export function parseImport(fileName: string, data: Uint8Array | string, opts: ImportOptions = {}): ImportResult {
  const limits: RecordLimits = {
    maxAbstractChars: opts.maxAbstractChars ?? MAX_ABSTRACT_CHARS,
    maxTitleChars: opts.maxTitleChars ?? MAX_TITLE_CHARS,
  };
  const all = !!opts.allIssues;
  const listLimit = all ? undefined : MAX_ISSUES;
  const wantsBundle = opts.format === 'bundle' || (opts.format === undefined && formatFromExtension(fileName) === 'bundle');

  if (typeof data !== 'string' && (startsWithMagic(data) || wantsBundle)) {
    checkSize(fileName, data.length, opts.maxBundleBytes ?? MAX_BUNDLE_BYTES);
    const b = readBundle(data, { collection: opts.collection, limits });
    // An exported collection is one paper per record already (readBundle drops repeated ids).
    const report = buildReport({ format: 'bundle', entries: b.entries, papers: b.papers, merged: [], issues: b.issues }, listLimit);
    return { papers: b.papers, places: b.papers.map((_, i) => ({ entry: i + 1, noun: 'bundle paper' })), merged: [], sameTitle: [], issues: capIssues(b.issues, all), format: 'bundle', report, bundle: b };
  }
  if (typeof data === 'string' && wantsBundle) {
    throw new ImportError('bad-bundle', `"${fileName}" must be read as bytes: bundles are binary files.`);
  }

  const size = typeof data === 'string' ? data.length : data.length;
  checkSize(fileName, size, opts.maxTextBytes ?? MAX_TEXT_BYTES);
  if (size === 0) throw new ImportError('empty', `"${fileName}" is empty.`);

  const issues: ParseIssue[] = [];
  let text: string;
  let encoding: TextEncodingName | undefined;
  if (typeof data === 'string') {
    text = data.replace(/^\uFEFF/, '');
  } else {
    const dec = decodeBytes(fileName, data);
    text = dec.text;
    encoding = dec.encoding;
    append(issues, dec.issues);
  }
  assertTextNotBinary(fileName, text);
  text = markNuls(text, issues);
  if (!text.trim()) throw new ImportError('empty', `"${fileName}" contains only whitespace.`);

  let format: TextFormat;
  if (opts.format && opts.format !== 'bundle') format = opts.format;
  else {
    const choice = chooseFormat(fileName, text);
    format = choice.format;
    if (choice.note) issues.push({ message: choice.note });
  }
  const res = PARSERS[format](text, opts.collection, limits);
  append(issues, res.issues);
  const m = mergeEntries(res.papers, res.places ?? []);
  append(issues, m.issues);
  if (m.papers.length === 0 && issues.length === 0) issues.push({ message: `No papers found in "${fileName}".` });
  const report = buildReport({ format, entries: res.entries, papers: m.papers, merged: m.merged, sameTitle: m.sameTitle, issues }, listLimit);
  return { papers: m.papers, places: m.places, merged: m.merged, sameTitle: m.sameTitle, issues: capIssues(issues, all), format, encoding, report, entries: report.counts.entries };
}
