/**
 * The weak-match signal: the calibration that picks a threshold from on-topic and off-topic scores
 * (hand-computable cases), the per-model verdict, and the engine reporting each hit's cosine.
 */
import { describe, expect, it } from 'vitest';
import { calibrateThreshold, isWeakMatch, matchStrength, WEAK_MATCH_COSINE } from '../../src/core/search/weak-match.ts';
import { SearchEngine } from '../../src/core/search/engine.ts';
import type { EmbeddingModel } from '../../src/core/types.ts';
import { testIdentity } from './helpers/identity.ts';

describe('calibrateThreshold', () => {
  it('puts a separable pair of sets at the midpoint of the gap', () => {
    const c = calibrateThreshold([0.7, 0.8, 0.9], [0.3, 0.5]);
    expect(c.threshold).toBeCloseTo(0.6, 12);
    expect(c.onTopicFlagged).toBe(0);
    expect(c.offTopicFlagged).toBe(1);
  });

  it('maximises caught − false alarms when the sets overlap, preferring fewer false alarms on ties', () => {
    // on: .4 .7 .8 .9; off: .3 .5 .6. Threshold .55: caught 2/3, false 1/4 → J .417;
    // .65: caught 1, false 1/4 → J .75 (best); .35: caught 1/3, false 0 → J .333.
    const c = calibrateThreshold([0.4, 0.7, 0.8, 0.9], [0.3, 0.5, 0.6]);
    expect(c.threshold).toBeCloseTo(0.65, 12);
    expect(c.onTopicFlagged).toBe(0.25);
    expect(c.offTopicFlagged).toBe(1);
    // J ties (.5 both at .45 and .75 here: on .4 .8, off .3 .5 .7 …) → the lower false-alarm one.
    const t = calibrateThreshold([0.4, 0.8], [0.3, 0.7]);
    // .35: J = .5 - 0 = .5; .55: J = .5 - .5 = 0; .75: J = 1 - .5 = .5 → .35 flags no real question
    expect(t.threshold).toBeCloseTo(0.35, 12);
    expect(t.onTopicFlagged).toBe(0);
  });

  it('refuses empty sets', () => {
    expect(() => calibrateThreshold([], [0.1])).toThrow(/on-topic and off-topic/);
  });
});

describe('isWeakMatch', () => {
  it('compares the best hit cosine with the model threshold; no threshold or no cosine = no signal', () => {
    const th = { m: 0.6 };
    expect(matchStrength([{ cosine: 0.5 }, { cosine: 0.58 }, {}])).toBe(0.58);
    expect(isWeakMatch([{ cosine: 0.5 }, { cosine: 0.58 }], 'm', th)).toBe(true);
    expect(isWeakMatch([{ cosine: 0.5 }, { cosine: 0.61 }], 'm', th)).toBe(false);
    expect(isWeakMatch([{ cosine: 0.1 }], 'unknown', th)).toBeUndefined();
    expect(isWeakMatch([{}], 'm', th)).toBeUndefined();
    expect(isWeakMatch([], 'm', th)).toBeUndefined();
  });

  it('has a measured threshold for the default model and the quick tier', () => {
    for (const id of ['Xenova/bge-small-en-v1.5', 'static/bge-small-en-v1.5-d256']) expect(Number.isFinite(WEAK_MATCH_COSINE[id])).toBe(true);
  });
});

describe('SearchEngine hits carry the question cosine', () => {
  // Three papers on three axes; the question points mostly along the second.
  const axes: Record<string, number[]> = { a: [1, 0, 0], b: [0, 1, 0], c: [0, 0, 1] };
  const model: EmbeddingModel = {
    modelId: 'test/axes',
    identity: testIdentity('test/axes', 3),
    dimensions: 3,
    device: 'cpu',
    async embedDocuments(texts) {
      return { vectors: new Float32Array(texts.flatMap((t) => axes[t.trim().slice(-1)] ?? [0, 0, 1])), dimensions: 3 };
    },
    async embedQuery() {
      return new Float32Array([0.6, 0.8, 0]);
    },
    async dispose() {},
  };

  it('in hybrid and vector modes, and not in lexical mode', async () => {
    const engine = new SearchEngine({ model, exactThreshold: Infinity });
    const papers = ['a', 'b', 'c'].map((x) => ({ id: x, title: `paper ${x}`, abstract: `about ${x}` }));
    engine.setPapers(papers);
    await engine.setVectors(['a', 'b', 'c'], new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]));
    for (const mode of ['hybrid', 'vector'] as const) {
      const hits = await engine.search('paper', { mode, k: 3 });
      const cos = Object.fromEntries(hits.map((h) => [h.paper.id, h.cosine]));
      expect(cos.a).toBeCloseTo(0.6, 6);
      expect(cos.b).toBeCloseTo(0.8, 6);
      expect(cos.c).toBeCloseTo(0, 6);
      expect(matchStrength(hits)).toBeCloseTo(0.8, 6);
    }
    const lex = await engine.search('paper', { mode: 'lexical', k: 3 });
    expect(lex.every((h) => h.cosine === undefined)).toBe(true);
  });
});
