import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifyLine, parseSeed } from '../../src/core/import/seed-parser.ts';
import { paperId } from '../../src/core/library/ids.ts';

const SEED = readFileSync(join(__dirname, '..', '..', 'seeds', '000_ef7def7f3d293d17.txt'), 'utf8');
const lines = SEED.split('\n');

describe('parseSeed on the real seed document', () => {
  const { papers, issues } = parseSeed(SEED);

  it('gives exactly 204 clean papers and no issues', () => {
    expect(papers).toHaveLength(204);
    expect(issues).toEqual([]);
  });

  it('strips the glued "Subscribe" and never takes a header line as a title', () => {
    expect(papers[0].title).toBe('Masked Feature Prediction for Self-Supervised Visual Pre-Training');
    for (const p of papers) {
      expect(p.title).not.toMatch(/^Subscribe/);
      expect(p.title).not.toMatch(/trending papers/i);
      expect(p.abstract).not.toMatch(/trending papers/i);
    }
  });

  it('has trimmed titles, non-empty abstracts, content-derived unique ids and the collection', () => {
    for (const p of papers) {
      expect(p.title).toBe(p.title.trim());
      expect(p.title).not.toMatch(/\s{2,}/);
      expect(p.abstract.length).toBeGreaterThan(100);
      expect(p.id).toBe(paperId(p.title));
      expect(p.collection).toBe('seed');
      expect(p.flags).toBeUndefined();
    }
    expect(new Set(papers.map((p) => p.id)).size).toBe(204);
    expect(papers.at(-1)!.abstract.endsWith('using ViT-L.')).toBe(true);
  });

  it('gives the same ids whatever the order of the entries (ids come from content)', () => {
    const pairs: string[] = [];
    for (let i = 2; i + 1 < lines.length; i += 2) pairs.push(lines[i].replace(/^Subscribe/, '') + '\n' + lines[i + 1]);
    const shuffled = [...pairs].reverse().join('\n');
    const again = parseSeed(shuffled, 'x');
    expect(again.papers.map((p) => p.id).sort()).toEqual(papers.map((p) => p.id).sort());
    expect(again.papers[0].collection).toBe('x');
  });
});

describe('parseSeed on damaged input', () => {
  const base = parseSeed(SEED).papers;

  it('handles CRLF, CR, blank lines, stray header lines and a BOM without changing the result', () => {
    const messy =
      '\uFEFF' +
      lines
        .map((l, i) => (i % 7 === 0 ? `\n  ${l}  \n\n` : l))
        .join('\r\n')
        .replace(/(\r\n)(?=We present)/, '$1Get trending papers in your email inbox!\r\n\r\n') +
      '\r\nGet trending papers in your email inbox once a day!\r\n';
    const r = parseSeed(messy);
    expect(r.issues).toEqual([]);
    expect(r.papers.map((p) => [p.id, p.title, p.abstract])).toEqual(base.map((p) => [p.id, p.title, p.abstract]));
    expect(parseSeed(lines.join('\r')).papers).toHaveLength(204);
  });

  it('reports an abstract whose title line is missing, with its line number, and keeps the rest aligned', () => {
    // Drop the title on line 5 ("Dense Contrastive Learning …"): its abstract (line 6 → line 5) is orphaned.
    const damaged = [...lines.slice(0, 4), ...lines.slice(5)].join('\n');
    const r = parseSeed(damaged);
    expect(r.papers).toHaveLength(203);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0].line).toBe(5);
    expect(r.issues[0].message).toMatch(/no title/);
    expect(r.issues[0].excerpt).toMatch(/^To date, most existing self-supervised/);
    // The next paper is still paired with its own abstract.
    expect(r.papers[1].title).toBe(base[2].title);
    expect(r.papers[1].abstract).toBe(base[2].abstract);
  });

  it('keeps a title without abstract (flagged and reported) and re-synchronises on the next title', () => {
    const damaged = [...lines.slice(0, 3), ...lines.slice(4)].join('\n'); // abstract of paper 1 removed
    const r = parseSeed(damaged);
    expect(r.papers).toHaveLength(204);
    expect(r.papers[0]).toMatchObject({ title: base[0].title, abstract: '', flags: { noAbstract: true } });
    expect(r.issues).toEqual([expect.objectContaining({ line: 3, message: expect.stringMatching(/no abstract/) })]);
    expect(r.papers.slice(1).map((p) => p.abstract)).toEqual(base.slice(1).map((p) => p.abstract));
  });

  it('reports a repeated paper instead of importing it twice', () => {
    const r = parseSeed([...lines, lines[4], lines[5]].join('\n'));
    expect(r.papers).toHaveLength(204);
    expect(r.issues).toEqual([expect.objectContaining({ line: 411, message: expect.stringMatching(/Duplicate.*line 5/) })]);
  });

  it('reports two abstracts in a row (the second cannot be placed)', () => {
    const r = parseSeed([lines[2], lines[3], lines[5]].join('\n'));
    expect(r.papers).toHaveLength(1);
    expect(r.issues.map((i) => i.line)).toEqual([3]);
  });

  it('returns nothing (and does not throw) for empty or boilerplate-only input', () => {
    expect(parseSeed('')).toEqual({ papers: [], places: [], issues: [], entries: 0 });
    expect(parseSeed('\n\r\n  \n').papers).toEqual([]);
    expect(parseSeed(lines.slice(0, 2).join('\n')).papers).toEqual([]);
  });

  it('decides ambiguous lines by alternation: a short one-sentence abstract after a title', () => {
    const r = parseSeed('A Tiny Paper\nWe study things.\nAnother Paper Title\nIt works well in practice.');
    expect(r.papers.map((p) => [p.title, p.abstract])).toEqual([
      ['A Tiny Paper', 'We study things.'],
      ['Another Paper Title', 'It works well in practice.'],
    ]);
    expect(r.issues).toEqual([]);
  });
});

describe('classifyLine', () => {
  it('recognises titles, including ones with "vs." or a question mark', () => {
    expect(classifyLine('EBMs vs. CL: Exploring Self-Supervised Visual Pretraining for Visual Question Answering')).toBe('title');
    expect(classifyLine('How Well Do Self-Supervised Models Transfer?')).toBe('title');
    expect(classifyLine('Audiovisual Masked Autoencoders')).toBe('title');
  });
  it('recognises abstracts by length or sentence structure', () => {
    expect(classifyLine(lines[3])).toBe('abstract');
    expect(classifyLine('We propose a simple method. It improves accuracy on ImageNet by 2.0% over the strong baseline model in all of our experiments.')).toBe('abstract');
  });
  it('leaves short period-terminated lines to alternation', () => {
    expect(classifyLine('We study things.')).toBe('either');
  });
});
