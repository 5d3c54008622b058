/**
 * Merges the records of one file that are the same paper (dedupe.ts `sameIdentity`), so an
 * export with the same paper twice yields one paper with the best of both: the longest abstract,
 * the first DOI / URL / year / venue / arXiv id found, the fuller author list. Used by every
 * import path (parseImport for the browser preview and the CLI, and the CLI's seed loading).
 *
 * Grouping, in file order:
 *  1. records with equal ids (`paperId`: same DOI, or same title + first author + year) are one group;
 *  2. a group is then joined to an earlier group when the rule says they are the same paper and
 *     that group is the only candidate (a full title-author-year match beats weak ones). A weak
 *     record (no author or no year) that fits two different papers of the same title is kept on
 *     its own, with an issue: merging it would silently pick one of them.
 * Invariants: ids of the result are unique; every input record is either the first of a group
 * (a paper) or listed in `merged` with the id it went into.
 */
import { identityOf, paperId, type IdentityFacts } from '../library/ids.ts';
import type { EntryPlace, Paper, ParseIssue } from '../types.ts';
import { describeIdentity, sameIdentity, sameTitleOnly, type SameReason } from './dedupe.ts';
import { describePlace } from './record.ts';

/** One record that went into another paper of the same file. */
export interface MergedEntry {
  /** Id of the paper it was merged into (an id of the result's papers). */
  into: string;
  /** Where the kept paper's first record is. */
  intoPlace: EntryPlace;
  intoTitle: string;
  /** Where the merged record is. */
  place: EntryPlace;
  title: string;
  reason: SameReason;
  message: string;
}

/** Two papers of the file with the same title that the rule keeps apart. */
export interface SameTitlePair {
  id: string;
  otherId: string;
  message: string;
}

export interface MergeResult {
  papers: Paper[];
  places: EntryPlace[];
  merged: MergedEntry[];
  sameTitle: SameTitlePair[];
  /** Weak records that fit more than one paper (kept apart). */
  issues: ParseIssue[];
}

interface Group {
  members: number[];
  paper: Paper;
  facts: IdentityFacts;
  reasons: SameReason[];
}

const where = (p: EntryPlace | undefined) => (p ? describePlace(p) : 'an entry');
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** Fields of `b` fill the gaps of `a`; the longer abstract and the fuller author list win. */
export function mergeFields(a: Paper, b: Paper): Paper {
  const out: Paper = { ...a };
  if ((b.abstract?.length ?? 0) > (a.abstract?.length ?? 0)) out.abstract = b.abstract;
  const nameChars = (p: Paper) => (p.authors ?? []).reduce((n, x) => n + x.family.length + (x.given?.length ?? 0), 0);
  if ((b.authors?.length ?? 0) > (a.authors?.length ?? 0) || ((b.authors?.length ?? 0) === (a.authors?.length ?? 0) && nameChars(b) > nameChars(a))) out.authors = b.authors;
  for (const k of ['doi', 'url', 'venue', 'arxiv'] as const) if (!out[k] && b[k]) out[k] = b[k];
  if (out.year === undefined && b.year !== undefined) out.year = b.year;
  if (out.abstract) delete out.flags;
  else out.flags = { noAbstract: true };
  return out;
}

function describeReason(r: SameReason, p: Paper): string {
  if (r === 'doi') return `same DOI ${p.doi}`;
  if (r === 'title-author-year') return 'same title, first author and year';
  return `same title, and nothing else tells them apart: ${describeIdentity(p)}`;
}

/**
 * Groups the records of one file into papers. `places[i]` is where `papers[i]` came from.
 * The kept paper's id is recomputed from its merged fields (a DOI found in a later copy
 * becomes the id), and is unique in the result.
 */
