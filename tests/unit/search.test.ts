import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_FUSION, SearchEngine, SearchNotReadyError, feedbackQuery, fuseScores } from '../../src/core/search/engine.ts';
import { splitSentences } from '../../src/core/text/sentences.ts';
import { bestSentence } from '../../src/core/search/best-sentence.ts';
import { tokenize } from '../../src/core/search/bm25.ts';
import { fnv1a64 } from '../../src/core/library/ids.ts';
import { parseSeed } from '../../src/core/import/seed-parser.ts';
import { documentText } from '../../src/core/vectors/document-text.ts';
import { DEFAULT_MODEL_ID } from '../../src/core/model/registry.ts';
import { loadEmbedder } from '../../src/core/model/embedder.ts';
import { resolveLocalModelDir } from '../../src/node/model-dir.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import { HnswIndex } from '../../src/core/ann/index.ts';
import { testIdentity } from './helpers/identity.ts';

/**
 * Deterministic stand-in for a sentence embedder, for mechanics tests only: hashed bag of words,
 * L2-normalised. Texts sharing words get a high cosine, which is all these tests rely on.
 */
class BagOfWordsModel implements EmbeddingModel {
  readonly modelId = 'test/bag-of-words';
  readonly identity = testIdentity('test/bag-of-words', 64);
  readonly dimensions = 64;
  readonly device = 'cpu' as const;
  queries = 0;
  vec(text: string): Float32Array {
    const v = new Float32Array(this.dimensions);
    for (const t of tokenize(text)) v[parseInt(fnv1a64(t).slice(-6), 16) % this.dimensions] += 1;
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  }
  async embedDocuments(texts: string[]) {
    const out = new Float32Array(texts.length * this.dimensions);
    texts.forEach((t, i) => out.set(this.vec(t), i * this.dimensions));
    return { vectors: out, dimensions: this.dimensions };
  }
  async embedQuery(text: string) {
    this.queries++;
    return this.vec(text);
  }
  async dispose() {}
}

const paper = (title: string, abstract: string, collection = 'a'): Paper => ({ id: 'p' + fnv1a64(title), title, abstract, collection });

const PAPERS: Paper[] = [
  paper('Masked autoencoders for video', 'We mask video frames and reconstruct them. Results are strong.'),
  paper('Audio spectrogram transformers', 'We classify audio spectrograms with a transformer. It is fast.'),
  paper('Optical flow without labels', 'Self-supervised optical flow from occlusion hallucination. It beats baselines.'),
  paper('Contrastive learning survey', 'A survey of contrastive self-supervised methods. We compare many of them.', 'b'),
  paper('Graph matching for medical images', 'Second-order graph matching pre-trains medical imaging models.', 'b'),
  paper('Video masked modeling at scale', 'Scaling masked video modeling to billions of frames. Video frames are masked.', 'b'),
];

async function engineWithVectors(opts: ConstructorParameters<typeof SearchEngine>[0] = {}) {
  const model = new BagOfWordsModel();
  const engine = new SearchEngine({ ...opts, model });
  engine.setPapers(PAPERS);
  const { vectors } = await model.embedDocuments(PAPERS.map(documentText));
  await engine.setVectors(PAPERS.map((p) => p.id), vectors);
  return { engine, model, vectors };
}

