import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { run } from '../../src/cli/main.ts';
import { testIdentity } from './helpers/identity.ts';
import { VectorCacheNode } from '../../src/node/vector-cache.ts';
import { DEFAULT_MODEL_ID, DEFAULT_STATIC_MODEL_ID, getStaticModel } from '../../src/core/model/registry.ts';

const REPO = join(__dirname, '..', '..');
const SEED_LINES = readFileSync(join(REPO, 'seeds', '000_ef7def7f3d293d17.txt'), 'utf8').split('\n');

/** Runs the CLI in-process, capturing stdout and stderr. */
async function cli(argv: string[], cacheDir?: string) {
  let out = '';
  let err = '';
  const res = await run(argv, { out: (s) => (out += s), err: (s) => (err += s) }, { cacheDir });
  return { ...res, out, err };
}

let tmp: string;
let smallCorpus: string;
let queries: string;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'atlas-cli-'));
  // The two header lines and the first 8 papers: small enough to embed quickly.
  smallCorpus = join(tmp, 'small.txt');
  writeFileSync(smallCorpus, SEED_LINES.slice(0, 2 + 16).join('\n'));
  queries = join(tmp, 'q.jsonl');
  writeFileSync(
    queries,
    [
      JSON.stringify({ query: 'predicting HOG features of masked video regions', relevant: ['Masked Feature Prediction for Self-Supervised Visual Pre-Training'] }),
      '',
      JSON.stringify({ query: 'pixel-level contrastive learning for dense prediction', relevant: ['Dense Contrastive Learning for Self-Supervised Visual Pre-Training', 'Not A Paper In This Corpus'] }),
    ].join('\n'),
  );
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('CLI usage', () => {
  it('prints help, and rejects unknown commands, flags and bad values with exit code 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage:[\s\S]*search[\s\S]*related[\s\S]*eval/);
    expect((await cli(['search', '--help'])).out).toMatch(/Usage:/);

    const unknown = await cli(['serch', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown command "serch"/);
    const badFlag = await cli(['search', 'x', '--colour']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.err).toMatch(/--colour/);
    expect((await cli(['search', 'x', '--mode', 'fuzzy'])).err).toMatch(/--mode must be/);
    expect((await cli(['search', 'x', '--k', '0'])).err).toMatch(/--k must be/);
    expect((await cli(['eval'])).err).toMatch(/--queries/);
    expect((await cli(['search', 'x', '--model', 'no-such-model'])).err).toMatch(/Unknown model/);
    expect((await cli(['search', 'x', '--corpus', join(tmp, 'missing.txt')])).err).toMatch(/no such file/);
    const rel = await cli(['related', 'Masked Feature Predictin', '--corpus', smallCorpus]);
    expect(rel.code).toBe(2);
    expect(rel.err).toMatch(/No paper with id or title[\s\S]*Did you mean:[\s\S]*Masked Feature Prediction/);
  });
});

