/**
 * Parser for the seed ("plain text") format: a page scraped from a paper-listing site.
 *
 *   Get trending papers in your email inbox once a day!     ← header lines (boilerplate)
 *   Get trending papers in your email inbox!
 *   SubscribeMasked Feature Prediction for …                ← first title glued to "Subscribe"
 *   We present Masked Feature Prediction (MaskFeat) …       ← its abstract, one line
 *   Dense Contrastive Learning for …                        ← next title, and so on
 *
 * The parser does not trust strict alternation: each line is classified by its shape (length,
 * sentence structure, final period) and alternation only breaks ties for lines whose shape is
 * ambiguous. So one lost line does not shift every later title/abstract pair by one.
 *
 * Invariants: every non-blank, non-boilerplate line either becomes part of a paper or is reported
 * in `issues` with its 1-based line number; ids come from `paperId(title)` (content, not position);
 * a title that appears twice is kept once and the repeat is reported.
 */
import { paperId } from '../library/ids.ts';
import type { EntryPlace, Paper, ParseIssue, ParseResult } from '../types.ts';
import { splitSentences } from '../text/sentences.ts';

/** Boilerplate of the scraped page; a line matching it is dropped wherever it appears. */
const BOILERPLATE: RegExp[] = [/^get trending papers\b/i, /^subscribe$/i];

/** "Subscribe" glued to the following title by the scrape (no space, next char starts a word). */
const GLUED_SUBSCRIBE = /^Subscribe(?=[\p{Lu}\p{N}])/u;

export type LineShape = 'title' | 'abstract' | 'either';

/**
 * Shape of one trimmed line. Measured on the seed file: titles are 20–122 chars and never end in
 * a period; abstracts are 507–1917 chars and always several sentences. The thresholds leave a wide
 * margin on both sides; whatever falls between is 'either' and is decided by alternation.
 */
export function classifyLine(line: string): LineShape {
  const len = line.length;
  const endsWithPeriod = /[.]["')\]]?$/.test(line);
  if (len >= 300) return 'abstract';
  const sentences = splitSentences(line).length;
  if (sentences >= 2 && len >= 120) return 'abstract';
  if (endsWithPeriod && line.split(/\s+/).length >= 20) return 'abstract';
  if (len <= 250 && !endsWithPeriod && sentences <= 1) return 'title';
  return 'either';
}

function excerpt(s: string): string {
  return s.length > 120 ? s.slice(0, 117) + '…' : s;
}

/** Collapse internal whitespace (tabs, NBSP, runs of spaces) that scrapes leave in titles. */
function cleanTitle(s: string): string {
  return s.replace(GLUED_SUBSCRIBE, '').replace(/\s+/g, ' ').trim();
}

/**
 * Parse seed-format text into papers. Never throws on content; problems go to `issues`.
 * @param collection stored on every paper (default "seed").
 */
export function parseSeed(text: string, collection = 'seed'): ParseResult {
  const papers: Paper[] = [];
  const places: EntryPlace[] = [];
  const issues: ParseIssue[] = [];
  const seen = new Map<string, number>(); // paper id → line of its title
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);

  let pending: { title: string; line: number } | null = null;

  const emit = (title: string, titleLine: number, abstract: string) => {
    const id = paperId(title);
    const first = seen.get(id);
    if (first !== undefined) {
      issues.push({ line: titleLine, message: `Duplicate title (first seen on line ${first}); kept the first`, excerpt: excerpt(title), skipped: true });
      return;
    }
    if (!id || title.length === 0) {
      issues.push({ line: titleLine, message: 'Empty title; entry skipped', excerpt: excerpt(abstract), skipped: true });
      return;
    }
    seen.set(id, titleLine);
    const paper: Paper = { id, title, abstract, collection };
    if (!abstract) {
      paper.flags = { noAbstract: true };
      issues.push({ line: titleLine, message: 'Title has no abstract after it; imported without abstract', excerpt: excerpt(title) });
    }
    papers.push(paper);
    places.push({ line: titleLine, noun: 'paper' });
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].replace(/[\u200B-\u200D\u2060]/g, '').trim();
    if (!raw) continue;
    if (BOILERPLATE.some((re) => re.test(raw))) continue;

    let shape = classifyLine(raw);
    if (shape === 'either') shape = pending ? 'abstract' : 'title';

    if (shape === 'title') {
      if (pending) emit(pending.title, pending.line, '');
      const title = cleanTitle(raw);
      if (!title) {
        issues.push({ line: lineNo, message: 'Line is empty after removing boilerplate', excerpt: excerpt(raw) });
        pending = null;
        continue;
      }
      pending = { title, line: lineNo };
    } else if (pending) {
      emit(pending.title, pending.line, raw.replace(/[ \t\u00A0]+/g, ' '));
      pending = null;
    } else {
      issues.push({ line: lineNo, message: 'Looks like an abstract but no title precedes it; not imported', excerpt: excerpt(raw), skipped: true });
    }
  }
  if (pending) emit(pending.title, pending.line, '');
  if (papers.length === 0 && text.trim()) {
    issues.push({ message: 'No papers found: expected alternating title and abstract lines' });
  }
  return { papers, places, issues, entries: papers.length + issues.filter((i) => i.skipped).length };
}
