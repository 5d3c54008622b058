import { describe, expect, it } from 'vitest';
import { paperId } from '../../src/core/library/ids.ts';
import { findDuplicates, withoutDuplicates } from '../../src/core/import/dedupe.ts';
import type { Paper } from '../../src/core/types.ts';

const P = (title: string, extra: Partial<Paper> = {}): Paper => ({ id: paperId(title), title, abstract: '', ...extra });

describe('findDuplicates', () => {
  const existing = [P('Attention Is All You Need', { collection: 'seed', doi: '10.5555/3295222.3295349' }), P('Deep Residual Learning')];

  it('finds same-DOI papers even when the titles differ, DOI compared case/prefix-insensitively', () => {
    const incoming = [P('Attention is all you need (NeurIPS version)', { doi: 'https://doi.org/10.5555/3295222.3295349'.toUpperCase() })];
    const d = findDuplicates(existing, incoming);
    expect(d).toHaveLength(1);
    expect(d[0]).toMatchObject({ index: 0, reason: 'doi', source: 'existing', ofIndex: 0 });
    expect(d[0]!.of.title).toBe('Attention Is All You Need');
    expect(d[0]!.message).toMatch(/same DOI \(10\.5555\/3295222\.3295349\).*collection "seed"/);
  });

  it('finds same normalised title (case, accents, punctuation, spacing)', () => {
    const d = findDuplicates(existing, [P('deep  residual-learning!'), P('Déep Residual Learning'), P('A different paper')]);
    expect(d.map((x) => [x.index, x.reason, x.source])).toEqual([
      [0, 'title', 'existing'],
      [1, 'title', 'existing'],
    ]);
  });

  it('finds duplicates inside the incoming list and keeps the first copy', () => {
    const incoming = [P('New Paper One', { doi: '10.1234/abc' }), P('new paper one'), P('Other title', { doi: '10.1234/ABC' }), P('Unique')];
    const d = findDuplicates([], incoming);
    expect(d.map((x) => [x.index, x.reason, x.source, x.ofIndex])).toEqual([
      [1, 'title', 'incoming', 0],
      [2, 'doi', 'incoming', 0],
    ]);
    expect(d[0]!.message).toMatch(/position 1 of this import/);
    const { papers, duplicates } = withoutDuplicates([], incoming);
    expect(papers.map((p) => p.title)).toEqual(['New Paper One', 'Unique']);
    expect(duplicates).toHaveLength(2);
  });

  it('no false positives: different titles and DOIs, empty DOI, invalid DOI', () => {
    const d = findDuplicates(existing, [P('Attention Is Not All You Need', { doi: '' }), P('Residual Learning', { doi: 'not a doi' })]);
    expect(d).toEqual([]);
  });

  it('is pure: inputs are not modified', () => {
    const incoming = [P('Deep Residual Learning')];
    const before = JSON.stringify([existing, incoming]);
    findDuplicates(existing, incoming);
    expect(JSON.stringify([existing, incoming])).toBe(before);
  });
});
