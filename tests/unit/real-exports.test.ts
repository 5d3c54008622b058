/**
 * Real bibliography exports (Zotero, JabRef; public repositories) read from
 * ../shared/fixtures/real-exports/ — never copied into this repository. Skipped, visibly, where the
 * folder is absent (a user's machine). The counts below were checked by hand against the files
 * (entry headers, `TY  -` records, CSV data rows; the README there lists them):
 * entries in the file = papers + merged + skipped, and every merge and skip is explained.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseBibtex } from '@retorquere/bibtex-parser';
import { describe, expect, it } from 'vitest';
import { parseImport } from '../../src/core/import/index.ts';
import { convertLatex, simpleLatexToText, simpleNames } from '../../src/core/import/bibtex.ts';
import { cleanText } from '../../src/core/import/record.ts';
import { formatAuthors } from '../../src/core/library/authors.ts';

const DIR = join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'real-exports');
const present = existsSync(DIR);
const REASON = `real exports not found at ${DIR} (shared fixtures absent)`;
if (!present) console.warn(`real-exports.test.ts: skipped — ${REASON}`);
const load = (f: string) => parseImport(f, new Uint8Array(readFileSync(join(DIR, f))), { allIssues: true });

interface Expected {
  entries: number;
  papers: number;
  withoutAbstract: number;
  merged: number;
  skipped: number;
  /** Merges not by DOI: "key->kept key:reason". */
  nonDoiMerges: string[];
  sameTitle: number;
}

const EXPECTED: Record<string, Expected> = {
  // 680 entries, 440 with abstract; "Nonlinear Time Series Analysis" by Kantz 2003 (DOI) and 2004 are two editions.
  'el3ssar-zotero.bib': { entries: 680, papers: 680, withoutAbstract: 240, merged: 0, skipped: 0, nonDoiMerges: [], sameTitle: 1 },
  // 703 entries (6 with Zotero's ????-keys, read now); 39 same-DOI copies, 7 same title+author+year,
  // 1 author-less copy of Maquet 2000.
  'crcox-jabref-2014.bib': {
    entries: 703,
    papers: 656,
    withoutAbstract: 120,
    merged: 47,
    skipped: 0,
    nonDoiMerges: [
      'ghosh_adaptive_2012-1->ghosh_adaptive_2012:title-author-year',
      'makar_formate_1975-1->makar_formate_1975:title-author-year',
      'makar_formate_1975-2->makar_formate_1975:title-author-year',
      '_experience-dependent_2000->maquet_experience-dependent_2000:title',
      'moss_weighing_2003-1->moss_weighing_2003:title-author-year',
      'plaut_understanding_1996-1->plaut_understanding_1996:title-author-year',
      'smith_metal_1975-1->smith_metal_1975:title-author-year',
      'smith_metal_1975-2->smith_metal_1975:title-author-year',
    ],
    sameTitle: 0,
  },
  // 687 entries; `@book{__????\n}` has no fields at all: the one skip.
  'crcox-zotero-native-2014.bib': {
    entries: 687,
    papers: 642,
    withoutAbstract: 117,
    merged: 44,
    skipped: 1,
    nonDoiMerges: [
      'plaut_understanding_1996-1->plaut_understanding_1996:title-author-year',
      'makar_formate_1975-1->makar_formate_1975:title-author-year',
      'makar_formate_1975-2->makar_formate_1975:title-author-year',
      'smith_metal_1975-1->smith_metal_1975:title-author-year',
      'smith_metal_1975-2->smith_metal_1975:title-author-year',
      '_experience-dependent_2000->maquet_experience-dependent_2000:title',
      'moss_weighing_2003-1->moss_weighing_2003:title-author-year',
    ],
    sameTitle: 0,
  },
  'khalid-zotero-export.ris': { entries: 467, papers: 467, withoutAbstract: 221, merged: 0, skipped: 0, nonDoiMerges: [], sameTitle: 0 },
  'khalid-zotero-export.bib': { entries: 467, papers: 467, withoutAbstract: 221, merged: 0, skipped: 0, nonDoiMerges: [], sameTitle: 0 },
  // The CSV export of the same library has one item fewer (the retracted article).
  'khalid-zotero-export.csv': { entries: 466, papers: 466, withoutAbstract: 220, merged: 0, skipped: 0, nonDoiMerges: [], sameTitle: 0 },
};

