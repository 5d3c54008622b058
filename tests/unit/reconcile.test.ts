import { describe, expect, it } from 'vitest';
import { reconcile, rowSource, type VectorRow } from '../../src/core/vectors/reconcile.ts';
import { textHash } from '../../src/core/library/ids.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import { testIdentity } from './helpers/identity.ts';

const D = 4;
const papers: Paper[] = Array.from({ length: 7 }, (_, i) => ({ id: `p${i}`, title: `Title ${i}`, abstract: `Abstract ${i}.` }));
const h = (p: Paper) => textHash(p.title, p.abstract);
const row = (x: number) => new Float32Array([x, 0, 0, 1]);

function model(log: string[][], fail?: Error): EmbeddingModel {
  return {
    modelId: 'test/m',
    identity: testIdentity('test/m', D),
    dimensions: D,
    device: 'cpu',
    async embedDocuments(texts, o) {
      if (o?.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (fail) throw fail;
      log.push(texts);
      const v = new Float32Array(texts.length * D);
      texts.forEach((_, i) => v.set(row(100 + log.length), i * D));
      return { vectors: v, dimensions: D };
    },
    async embedQuery() {
      return row(0);
    },
    async dispose() {},
  };
}

describe('reconcile', () => {
  it('reuses the first source that has a vector for the current text, embeds only the rest, in batches', async () => {
    const stored = new Map([
      ['p0', { textHash: h(papers[0]), vector: row(1) }],
      ['p1', { textHash: 'stale', vector: row(2) }], // text changed since: not reused
    ]);
    const shipped = new Map([
      ['p0', { textHash: h(papers[0]), vector: row(9) }], // lower priority than stored
      ['p2', { textHash: h(papers[2]), vector: row(3) }],
    ]);
    const log: string[][] = [];
    const seen: { origin: string; ids: string[] }[] = [];
    const res = await reconcile({
      papers,
      sources: [rowSource('stored', stored), rowSource('shipped', shipped)],
      model: model(log),
      batchSize: 2,
      onRows: (rows: VectorRow[], origin) => void seen.push({ origin, ids: rows.map((r) => r.paperId) }),
    });
    expect(res.reused).toEqual({ stored: 1, shipped: 1 });
    expect(res.embedded).toBe(5);
    expect(res.rows.get('p0')!.vector[0]).toBe(1);
    expect(res.rows.get('p2')!.vector[0]).toBe(3);
    expect(log.map((b) => b.length)).toEqual([2, 2, 1]);
    expect(seen).toEqual([
      { origin: 'reused', ids: ['p0', 'p2'] },
      { origin: 'embedded', ids: ['p1', 'p3'] },
      { origin: 'embedded', ids: ['p4', 'p5'] },
      { origin: 'embedded', ids: ['p6'] },
    ]);
    expect([...res.rows.keys()].sort()).toEqual(papers.map((p) => p.id).sort());
  });

  it('never reuses a vector of the wrong dimension or with NaN: it is counted as damaged and embedded again', async () => {
    const bad = new Map([
      ['p0', { textHash: h(papers[0]), vector: new Float32Array(3) }],
      ['p1', { textHash: h(papers[1]), vector: new Float32Array([NaN, 0, 0, 1]) }],
    ]);
    const log: string[][] = [];
    const res = await reconcile({ papers: papers.slice(0, 2), sources: [rowSource('stored', bad)], model: model(log) });
    expect(res.damaged).toBe(2);
    expect(res.embedded).toBe(2);
  });

  it('cancellation stops between batches with an AbortError; what was handed to onRows stays valid', async () => {
    const ctl = new AbortController();
    const persisted: string[] = [];
    const run = reconcile({
      papers,
      model: model([]),
      batchSize: 3,
      signal: ctl.signal,
      onRows: (rows) => {
        persisted.push(...rows.map((r) => r.paperId));
        ctl.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(persisted).toEqual(['p0', 'p1', 'p2']);
  });

  it('an embedding failure may be answered with a replacement model that retries the batch', async () => {
    const log: string[][] = [];
    const res = await reconcile({
      papers: papers.slice(0, 3),
      model: model([], new Error('device lost')),
      onEmbedError: async () => model(log),
    });
    expect(res.embedded).toBe(3);
    expect(log).toHaveLength(1);
    await expect(reconcile({ papers: papers.slice(0, 1), model: model([], new Error('device lost')) })).rejects.toThrow('device lost');
  });
});
