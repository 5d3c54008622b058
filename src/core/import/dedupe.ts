/**
 * When two records are the same paper — the one rule shared by ids (library/ids.ts `paperId`),
 * the in-file merge (merge.ts) and duplicate detection against the library (`findDuplicates`):
 *
 *  - same DOI → same paper (titles may differ: "Critical Questions for Big Data" and its
 *    upper-case subtitle variant share 10.1080/1369118X.2012.678878);
 *  - two different DOIs → different papers;
 *  - else the title keys (ids.ts `titleKey`: case, accents, punctuation, invisible characters
 *    ignored) must be equal AND the first author's family name and the year must not disagree:
 *    "Memory search" by Kahana 2017 and by Shiffrin 1970 are two papers. A field missing on one
 *    side does not disagree ("weak" match: the Maquet 2000 paper and an author-less copy).
 *
 * Measured on the real exports in shared/fixtures/real-exports (README "Which exporters are
 * tested"): every same-DOI group there has one normalised title; every same-title group that
 * this rule keeps apart differs in year or author (Kantz 2003 vs 2004 editions).
 * Pure: nothing is removed from the inputs.
 */
import { identityOf, type IdentityFacts } from '../library/ids.ts';
import type { Paper } from '../types.ts';

/** How two records were found to be one paper. */
export type SameReason = 'doi' | 'title-author-year' | 'title';

/**
 * The identity rule on normalised facts. Returns undefined when the records are different papers
 * (or have no usable title), else why they are the same: 'doi', 'title-author-year' (title,
 * first-author family and year all known and equal) or 'title' (equal title, the rest not
 * contradicting but incomplete on one side).
 */
export function sameIdentity(a: IdentityFacts, b: IdentityFacts): SameReason | undefined {
  if (a.doi && b.doi) return a.doi === b.doi ? 'doi' : undefined;
  if (!a.title || a.title !== b.title) return undefined;
  if (a.family && b.family && a.family !== b.family) return undefined;
  if (a.year !== undefined && b.year !== undefined && a.year !== b.year) return undefined;
  return a.family && b.family && a.year !== undefined && b.year !== undefined ? 'title-author-year' : 'title';
}

/** Same title key but kept apart by the rule (different author, year or DOI): worth telling the user. */
export function sameTitleOnly(a: IdentityFacts, b: IdentityFacts): boolean {
  return !!a.title && a.title === b.title && sameIdentity(a, b) === undefined;
}

/** "Cohen 2001" / "DOI 10.1/x" — what tells two same-title papers apart, for messages. */
export function describeIdentity(p: Pick<Paper, 'authors' | 'year' | 'doi'>): string {
  const first = p.authors?.[0]?.family;
  const parts = [first ?? 'no author', p.year !== undefined ? String(p.year) : 'no year'];
  if (p.doi) parts.push(`DOI ${p.doi}`);
  return parts.join(', ');
}

export interface Duplicate<P extends DedupeFields = Paper> {
  /** The incoming paper that duplicates another. */
  paper: P;
  /** Its index in `incoming`. */
  index: number;
  /** The paper it duplicates: an existing one, or an earlier incoming one (the first is kept). */
  of: P;
  /** Where `of` lives. */
  source: 'existing' | 'incoming';
  /** Index of `of` in its list. */
  ofIndex: number;
  reason: SameReason;
  /** Plain-text explanation for the import report. */
  message: string;
}

/** What duplicate detection reads of a paper (stored papers are passed without abstracts). */
export type DedupeFields = Pick<Paper, 'id' | 'title' | 'doi' | 'authors' | 'year' | 'collection'>;

/**
 * Incoming papers that are the same paper (by `sameIdentity`) as an existing paper or an earlier
 * incoming paper, in incoming order. A DOI match is preferred to a title match, and a full
 * title-author-year match to a weak one. The first occurrence inside `incoming` is never
 * reported, so `withoutDuplicates` keeps exactly one copy of each.
 */
export function findDuplicates<P extends DedupeFields>(existing: readonly P[], incoming: readonly P[]): Duplicate<P>[] {
  type Ref = { paper: P; facts: IdentityFacts; source: 'existing' | 'incoming'; index: number };
  const byDoi = new Map<string, Ref>();
  const byTitle = new Map<string, Ref[]>();
  const remember = (ref: Ref) => {
    if (ref.facts.doi && !byDoi.has(ref.facts.doi)) byDoi.set(ref.facts.doi, ref);
    if (ref.facts.title) {
      const list = byTitle.get(ref.facts.title);
      if (list) list.push(ref);
      else byTitle.set(ref.facts.title, [ref]);
    }
  };
  existing.forEach((paper, index) => remember({ paper, facts: identityOf(paper), source: 'existing', index }));

  const out: Duplicate<P>[] = [];
  incoming.forEach((paper, index) => {
    const facts = identityOf(paper);
    let hit: Ref | undefined = facts.doi ? byDoi.get(facts.doi) : undefined;
    let reason: SameReason | undefined = hit ? 'doi' : undefined;
    if (!hit) {
      const candidates = (byTitle.get(facts.title) ?? []).map((r) => ({ r, why: sameIdentity(facts, r.facts) })).filter((c) => c.why);
      const best = candidates.find((c) => c.why === 'title-author-year') ?? candidates[0];
      if (best) {
        hit = best.r;
        reason = best.why;
      }
    }
    if (hit && reason) {
      const where = hit.source === 'existing' ? `already in ${hit.paper.collection ? `collection "${hit.paper.collection}"` : 'the library'}` : `also at position ${hit.index + 1} of this import`;
      out.push({
        paper,
        index,
        of: hit.paper,
        source: hit.source,
        ofIndex: hit.index,
        reason,
        message:
          reason === 'doi'
            ? `"${paper.title}" has the same DOI (${facts.doi}) as "${hit.paper.title}", ${where}.`
            : reason === 'title-author-year'
              ? `"${paper.title}" has the same title, first author and year as a paper ${where}.`
              : `"${paper.title}" has the same title as a paper ${where} (${describeIdentity(hit.paper)}; nothing tells them apart).`,
      });
      return;
    }
    remember({ paper, facts, source: 'incoming', index });
  });
  return out;
}

/** `incoming` minus the duplicates `findDuplicates` reports, plus that report. */
export function withoutDuplicates<P extends DedupeFields>(existing: readonly P[], incoming: readonly P[]): { papers: P[]; duplicates: Duplicate<P>[] } {
  const duplicates = findDuplicates(existing, incoming);
  const drop = new Set(duplicates.map((d) => d.index));
  return { papers: incoming.filter((_, i) => !drop.has(i)), duplicates };
}
