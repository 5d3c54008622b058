/**
 * Issue 14 regression suite, import holes (items 1, 2, 8, 9, 11, 12, 14): a generator per bad
 * input, each case asserting the specific message and the paper counts. Every case failed on the
 * code before the fix (commit 816cac9). The preview-level check of item 1 (no Svelte
 * each_key_duplicate, both entries flagged) is tests/e2e/import-duplicates.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseImport, type ImportResult } from '../../src/core/import/index.ts';
import { paperId } from '../../src/core/library/ids.ts';
import { runImportJob } from '../../workers/import-job.ts';
import { MAX_ABSTRACT_CHARS } from '../../src/core/import/limits.ts';

interface Case {
  name: string;
  /** Builds the bad input (kept as code so the suite documents how each case is made). */
  make: () => { fileName: string; data: string | Uint8Array; maxTextBytes?: number };
  /** Expected counts (entries = papers + merged + skipped). */
  counts: { entries: number; papers: number; merged?: number; skipped: number };
  /** Every message listed must appear among the issues, merges and skips. */
  messages: RegExp[];
  /** Titles expected among the papers, in order (when given). */
  titles?: string[];
  check?: (r: ImportResult) => void;
}

const enc = (s: string) => new TextEncoder().encode(s);
const bib = (key: string, title: string, extra = '') => `@article{${key},\n  title = {${title}},\n  abstract = {An abstract for ${key}.}${extra}\n}\n`;
const nulAt = (text: string, marker: string) => text.replace(marker, marker.slice(0, 2) + '\u0000' + marker.slice(2));
const padding = (n: number) => Array.from({ length: n }, (_, i) => bib(`pad${i}`, `Padding paper number ${i}`)).join('');

