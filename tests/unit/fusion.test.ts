/**
 * z-score fusion (fusion.ts) on cases small enough to compute by hand, and its invariants: a ranker
 * that cannot tell the candidates apart contributes nothing, only the best `normDepth` scores set
 * the scale, and a paper without a vector never ranks above one with a measured vector.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_FUSION, fuse, type FusionOptions } from '../../src/core/search/fusion.ts';

const Z: FusionOptions = { ...DEFAULT_FUSION, method: 'zscore', alpha: 0.5, normDepth: 100 };
const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));

describe('z-score fusion', () => {
  it('weights each ranker by (score − mean) / sd over the candidates; BM25 is 0 where no word matched', () => {
    const lex = new Map([[1, 3], [2, 1]]);
    const vec = new Map([[1, 0.2], [2, 0.6], [3, 0.4]]);
    const L = [3, 1, 0]; // label 3: no lexical match = BM25 0
    const V = [0.2, 0.6, 0.4];
    const zl = (x: number) => (x - mean(L)) / sd(L);
    const zv = (x: number) => (x - mean(V)) / sd(V);
    const out = fuse(lex, [vec], Z);
    expect(out.map((h) => h.label)).toEqual([2, 1, 3]);
    const got = new Map(out.map((h) => [h.label, h.score]));
    expect(got.get(1)).toBeCloseTo(0.5 * zl(3) + 0.5 * zv(0.2), 10);
    expect(got.get(2)).toBeCloseTo(0.5 * zl(1) + 0.5 * zv(0.6), 10);
    expect(got.get(3)).toBeCloseTo(0.5 * zl(0) + 0.5 * zv(0.4), 10);
    // alpha splits between rankers: 0.8 to the vector
    const a8 = new Map(fuse(lex, [vec], { ...Z, alpha: 0.8 }).map((h) => [h.label, h.score]));
    expect(a8.get(1)).toBeCloseTo(0.2 * zl(3) + 0.8 * zv(0.2), 10);
  });

  it('takes mean and sd from the best normDepth scores only', () => {
    const lex = new Map([[1, 3], [2, 1]]);
    const out = new Map(fuse(lex, [new Map([[3, 0.5]])], { ...Z, alpha: 0, normDepth: 2 }).map((h) => [h.label, h.score]));
    // top 2 lexical scores are 3 and 1: mean 2, sd 1
    expect(out.get(1)).toBeCloseTo(1, 10);
    expect(out.get(2)).toBeCloseTo(-1, 10);
    expect(out.get(3)).toBeCloseTo(-2, 10);
  });

  it('a ranker with no spread contributes nothing (no noise blown up by a tiny sd)', () => {
    const lex = new Map([[1, 2], [2, 2], [3, 2]]);
    const vec = new Map([[1, 0.3], [2, 0.9], [3, 0.5]]);
    const out = fuse(lex, [vec], Z);
    expect(out.map((h) => h.label)).toEqual([2, 3, 1]);
    const zv = (x: number) => (x - mean([0.3, 0.9, 0.5])) / sd([0.3, 0.9, 0.5]);
    expect(out[0].score).toBeCloseTo(0.5 * zv(0.9), 10);
  });

  it('a paper without a vector gets the lowest vector z of the candidates, never more', () => {
    const lex = new Map([[1, 1], [2, 1.0001], [4, 1]]);
    const vec = new Map([[1, 0.1], [2, 0.2], [3, 0.9]]); // label 4 has no vector yet
    const out = new Map(fuse(lex, [vec], Z).map((h) => [h.label, h.score]));
    expect(out.get(4)!).toBeLessThanOrEqual(out.get(1)! + 1e-12);
  });

  it('is the default, with the measured weights (README "Choosing the model and the ranking")', () => {
    expect(DEFAULT_FUSION.method).toBe('zscore');
    expect(DEFAULT_FUSION.normDepth).toBe(50);
    expect(DEFAULT_FUSION.alpha).toBe(0.6);
  });
});

describe('pseudo-relevance feedback (measured, off by default)', () => {
  it('moves the question vector by weight × the mean of the head papers that have a vector, normalised', async () => {
    const { VectorSpace } = await import('../../src/core/search/vector-space.ts');
    const { feedbackQuery } = await import('../../src/core/search/engine.ts');
    const { testIdentity } = await import('./helpers/identity.ts');
    const space = new VectorSpace(testIdentity('test/prf', 2), { exactThreshold: Infinity });
    await space.setVectors(['a', 'b'], new Float32Array([0, 1, 1, 0]));
    const q = new Float32Array([1, 0]);
    // head a, b and an id without a vector: mean of a and b = (0.5, 0.5); q + 1 × mean = (1.5, 0.5)
    const moved = feedbackQuery(space, q, ['a', 'b', 'missing'], 1);
    const n = Math.hypot(1.5, 0.5);
    expect(moved[0]).toBeCloseTo(1.5 / n, 6);
    expect(moved[1]).toBeCloseTo(0.5 / n, 6);
    expect(q[0]).toBe(1); // the question vector itself is not changed
    expect([...feedbackQuery(space, q, ['missing'], 1)]).toEqual([1, 0]);
    expect(DEFAULT_FUSION.prfDocs).toBe(0);
  });
});
