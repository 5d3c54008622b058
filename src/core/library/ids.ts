/**
 * Synchronous, dependency-free hashing that gives the same answer in Node and in a worker.
 * Not cryptographic: used for ids and cache keys. Model files are checked with real sha256
 * (see util/sha256.ts), never with this.
 */
import type { Author } from '../types.ts';
import { authorKey } from './authors.ts';

/** 64-bit FNV-1a over the UTF-16 code units of `s`, as 16 hex chars. */
export function fnv1a64(s: string): string {
  return new Fnv64().update(s).digest();
}

/**
 * fnv1a64 fed in pieces: `new Fnv64().update(a).update(b).digest() === fnv1a64(a + b)`, without
 * building the joined string (the lexical fingerprint hashes 100k rows on every reload).
 */
export class Fnv64 {
  private h1 = 0x84222325;
  private h2 = 0xcbf29ce4;

  update(s: string): this {
    // Two 32-bit halves because JS bit ops are 32-bit; BigInt would be ~20x slower here.
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 ^= c;
      // multiply by FNV prime 0x100000001b3 split over the two halves
      const lo = h1 * 0x1b3;
      const hi = h2 * 0x1b3 + h1 * 0x100 + Math.floor(lo / 0x100000000);
      h1 = lo >>> 0;
      h2 = hi >>> 0;
    }
    this.h1 = h1;
    this.h2 = h2;
    return this;
  }

  digest(): string {
    return this.h2.toString(16).padStart(8, '0') + this.h1.toString(16).padStart(8, '0');
  }
}

/**
 * Characters that take no space and carry no letter: zero-width space/joiners, word joiner,
 * soft hyphen, BOM, bidi embeddings/overrides/isolates and marks (all of Unicode's Cf), plus the
 * Hangul fillers that render as blanks. They are removed — not read as word breaks — for ids and
 * matching, so "Deep\u200BLearning" matches "DeepLearning" and a title made only of them is empty.
 */
const INVISIBLE = /[\p{Cf}\u115F\u1160\u3164\uFFA0]/gu;

export function stripInvisible(s: string): string {
  return s.replace(INVISIBLE, '');
}

/**
 * Lower-case, strip accents/punctuation/invisible characters, collapse spaces: the form used for
 * ids and duplicate detection. For every title of the seed corpus this is exactly the form the
 * shipped vectors' ids were made from (tests/unit/hash.test.ts pins it).
 */
export function normalizeTitle(title: string): string {
  return stripInvisible(title)
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\u0131/g, 'i') // dotless ı: what LaTeX {\'\i} leaves before its accent
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * The title part of a paper's identity: `normalizeTitle`, or — when that leaves nothing (titles of
 * emoji or punctuation only) — the visible characters themselves, case-folded, so "🚀🚀🚀" and
 * "🎉" stay different papers. The fallback contains no letter or digit, so it can never equal a
 * normalised title. Empty only for a title with no visible character at all.
 */
export function titleKey(title: string): string {
  const t = normalizeTitle(title);
  if (t) return t;
  return stripInvisible(title).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/**
 * DOI in canonical form: lower case (DOIs are case-insensitive), no `doi:` / resolver prefix.
 * Returns undefined when the value is not a DOI (must look like `10.<registrant>/<suffix>`).
 */
export function normalizeDoi(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let d = raw.trim();
  d = d.replace(/^doi:\s*/i, '');
  d = d.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '');
  if (/%2f/i.test(d)) {
    try {
      d = decodeURIComponent(d);
    } catch {
      /* keep as is */
    }
  }
  // A DOI has no whitespace: what follows the first one is exporter junk, e.g. PubMed's
  // "10.1016/j.neulet.2004.03.085\rS0304394004004641 [pii]" — keep the DOI, drop the rest.
  d = (d.trim().split(/\s+/)[0] ?? '').toLowerCase().replace(/[.,;]+$/, '');
  return /^10\.\d{4,9}\/\S+$/.test(d) ? d : undefined;
}

/** The fields a paper's identity is made of (a subset of Paper). */
export interface PaperIdentity {
  title: string;
  /** Canonical DOI (lower case, no resolver prefix), as `Paper.doi` holds it. */
  doi?: string;
  authors?: readonly Author[];
  year?: number;
}

/** Normalised identity fields: what `paperId` hashes and what duplicate detection compares. */
export interface IdentityFacts {
  doi: string;
  title: string;
  /** Folded family name of the first author ('' when unknown). */
  family: string;
  year: number | undefined;
}

export function identityOf(p: PaperIdentity): IdentityFacts {
  return { doi: normalizeDoi(p.doi) ?? '', title: titleKey(p.title), family: authorKey(p.authors?.[0]), year: p.year };
}

/**
 * Stable paper id, derived from content so re-importing the same paper gives the same id:
 *  - with a DOI: the DOI (one DOI is one paper, whatever the title's spelling);
 *  - else the title key plus the first author's family name and the year, when known —
 *    "Real-time functional magnetic resonance imaging" by Cohen 2001 and by Cox 1995 differ;
 *  - a paper with none of DOI, author and year (the seed corpus) keeps the historical id
 *    'p' + fnv1a64(normalizeTitle(title)), which the shipped vectors are keyed by.
 * Equal ids imply duplicates under the rule of import/dedupe.ts (`sameIdentity`), never the reverse:
 * a record without DOI and the same paper with one have different ids and are merged by rule.
 * A plain string is read as a title alone.
 */
export function paperId(p: string | PaperIdentity): string {
  const f = identityOf(typeof p === 'string' ? { title: p } : p);
  if (f.doi) return 'p' + fnv1a64('doi:' + f.doi);
  if (!f.family && f.year === undefined) return 'p' + fnv1a64(f.title);
  return 'p' + fnv1a64(`${f.title}\u0000${f.family}\u0000${f.year ?? ''}`);
}

/** Hash of the text that is embedded: a vector is reused only while this is unchanged. */
export function textHash(title: string, abstract: string): string {
  return fnv1a64(title + '\u0000' + abstract);
}
