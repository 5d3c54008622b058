/**
 * What an import does with a file, counted once for every front end: the CLI's `inspect`
 * (text and --json), the CLI's corpus loading and the browser's import preview all show these
 * numbers. Invariant (checked by `checkReport` and the fixture tests):
 *
 *   entries = papers + merged + skipped
 *
 * where every merged entry names the paper it went into and why, and every skipped entry has the
 * issue that says why it was left out.
 */
import type { EntryPlace, ParseIssue } from '../types.ts';
import type { MergedEntry, SameTitlePair } from './merge.ts';

export type { MergedEntry, SameTitlePair } from './merge.ts';

export interface SkippedEntry {
  entry?: number;
  line?: number;
  message: string;
}

/** Counts, always exact (lists below may be capped for the UI). */
export interface ImportCounts {
  entries: number;
  papers: number;
  withoutAbstract: number;
  merged: number;
  skipped: number;
}

export interface ImportReport {
  format: string;
  counts: ImportCounts;
  /** Every merge, in file order (capped only when asked: `listLimit`). */
  merged: MergedEntry[];
  /** Every skipped entry with its reason. */
  skipped: SkippedEntry[];
  /** Same-title papers kept apart (different author/year/DOI). */
  sameTitle: SameTitlePair[];
  /** Everything else worth reading: warnings (DOI ignored, field cut…), file-level notes. */
  issues: ParseIssue[];
  /** Items left out of the lists above by `listLimit` (0 when nothing was left out). */
  omitted: { merged: number; skipped: number; sameTitle: number; issues: number };
}

export interface ReportInput {
  format: string;
  /** Entries the parser saw; when unknown, papers + merged + skipped. */
  entries?: number;
  papers: readonly { flags?: { noAbstract?: boolean }; abstract: string }[];
  merged: readonly MergedEntry[];
  sameTitle?: readonly SameTitlePair[];
  /** All issues of the parse and the merge (skips carry `skipped: true`). */
  issues: readonly ParseIssue[];
}

function cut<T>(list: readonly T[], limit: number | undefined): { items: T[]; omitted: number } {
  if (limit === undefined || list.length <= limit) return { items: [...list], omitted: 0 };
  return { items: list.slice(0, limit), omitted: list.length - limit };
}

/**
 * Builds the report. With `listLimit`, each list keeps its first `listLimit` items (the UI and a
 * worker message stay small for a file of a million bad rows); counts are always complete.
 * An entry count from the parser that disagrees with papers + merged + skipped is not hidden:
 * the difference becomes an issue (a parser bug or an entry the library dropped silently).
 */
export function buildReport(input: ReportInput, listLimit?: number): ImportReport {
  const skippedAll: SkippedEntry[] = [];
  const other: ParseIssue[] = [];
  for (const i of input.issues) {
    if (i.skipped) skippedAll.push({ entry: i.entry, line: i.line, message: i.message });
    else other.push(i);
  }
  const papers = input.papers.length;
  const accounted = papers + input.merged.length + skippedAll.length;
  const entries = input.entries ?? accounted;
  if (entries !== accounted) {
    other.push({
      message: `${entries} entries were found but ${accounted} are accounted for (${papers} papers, ${input.merged.length} merged, ${skippedAll.length} skipped): ${Math.abs(entries - accounted)} ${entries > accounted ? 'entries were dropped without a reason' : 'too many'} — please report this file.`,
    });
  }
  const merged = cut(input.merged, listLimit);
  const skipped = cut(skippedAll, listLimit);
  const sameTitle = cut(input.sameTitle ?? [], listLimit);
  const issues = cut(other, listLimit);
  return {
    format: input.format,
    counts: {
      entries,
      papers,
      withoutAbstract: input.papers.filter((p) => p.flags?.noAbstract || !p.abstract).length,
      merged: input.merged.length,
      skipped: skippedAll.length,
    },
    merged: merged.items,
    skipped: skipped.items,
    sameTitle: sameTitle.items,
    issues: issues.items,
    omitted: { merged: merged.omitted, skipped: skipped.omitted, sameTitle: sameTitle.omitted, issues: issues.omitted },
  };
}

/** "entry 12 (line 340)" for a place, for text output. */
export function placeText(p: EntryPlace | SkippedEntry | ParseIssue): string {
  const parts: string[] = [];
  if (p.entry !== undefined) parts.push(`entry ${p.entry}`);
  if (p.line !== undefined) parts.push(`line ${p.line}`);
  return parts.join(', ');
}

/** One-line summary: "467 entries → 460 papers (12 without abstract), 5 merged, 2 skipped". */
export function summaryLine(c: ImportCounts): string {
  return `${c.entries} entries → ${c.papers} papers (${c.withoutAbstract} without abstract), ${c.merged} merged, ${c.skipped} skipped`;
}
