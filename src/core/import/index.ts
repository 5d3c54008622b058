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
import type { ParseIssue, ParseResult } from '../types.ts';
import { BUNDLE_MAGIC_BYTES, readBundle } from './bundle.ts';
import { parseBibtexText } from './bibtex.ts';
import { parseDelimitedText } from './csv.ts';
import { chooseFormat, formatFromExtension, type ImportFormat, type TextFormat } from './detect.ts';
import { assertTextNotBinary, checkSize, decodeBytes, type TextEncodingName } from './encoding.ts';
import { ImportError } from './errors.ts';
import { parseJsonLinesText, parseJsonText } from './json.ts';
import { MAX_ABSTRACT_CHARS, MAX_BUNDLE_BYTES, MAX_ISSUES, MAX_TEXT_BYTES, MAX_TITLE_CHARS } from './limits.ts';
import type { RecordLimits } from './record.ts';
import { parseRisText } from './ris.ts';
import { parseSeedText } from './seed.ts';

export { ImportError } from './errors.ts';
export type { ImportErrorCode } from './errors.ts';
export type { ImportFormat, TextFormat } from './detect.ts';
export { FORMAT_NAMES, sniffFormat, formatFromExtension } from './detect.ts';
export { MAX_ABSTRACT_CHARS, MAX_BUNDLE_BYTES, MAX_TEXT_BYTES, MAX_TITLE_CHARS } from './limits.ts';
export { findDuplicates, withoutDuplicates } from './dedupe.ts';
export type { Duplicate } from './dedupe.ts';

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
}

export interface ImportResult extends ParseResult {
  format: ImportFormat;
  /** How the bytes were decoded (absent for string input and bundles). */
  encoding?: TextEncodingName;
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
function capIssues(issues: ParseIssue[]): ParseIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  return [...issues.slice(0, MAX_ISSUES), { message: `…and ${issues.length - MAX_ISSUES} more problems (not listed).` }];
}

/**
 * Parses one imported file or pasted text.
 * @param fileName used for format detection (extension) and in messages; pass e.g. "pasted text".
 * @param data raw file bytes (preferred: enables encoding detection) or already-decoded text.
 * @throws ImportError for whole-file failures; see the module comment.
 */
export function parseImport(fileName: string, data: Uint8Array | string, opts: ImportOptions = {}): ImportResult {
  const limits: RecordLimits = {
    maxAbstractChars: opts.maxAbstractChars ?? MAX_ABSTRACT_CHARS,
    maxTitleChars: opts.maxTitleChars ?? MAX_TITLE_CHARS,
  };
  const wantsBundle = opts.format === 'bundle' || (opts.format === undefined && formatFromExtension(fileName) === 'bundle');

  if (typeof data !== 'string' && (startsWithMagic(data) || wantsBundle)) {
    checkSize(fileName, data.length, opts.maxBundleBytes ?? MAX_BUNDLE_BYTES);
    const b = readBundle(data, { collection: opts.collection, limits });
    return { papers: b.papers, issues: capIssues(b.issues), format: 'bundle' };
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
    issues.push(...dec.issues);
  }
  assertTextNotBinary(fileName, text);
  if (!text.trim()) throw new ImportError('empty', `"${fileName}" contains only whitespace.`);

  let format: TextFormat;
  if (opts.format && opts.format !== 'bundle') format = opts.format;
  else {
    const choice = chooseFormat(fileName, text);
    format = choice.format;
    if (choice.note) issues.push({ message: choice.note });
  }
  const res = PARSERS[format](text, opts.collection, limits);
  issues.push(...res.issues);
  if (res.papers.length === 0 && res.issues.length === 0) issues.push({ message: `No papers found in "${fileName}".` });
  return { papers: res.papers, issues: capIssues(issues), format, encoding };
}