describe('CLI search / related / eval (real default model)', () => {
  const cacheDir = () => join(tmp, 'cache');

  it('search --json prints {model, mode, results[{id,title,score,sentence}]} and embeds once', async () => {
    const first = await cli(['search', 'HOG features of masked video', '--json', '--k', '3', '--corpus', smallCorpus], cacheDir());
    expect(first.code, first.err).toBe(0);
    const j = JSON.parse(first.out);
    expect(Object.keys(j).sort()).toEqual(['mode', 'model', 'results']);
    expect(j.model).toBe(DEFAULT_MODEL_ID);
    expect(j.mode).toBe('hybrid');
    expect(j.results).toHaveLength(3);
    for (const r of j.results) {
      expect(Object.keys(r).sort()).toEqual(['id', 'score', 'sentence', 'title']);
      expect(typeof r.score).toBe('number');
      expect(r.sentence.length).toBeGreaterThan(0);
    }
    expect(j.results[0].title).toBe('Masked Feature Prediction for Self-Supervised Visual Pre-Training');
    expect(first.stats).toEqual({ embedded: 8, cached: 0 });
    expect(first.err).toMatch(/Embedding 8 papers/);

    // Second run: every vector comes from the cache; the embedder does no document work.
    const second = await cli(['search', 'HOG features of masked video', '--json', '--k', '3', '--corpus', smallCorpus], cacheDir());
    expect(second.stats).toEqual({ embedded: 0, cached: 8 });
    expect(second.err).not.toMatch(/Embedding/);
    expect(JSON.parse(second.out).results.map((r: { id: string }) => r.id)).toEqual(j.results.map((r: { id: string }) => r.id));
    const files = readdirSync(join(cacheDir(), DEFAULT_MODEL_ID.replace('/', '__')));
    expect(files.some((f) => f.endsWith('.vec'))).toBe(true);

    // Editing one abstract re-embeds exactly that paper.
    const edited = join(tmp, 'edited.txt');
    const lines = SEED_LINES.slice(0, 18);
    lines[3] = lines[3] + ' An added sentence.';
    writeFileSync(edited, lines.join('\n'));
    const third = await cli(['search', 'HOG', '--json', '--corpus', edited], cacheDir());
    expect(third.stats).toEqual({ embedded: 1, cached: 7 });
  });

  it('search --mode lexical needs no model', async () => {
    const r = await cli(['search', 'dense contrastive pixel', '--mode', 'lexical', '--json', '--corpus', smallCorpus]);
    expect(r.code).toBe(0);
    expect(r.stats).toBeUndefined();
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ model: null, mode: 'lexical' });
    expect(j.results[0].title).toBe('Dense Contrastive Learning for Self-Supervised Visual Pre-Training');
  });

  it('search filters: --author / --year-from / --venue narrow the results; bad values exit 2 with the flag named', async () => {
    const bib = join(tmp, 'mine.bib');
    writeFileSync(
      bib,
      `@article{a, title = {Kelp Forest Recovery}, author = {Garc{\\'i}a, Mar{\\'i}a}, journal = {Marine Ecology}, year = {2017}, abstract = {Kelp forests recover after urchin removal.}}
@article{b, title = {Kelp Genomics}, author = {Chen, Bo}, journal = {Genome Biology}, year = {2022}, abstract = {Kelp forests genomes were sequenced.}}
`,
    );
    const titles = async (...flags: string[]) => JSON.parse((await cli(['search', 'kelp forests', '--mode', 'lexical', '--json', '--corpus', bib, ...flags])).out).results.map((r: { title: string }) => r.title);
    expect(await titles('--author', 'garcia')).toEqual(['Kelp Forest Recovery']);
    expect(await titles('--year-from', '2020')).toEqual(['Kelp Genomics']);
    expect(await titles('--venue', 'marine')).toEqual(['Kelp Forest Recovery']);
    const bad = await cli(['search', 'kelp', '--year-from', '20x', '--mode', 'lexical', '--corpus', bib]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--year-from/);
  });

  it('related by exact title excludes the paper itself', async () => {
    const r = await cli(['related', 'Masked Feature Prediction for Self-Supervised Visual Pre-Training', '--json', '--k', '3', '--corpus', smallCorpus], cacheDir());
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.results).toHaveLength(3);
    expect(j.results.map((x: { title: string }) => x.title)).not.toContain('Masked Feature Prediction for Self-Supervised Visual Pre-Training');
  });

  it('eval --json has the documented shape and per-query ranks', async () => {
    const r = await cli(['eval', '--queries', queries, '--json', '--corpus', smallCorpus], cacheDir());
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j).toMatchObject({ n: 2, model: DEFAULT_MODEL_ID });
    for (const mode of ['lexical', 'vector', 'hybrid']) {
      expect(Object.keys(j[mode]).sort()).toEqual([
        'mrr', 'ndcg_at_10', 'recall_at_1', 'recall_at_10', 'recall_at_5', 'success_at_1', 'success_at_10', 'success_at_5',
      ]);
      // The summary must be what its own per-query ranks say, by the documented definitions.
      const ranks: (number | null)[][] = j.queries.map((q: { ranks: Record<string, (number | null)[]> }) => q.ranks[mode]);
      const recall = (n: number) => ranks.reduce((a, r) => a + r.filter((x) => x !== null && x <= n).length / r.length, 0) / ranks.length;
      const mrr = ranks.reduce((a, r) => {
        const found = r.filter((x): x is number => x !== null);
        return a + (found.length ? 1 / Math.min(...found) : 0);
      }, 0) / ranks.length;
      expect(j[mode].recall_at_1).toBeCloseTo(recall(1), 4);
      expect(j[mode].recall_at_5).toBeCloseTo(recall(5), 4);
      expect(j[mode].recall_at_10).toBeCloseTo(recall(10), 4);
      expect(j[mode].mrr).toBeCloseTo(mrr, 4);
      const success = (n: number) => ranks.filter((r) => r.some((x) => x !== null && x <= n)).length / ranks.length;
      expect(j[mode].success_at_1).toBeCloseTo(success(1), 4);
      expect(j[mode].success_at_10).toBeCloseTo(success(10), 4);
    }
    // The first question's paper is in this corpus and found by some mode: the report is not all zeros.
    expect(Math.max(j.lexical.mrr, j.vector.mrr, j.hybrid.mrr)).toBeGreaterThan(0);
    expect(j.queries).toHaveLength(2);
    expect(j.queries[1].missing).toEqual(['Not A Paper In This Corpus']);
    expect(j.queries[1].ranks.lexical[1]).toBeNull();
    // The missing title counts as not found: recall@10 can be at most (1 + 1/2) / 2.
    expect(j.lexical.recall_at_10).toBeLessThanOrEqual(0.75);
    expect(r.err).toMatch(/not in the corpus: "Not A Paper In This Corpus"/);
  });

  it('eval --title-queries asks every title against abstract-only documents', async () => {
    const r = await cli(['eval', '--title-queries', '--json', '--corpus', smallCorpus], cacheDir());
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.n).toBe(8);
    expect(j.queries[0].query).toBe('Masked Feature Prediction for Self-Supervised Visual Pre-Training');
    // Abstract-only texts are new texts: embedded, not served from the title+abstract cache.
    expect(r.stats).toEqual({ embedded: 8, cached: 0 });
    expect((await cli(['eval', '--title-queries', '--queries', queries])).err).toMatch(/either --queries/);
  });
});

