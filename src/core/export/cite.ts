/**
 * Citations of papers as text: BibTeX, RIS and a plain reference line — for "copy citation" on one
 * hit and for exporting a result list or the reading list. Pure functions over `Paper`, so the CLI
 * and the UI write the same text.
 *
 * Invariants: every field value is escaped for its format (BibTeX braces / backslashes / `%`, RIS
 * line breaks), so an imported title can never close an entry or inject a field; citation keys are
 * ASCII and unique within one export.
 */
import type { Paper } from '../types.ts';
import { readAuthors } from '../library/authors.ts';

function authorsOf(p: Paper) {
  return readAuthors(p.authors) ?? [];
}

/** ASCII-folded word characters only (BibTeX keys may not contain spaces, braces, commas…). */
function keyPart(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '')
    .slice(0, 24);
}

/** A stable, readable key: family name of the first author + year + first title word. */
export function citationKey(p: Paper): string {
  const fam = keyPart(authorsOf(p)[0]?.family ?? '').toLowerCase();
  const word = keyPart(p.title.split(/\s+/).find((w) => w.length > 3) ?? p.title.split(/\s+/)[0] ?? '').toLowerCase();
  return `${fam || 'paper'}${p.year ?? ''}${word}` || `paper${p.id.slice(0, 8)}`;
}

const BIB_ESCAPE: Record<string, string> = { '\\': '\\textbackslash{}', '{': '\\textbraceleft{}', '}': '\\textbraceright{}' };

/** BibTeX field value: one line; every character special to BibTeX/LaTeX is escaped in one pass. */
function bibValue(s: string): string {
  return s
    .replace(/\s+/g, ' ')
    .trim()
    // Braces in a braced BibTeX value must balance even when escaped, so a lone "}" in a title
    // would end the field: braces are written as the text commands, which always balance.
    .replace(/[\\{}%#&$_]/g, (c) => BIB_ESCAPE[c] ?? `\\${c}`);
}

/** URL-like values (url, doi, eprint) are verbatim in BibTeX: only braces and backslashes must go. */
function bibVerbatim(s: string): string {
  return s.replace(/[\s{}\\]+/g, '');
}

function bibAuthors(p: Paper): string | undefined {
  const list = authorsOf(p).map((a) => (a.given ? `${bibValue(a.family)}, ${bibValue(a.given)}` : `{${bibValue(a.family)}}`));
  return list.length ? list.join(' and ') : undefined;
}

function bibEntry(p: Paper, key: string): string {
  // Values are escaped here, once; the author list is escaped name by name (organisations braced).
  const fields: [string, string | undefined][] = [
    ['title', p.title && bibValue(p.title)],
    ['author', bibAuthors(p)],
    ['year', p.year ? String(p.year) : undefined],
    ['journal', p.venue && bibValue(p.venue)],
    ['doi', p.doi && bibVerbatim(p.doi)],
    ['eprint', p.arxiv && bibVerbatim(p.arxiv)],
    ['archiveprefix', p.arxiv ? 'arXiv' : undefined],
    ['url', p.url && bibVerbatim(p.url)],
    ['abstract', p.abstract ? bibValue(p.abstract) : undefined],
  ];
  const body = fields
    .filter((f): f is [string, string] => !!f[1])
    .map(([k, v]) => `  ${k} = {${v}}`)
    .join(',\n');
  return `@article{${key},\n${body}\n}`;
}

/** Unique keys for a list (a second "chen2020deep" becomes "chen2020deepb"). */
function uniqueKeys(papers: readonly Paper[]): string[] {
  const used = new Map<string, number>();
  return papers.map((p) => {
    const k = citationKey(p);
    const n = used.get(k) ?? 0;
    used.set(k, n + 1);
    return n === 0 ? k : `${k}${String.fromCharCode(97 + ((n % 25) + 1))}${n > 25 ? n : ''}`;
  });
}

export function toBibtex(papers: readonly Paper[]): string {
  const keys = uniqueKeys(papers);
  return papers.map((p, i) => bibEntry(p, keys[i]!)).join('\n\n') + '\n';
}

/** RIS value: one line (RIS is line-based: a newline would start a new tag). */
function risValue(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

export function toRis(papers: readonly Paper[]): string {
  return papers
    .map((p) => {
      const lines = ['TY  - JOUR', `TI  - ${risValue(p.title)}`];
      for (const a of authorsOf(p)) lines.push(`AU  - ${risValue(a.given ? `${a.family}, ${a.given}` : a.family)}`);
      if (p.year) lines.push(`PY  - ${p.year}`);
      if (p.venue) lines.push(`JO  - ${risValue(p.venue)}`);
      if (p.doi) lines.push(`DO  - ${risValue(p.doi)}`);
      if (p.url) lines.push(`UR  - ${risValue(p.url)}`);
      else if (p.arxiv) lines.push(`UR  - https://arxiv.org/abs/${risValue(p.arxiv)}`);
      if (p.abstract) lines.push(`AB  - ${risValue(p.abstract)}`);
      lines.push('ER  - ');
      return lines.join('\r\n');
    })
    .join('\r\n\r\n') + '\r\n';
}

/** "Chen, X., He, K. (2021). Title. Venue. https://doi.org/…" — a plain reference line. */
export function plainReference(p: Paper): string {
  const names = authorsOf(p).map((a) => (a.given ? `${a.family}, ${a.given.split(/[\s-]+/).filter(Boolean).map((g) => `${g[0]}.`).join(' ')}` : a.family));
  const who = names.length > 6 ? `${names.slice(0, 6).join(', ')}, et al.` : names.join(', ');
  const parts = [who && `${who}${p.year ? ` (${p.year}).` : '.'}`, !who && p.year ? `(${p.year}).` : '', `${p.title.replace(/\s+/g, ' ').trim().replace(/[.]$/, '')}.`, p.venue ? `${p.venue}.` : ''];
  const link = p.doi ? `https://doi.org/${p.doi}` : p.arxiv ? `https://arxiv.org/abs/${p.arxiv}` : p.url;
  return [...parts, link ?? ''].filter(Boolean).join(' ');
}

