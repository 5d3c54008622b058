/**
 * Every import parser on valid, edge and malformed input. Fixtures live in tests/fixtures/import/;
 * malformed variants are derived from them in the test so the fixture files stay valid examples.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { paperId } from '../../src/core/library/ids.ts';
import { formatAuthor, formatAuthors } from '../../src/core/library/authors.ts';
import { ImportError, parseImport, sniffFormat } from '../../src/core/import/index.ts';
import type { Paper } from '../../src/core/types.ts';

const FIX = new URL('../fixtures/import/', import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(new URL(name, FIX)));
const text = (name: string) => readFileSync(new URL(name, FIX), 'utf8');
const byTitle = (papers: Paper[], start: string) => papers.find((p) => p.title.startsWith(start));

describe('BibTeX', () => {
  it('parses a Zotero export: accents, braces, @string, comments, metadata', () => {
    const r = parseImport('library.bib', bytes('zotero.bib'), { collection: 'mine' });
    expect(r.format).toBe('bibtex');
    expect(r.papers).toHaveLength(2);
    const p = r.papers[0]!;
    expect(p.title).toBe('Dense Retrieval for Open-Domain Question Answering in Österreich');
    expect(p.authors).toEqual([{ family: 'Müller', given: 'Jörg' }, { family: 'García', given: 'María' }, { family: 'Research Group on Retrieval' }]);
    expect(formatAuthors(p.authors)).toBe('Jörg Müller, María García, Research Group on Retrieval');
    expect(p.venue).toBe('Proceedings of the Annual Meeting of the Association for Computational Linguistics');
    expect(p.year).toBe(2021);
    expect(p.doi).toBe('10.18653/v1/2021.acl-long.1');
    expect(p.url).toBe('https://aclanthology.org/2021.acl-long.1');
    expect(p.abstract).toContain('two separate BERT encoders');
    expect(p.abstract).toContain('by 9% over BM25 on naïve baselines — without');
    expect(p.id).toBe(paperId(p));
    expect(p.collection).toBe('mine');
    expect(p.flags).toBeUndefined();
    // A bare % in a plain abstract is a percent sign, not a LaTeX comment.
    expect(byTitle(r.papers, 'Graph Neural')!.abstract).toContain('40% error reduction on QM9 with a simple edge network.');
    expect(byTitle(r.papers, 'Graph Neural')!.doi).toBe('10.1021/acs.jcim.9b00001');
    // The entry without a title is reported by key and line, not silently dropped.
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ entry: 3, line: 25 });
    expect(r.issues[0]!.message).toMatch(/note-without-title.*no title/);
  });

  it('keeps Google-Scholar entries without abstracts, flagged, and drops "others"', () => {
    const r = parseImport('scholar.bib', bytes('scholar.bib'));
    expect(r.papers.map((p) => p.title)).toEqual(['Attention is all you need', 'Deep residual learning for image recognition']);
    for (const p of r.papers) {
      expect(p.abstract).toBe('');
      expect(p.flags?.noAbstract).toBe(true);
    }
    expect(r.papers[0]!.authors?.map(formatAuthor)).toEqual(['Ashish Vaswani', 'Noam Shazeer', 'Niki Parmar']);
    expect(r.issues).toEqual([]);
  });

  it('skips a malformed entry with its key and line, keeps the valid ones', () => {
    const src = text('scholar.bib').replace('title={Deep residual learning for image recognition},', 'title={Deep residual learning for image recognition,');
    const r = parseImport('broken.bib', src);
    expect(r.papers.map((p) => p.title)).toEqual(['Attention is all you need']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ entry: 2, line: 9 });
    expect(r.issues[0]!.message).toMatch(/he2016deep.*malformed/);
  });

  it('reports a truncated file and keeps the complete entries before it', () => {
    const src = text('zotero.bib');
    const cut = src.slice(0, src.indexOf('Message passing') + 20);
    const r = parseImport('cut.bib', cut);
    expect(r.papers.map((p) => p.title)).toEqual(['Dense Retrieval for Open-Domain Question Answering in Österreich']);
    const issue = r.issues.find((i) => /chen2019graph/.test(i.message))!;
    expect(issue.line).toBe(15);
    expect(issue.message).toMatch(/malformed/);
  });

  it('reduces formatting HTML to text, keeps other tags (script) as literal text (no ¡¿, no generated tags)', () => {
    const src = '@article{x, title = {A <b>bold</b> \\emph{claim}}, abstract = {Run <script>alert(1)</script> now; $a<b$ and \\textbf{c} \\& d.}}';
    const r = parseImport('x.bib', src);
    expect(r.papers[0]!.title).toBe('A bold claim');
    expect(r.papers[0]!.abstract).toBe('Run <script>alert(1)</script> now; a<b and c & d.');
  });

  it('plain and LaTeX abstracts give the same text for the same words', () => {
    const plain = parseImport('a.bib', '@article{a, title={T1}, abstract={Some {B}ERT words  across\n  lines}}').papers[0]!;
    const latex = parseImport('b.bib', '@article{b, title={T2}, abstract={Some {B}ERT words \\emph{across}\n  lines}}').papers[0]!;
    expect(plain.abstract).toBe('Some BERT words across lines');
    expect(latex.abstract).toBe(plain.abstract);
  });

  it('survives stray braces between entries (falls back to the slow path)', () => {
    const src = '@article{a, title={First}, abstract={Alpha text}}\n}}} stray {{\n@article{b, title={Second}, abstract={Beta text}}';
    const r = parseImport('x.bib', src);
    expect(r.papers.map((p) => [p.title, p.abstract])).toContainEqual(['First', 'Alpha text']);
    for (const p of r.papers) expect(JSON.stringify(p)).not.toMatch(/ATLAS/);
  });

  it('throws ImportError when a .bib file has no entries at all', () => {
    expect(() => parseImport('notes.bib', 'just some notes\nwithout entries')).toThrow(ImportError);
    expect(() => parseImport('notes.bib', 'just some notes\nwithout entries')).toThrow(/No BibTeX entries/);
  });
});

describe('RIS', () => {
  it('parses records, wrapped lines, tag synonyms and metadata', () => {
    const r = parseImport('refs.ris', bytes('sample.ris'));
    expect(r.format).toBe('ris');
    expect(r.papers).toHaveLength(2);
    const [a, b] = r.papers;
    expect(a!.title).toBe('Contrastive Learning of Sentence Embeddings');
    expect(a!.abstract).toBe('We present SimCSE, a simple contrastive learning framework that greatly advances state-of-the-art sentence embeddings.');
    expect(a!.authors).toEqual([{ family: 'Gao', given: 'Tianyu' }, { family: 'Yao', given: 'Xingcheng' }, { family: 'Chen', given: 'Danqi' }]);
    expect(a!.year).toBe(2021);
    expect(a!.venue).toBe('Empirical Methods in Natural Language Processing');
    expect(a!.doi).toBe('10.18653/v1/2021.emnlp-main.552');
    expect(b!.title).toBe('Sparse Mixture of Experts for Speech Recognition');
    expect(b!.abstract).toMatch(/^Routing each frame/);
    expect(b!.year).toBe(2022);
    expect(b!.venue).toBe('Interspeech');
    expect(r.issues).toEqual([expect.objectContaining({ entry: 3, line: 22, message: expect.stringMatching(/no title/) })]);
  });

  it('keeps a truncated last record with a warning naming it', () => {
    const src = text('sample.ris');
    const cut = src.slice(0, src.indexOf('N2  - Routing') + 30);
    const r = parseImport('cut.ris', cut);
    expect(r.papers.map((p) => p.title)).toEqual(['Contrastive Learning of Sentence Embeddings', 'Sparse Mixture of Experts for Speech Recognition']);
    expect(r.issues).toEqual([expect.objectContaining({ entry: 2, line: 14, message: expect.stringMatching(/no "ER {2}-" end tag.*truncated/) })]);
  });

  it('reports stray lines and throws when there is no record at all', () => {
    const r = parseImport('x.ris', 'garbage line\nTY  - JOUR\nTI  - Ok\nER  -\n');
    expect(r.papers).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ line: 1 });
    expect(() => parseImport('x.ris', 'nothing here')).toThrow(/No RIS records/);
  });
});

describe('CSV / TSV', () => {
  it('parses a Zotero CSV: synonyms, quoted fields, embedded newlines and quotes', () => {
    const r = parseImport('export.csv', bytes('zotero.csv'));
    expect(r.format).toBe('csv');
    expect(r.papers).toHaveLength(2);
    const p = r.papers[0]!;
    expect(p.title).toBe('Protein Folding with Attention, Revisited');
    expect(p.abstract).toBe('We fold proteins with "attention" layers. The second paragraph, with a comma, is in the same field.');
    expect(p.authors).toEqual([{ family: 'Lee', given: 'Ann' }, { family: 'Chen', given: 'Bo' }]);
    expect(p.year).toBe(2020);
    expect(p.venue).toBe('Nature Methods');
    expect(p.doi).toBe('10.1038/s41592-020-0001');
    expect(r.papers[1]!.flags?.noAbstract).toBe(true);
    // Row numbers count the header as row 1; the line accounts for the embedded newline.
    expect(r.issues).toEqual([expect.objectContaining({ entry: 4, line: 5, message: expect.stringMatching(/^Row 4 \(line 5\) has no title/) })]);
  });

  it('parses TSV and recognises a tab-separated file named .csv', () => {
    const a = parseImport('list.tsv', bytes('sample.tsv'));
    const b = parseImport('list.csv', bytes('sample.tsv'));
    for (const r of [a, b]) {
      expect(r.format).toBe('tsv');
      expect(r.papers.map((p) => p.title)).toEqual(['Low-Rank Adaptation of Language Models', 'Quantized Inference on Phones']);
      expect(r.papers[0]!.doi).toBe('10.48550/arxiv.2106.09685');
      expect(r.papers[1]!.flags?.noAbstract).toBe(true);
    }
  });

  it('semicolon-delimited spreadsheets and a banner row before the header', () => {
    const r = parseImport('x.csv', 'Exported 2024-01-01;;\nTitel;x;y\nTITLE;Summary;Publication Year\nA paper;Its summary;1999\n');
    expect(r.papers).toEqual([expect.objectContaining({ title: 'A paper', abstract: 'Its summary', year: 1999 })]);
  });

  it('an unclosed quote: the bad row is named, it and the rows after it are read line by line', () => {
    const src = 'title,abstract\nGood one,fine\n"Bad one,oops\nNext,row\n';
    const r = parseImport('x.csv', src);
    expect(r.papers.map((p) => p.title)).toEqual(['Good one', 'Bad one', 'Next']);
    expect(r.issues[0]).toMatchObject({ entry: 3, line: 3 });
    expect(r.issues[0]!.message).toMatch(/opened but not closed .*line 4; each line was read as its own row/);
  });

  it('rows with too many / too few fields are reported', () => {
    const r = parseImport('x.csv', 'title,abstract,year\nA,b\nC,d,2020,extra\n');
    expect(r.papers).toHaveLength(2);
    expect(r.issues.map((i) => i.line)).toEqual([2, 3]);
    expect(r.issues[0]!.message).toMatch(/has 2 fields but the header has 3/);
  });

  it('throws a clear error when no title column exists', () => {
    expect(() => parseImport('x.csv', 'name,text\na,b\n')).toThrow(/No title column.*"name", "text"/);
  });
});

describe('JSON and JSON Lines', () => {
  it('parses {papers:[…]} with CSL/Zotero synonyms', () => {
    const r = parseImport('lib.json', bytes('papers.json'));
    expect(r.format).toBe('json');
    expect(r.papers).toHaveLength(2);
    expect(r.papers[0]).toMatchObject({
      title: 'Retrieval-Augmented Generation for Knowledge-Intensive Tasks',
      authors: [{ family: 'Lewis', given: 'Patrick' }, { family: 'Perez', given: 'Ethan' }],
      year: 2020,
      venue: 'NeurIPS',
      doi: '10.5555/3495724.3496517',
      url: 'https://arxiv.org/abs/2005.11401',
    });
    expect(r.papers[1]).toMatchObject({ title: 'Tiny Object Detection from Drones', authors: [{ family: 'Lee', given: 'Ann' }, { family: 'Chen', given: 'Bo' }], year: 2023 });
    expect(r.papers[1]!.abstract).toBe("Bold claims & <script>alert('x')</script> in an abstract.");
    expect(r.issues).toEqual([expect.objectContaining({ entry: 3, line: 18, message: expect.stringMatching(/^Record 3 \(line 18\) has no title/) })]);
  });

  it('parses a plain array and OpenAlex-style inverted-index abstracts', () => {
    const r = parseImport('a.json', JSON.stringify([{ display_name: 'Open Alex Work', abstract_inverted_index: { world: [1], hello: [0] }, publication_year: 2022 }]));
    expect(r.papers).toEqual([expect.objectContaining({ title: 'Open Alex Work', abstract: 'hello world', year: 2022 })]);
  });

  it('a syntax error is reported with its line; complete records are salvaged', () => {
    const src = '[\n  {"title": "One", "abstract": "a"},\n  {"title": "Two" "abstract": "b"},\n  {"title": "Three", "abstract": "c"}\n]';
    const r = parseImport('x.json', src);
    expect(r.papers.map((p) => p.title)).toEqual(['One', 'Three']);
    expect(r.issues[0]).toMatchObject({ line: 3 });
    expect(r.issues[0]!.message).toMatch(/JSON syntax error at line 3/);
    expect(r.issues[1]).toMatchObject({ entry: 2, line: 3 });
  });

  it('a truncated JSON file keeps the complete records', () => {
    const full = JSON.stringify([{ title: 'A', abstract: 'x' }, { title: 'B', abstract: 'y' }, { title: 'C', abstract: 'z' }], null, 2);
    const r = parseImport('x.json', full.slice(0, full.indexOf('"C"') + 5));
    expect(r.papers.map((p) => p.title)).toEqual(['A', 'B']);
    expect(r.issues.some((i) => /Record 3 .*truncated/.test(i.message))).toBe(true);
  });

  it('rejects JSON that is not a list of papers', () => {
    expect(() => parseImport('x.json', '{"foo": 1}')).toThrow(/not a list of papers/);
    expect(() => parseImport('x.json', '{"foo": ')).toThrow(ImportError);
  });

  it('JSON Lines: a bad line is reported, the other lines are kept', () => {
    const r = parseImport('x.jsonl', bytes('papers.jsonl'));
    expect(r.format).toBe('jsonl');
    expect(r.papers.map((p) => p.title)).toEqual(['Learning to Rank with Gradient Boosted Trees', 'Neural Machine Translation by Jointly Learning to Align']);
    expect(r.issues.map((i) => i.line)).toEqual([2, 5]);
    expect(r.issues[0]!.message).toMatch(/^Line 2 is not valid JSON/);
    expect(r.issues[1]!.message).toMatch(/^Line 5 is not an object/);
  });

  it('JSON Lines is recognised by content when named .json', () => {
    expect(parseImport('x.json', bytes('papers.jsonl')).format).toBe('jsonl');
  });
});

describe('plain text (seed format)', () => {
  it('parses the seed format through parseSeed', () => {
    const r = parseImport('list.txt', bytes('seed-sample.txt'), { collection: 'notes' });
    expect(r.format).toBe('text');
    expect(r.papers.map((p) => p.title)).toEqual([
      'Masked Feature Prediction for Self-Supervised Visual Pre-Training',
      'Dense Contrastive Learning for Self-Supervised Visual Pre-Training',
      'Heuristic Vision Pre-Training with Self-Supervised and Supervised Multi-Task Learning',
    ]);
    expect(r.papers.every((p) => p.collection === 'notes' && p.abstract.length > 300)).toBe(true);
  });
});

describe('format detection', () => {
  it('content beats a wrong extension, and the user is told', () => {
    const r = parseImport('refs.txt', bytes('zotero.bib'));
    expect(r.format).toBe('bibtex');
    expect(r.issues[0]!.message).toMatch(/named like a plain text.*content is BibTeX/);
    expect(parseImport('paste', bytes('sample.ris')).format).toBe('ris');
    expect(parseImport('paste', bytes('zotero.csv')).format).toBe('csv');
  });

  it('sniffFormat', () => {
    expect(sniffFormat('[{"title": 1}]')).toBe('json');
    expect(sniffFormat('{"a":1}\n{"a":2}')).toBe('jsonl');
    expect(sniffFormat('{\n "papers": []\n}')).toBe('json');
    expect(sniffFormat('TY  - JOUR\nER  -')).toBe('ris');
    expect(sniffFormat('% x\n@Article{a,\n}')).toBe('bibtex');
    expect(sniffFormat('Title\tAbstract\n')).toBe('tsv');
    expect(sniffFormat('[Paper] A title, with comma\nAn abstract.')).toBeUndefined();
  });
});