describe('fuseScores', () => {
  it('RRF sums 1/(k + rank) over the rankers', () => {
    const lex = new Map([[1, 10], [2, 5]]);
    const vec = new Map([[2, 0.9], [3, 0.8]]);
    const out = fuseScores(lex, vec, { ...DEFAULT_FUSION, method: 'rrf', rrfK: 60 });
    expect(out.map((h) => h.label)).toEqual([2, 1, 3]);
    expect(out[0].score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(out[1].score).toBeCloseTo(1 / 61, 12);
    expect(out[2].score).toBeCloseTo(1 / 62, 12);
  });

  it('convex combination normalises BM25 by its max and cosine by min-max', () => {
    const lex = new Map([[1, 10], [2, 5]]);
    const vec = new Map([[1, 0.5], [2, 0.9], [3, 0.7]]);
    const out = fuseScores(lex, vec, { ...DEFAULT_FUSION, method: 'convex', alpha: 0.5 });
    expect(out.map((h) => [h.label, +h.score.toFixed(6)])).toEqual([[2, 0.75], [1, 0.5], [3, 0.25]]);
    // alpha = 1 is pure vector order, alpha = 0 pure lexical (label 3 has no lexical score).
    expect(fuseScores(lex, vec, { ...DEFAULT_FUSION, alpha: 1 }).map((h) => h.label)).toEqual([2, 3, 1]);
    expect(fuseScores(lex, vec, { ...DEFAULT_FUSION, alpha: 0 }).map((h) => h.label)).toEqual([1, 2, 3]);
  });
});

describe('SearchEngine', () => {
  it('answers lexically with no model and no vectors; vector modes say they are not ready', async () => {
    const engine = new SearchEngine();
    engine.setPapers(PAPERS);
    const hits = await engine.search('optical flow occlusion', { mode: 'lexical', k: 3 });
    expect(hits[0].paper.title).toBe('Optical flow without labels');
    expect(hits[0].lexicalRank).toBe(1);
    await expect(engine.search('optical flow', { mode: 'vector' })).rejects.toBeInstanceOf(SearchNotReadyError);
    await expect(engine.search('optical flow', { mode: 'hybrid' })).rejects.toBeInstanceOf(SearchNotReadyError);
    expect(() => engine.related(PAPERS[0].id)).toThrow(SearchNotReadyError);
  });

  it('ranks by vector and hybrid, with ranks of each ranker and a best sentence with its range', async () => {
    const { engine, model } = await engineWithVectors();
    const v = await engine.search('masked video frames', { mode: 'vector', k: 2 });
    expect(v.map((h) => h.paper.title).sort()).toEqual(['Masked autoencoders for video', 'Video masked modeling at scale']);
    expect(v[0].score).toBeGreaterThanOrEqual(v[1].score);
    const h = await engine.search('masked video frames', { mode: 'hybrid', k: 6 });
    expect(h.slice(0, 2).map((x) => x.paper.title).sort()).toEqual(v.map((x) => x.paper.title).sort());
    for (const x of h) {
      if (!x.sentenceRange) continue;
      expect(x.paper.abstract.slice(...x.sentenceRange)).toBe(x.sentence);
    }
    expect(h[0].vectorRank).toBeDefined();
    // The query vector is cached: vector + hybrid for the same question embed it once.
    expect(model.queries).toBe(1);
  });

  it('restricts every mode to the requested collections', async () => {
    const { engine } = await engineWithVectors();
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      const hits = await engine.search('masked video', { mode, k: 10, collections: ['b'] });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((x) => x.paper.collection === 'b')).toBe(true);
    }
  });

  it('related() uses the stored vector and excludes the paper itself', async () => {
    const { engine } = await engineWithVectors();
    const hits = engine.related(PAPERS[0].id, 3);
    expect(hits).toHaveLength(3);
    expect(hits.map((x) => x.paper.id)).not.toContain(PAPERS[0].id);
    expect(hits[0].paper.title).toBe('Video masked modeling at scale');
    expect(() => engine.related('nope')).toThrow(/Unknown paper/);
  });

  it('removed papers disappear from lexical, vector and related results', async () => {
    const { engine } = await engineWithVectors();
    engine.removePapers([PAPERS[5].id]);
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      const hits = await engine.search('video masked modeling scale', { mode, k: 10 });
      expect(hits.map((x) => x.paper.id)).not.toContain(PAPERS[5].id);
    }
    expect(engine.related(PAPERS[0].id, 5).map((x) => x.paper.id)).not.toContain(PAPERS[5].id);
  });

  describe('with HNSW (threshold lowered so six papers cross it)', () => {
    let exact: SearchEngine;
    let hnsw: SearchEngine;
    let vectors: Float32Array;
    beforeAll(async () => {
      ({ engine: exact, vectors } = await engineWithVectors());
      hnsw = new SearchEngine({ model: new BagOfWordsModel(), exactThreshold: 4 });
      hnsw.setPapers(PAPERS);
      // Incremental: 3 vectors (exact), then 3 more crosses the threshold and switches to HNSW.
      const d = 64;
      await hnsw.addVectors(PAPERS.slice(0, 3).map((p) => p.id), vectors.slice(0, 3 * d));
      expect(hnsw.vectorIndexKind()).toBe('exact');
      await hnsw.addVectors(PAPERS.slice(3).map((p) => p.id), vectors.slice(3 * d));
      // The graph is built in slices after addVectors returns (exact answers meanwhile).
      await hnsw.primary!.indexed();
    });

    it('switches to HNSW and returns the exact results on a tiny collection', async () => {
      expect(exact.vectorIndexKind()).toBe('exact');
      expect(hnsw.vectorIndexKind()).toBe('hnsw');
      const q = 'masked video frames';
      // k = 3: the rest of this toy collection ties at cosine 0, where any order is right.
      const a = await exact.search(q, { mode: 'vector', k: 3 });
      const b = await hnsw.search(q, { mode: 'vector', k: 3 });
      expect(b.map((h) => h.paper.id)).toEqual(a.map((h) => h.paper.id));
      b.forEach((h, i) => expect(h.score).toBeCloseTo(a[i].score, 5));
    });

    it('adopts a restored graph built from the same rows, and refuses one of another size', async () => {
      const bytes = await hnsw.primary!.vectorIndex!.serialize();
      const ids = [...hnsw.primary!.paperIds];
      const again = new SearchEngine({ model: new BagOfWordsModel(), exactThreshold: 4 });
      again.setPapers(PAPERS);
      await again.setVectors(ids, vectors, { index: await HnswIndex.restore(bytes, 64, { rows: vectors }) });
      expect(again.vectorIndexKind()).toBe('hnsw');
      expect(again.related(PAPERS[0].id, 3).map((h) => h.paper.id)).toEqual(hnsw.related(PAPERS[0].id, 3).map((h) => h.paper.id));
      const other = new SearchEngine({ model: new BagOfWordsModel() });
      other.setPapers(PAPERS);
      const graph = await HnswIndex.restore(bytes, 64, { rows: vectors });
      await expect(other.setVectors(ids.slice(0, 3), vectors.slice(0, 3 * 64), { index: graph })).rejects.toThrow(/restored index holds 6/);
    });
  });
});

