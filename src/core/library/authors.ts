/**
 * Author names: parsed once at import into `{ family, given }` (types.ts `Author`), displayed one
 * way whatever the source format ("Given Family"), and compared by a folded family name.
 *
 * Papers stored by earlier versions (IndexedDB, `.atlas` bundles) carry `authors: string[]`;
 * `readStoredPaper` / `readAuthors` convert them, so every reader of stored or bundled papers
 * gets `Author[]`.
 */
import type { Author, Paper } from '../types.ts';

/** Lower-case particles that belong to the family name ("Ludwig van Beethoven" → family "van Beethoven"). */
const PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'dos', 'das', 'du', 'la', 'le', 'ten', 'ter', 'bin', 'ibn', 'al', 'el', 'zu', 'y']);

/** Words that make a comma-less multi-word name an organisation rather than a person. */
const ORGANISATION = /\b(organi[sz]ation|universit(y|ies|ät|é)|institut(e|o)?|association|society|group|committee|consortium|council|foundation|agency|department|cent(er|re)|collaboration|team|project|initiative|network|board|office|ministry|commission|laborator(y|ies)|corporation|company|inc|ltd|gmbh|federation|academy|alliance|working)\b/i;

/**
 * How a name string without structure is written:
 *  - 'natural': "Ann Lee" (BibTeX display, JSON sources); a comma still means "Lee, Ann";
 *  - 'inverted': "Lee, Ann" (RIS, Zotero CSV): a name without a comma is one literal name
 *    (an organisation — Zotero writes single-field names that way).
 */
export type NameStyle = 'natural' | 'inverted';

function clean(s: string): string {
  return s.normalize('NFC').replace(/\s+/g, ' ').trim();
}

/** One name string → Author, or undefined for an empty / "others" / "et al." placeholder. */
export function parseAuthorName(raw: string, style: NameStyle = 'natural'): Author | undefined {
  const s = clean(raw).replace(/^[,;]+|[,;]+$/g, '').trim();
  if (!s || /^(others|et al\.?|and others)$/i.test(s)) return undefined;
  const comma = s.indexOf(',');
  if (comma > 0) {
    const family = s.slice(0, comma).trim();
    const given = s.slice(comma + 1).trim();
    return given ? { family, given } : { family };
  }
  if (style === 'inverted') return { family: s };
  const words = s.split(' ');
  if (words.length === 1 || ORGANISATION.test(s)) return { family: s };
  // Family = last word, plus the lower-case particles right before it.
  let start = words.length - 1;
  while (start > 1 && PARTICLES.has(words[start - 1]!.toLowerCase())) start--;
  return { family: words.slice(start).join(' '), given: words.slice(0, start).join(' ') };
}

/** "Given Family" (or the family name alone). */
export function formatAuthor(a: Author): string {
  return a.given ? `${a.given} ${a.family}` : a.family;
}

/** The first `max` names joined by ", ", then " et al." when there are more. */
export function formatAuthors(list: readonly Author[] | undefined, max = 4): string {
  if (!list?.length) return '';
  const shown = list.slice(0, max).map(formatAuthor).join(', ');
  return list.length > max ? `${shown} et al.` : shown;
}

/**
 * Family name folded for matching: accents removed (also the dotless ı that LaTeX `{\'\i}`
 * yields), lower case, letters and digits only. "García", "Garc{\'\i}a" and "GARCIA" → "garcia".
 */
export function authorKey(a: Author | string | undefined): string {
  if (!a) return '';
  // A legacy string name (papers stored by an earlier version) is parsed rather than crashing.
  const family = typeof a === 'string' ? (parseAuthorName(a)?.family ?? '') : typeof a.family === 'string' ? a.family : '';
  return family
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\u0131/g, 'i')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

function isAuthor(v: unknown): v is Author {
  return !!v && typeof v === 'object' && typeof (v as Author).family === 'string' && ((v as Author).given === undefined || typeof (v as Author).given === 'string');
}

/**
 * Authors as stored by any version: `Author[]` (kept, cleaned) or the legacy `string[]`
 * ("Ann Lee" from BibTeX/JSON, "Lee, Ann" from RIS/CSV — a comma decides). Anything else → undefined.
 */
export function readAuthors(raw: unknown): Author[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  const out: Author[] = [];
  for (const v of raw) {
    if (typeof v === 'string') {
      const a = parseAuthorName(v, 'natural');
      if (a) out.push(a);
    } else if (isAuthor(v)) {
      const family = clean(v.family);
      const given = v.given ? clean(v.given) : '';
      if (family) out.push(given ? { family, given } : { family });
    }
  }
  return out.length ? out : undefined;
}

/**
 * Whether a stored record can be read as a paper at all (id, title and abstract are strings). A record
 * written by a broken build or edited by hand fails it: the library reports and drops it, and the
 * IndexedDB store never moves it into a pack (browser/idb-store.ts).
 */
export function isReadablePaper(p: unknown): p is Paper {
  const x = p as Paper | null | undefined;
  return !!x && typeof x.id === 'string' && typeof x.title === 'string' && typeof x.abstract === 'string';
}

/**
 * A paper read from storage or a bundle, with legacy `string[]` authors converted to `Author[]`.
 * Everything else is kept as is (ids stay: vectors are stored under them). Returns the same
 * object when nothing needed converting.
 */
export function readStoredPaper<P extends Paper>(p: P): P {
  const raw = (p as { authors?: unknown }).authors;
  if (raw === undefined) return p;
  if (Array.isArray(raw) && raw.every(isAuthor)) return p;
  const authors = readAuthors(raw);
  const out = { ...p };
  if (authors) out.authors = authors;
  else delete out.authors;
  return out;
}