const CASES: Case[] = [
  // 14 #1 ------------------------------------------------------------------------------------
  {
    name: '#1 two titles equal after normalisation, nothing else known: one paper, the other entry reported merged',
    make: () => ({ fileName: 'dup.bib', data: bib('a', 'Same Title Twice') + bib('b', 'same title twice.') }),
    counts: { entries: 2, papers: 1, merged: 1, skipped: 0 },
    messages: [/^Entry 2 "b" \(line 5\) "same title twice\." is the same paper as entry 1 "a" \(line 1\) \(same title, and nothing else tells them apart/],
    titles: ['Same Title Twice'],
  },
  {
    name: '#1 same title, different authors: two papers with distinct ids, flagged as sharing a title',
    make: () => ({ fileName: 'dup2.bib', data: bib('a', 'Same Title Twice', ',\n  author = {Lee, Ann}, year = {2001}') + bib('b', 'same title twice.', ',\n  author = {Chen, Bo}, year = {2001}') }),
    counts: { entries: 2, papers: 2, merged: 0, skipped: 0 },
    messages: [/"same title twice\." \(Chen, 2001\) has the same title as entry 1 "a" \(line 1\) \(Lee, 2001\): kept both/],
  },
  // 14 #2 ------------------------------------------------------------------------------------
  {
    name: '#2 titles of emoji or punctuation only get distinct, collision-safe ids',
    make: () => ({ fileName: 'emoji.json', data: JSON.stringify([{ title: '🚀🚀🚀', abstract: 'rockets' }, { title: '🎉', abstract: 'party' }, { title: '???', abstract: 'q' }, { title: '!!!', abstract: 'e' }]) }),
    counts: { entries: 4, papers: 4, merged: 0, skipped: 0 },
    messages: [],
    check: (r) => {
      expect(new Set(r.papers.map((p) => p.id)).size).toBe(4);
      expect(r.papers.map((p) => p.id)).not.toContain(paperId(''));
    },
  },
  {
    name: '#2/#14 a title of zero-width characters only is skipped and named; the other paper is kept',
    make: () => ({ fileName: 'zw.json', data: JSON.stringify([{ title: '\u200B\u200C\u200D\u2060\uFEFF', abstract: 'invisible' }, { title: 'Visible', abstract: 'ok' }]) }),
    counts: { entries: 2, papers: 1, merged: 0, skipped: 1 },
    messages: [/^Record 1 \(line 1\) has a title made only of invisible characters or markup; skipped\.$/],
    titles: ['Visible'],
  },
  // 14 #8 ------------------------------------------------------------------------------------
  ...[150_000, 1_000_000].map(
    (n): Case => ({
      name: `#8 CSV with ${n} title-less rows: a specific message, no stack overflow`,
      make: () => ({ fileName: 'rows.csv', data: 'Title,Abstract\n' + ',x\n'.repeat(n), maxTextBytes: 64 * 1024 * 1024 }),
      counts: { entries: n, papers: 0, merged: 0, skipped: n },
      messages: [new RegExp(`^None of the ${n} data rows of this CSV file has a title \\(column 1 of the header\\); nothing to import\\.$`), /^Row 2 \(line 2\) has no title; skipped\.$/],
      check: (r) => expect(r.issues[0]!.message).toMatch(/^None of the/),
    }),
  ),
  {
    name: '#8 JSON nested 100 000 deep: the record is named as too deeply nested',
    make: () => ({ fileName: 'deep.json', data: '['.repeat(100_000) + ']'.repeat(100_000) }),
    counts: { entries: 1, papers: 0, merged: 0, skipped: 1 },
    messages: [/^Record 1 \(line 1\) is nested more than 64 levels deep: not a paper record; skipped\.$/],
  },
  {
    name: '#8 a deeply nested record among good ones: the others are kept',
    make: () => ({ fileName: 'deep2.json', data: `[{"title": "Good", "abstract": "fine"}, {"title": "Bad", "x": ${'['.repeat(5000)}${']'.repeat(5000)}}]` }),
    counts: { entries: 2, papers: 1, merged: 0, skipped: 1 },
    messages: [/^Record 2 \(line 1\) is nested more than 64 levels deep/],
    titles: ['Good'],
  },
  {
    name: '#8 JSON Lines with a deeply nested line',
    make: () => ({ fileName: 'deep.jsonl', data: `{"title": "Good"}\n${'['.repeat(50_000)}${']'.repeat(50_000)}\n{"title": "Also good"}\n` }),
    counts: { entries: 3, papers: 2, merged: 0, skipped: 1 },
    messages: [/^Line 2 is nested more than 64 levels deep: not a paper record; skipped\.$/],
    titles: ['Good', 'Also good'],
  },
  // 14 #9 ------------------------------------------------------------------------------------
  {
    name: '#9 CSV with a malformed quote: row 3 is not merged into row 2; the row is named',
    make: () => ({ fileName: 'quote.csv', data: 'title,abstract\n"First paper",Fine abstract.\n"Second paper,Abstract two.\n"Third paper",Abstract three.\n"Fourth",Four.\n' }),
    counts: { entries: 4, papers: 4, merged: 0, skipped: 0 },
    messages: [/^Row 3 \(line 3\): a quoted field is opened but not closed where it ends, which ran it into line 4; each line was read as its own row — check both entries\.$/],
    titles: ['First paper', 'Second paper', 'Third paper', 'Fourth'],
    check: (r) => expect(r.papers[1]!.abstract).toBe('Abstract two.'),
  },
  {
    name: '#9 CSV with mixed CR / LF / CRLF line ends: all 3 rows, right titles',
    make: () => ({ fileName: 'mixed.csv', data: 'title,abstract\r"A",one\r\n"B",two\n"C",three\r' }),
    counts: { entries: 3, papers: 3, merged: 0, skipped: 0 },
    messages: [],
    titles: ['A', 'B', 'C'],
  },
  // 14 #11 -----------------------------------------------------------------------------------
  ...(['start', 'end'] as const).flatMap((where): Case[] => {
    const padCount = where === 'start' ? 0 : 800;
    const pad = padding(padCount); // after 64 KB: that many valid entries before the NUL
    return [
      {
        name: `#11 BibTeX, NUL ${where === 'start' ? 'in the first 64 KB' : 'after 64 KB'}: that entry is skipped and named, the others offered`,
        make: () => {
          const text = pad + bib('good1', 'Good one') + nulAt(bib('broken', 'Broken one'), 'Broken') + bib('good2', 'Good two');
          if (where === 'end') expect(text.indexOf('\u0000')).toBeGreaterThan(64 * 1024);
          return { fileName: 'nul.bib', data: enc(text) };
        },
        counts: { entries: padCount + 3, papers: padCount + 2, merged: 0, skipped: 1 },
        messages: [/^The file contains 1 NUL byte \(the first on line \d+\)/, new RegExp(`^Entry ${padCount + 2} "broken" \\(line \\d+\\) contains a NUL byte \\(in its title\\): a damaged or binary part of the file; skipped\\.$`)],
      },
      {
        name: `#11 CSV, NUL ${where === 'start' ? 'in the first 64 KB' : 'after 64 KB'}: same rule`,
        make: () => {
          const rows = Array.from({ length: padCount * 2 }, (_, i) => `Padding row ${i},${'x'.repeat(80)}\n`).join('');
          const text = 'Title,Abstract\n' + rows + 'Good,a\n' + nulAt('Bad row,b\n', 'Bad row') + 'Fine,c\n';
          if (where === 'end') expect(text.indexOf('\u0000')).toBeGreaterThan(64 * 1024);
          return { fileName: 'nul.csv', data: enc(text) };
        },
        counts: { entries: padCount * 2 + 3, papers: padCount * 2 + 2, merged: 0, skipped: 1 },
        messages: [new RegExp(`^Row ${padCount * 2 + 3} \\(line ${padCount * 2 + 3}\\) contains a NUL byte \\(in its title\\)`)],
      },
      {
        name: `#11 JSON, NUL ${where === 'start' ? 'in the first 64 KB' : 'after 64 KB'}: same rule`,
        make: () => {
          const recs = [...Array.from({ length: padCount }, (_, i) => ({ title: `Pad ${i}`, abstract: 'x'.repeat(150) })), { title: 'Good' }, { title: 'Ba\u0000d' }, { title: 'Fine' }];
          return { fileName: 'nul.json', data: enc(JSON.stringify(recs).replace('\\u0000', '\u0000')) };
        },
        counts: { entries: padCount + 3, papers: padCount + 2, merged: 0, skipped: 1 },
        messages: [new RegExp(`^Record ${padCount + 2} \\(line 1\\) contains a NUL byte \\(in its title\\)`)],
      },
    ];
  }),
  // 14 #12 -----------------------------------------------------------------------------------
  {
    name: '#12 a LaTeX abstract inside one {\\em …} group, 30 000+ characters: cut to the limit, not to 5 554',
    make: () => ({ fileName: 'long.bib', data: `@article{k, title = {Long}, abstract = {Intro. {\\em ${'The caf\\\'e results -- robust. '.repeat(1_200)}} End.}}\n@article{k2, title = {After}}\n` }),
    counts: { entries: 2, papers: 2, merged: 0, skipped: 0 },
    messages: [/^Entry 1 "k" \(line 1\): abstract is 3\d{4} characters; cut to the limit of 20000\.$/],
    titles: ['Long', 'After'],
    check: (r) => {
      const a = r.papers[0]!.abstract;
      expect(a.length).toBeLessThanOrEqual(MAX_ABSTRACT_CHARS);
      expect(a.length).toBeGreaterThan(MAX_ABSTRACT_CHARS * 0.95);
      expect(a.startsWith('Intro. The café results – robust.')).toBe(true);
    },
  },
  // 14 #14 -----------------------------------------------------------------------------------
  {
    name: '#14 a U+202E bidi override is stripped from the stored title; invisible characters do not change ids',
    make: () => ({ fileName: 'bidi.json', data: JSON.stringify([{ title: 'Invoice \u202Efdp.exe', abstract: 'a' }, { title: 'Deep\u200BLearning', abstract: 'b' }, { title: 'DeepLearning', abstract: 'c' }]) }),
    counts: { entries: 3, papers: 2, merged: 1, skipped: 0 },
    messages: [/^Record 3 \(line 1\) "DeepLearning" is the same paper as record 2/],
    titles: ['Invoice fdp.exe', 'DeepLearning'],
  },
];

function messagesOf(r: ImportResult): string[] {
  return [...r.report.issues.map((i) => i.message), ...r.report.skipped.map((s) => s.message), ...r.merged.map((m) => m.message), ...r.sameTitle.map((s) => s.message), ...r.issues.map((i) => i.message)];
}

describe('issue 14: hostile imports (generator-driven)', () => {
  for (const c of CASES) {
    it(c.name, { timeout: 60_000 }, () => {
      const input = c.make();
      const r = parseImport(input.fileName, input.data, { maxTextBytes: input.maxTextBytes });
      const n = r.report.counts;
      expect({ entries: n.entries, papers: n.papers, merged: n.merged, skipped: n.skipped }).toEqual({ merged: 0, ...c.counts });
      expect(n.entries).toBe(n.papers + n.merged + n.skipped);
      expect(new Set(r.papers.map((p) => p.id)).size).toBe(r.papers.length);
      const all = messagesOf(r);
      for (const m of c.messages) expect(all.some((x) => m.test(x)), `no message matching ${m}:\n${all.slice(0, 8).join('\n')}`).toBe(true);
      if (c.titles) expect(r.papers.map((p) => p.title).filter((t) => !/^Pad|^Padding/.test(t))).toEqual(c.titles);
      c.check?.(r);
    });
  }

  it('#1 the preview job gets unique paper ids (Svelte keys), with the merge in its report', () => {
    const r = runImportJob({ fileName: 'dup.bib', data: enc(bib('a', 'Same Title Twice') + bib('b', 'same title twice.')), existing: [] });
    expect(r.papers.map((p) => p.title)).toEqual(['Same Title Twice']);
    expect(r.report.merged).toEqual([expect.objectContaining({ into: r.papers[0]!.id, title: 'same title twice.', reason: 'title' })]);
    expect(structuredClone(r.report)).toEqual(r.report);
  });
});
