import { describe, expect, it } from 'vitest';
import { Bm25Index, tokenize } from '../../src/core/search/bm25.ts';

describe('tokenize', () => {
  it('lower-cases, strips accents and punctuation, drops function words', () => {
    expect(tokenize('The Café of Naïve Models!', { stemmer: 'none' })).toEqual(['cafe', 'naive', 'models']);
  });
  it('keeps the parts and the joined form of hyphenated words', () => {
    expect(tokenize('pre-training', { stemmer: 'none' })).toEqual(['pre', 'training', 'pretraining']);
  });
  it('folds plurals and -ing/-ed so inflections meet', () => {
    const t = (s: string) => tokenize(s)[0];
    expect(t('features')).toBe(t('feature'));
    expect(t('queries')).toBe(t('query'));
    expect(t('masked')).toBe(t('masking'));
    expect(t('training')).toBe(t('trained'));
    expect(t('images')).toBe(t('imaging'));
    expect(t('loss')).toBe('loss');
    expect(t('analysis')).toBe('analysis');
    expect(t('string')).toBe('string');
  });
  it('keeps digits and non-Latin words', () => {
    expect(tokenize('Kinetics-400 和 模型', { stemmer: 'none' })).toEqual(['kinetics', '400', 'kinetics400', '和', '模型']);
  });
});

describe('Bm25Index', () => {
  const docs = [
    'masked autoencoders for video',
    'contrastive learning of visual features',
    'audio spectrogram masked autoencoder',
    'optical flow estimation with occlusion',
  ];
  const build = (opts = {}) => {
    const ix = new Bm25Index({ stemmer: 'none', ...opts });
    docs.forEach((d, i) => ix.add(i, d));
    return ix;
  };

  it('matches the BM25 formula on a hand-computed case', () => {
    const ix = build();
    // "optical" occurs once, in doc 3 (4 tokens after stopwords: optical flow estimation occlusion);
    // avgdl = (3 + 4 + 4 + 4) / 4 = 3.75, N = 4, df = 1.
    const idf = Math.log(1 + (4 - 1 + 0.5) / (1 + 0.5));
    const expected = (idf * 1 * 2.2) / (1 + 1.2 * (1 - 0.75 + (0.75 * 4) / 3.75));
    const [hit] = ix.search('optical', 5);
    expect(hit.label).toBe(3);
    expect(hit.score).toBeCloseTo(expected, 10);
  });

  it('ranks documents matching more and rarer terms first', () => {
    const hits = build().search('masked audio autoencoder', 10);
    expect(hits.map((h) => h.label)).toEqual([2, 0]);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
  });

  it('returns nothing for an empty or stopword-only query, and respects k', () => {
    const ix = build();
    expect(ix.search('', 5)).toEqual([]);
    expect(ix.search('the of and', 5)).toEqual([]);
    expect(ix.search('masked', 1)).toHaveLength(1);
  });

  it('supports incremental remove and re-add (replace)', () => {
    const ix = build();
    ix.remove(2);
    expect(ix.search('audio', 5)).toEqual([]);
    expect(ix.size).toBe(3);
    ix.add(0, 'audio only now');
    expect(ix.search('audio', 5).map((h) => h.label)).toEqual([0]);
    expect(ix.search('video', 5)).toEqual([]); // old text of doc 0 is gone
    ix.remove(99); // unknown: ignored
    expect(ix.size).toBe(3);
  });

  it('applies a filter without changing the other scores', () => {
    const ix = build();
    const all = ix.search('masked', 10);
    const filtered = ix.search('masked', 10, (l) => l !== 0);
    expect(filtered.map((h) => h.label)).toEqual([2]);
    expect(filtered[0].score).toBe(all.find((h) => h.label === 2)!.score);
  });

  it('weights title tokens when given a title field', () => {
    const ix = new Bm25Index({ titleWeight: 3 });
    ix.add(0, { title: 'Optical flow', body: 'motion estimation in videos' });
    ix.add(1, { title: 'Motion estimation', body: 'optical flow in videos' });
    expect(ix.search('optical flow', 2).map((h) => h.label)).toEqual([0, 1]);
    const flat = new Bm25Index({ titleWeight: 1 });
    flat.add(0, 'Optical flow motion estimation in videos');
    flat.add(1, 'Motion estimation optical flow in videos');
    const s = flat.search('optical flow', 2);
    expect(s[0].score).toBeCloseTo(s[1].score, 10); // same bag of words: a tie without the title weight
  });
});

describe('Bm25Index.searchTerms (weighted queries, for query expansion)', () => {
  it('is search() with weight 1 per distinct term, and scales each term by its weight', () => {
    const idx = new Bm25Index();
    idx.add(0, { title: 'masked image modeling', body: 'we mask patches and reconstruct pixels' });
    idx.add(1, { title: 'contrastive learning', body: 'two views of an image agree' });
    idx.add(2, { title: 'speech', body: 'audio only' });
    const plain = idx.search('masked image', Infinity);
    expect(idx.searchTerms(new Map(idx.tokenize('masked image').map((t) => [t, 1])), Infinity)).toEqual(plain);
    const single = (t: string, w: number) => new Map(idx.searchTerms(new Map([[t, w]]), Infinity).map((h) => [h.label, h.score]));
    const [mask] = idx.tokenize('masked');
    expect(single(mask, 2).get(0)).toBeCloseTo(2 * single(mask, 1).get(0)!, 12);
    expect(idx.searchTerms(new Map([[mask, 0]]), Infinity)).toEqual([]);
  });
});
