/**
 * Duplicate detection for imports. Two papers are the same when they share a DOI, or when their
 * titles normalise to the same string (normalizeTitle: case, accents, punctuation and spacing
 * ignored) — which is also when they get the same id. Pure: nothing is removed from the inputs.
 */
import { normalizeTitle } from '../library/ids.ts';
import type { Paper } from '../types.ts';
import { normalizeDoi } from './record.ts';

export interface Duplicate {
  /** The incoming paper that duplicates another. */
  paper: Paper;
  /** Its index in `incoming`. */
  index: number;
  /** The paper it duplicates: an existing one, or an earlier incoming one (the first is kept). */
  of: Paper;
  /** Where `of` lives. */
  source: 'existing' | 'incoming';
  /** Index of `of` in its list. */
  ofIndex: number;
  reason: 'doi' | 'title';
  /** Plain-text explanation for the import report. */
  message: string;
}

/**
 * Incoming papers that duplicate an existing paper or an earlier incoming paper, in incoming order.
 * A DOI match is reported before a title match (it is the stronger evidence). The first occurrence
 * inside `incoming` is never reported, so `withoutDuplicates` keeps exactly one copy of each.
 */
export function findDuplicates(existing: readonly Paper[], incoming: readonly Paper[]): Duplicate[] {
  type Ref = { paper: Paper; source: 'existing' | 'incoming'; index: number };
  const byDoi = new Map<string, Ref>();
  const byTitle = new Map<string, Ref>();
  const remember = (ref: Ref) => {
    const doi = normalizeDoi(ref.paper.doi);
    if (doi && !byDoi.has(doi)) byDoi.set(doi, ref);
    const t = normalizeTitle(ref.paper.title);
    if (t && !byTitle.has(t)) byTitle.set(t, ref);
  };
  existing.forEach((paper, index) => remember({ paper, source: 'existing', index }));

  const out: Duplicate[] = [];
  incoming.forEach((paper, index) => {
    const doi = normalizeDoi(paper.doi);
    const t = normalizeTitle(paper.title);
    const hitDoi = doi ? byDoi.get(doi) : undefined;
    const hitTitle = t ? byTitle.get(t) : undefined;
    const hit = hitDoi ?? hitTitle;
    if (hit) {
      const reason = hitDoi ? 'doi' : 'title';
      const where = hit.source === 'existing' ? `already in ${hit.paper.collection ? `collection "${hit.paper.collection}"` : 'the library'}` : `also at position ${hit.index + 1} of this import`;
      out.push({
        paper,
        index,
        of: hit.paper,
        source: hit.source,
        ofIndex: hit.index,
        reason,
        message: reason === 'doi' ? `"${paper.title}" has the same DOI (${doi}) as "${hit.paper.title}", ${where}.` : `"${paper.title}" has the same title as a paper ${where}.`,
      });
      return;
    }
    remember({ paper, source: 'incoming', index });
  });
  return out;
}

/** `incoming` minus the duplicates `findDuplicates` reports, plus that report. */
export function withoutDuplicates(existing: readonly Paper[], incoming: readonly Paper[]): { papers: Paper[]; duplicates: Duplicate[] } {
  const duplicates = findDuplicates(existing, incoming);
  const drop = new Set(duplicates.map((d) => d.index));
  return { papers: incoming.filter((_, i) => !drop.has(i)), duplicates };
}