describe('CLI with the static model (quick tier)', () => {
  const cacheDir = () => join(tmp, 'cache-static');
  it('eval --model <static id> ranks with the static vectors alone (vector) and fused with BM25 (hybrid)', async () => {
    const spec = getStaticModel(DEFAULT_STATIC_MODEL_ID);
    const r = await cli(['eval', '--title-queries', '--json', '--model', spec.id, '--corpus', smallCorpus], cacheDir());
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model).toBe(spec.id);
    expect(r.err).toContain(`Loading ${spec.id}`);
    // It embedded with the static model (8 abstract-only texts), and its vector ranking finds papers.
    expect(r.stats).toEqual({ embedded: 8, cached: 0 });
    expect(j.vector.mrr).toBeGreaterThan(0.3);
    // Vector and hybrid come from different rankers: the static vector ranks differ from lexical's somewhere.
    const differs = j.queries.some((q: { ranks: Record<string, (number | null)[]> }) => q.ranks.vector[0] !== q.ranks.lexical[0]);
    expect(differs).toBe(true);
  });

  it('search --model accepts the short static id and --mode vector; an unknown id names both model lists', async () => {
    const r = await cli(['search', 'masked video feature prediction', '--model', DEFAULT_STATIC_MODEL_ID.split('/')[1]!, '--mode', 'vector', '--json', '--k', '3', '--corpus', smallCorpus], cacheDir());
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.model).toBe(DEFAULT_STATIC_MODEL_ID);
    expect(j.results).toHaveLength(3);
    const bad = await cli(['search', 'x', '--model', 'static/nope']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Unknown model "static\/nope".*static/s);
  });
});

