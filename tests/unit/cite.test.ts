/**
 * Citation export (issue 11 feature 3): BibTeX and RIS written by src/core/export/cite.ts read back
 * through the app's own importers with the same fields; hostile values cannot break an entry.
 */
import { describe, expect, it } from 'vitest';
import { citationKey, plainReference, toBibtex, toRis } from '../../src/core/export/cite.ts';
import { parseImport } from '../../src/core/import/index.ts';
import type { Paper } from '../../src/core/types.ts';

const papers: Paper[] = [
  {
    id: 'a',
    title: 'Exploring Simple Siamese Representation Learning',
    abstract: 'Siamese networks {with braces} and 100% of the \\emph{tricks} & more_things.',
    authors: [{ family: 'Chen', given: 'Xinlei' }, { family: 'He', given: 'Kaiming' }],
    year: 2021,
    venue: 'CVPR',
    doi: '10.1109/cvpr46437.2021.01549',
    arxiv: '2011.10566',
  },
  { id: 'b', title: 'García and the } closing brace', abstract: '', authors: [{ family: 'García Márquez', given: 'Ana' }, { family: 'World Health Organization' }], year: 2019 },
  { id: 'c', title: 'Exploring Simple Siamese Representation Learning', abstract: 'Copy.', authors: [{ family: 'Chen', given: 'X.' }], year: 2020 },
];

describe('citation export', () => {
  it('BibTeX round-trips through the BibTeX importer', () => {
    const bib = toBibtex(papers);
    const back = parseImport('x.bib', bib);
    expect(back.papers.map((p) => p.title)).toEqual(papers.map((p) => p.title));
    const a = back.papers[0]!;
    expect(a.authors).toEqual(papers[0]!.authors);
    expect(a).toMatchObject({ year: 2021, venue: 'CVPR', doi: '10.1109/cvpr46437.2021.01549', arxiv: '2011.10566' });
    expect(a.abstract).toContain('{with braces}');
    expect(a.abstract).toContain('100%');
    expect(back.papers[1]!.authors).toEqual(papers[1]!.authors);
    // Unique keys even for the same first author, year and title word.
    const keys = [...bib.matchAll(/@article\{([^,]+),/g)].map((m) => m[1]);
    expect(new Set(keys).size).toBe(3);
  });

  it('RIS round-trips through the RIS importer', () => {
    const back = parseImport('x.ris', toRis(papers));
    expect(back.papers.map((p) => p.title)).toEqual(papers.map((p) => p.title));
    expect(back.papers[0]).toMatchObject({ year: 2021, venue: 'CVPR', doi: '10.1109/cvpr46437.2021.01549' });
    expect(back.papers[0]!.authors).toEqual(papers[0]!.authors);
  });

  it('a plain reference line and an ASCII key', () => {
    expect(plainReference(papers[0]!)).toBe('Chen, X., He, K. (2021). Exploring Simple Siamese Representation Learning. CVPR. https://doi.org/10.1109/cvpr46437.2021.01549');
    expect(citationKey(papers[1]!)).toBe('garciamarquez2019garcia');
  });
});
