/**
 * Documented limits of the importers. They exist so that one bad file cannot freeze the tab or
 * exhaust memory, and so the user gets a precise message instead of a hang.
 */

/** Largest text export accepted (BibTeX, RIS, CSV, TSV, JSON, JSONL, plain text). Checked BEFORE
 *  decoding or parsing. 256 MiB holds a 100 000-paper library with abstracts (issue 15: a JSON
 *  Lines export of 100k papers is ~170 MB, a BibTeX one ~80–100 MB), and keeps the decoded text
 *  well under V8's longest string (2^29 characters). It was 20 MiB (~10 000 entries), which turned
 *  away every library the large-library work is for. */
export const MAX_TEXT_BYTES = 256 * 1024 * 1024;

/** Largest bundle (.atlas) accepted: it carries Float32 vectors and an HNSW graph besides the
 *  papers, ~4.5 kB per paper at 384 dims, so it gets a larger limit than text exports. */
export const MAX_BUNDLE_BYTES = 512 * 1024 * 1024;

/** Abstracts longer than this are cut (with a warning naming the entry). Real abstracts are
 *  < 5 000 chars; the embedding models read ~512 tokens anyway. */
export const MAX_ABSTRACT_CHARS = 20_000;

/** Titles longer than this are cut (with a warning): a longer "title" is almost always a
 *  mis-mapped column or a missing delimiter. */
export const MAX_TITLE_CHARS = 1_000;

/** Upper bound on issues kept per file; beyond it one summary issue says how many were dropped,
 *  so a file with 100 000 bad lines still yields a readable report. */
export const MAX_ISSUES = 200;

/** Length of `ParseIssue.excerpt`. */
export const EXCERPT_CHARS = 120;

/** One-line excerpt of untrusted input for an issue message (plain text, never HTML). */
export function excerpt(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > EXCERPT_CHARS ? one.slice(0, EXCERPT_CHARS - 1) + '…' : one;
}

/** "1.5 MB" style size for messages. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}