describe('CLI as a child process', () => {
  it('`npm run --silent cli -- search … --json` prints only JSON on stdout', async () => {
    const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'cli', '--', 'search', 'optical flow occlusion', '--mode', 'lexical', '--json', '--k', '2'], {
      cwd: REPO,
    });
    const j = JSON.parse(stdout);
    expect(j.results).toHaveLength(2);
    expect(j.results[0].title).toBe('SelFlow: Self-Supervised Learning of Optical Flow');
  });
});

describe('CLI --corpus bundle vectors', () => {
  it('uses a bundle\'s vectors only under the model\'s own identity; another dtype or text rule re-embeds', async () => {
    const { parseSeed } = await import('../../src/core/import/seed-parser.ts');
    const { writeBundle } = await import('../../src/core/import/bundle.ts');
    const { transformerIdentity } = await import('../../src/core/vectors/identity.ts');
    const { getModel } = await import('../../src/core/model/registry.ts');
    const papers = parseSeed(SEED_LINES.slice(0, 2 + 8).join('\n'), 'b').papers;
    const identity = transformerIdentity(getModel(DEFAULT_MODEL_ID), 'q8');
    // Unit vectors that no model would make: if the CLI uses them, no embedding happens.
    const vectors = new Float32Array(papers.length * identity.dims).map((_, i) => (i % identity.dims === 0 ? 1 : 0));
    const write = (name: string, id: typeof identity) => {
      const f = join(tmp, name);
      writeFileSync(f, writeBundle({ collection: 'b', papers, identity: id, vectors }));
      return f;
    };
    const fits = await cli(['search', 'masked features', '--json', '--no-cache', '--corpus', write('fits.atlas', identity)]);
    expect(fits.code, fits.err).toBe(0);
    expect(fits.stats).toMatchObject({ embedded: 0, cached: papers.length });
    for (const [name, id] of [
      ['fp32.atlas', { ...identity, dtype: 'fp32' }],
      ['format.atlas', { ...identity, textFormat: identity.textFormat + 1 }],
    ] as const) {
      const r = await cli(['search', 'masked features', '--json', '--no-cache', '--corpus', write(name, id)]);
      expect(r.code, r.err).toBe(0);
      expect(r.stats).toMatchObject({ embedded: papers.length });
      expect(r.err).toMatch(/do not fit/);
    }
  });
});

describe('VectorCacheNode', () => {
  const sha = 'ab'.repeat(32);
  it('round-trips binary Float32 vectors keyed by paper id and text hash', () => {
    const root = join(tmp, 'vc');
    const c = VectorCacheNode.open(root, testIdentity('Org/Model', 3, { weights: sha }));
    c.put('p1', 'h1', new Float32Array([0.25, -1, 3.5]));
    c.put('p2', 'h2', new Float32Array([1, 2, 3]));
    c.save();
    expect(readFileSync(c.file).subarray(0, 4).toString('latin1')).toBe('AAVC');
    const d = VectorCacheNode.open(root, testIdentity('Org/Model', 3, { weights: sha }));
    expect(d.size).toBe(2);
    expect([...d.get('p1', 'h1')!]).toEqual([0.25, -1, 3.5]);
    expect(d.get('p1', 'other-text')).toBeUndefined();
    expect(VectorCacheNode.open(root, testIdentity('Org/Model', 3, { weights: 'cd'.repeat(32) })).size).toBe(0); // other model file
    // Same weights, another dtype or text rule: another identity, so nothing is reused.
    expect(VectorCacheNode.open(root, testIdentity('Org/Model', 3, { weights: sha, dtype: 'fp32' })).size).toBe(0);
    expect(VectorCacheNode.open(root, testIdentity('Org/Model', 3, { weights: sha, textFormat: 99 })).size).toBe(0);
  });

  it('ignores (and reports) a truncated cache file instead of trusting part of it', () => {
    const root = join(tmp, 'vc2');
    const c = VectorCacheNode.open(root, testIdentity('m', 3, { weights: sha }));
    c.put('p1', 'h1', new Float32Array([1, 2, 3]));
    c.save();
    truncateSync(c.file, 30);
    const warnings: string[] = [];
    const d = VectorCacheNode.open(root, testIdentity('m', 3, { weights: sha }), (w) => warnings.push(w));
    expect(d.size).toBe(0);
    expect(warnings[0]).toMatch(/truncated|too short/);
    d.put('p9', 'h9', new Float32Array([4, 5, 6]));
    d.save();
    expect(existsSync(d.file)).toBe(true);
    expect(VectorCacheNode.open(root, testIdentity('m', 3, { weights: sha })).size).toBe(1);
  });
});

