/**
 * Sentence splitting for abstracts, with character ranges so the UI can highlight the exact span.
 *
 * A rule-based splitter rather than Intl.Segmenter: ICU's sentence rules break after "e.g. " or
 * "et al. " when a capital follows, and differ between engines, while the ranges here must be the
 * same in Node (CLI, tests) and in every browser.
 *
 * Rule: a sentence ends at `.`, `!` or `?` (plus closing quotes/brackets) followed by whitespace and
 * then an upper-case letter, digit, opening quote/bracket or end of text — unless the token before
 * the period is a known abbreviation ("e.g.", "et al.", "Fig.", "vs.") or a single capital initial.
 * Decimals ("86.7%") and URLs never match because no whitespace follows their period.
 */

export interface SentenceSpan {
  text: string;
  /** [start, end) in the input string; `input.slice(start, end) === text`. */
  start: number;
  end: number;
}

/** Lower-cased abbreviations (without their final period) after which a period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'e.g', 'i.e', 'al', 'cf', 'vs', 'viz', 'approx', 'fig', 'figs', 'eq', 'eqs', 'sec', 'secs',
  'tab', 'no', 'nos', 'vol', 'pp', 'ch', 'ref', 'refs', 'resp', 'dr', 'prof', 'mr', 'mrs', 'ms', 'st',
  'inc', 'ltd', 'co', 'corp', 'jr', 'sr', 'u.s', 'e.t.c', 'w.r.t', 'a.k.a', 'ca', 'esp', 'incl',
]);

// Candidate boundary: terminator(s), optional closers, whitespace, then what may start a sentence.
const BOUNDARY = /[.!?]+["'”’)\]]*(?=\s+(?:["'“‘(\[]?[\p{Lu}\p{N}]|$))/gu;

function isAbbreviation(text: string, periodIndex: number): boolean {
  // Token = the non-space run that ends at the period.
  let s = periodIndex;
  while (s > 0 && !/\s/.test(text[s - 1])) s--;
  const token = text.slice(s, periodIndex).replace(/^["'“‘(\[]+/, '').toLowerCase();
  if (!token) return false;
  if (ABBREVIATIONS.has(token)) return true;
  // A single capital initial ("J. Smith", "A. B. Author") — but not "model A." at a real end,
  // which we cannot tell apart; initials are the more common case in abstracts' author mentions.
  if (/^\p{Lu}$/u.test(text.slice(s, periodIndex))) return true;
  return false;
}

/** Split `text` into sentences with ranges. Whitespace between sentences belongs to none. */
export function splitSentences(text: string): SentenceSpan[] {
  const spans: SentenceSpan[] = [];
  let start = 0;
  const push = (end: number) => {
    // Trim the span's leading/trailing whitespace so ranges point at visible text.
    let s = start;
    let e = end;
    while (s < e && /\s/.test(text[s])) s++;
    while (e > s && /\s/.test(text[e - 1])) e--;
    if (e > s) spans.push({ text: text.slice(s, e), start: s, end: e });
  };
  BOUNDARY.lastIndex = 0;
  for (let m = BOUNDARY.exec(text); m; m = BOUNDARY.exec(text)) {
    const end = m.index + m[0].length;
    if (m[0][0] === '.' && m[0].length >= 1 && isAbbreviation(text, m.index)) continue;
    push(end);
    start = end;
  }
  push(text.length);
  return spans;
}