describe.skipIf(!present)(`real exports (${present ? DIR : REASON})`, () => {
  for (const [file, exp] of Object.entries(EXPECTED)) {
    it(`${file}: ${exp.entries} entries = ${exp.papers} papers + ${exp.merged} merged + ${exp.skipped} skipped, each explained`, () => {
      const r = load(file);
      const c = r.report.counts;
      expect(c).toEqual({ entries: exp.entries, papers: exp.papers, withoutAbstract: exp.withoutAbstract, merged: exp.merged, skipped: exp.skipped });
      expect(c.entries).toBe(c.papers + c.merged + c.skipped);
      expect(new Set(r.papers.map((p) => p.id)).size).toBe(r.papers.length);
      const ids = new Set(r.papers.map((p) => p.id));
      for (const m of r.merged) {
        expect(ids.has(m.into)).toBe(true);
        expect(m.message).toMatch(/is the same paper as .*: merged/);
        if (m.reason === 'doi') expect(m.message).toMatch(/same DOI 10\./);
      }
      expect(r.merged.filter((m) => m.reason !== 'doi').map((m) => `${m.place.label}->${m.intoPlace.label}:${m.reason}`)).toEqual(exp.nonDoiMerges);
      for (const s of r.report.skipped) expect(s.message).toMatch(/^Entry \d+ .*skipped/);
      expect(r.sameTitle).toHaveLength(exp.sameTitle);
      // Nothing dropped without a word: no "entries were dropped without a reason" note.
      expect(r.report.issues.map((i) => i.message).join('\n')).not.toMatch(/without a reason/);
    });
  }

  it('the same Zotero library as RIS, BibTeX and CSV gives the same papers: ids, titles, authors, abstracts', () => {
    const [ris, bib, csv] = ['khalid-zotero-export.ris', 'khalid-zotero-export.bib', 'khalid-zotero-export.csv'].map(load);
    const view = (p: { id: string; title: string; abstract: string; authors?: { family: string; given?: string }[]; doi?: string }) => [p.id, p.title, formatAuthors(p.authors, 1000), p.abstract, p.doi ?? ''];
    const byId = (r: typeof ris) => new Map(r!.papers.map((p) => [p.id, view(p)]));
    const b = byId(bib);
    const c = byId(csv);
    for (const p of ris!.papers) expect(b.get(p.id)).toEqual(view(p));
    const missing = ris!.papers.filter((p) => !c.has(p.id));
    expect(missing.map((p) => p.doi)).toEqual(['10.1007/s13204-021-02072-3']);
    for (const p of ris!.papers) if (c.has(p.id)) expect(c.get(p.id)).toEqual(view(p));
  });

  it('the Dilkina copies (2012 and 2013, one DOI) are one paper; the wnuczko copy with the abstract gives it', () => {
    const r = load('crcox-jabref-2014.bib');
    const dilkina = r.papers.filter((p) => /^conceptual structure within and between modalities$/i.test(p.title));
    expect(dilkina).toHaveLength(1);
    const wn = r.papers.find((p) => p.doi === '10.1093/geronb/gbr114')!;
    expect(wn.abstract.length).toBeGreaterThan(100);
    expect(r.merged.filter((m) => m.into === wn.id)).toHaveLength(5);
  });

  it('simpleLatexToText gives exactly the library\'s text for every simple-LaTeX field value in the exports', () => {
    const values = new Set<string>();
    for (const f of ['el3ssar-zotero.bib', 'crcox-jabref-2014.bib', 'khalid-zotero-export.bib']) {
      const src = readFileSync(join(DIR, f), 'utf8');
      for (const m of src.matchAll(/^\s*(?:abstract|title|journal|booktitle|publisher)\s*=\s*\{/gim)) {
        let d = 0;
        let j = m.index! + m[0].length - 1;
        for (; j < src.length; j++) if (src[j] === '{') d++;
        else if (src[j] === '}' && --d === 0) break;
        const v = src.slice(m.index! + m[0].length, j);
        if (/[\\$~]|--|``|''/.test(v) && /^(?:[^\\$]|\\[%&$#_{}])*$/.test(v)) values.add(v.replaceAll('<', '\uE000').replaceAll('>', '\uE001'));
      }
    }
    expect(values.size).toBeGreaterThan(250);
    const list = [...values];
    const lib = parseBibtex(list.map((v, i) => `@misc{v${i}, abstract = {${v.replace(/(^|[^\\])%/g, '$1\\%')}}}\n`).join(''), { english: false, unsupported: 'ignore' });
    const byKey = new Map(lib.entries.map((e) => [e.key, String(e.fields.abstract ?? '')]));
    const diffs = list.filter((v, i) => cleanText(simpleLatexToText(v)) !== cleanText(byKey.get(`v${i}`) ?? ''));
    expect(diffs).toEqual([]);
  });

  it('LaTeX values converted in pieces give the library\'s text for the whole value', () => {
    const values: string[] = [];
    for (const f of ['el3ssar-zotero.bib', 'crcox-jabref-2014.bib', 'khalid-zotero-export.bib']) {
      const src = readFileSync(join(DIR, f), 'utf8');
      for (const m of src.matchAll(/^\s*abstract\s*=\s*\{/gim)) {
        let d = 0;
        let j = m.index! + m[0].length - 1;
        for (; j < src.length; j++) if (src[j] === '{') d++;
        else if (src[j] === '}' && --d === 0) break;
        const v = src.slice(m.index! + m[0].length, j).replaceAll('<', '\uE000').replaceAll('>', '\uE001').replace(/(^|[^\\])%/g, '$1\\%');
        if (!/^(?:[^\\$]|\\[%&$#_{}])*$/.test(v)) values.push(v);
      }
    }
    expect(values.length).toBeGreaterThan(30);
    const ours = convertLatex(new Map(values.map((v, i) => [i, v])));
    const lib = parseBibtex(values.map((v, i) => `@misc{v${i}, abstract = {${v}}}\n`).join(''), { english: false, unsupported: 'ignore' });
    const byKey = new Map(lib.entries.map((e) => [e.key, String(e.fields.abstract ?? '')]));
    const diffs = values.map((_, i) => [cleanText(ours.get(i) ?? ''), cleanText(byKey.get(`v${i}`) ?? '')]).filter(([a, b]) => a !== b);
    expect(diffs).toEqual([]);
  });

  it('simpleNames reads every plain author/editor list of the exports as the library does', () => {
    const lists = new Set<string>();
    for (const f of ['el3ssar-zotero.bib', 'crcox-jabref-2014.bib', 'crcox-zotero-native-2014.bib', 'khalid-zotero-export.bib']) {
      const src = readFileSync(join(DIR, f), 'utf8');
      for (const m of src.matchAll(/^\s*(?:author|editor)\s*=\s*\{/gim)) {
        let d = 0;
        let j = m.index! + m[0].length - 1;
        for (; j < src.length; j++) if (src[j] === '{') d++;
        else if (src[j] === '}' && --d === 0) break;
        const v = src.slice(m.index! + m[0].length, j);
        if (simpleNames(v)) lists.add(v);
      }
    }
    expect(lists.size).toBeGreaterThan(1200);
    const list = [...lists];
    const lib = parseBibtex(list.map((v, i) => `@misc{v${i}, author = {${v}}}\n`).join(''), { english: false, unsupported: 'ignore' });
    const byKey = new Map(lib.entries.map((e) => [e.key, e.fields.author ?? []]));
    const asAuthor = (c: { name?: string; lastName?: string; firstName?: string; prefix?: string; suffix?: string }) => {
      if (c.name) return { family: c.name };
      const family = [c.prefix, c.lastName].filter(Boolean).join(' ') + (c.suffix ? ` ${c.suffix}` : '');
      return !family ? { family: c.firstName ?? '' } : c.firstName ? { family, given: c.firstName } : { family };
    };
    const diffs = list
      .map((v, i) => ({ v, ours: simpleNames(v), theirs: (byKey.get(`v${i}`) as object[]).map((c) => asAuthor(c)).filter((a) => a.family) }))
      .filter((x) => JSON.stringify(x.ours) !== JSON.stringify(x.theirs));
    expect(diffs).toEqual([]);
  });
});