describe('CLI index', () => {
  it('refuses a missing output, a non-.atlas output, a missing file and a file without papers, before loading a model', async () => {
    expect((await cli(['index', smallCorpus])).err).toMatch(/missing -o/);
    expect((await cli(['index', smallCorpus, '-o', join(tmp, 'x.json')])).err).toMatch(/must end in \.atlas/);
    expect((await cli(['index', join(tmp, 'nope.bib'), '-o', join(tmp, 'x.atlas')])).err).toMatch(/no such file/);
    const empty = join(tmp, 'empty.json');
    writeFileSync(empty, '[]');
    const r = await cli(['index', empty, '-o', join(tmp, 'x.atlas')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/no papers/);
    expect(existsSync(join(tmp, 'x.atlas'))).toBe(false);
  });

  it('writes a bundle of the papers and their vectors; a second run and a search of the bundle embed nothing', async () => {
    const { readBundle } = await import('../../src/core/import/bundle.ts');
    const { parseSeed } = await import('../../src/core/import/seed-parser.ts');
    const papers = parseSeed(SEED_LINES.slice(0, 2 + 12).join('\n'), 'x').papers;
    expect(papers).toHaveLength(6);
    const bib = join(tmp, 'mine.bib');
    writeFileSync(bib, papers.map((p, i) => `@article{k${i},\n  title = {${p.title}},\n  year = {2022},\n  abstract = {${p.abstract}}\n}\n`).join('\n'));
    const out = join(tmp, 'out', 'mine.atlas');
    const dir = join(tmp, 'cache-index');
    const first = await cli(['index', bib, '-o', out], dir);
    expect(first.code, first.err).toBe(0);
    expect(first.stats).toMatchObject({ embedded: papers.length, cached: 0 });
    expect(first.err).toMatch(/wrote .*mine\.atlas: 6 papers/);

    const b = readBundle(new Uint8Array(readFileSync(out)));
    expect(b.header.collection).toBe('mine');
    expect(b.papers.map((p) => p.title)).toEqual(papers.map((p) => p.title));
    expect(b.identity?.model).toBe(DEFAULT_MODEL_ID);
    expect(b.vectors.size).toBe(papers.length);
    for (const v of b.vectors.values()) expect(Math.hypot(...v)).toBeCloseTo(1, 4);

    const again = await cli(['index', bib, '-o', out, '--collection', 'lab'], dir);
    expect(again.stats).toMatchObject({ embedded: 0, cached: papers.length });
    expect(readBundle(new Uint8Array(readFileSync(out))).header.collection).toBe('lab');

    const search = await cli(['search', papers[2]!.title, '--json', '--no-cache', '--corpus', out]);
    expect(search.code, search.err).toBe(0);
    expect(search.stats).toMatchObject({ embedded: 0, cached: papers.length });
    expect(JSON.parse(search.out).results[0].title).toBe(papers[2]!.title);
  });
});