export function mergeEntries(papers: readonly Paper[], places: readonly (EntryPlace | undefined)[] = []): MergeResult {
  // 1. Equal ids are one group.
  const initial = new Map<string, number[]>();
  papers.forEach((p, i) => {
    const list = initial.get(p.id);
    if (list) list.push(i);
    else initial.set(p.id, [i]);
  });
  const groups: Group[] = [];
  const byTitle = new Map<string, Group[]>();
  const issues: ParseIssue[] = [];
  const absorb = (g: Group, i: number, reason: SameReason) => {
    g.members.push(i);
    g.reasons.push(reason);
    g.paper = mergeFields(g.paper, papers[i]!);
  };
  // 2. Join a group to the only earlier group the rule calls the same paper.
  for (const members of initial.values()) {
    const first = papers[members[0]!]!;
    const facts = identityOf(first);
    const candidates = (byTitle.get(facts.title) ?? []).map((g) => ({ g, why: sameIdentity(facts, g.facts) })).filter((c) => c.why);
    const strong = candidates.filter((c) => c.why !== 'title');
    const pick = strong.length === 1 ? strong[0] : candidates.length === 1 ? candidates[0] : undefined;
    if (pick) {
      for (const i of members) absorb(pick.g, i, i === members[0] ? pick.why! : (sameIdentity(identityOf(papers[i]!), facts) ?? 'title'));
      pick.g.facts = identityOf(pick.g.paper);
      continue;
    }
    if (candidates.length > 1) {
      const place = places[members[0]!];
      issues.push({
        entry: place?.entry,
        line: place?.line,
        message: `${cap(where(place))} "${first.title}" (${describeIdentity(first)}) could be any of ${candidates.length} papers of this file with that title; kept as a separate paper.`,
      });
    }
    const g: Group = { members: [members[0]!], paper: first, facts, reasons: [] };
    for (const i of members.slice(1)) {
      absorb(g, i, sameIdentity(identityOf(papers[i]!), facts) ?? 'title');
    }
    groups.push(g);
    if (facts.title) byTitle.set(facts.title, [...(byTitle.get(facts.title) ?? []), g]);
  }
  // Groups in file order of their first record.
  groups.sort((a, b) => a.members[0]! - b.members[0]!);

  const out: Paper[] = [];
  const outPlaces: EntryPlace[] = [];
  const merged: MergedEntry[] = [];
  const used = new Set<string>();
  for (const g of groups) {
    let id = paperId(g.paper);
    // Cannot happen by the rule (equal ids are one group); a guard so keys stay unique anyway.
    for (let n = 2; used.has(id); n++) id = paperId({ ...g.paper, title: `${g.paper.title}\u0000#${n}` });
    used.add(id);
    const paper = { ...g.paper, id };
    const keptPlace = places[g.members[0]!] ?? {};
    out.push(paper);
    outPlaces.push(keptPlace);
    g.members.slice(1).forEach((i, k) => {
      const p = papers[i]!;
      const reason = g.reasons[k]!;
      const place = places[i] ?? {};
      const abstractNote = p.abstract && p.abstract.length > (papers[g.members[0]!]!.abstract?.length ?? 0) ? '; its abstract is kept' : '';
      merged.push({
        into: id,
        intoPlace: keptPlace,
        intoTitle: paper.title,
        place,
        title: p.title,
        reason,
        message: `${cap(where(place))} "${p.title}" is the same paper as ${where(keptPlace)} (${describeReason(reason, p)}): merged${abstractNote}.`,
      });
    });
  }
  // Same title, kept apart: tell the user (e.g. Cohen 2001 vs Cox 1995).
  const sameTitle: SameTitlePair[] = [];
  const seen = new Map<string, number>();
  out.forEach((p, i) => {
    const f = identityOf(p);
    const j = seen.get(f.title);
    if (j === undefined) {
      if (f.title) seen.set(f.title, i);
      return;
    }
    const q = out[j]!;
    if (sameTitleOnly(f, identityOf(q)) || sameIdentity(f, identityOf(q)) === 'title') {
      sameTitle.push({
        id: p.id,
        otherId: q.id,
        message: `${cap(where(outPlaces[i]))} "${p.title}" (${describeIdentity(p)}) has the same title as ${where(outPlaces[j])} (${describeIdentity(q)}): kept both as different papers.`,
      });
    }
  });
  return { papers: out, places: outPlaces, merged, sameTitle, issues };
}
