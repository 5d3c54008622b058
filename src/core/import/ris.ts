/**
 * RIS (EndNote, Zotero, Mendeley, Scopus, Web of Science exports). Line format: `TG  - value`,
 * a record runs from `TY` to `ER`. Untagged lines continue the previous field (some exporters wrap
 * long abstracts). Written by hand: the format is tiny and the npm parsers are unmaintained.
 */
import type { Paper, ParseIssue, ParseResult } from '../types.ts';
import { ImportError } from './errors.ts';
import { excerpt } from './limits.ts';
import { buildPaper, type RecordLimits, type RecordPlace } from './record.ts';

/** `TY  - JOUR`; tolerant of one space before the dash and of a missing value (`ER  -`). */
const TAG_LINE = /^([A-Z][A-Z0-9])\s{1,2}-(?:\s(.*))?$/;

interface RisRecord {
  line: number;
  entry: number;
  tags: Map<string, string[]>;
}

function first(r: RisRecord, ...tags: string[]): string | undefined {
  for (const t of tags) {
    const v = r.tags.get(t)?.find((s) => s.trim());
    if (v) return v;
  }
  return undefined;
}

export function parseRisText(text: string, collection: string | undefined, limits: RecordLimits): ParseResult {
  const issues: ParseIssue[] = [];
  const papers: Paper[] = [];
  const places: RecordPlace[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  let rec: RisRecord | undefined;
  let lastTag: string | undefined;
  let entries = 0;
  let strayReported = 0;

  const finish = (r: RisRecord, closed: boolean) => {
    if (!closed) {
      issues.push({
        entry: r.entry,
        line: r.line,
        message: `Entry ${r.entry} (line ${r.line}) has no "ER  -" end tag: the file may be truncated. Kept; its last field may be incomplete.`,
      });
    }
    const place: RecordPlace = { entry: r.entry, line: r.line };
    const paper = buildPaper(
      {
        title: first(r, 'TI', 'T1', 'CT', 'BT'),
        shortTitle: first(r, 'ST'),
        abstract: first(r, 'AB', 'N2'),
        authors: [...(r.tags.get('AU') ?? []), ...(r.tags.get('A1') ?? [])],
        // RIS names are "Family, Given"; one without a comma is an organisation.
        nameStyle: 'inverted',
        year: first(r, 'PY', 'Y1', 'DA'),
        venue: first(r, 'T2', 'JO', 'JF', 'JA', 'J2', 'J1', 'BT'),
        doi: first(r, 'DO'),
        url: first(r, 'UR', 'L2'),
      },
      place,
      collection,
      limits,
      issues,
    );
    if (paper) {
      papers.push(paper);
      places.push(place);
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/^\uFEFF/, '');
    const lineNo = i + 1;
    const m = TAG_LINE.exec(raw.trimEnd());
    if (m) {
      const tag = m[1]!;
      const value = (m[2] ?? '').trim();
      if (tag === 'TY') {
        if (rec) finish(rec, false);
        rec = { line: lineNo, entry: ++entries, tags: new Map() };
        lastTag = tag;
        continue;
      }
      if (!rec) {
        if (strayReported++ < 5) issues.push({ line: lineNo, message: `Line ${lineNo}: "${tag}" tag outside a record (records start with "TY  -"); ignored.`, excerpt: excerpt(raw) });
        continue;
      }
      if (tag === 'ER') {
        finish(rec, true);
        rec = undefined;
        lastTag = undefined;
        continue;
      }
      const list = rec.tags.get(tag) ?? [];
      list.push(value);
      rec.tags.set(tag, list);
      lastTag = tag;
      continue;
    }
    if (!raw.trim()) continue;
    if (rec && lastTag && lastTag !== 'TY') {
      // Continuation of a wrapped value.
      const list = rec.tags.get(lastTag)!;
      list[list.length - 1] += ' ' + raw.trim();
      continue;
    }
    if (strayReported++ < 5) issues.push({ line: lineNo, message: `Line ${lineNo} is not a RIS tag line ("XX  - value"); ignored.`, excerpt: excerpt(raw) });
  }
  if (rec) finish(rec, false);
  if (strayReported > 5) issues.push({ message: `${strayReported - 5} more stray lines were ignored.` });
  if (entries === 0) throw new ImportError('no-entries', 'No RIS records found (a record starts with a line "TY  - JOUR" and ends with "ER  -").');
  return { papers, places, issues, entries };
}