describe('splitSentences', () => {
  it('does not split after abbreviations, initials, decimals or inside URLs', () => {
    const text =
      'We follow Smith et al. (2020) and use e.g. ImageNet, i.e. 1.2M images. Accuracy is 86.7% vs. 80.1% on Kinetics-400! ' +
      'See Fig. 3 and https://git.io/Adelai.Det for code. Does it work? Yes. J. Doe agrees.';
    expect(splitSentences(text).map((s) => s.text)).toEqual([
      'We follow Smith et al. (2020) and use e.g. ImageNet, i.e. 1.2M images.',
      'Accuracy is 86.7% vs. 80.1% on Kinetics-400!',
      'See Fig. 3 and https://git.io/Adelai.Det for code.',
      'Does it work?',
      'Yes.',
      'J. Doe agrees.',
    ]);
  });
  it('gives ranges that slice back to each sentence, and handles a missing final period', () => {
    const text = '  First one.  Second (with "quotes.") Third without end';
    const spans = splitSentences(text);
    expect(spans.map((s) => text.slice(s.start, s.end))).toEqual(spans.map((s) => s.text));
    expect(spans.map((s) => s.text)).toEqual(['First one.', 'Second (with "quotes.")', 'Third without end']);
    expect(splitSentences('')).toEqual([]);
  });
});

