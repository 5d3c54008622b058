/**
 * Bytes → text for imports: size limit, binary detection, BOMs, strict UTF-8 with a Windows-1252
 * fallback. Pure (TextDecoder exists in Node and in workers).
 */
import type { ParseIssue } from '../types.ts';
import { ImportError } from './errors.ts';
import { formatBytes } from './limits.ts';

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DecodedText {
  text: string;
  encoding: TextEncodingName;
  issues: ParseIssue[];
}

/** How much of the start of a file is inspected for binary content. */
const SNIFF_BYTES = 64 * 1024;
/** Share of control characters (other than tab/CR/LF/FF) above which a text is called binary:
 *  real exports have ~0, while compressed/binary data has ~12 % by chance. NUL bytes count as
 *  control characters: a few of them in a text export (a damaged copy, a bad conversion) do not
 *  make it binary — the entries that hold them are skipped and named instead (see NUL_MARK). */
const MAX_CONTROL_RATIO = 0.02;
/** …and at least this many control characters: a short text with one stray NUL is still text. */
const MIN_CONTROL_COUNT = 8;

/**
 * Stands in for each NUL character of a text file between decoding and parsing (a private-use
 * character: parsers treat it as an ordinary one). `buildPaper` skips every record with a field
 * holding it, naming the record; the file's other entries are offered. So a NUL is handled the
 * same wherever it is (first 64 KB or not, inside a field or between entries).
 */
export const NUL_MARK = '\uE002';

/** Rejects input above `limit` bytes without looking at it. */
export function checkSize(fileName: string, size: number, limit: number): void {
  if (size > limit) {
    throw new ImportError(
      'too-large',
      `"${fileName}" is ${formatBytes(size)}; the import limit is ${formatBytes(limit)}. ` +
        'Split the file into smaller parts (e.g. export one Zotero sub-collection at a time).',
    );
  }
}

/** Recognisable binary formats, so the message can say what the file really is. */
const SIGNATURES: { bytes: number[]; what: string }[] = [
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (e.g. .xlsx, .docx, .zip)' },
  { bytes: [0x1f, 0x8b], what: 'a gzip-compressed file' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0xd0, 0xcf, 0x11, 0xe0], what: 'a legacy Office document (e.g. .xls, .doc)' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65], what: 'an SQLite database' },
];

function startsWith(b: Uint8Array, sig: number[]): boolean {
  return b.length >= sig.length && sig.every((v, i) => b[i] === v);
}

/**
 * Throws ImportError('binary') when `bytes` is not text. Checked on the raw bytes (before any
 * decoding) so a binary file renamed `.bib` is reported as binary, not as a BibTeX syntax error.
 * UTF-16 input (NUL every other byte) is NOT binary; callers detect it first.
 */
export function assertNotBinary(fileName: string, bytes: Uint8Array): void {
  for (const s of SIGNATURES) {
    if (startsWith(bytes, s.bytes)) {
      throw new ImportError('binary', `"${fileName}" is ${s.what}, not a text export. Export your references as BibTeX, RIS, CSV or JSON and import that file.`);
    }
  }
  const n = Math.min(bytes.length, SNIFF_BYTES);
  let control = 0;
  let nul = 0;
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0) nul++;
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c) control++;
  }
  if (control >= MIN_CONTROL_COUNT && control / Math.max(1, n) > MAX_CONTROL_RATIO) {
    throw new ImportError(
      'binary',
      `"${fileName}" looks like a binary file (${control} control bytes${nul ? `, ${nul} of them NUL,` : ''} in the first ${formatBytes(n)}), not a text export. Export your references as BibTeX, RIS, CSV or JSON and import that file.`,
    );
  }
}

/** Same test on an already-decoded string (paste), where the bytes are gone. */
export function assertTextNotBinary(fileName: string, text: string): void {
  const n = Math.min(text.length, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) control++;
  }
  if (control >= MIN_CONTROL_COUNT && control / Math.max(1, n) > MAX_CONTROL_RATIO) {
    throw new ImportError('binary', `"${fileName}" contains binary data (${control} control characters in the first ${n}), not text.`);
  }
}

/**
 * UTF-16 without a BOM shows up as NUL in (almost) every other byte of ASCII-heavy text.
 * Returns the byte order, or undefined when the pattern is absent.
 */
function sniffBomlessUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const n = Math.min(bytes.length, 4096) & ~1;
  if (n < 8) return undefined;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenNul++;
    if (bytes[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > 0.7 * pairs && evenNul < 0.05 * pairs) return 'utf-16le';
  if (evenNul > 0.7 * pairs && oddNul < 0.05 * pairs) return 'utf-16be';
  return undefined;
}

/** Offset of the first byte that breaks UTF-8, or -1. Only used to make the fallback message precise. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    let need = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i; // also a sequence cut off at EOF
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function lineOfOffset(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < b.length; i++) if (b[i] === 0x0a) line++;
  return line;
}

/**
 * Decodes file bytes to text. Order: BOMs (UTF-8, UTF-16 LE/BE), BOM-less UTF-16, binary check,
 * strict UTF-8, then Windows-1252 (the usual encoding of old Excel/EndNote exports on Windows)
 * with an issue saying so and where the first non-UTF-8 byte is. Never returns U+FFFD silently.
 * @throws ImportError('binary') for binary content.
 */
export function decodeBytes(fileName: string, bytes: Uint8Array): DecodedText {
  const issues: ParseIssue[] = [];
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le', issues };
  }
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be', issues };
  }
  const utf16 = sniffBomlessUtf16(bytes);
  if (utf16) {
    issues.push({ message: `The file has no byte-order mark but looks like ${utf16.toUpperCase()} text; decoded as ${utf16.toUpperCase()}.` });
    return { text: new TextDecoder(utf16).decode(bytes), encoding: utf16, issues };
  }
  const body = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  assertNotBinary(fileName, body);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8', issues };
  } catch {
    const at = firstInvalidUtf8(body);
    const text = new TextDecoder('windows-1252').decode(body);
    issues.push({
      line: at >= 0 ? lineOfOffset(body, at) : undefined,
      message:
        `The file is not valid UTF-8` +
        (at >= 0 ? ` (first invalid byte 0x${body[at]!.toString(16).padStart(2, '0')} at offset ${at})` : '') +
        `; decoded as Windows-1252 instead. Check accented characters; re-export as UTF-8 if they look wrong.`,
    });
    return { text, encoding: 'windows-1252', issues };
  }
}
