/**
 * Plain text in the seed format (title line, abstract line, …). Parsing is the core's `parseSeed`;
 * this adapter only applies the import limits (abstract/title caps) that the seed parser does not.
 */
import { parseSeed } from './seed-parser.ts';
import type { EntryPlace, Paper, ParseResult } from '../types.ts';
import { ImportError } from './errors.ts';
import { buildPaper, type RecordLimits } from './record.ts';
import { NUL_MARK } from './encoding.ts';

export function parseSeedText(text: string, collection: string | undefined, limits: RecordLimits): ParseResult {
  const res = parseSeed(text, collection);
  const issues = [...res.issues];
  const papers: Paper[] = [];
  const places: EntryPlace[] = [];
  res.papers.forEach((p, i) => {
    const place = res.places?.[i] ?? {};
    if (p.title.includes(NUL_MARK) || p.abstract.includes(NUL_MARK)) {
      issues.push({ line: place.line, message: `Paper at line ${place.line ?? '?'} contains a NUL byte (in its ${p.title.includes(NUL_MARK) ? 'title' : 'abstract'}): a damaged or binary part of the file; skipped.`, skipped: true });
      return;
    }
    const needsCap = p.title.length > limits.maxTitleChars || p.abstract.length > limits.maxAbstractChars;
    if (!needsCap) {
      papers.push(collection === undefined ? p : { ...p, collection });
      places.push(place);
      return;
    }
    const capped = buildPaper({ title: p.title, abstract: p.abstract }, { entry: i + 1, noun: 'paper', label: p.title }, collection ?? p.collection, limits, issues);
    if (capped) {
      papers.push({ ...p, ...capped, flags: p.flags ?? capped.flags });
      places.push(place);
    }
  });
  if (papers.length === 0 && issues.length === 0) {
    throw new ImportError('no-entries', 'No papers found in this text: expected a title line followed by its abstract line, repeated.');
  }
  return { papers, places, issues, entries: res.entries };
}