describe('bestSentence', () => {
  const abstract =
    'Self-supervised learning is popular. We present HiCMAE, a masked autoencoder that reconstructs audio spectrograms and video frames. ' +
    'Experiments on nine datasets show gains.';
  it('picks the sentence sharing the most informative words with the question, with its range', () => {
    const b = bestSentence('masked autoencoder for audio and video', abstract, 'HiCMAE');
    expect(b.sentence).toMatch(/^We present HiCMAE/);
    expect(abstract.slice(...b.range!)).toBe(b.sentence);
    expect(b.score).toBeGreaterThan(0);
  });
  it('falls back to the contribution sentence when no word matches, and to the title without abstract', () => {
    expect(bestSentence('zebra giraffe', abstract, 'T').sentence).toMatch(/^We present/);
    expect(bestSentence('zebra giraffe', abstract, 'T').score).toBe(0);
    expect(bestSentence('anything', '', 'Only a title')).toEqual({ sentence: 'Only a title', score: 0 });
  });
});

describe('related() with the real default model on the seed corpus', () => {
  let engine: SearchEngine;
  let model: EmbeddingModel | undefined;
  const papers = parseSeed(readFileSync(join(__dirname, '..', '..', 'seeds', '000_ef7def7f3d293d17.txt'), 'utf8')).papers;

  beforeAll(async () => {
    const dir = resolveLocalModelDir(DEFAULT_MODEL_ID);
    if (!dir) throw new Error(`${DEFAULT_MODEL_ID} is not installed: run \`npm run fetch-model -- ${DEFAULT_MODEL_ID}\``);
    model = await loadEmbedder({ modelId: DEFAULT_MODEL_ID, localModelPath: dir });
    engine = new SearchEngine({ model });
    engine.setPapers(papers);
    const { vectors } = await model.embedDocuments(papers.map(documentText), { batchSize: 16 });
    await engine.setVectors(papers.map((p) => p.id), vectors);
  });
  afterAll(async () => {
    await model?.dispose();
  });

  it('lists CroCo v2 in the top 3 for CroCo', () => {
    const croco = papers.find((p) => p.title === 'CroCo: Self-Supervised Pre-training for 3D Vision Tasks by Cross-View Completion')!;
    const hits = engine.related(croco.id, 3);
    expect(hits.map((h) => h.paper.title)).toContain(
      'CroCo v2: Improved Cross-view Completion Pre-training for Stereo Matching and Optical Flow',
    );
    expect(hits.map((h) => h.paper.id)).not.toContain(croco.id);
  });

  it('finds a paper from a paraphrased question in vector and hybrid mode', async () => {
    for (const mode of ['vector', 'hybrid'] as const) {
      const hits = await engine.search('counting arbitrary objects in images from a few examples', { mode, k: 3 });
      expect(hits.map((h) => h.paper.title)).toContain('CounTR: Transformer-based Generalised Visual Counting');
    }
  });
});

