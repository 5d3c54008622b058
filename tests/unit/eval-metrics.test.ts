/**
 * The evaluation metrics on cases small enough to compute by hand: success@k (first relevant paper
 * within the top k), nDCG@10 with binary relevance, recall@k and MRR.
 */
import { describe, expect, it } from 'vitest';
import { formatEval, metrics, ndcgAt, type EvalReport } from '../../src/cli/eval.ts';

describe('eval metrics', () => {
  it('success@k counts a question once when any relevant paper is within the top k', () => {
    // q1: relevant at 1 and 7; q2: at 3; q3: not found; q4: at 10.
    const m = metrics([[1, 7], [3], [null], [10]]);
    expect(m.success_at_1).toBe(0.25);
    expect(m.success_at_5).toBe(0.5);
    expect(m.success_at_10).toBe(0.75);
    // recall@5: (1/2 + 1 + 0 + 0) / 4
    expect(m.recall_at_5).toBe(0.375);
    expect(m.mrr).toBeCloseTo((1 + 1 / 3 + 0 + 1 / 10) / 4, 4);
  });

  it('nDCG@10 is DCG over the ideal DCG, binary gains, ranks beyond 10 ignored', () => {
    expect(ndcgAt([1], 10)).toBe(1);
    expect(ndcgAt([null], 10)).toBe(0);
    // one relevant at rank 3: (1/log2 4) / 1 = 0.5
    expect(ndcgAt([3], 10)).toBeCloseTo(0.5, 10);
    // two relevant at 1 and 3: (1 + 0.5) / (1 + 1/log2 3)
    expect(ndcgAt([3, 1], 10)).toBeCloseTo(1.5 / (1 + 1 / Math.log2(3)), 10);
    // rank 11 does not count; the ideal still has two slots
    expect(ndcgAt([1, 11], 10)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 10);
    const m = metrics([[1], [3]]);
    expect(m.ndcg_at_10).toBe(0.75);
  });

  it('the text report prints success@1/5/10 and nDCG@10 per mode', () => {
    const m = metrics([[1], [3]]);
    const r: EvalReport = { n: 2, model: 'x', k: 10, lexical: m, vector: m, hybrid: m, queries: [] };
    const text = formatEval(r);
    expect(text).toMatch(/S@1\s+S@5\s+S@10\s+nDCG@10/);
    expect(text).toMatch(/hybrid\s.*0\.500\s+1\.000\s+1\.000\s+0\.750/);
  });
});