describe('SearchEngine with several vector spaces', () => {
  /** A second space that only knows one word: "spectrogram" maps every audio text to one direction. */
  class OneWordModel extends BagOfWordsModel {
    override readonly identity = testIdentity('test/one-word', 64);
    override vec(text: string): Float32Array {
      const v = new Float32Array(64);
      v[/spectrogram|audio/i.test(text) ? 0 : 1] = 1;
      return v;
    }
  }

  async function twoSpaces() {
    const a = new BagOfWordsModel();
    const b = new OneWordModel();
    const engine = new SearchEngine();
    engine.setPapers(PAPERS);
    for (const m of [a, b]) {
      const { vectors } = await m.embedDocuments(PAPERS.map(documentText));
      await engine.useModel(m).setVectors(PAPERS.map((p) => p.id), vectors);
    }
    return { engine, a, b };
  }

  it('keeps one space per vector identity, and refuses a query model of another identity', async () => {
    const { engine, a, b } = await twoSpaces();
    expect(engine.vectorSpaces.map((s) => s.identity.model)).toEqual(['test/bag-of-words', 'test/one-word']);
    expect(engine.findSpace(a.identity)!.size).toBe(PAPERS.length);
    expect(() => engine.findSpace(a.identity)!.setQueryModel(b)).toThrow(/does not fit the vector space/);
  });

  it('ranks with the spaces it is asked for; with both, their evidence adds up', async () => {
    const { engine, a, b } = await twoSpaces();
    const keyA = engine.findSpace(a.identity)!.key;
    const keyB = engine.findSpace(b.identity)!.key;
    const q = 'audio';
    const onlyB = await engine.search(q, { mode: 'vector', k: 6, spaces: [keyB] });
    expect(onlyB[0].paper.title).toBe('Audio spectrogram transformers');
    const onlyA = await engine.search('masked video frames', { mode: 'vector', k: 1, spaces: [keyA] });
    expect(onlyA[0].paper.title).toMatch(/video/i);
    const both = await engine.search(q, { mode: 'hybrid', k: 6, spaces: [keyA, keyB] });
    expect(both[0].paper.title).toBe('Audio spectrogram transformers');
    // Default: every ready space takes part.
    expect((await engine.search(q, { mode: 'hybrid', k: 6 })).map((h) => h.paper.id)).toEqual(both.map((h) => h.paper.id));
    expect(a.queries + b.queries).toBeGreaterThanOrEqual(2);
  });

  it('related() uses the named space, else the first that holds the paper', async () => {
    const { engine, b } = await twoSpaces();
    const keyB = engine.findSpace(b.identity)!.key;
    const viaB = engine.related(PAPERS[1].id, 5, { space: keyB });
    // In the one-word space every non-audio paper ties at cosine 0 with the audio paper.
    expect(viaB.every((h) => h.score === 0)).toBe(true);
    const viaFirst = engine.related(PAPERS[0].id, 1);
    expect(viaFirst[0].paper.title).toBe('Video masked modeling at scale');
  });
});

describe('pseudo-relevance feedback in search (FusionOptions.prfDocs, off by default)', () => {
  it('ranks a second pass with the question vector moved towards the first pass head', async () => {
    const { engine, model } = await engineWithVectors();
    const question = 'masked video frames survey';
    const opts = { k: 6, sentences: false } as const;
    const first = await engine.search(question, opts);
    const prf = await engine.search(question, { ...opts, fusion: { prfDocs: 2, prfWeight: 3 } });
    // The same ranking, computed by hand: the moved vector as the question vector of a plain search.
    const moved = feedbackQuery(engine.primary!, await model.embedQuery(question), first.slice(0, 2).map((h) => h.paper.id), 3);
    const byHand = new SearchEngine({ model: { ...model, embedQuery: async () => moved, embedDocuments: (t: string[]) => model.embedDocuments(t), dispose: async () => {} } });
    byHand.setPapers(PAPERS);
    await byHand.setVectors(PAPERS.map((p) => p.id), (await model.embedDocuments(PAPERS.map(documentText))).vectors);
    const expected = await byHand.search(question, opts);
    expect(prf.map((h) => h.paper.id)).toEqual(expected.map((h) => h.paper.id));
    expect(prf.map((h) => h.score)).toEqual(expected.map((h) => h.score));
    expect(prf.map((h) => h.score)).not.toEqual(first.map((h) => h.score)); // the second pass did change something
    // Off by default: no fusion override gives the first pass.
    expect((await engine.search(question, { ...opts, fusion: { prfDocs: 0 } })).map((h) => h.paper.id)).toEqual(first.map((h) => h.paper.id));
  });
});
