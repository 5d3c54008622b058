import { describe, it, expect } from 'vitest';
import { EngineSession, type SessionDeps } from '../../src/core/engine/session.ts';
import { openIdbStore } from '../../src/browser/idb-store.ts';
import { importBytes, quotaProblem } from '../../src/core/engine/quota.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import { paperId } from '../../src/core/library/ids.ts';
import { getModel } from '../../src/core/model/registry.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';

const DIMS = 384;
const model: EmbeddingModel = {
  modelId: 'Xenova/all-MiniLM-L6-v2',
  identity: transformerIdentity(getModel('Xenova/all-MiniLM-L6-v2'), 'q8'),
  dimensions: DIMS,
  device: 'wasm',
  async embedDocuments(texts) {
    const out = new Float32Array(texts.length * DIMS);
    for (let i = 0; i < texts.length; i++) out[i * DIMS + (i % DIMS)] = 1;
    return { vectors: out, dimensions: DIMS };
  },
  async embedQuery() {
    const v = new Float32Array(DIMS);
    v[0] = 1;
    return v;
  },
  async dispose() {},
};

const seed = ['Get trending papers in your email inbox!', 'Seed paper one', 'An abstract about seeds and their germination in dry soil.'].join('\n');
const papers = (n: number): Paper[] =>
  Array.from({ length: n }, (_, i) => {
    const title = `Imported paper ${i} on glacier dynamics`;
    return { id: paperId(title), title, abstract: `We study glacier flow and calving at site ${i}. `.repeat(8) };
  });

describe('quota before an import (issue 15 #4)', () => {
  it('estimates bytes from the papers and each vector space', () => {
    const ps = papers(100);
    const text = ps.reduce((a, p) => a + JSON.stringify(p).length, 0);
    expect(importBytes(ps, [])).toBeGreaterThan(text);
    expect(importBytes(ps, [384, 256]) - importBytes(ps, [])).toBeGreaterThanOrEqual(100 * (388 + 260));
    expect(quotaProblem(1e6, { usage: 0, quota: 1e9 }, 10)).toBeUndefined();
    expect(quotaProblem(1e6, undefined, 10)).toBeUndefined();
    expect(quotaProblem(1e6, { usage: 9.995e8, quota: 1e9 }, 10)).toMatch(/need about 1\.0 MB.*only 0\.5 MB is free/);
    // Within the free space but above FIT_SHARE of it: refused too (estimate() is approximate).
    expect(quotaProblem(9.5e6, { usage: 9.9e8, quota: 1e9 }, 10)).toMatch(/only 10 MB is free/);
  });

  it('refuses an import that may not fit before writing anything; the store is unchanged and the preview can be committed later', async () => {
    const name = `quota-${Date.now()}`;
    const { store } = await openIdbStore(name);
    let quota = 0;
    const deps: SessionDeps = {
      openStore: async () => ({ store }),
      loadModel: async () => model,
      seedText: () => seed,
      emit: () => {},
      estimateStorage: async () => ({ usage: 50_000, quota }),
    };
    const s = new EngineSession(deps);
    await s.init({ autoIndex: false });
    await s.startIndexing();
    const before = { papers: (await store.getPapers()).length, chunks: await store.db.count('vchunks') };
    const ps = papers(300);
    const prev = s.stagePreview({ format: 'jsonl', fileName: 'big.jsonl', papers: ps, issues: [], duplicates: [] });
    quota = 50_000 + importBytes(ps, [DIMS]) / 2; // half of what it needs is free
    await expect(s.commitImport(prev.token, 'glaciers', prev.paperIds)).rejects.toMatchObject({
      code: 'quota-exceeded',
      message: expect.stringMatching(/These 300 paper\(s\) need about .* MB of browser storage, but only .* is free.*Nothing was imported/),
    });
    await s.idle();
    expect((await store.getPapers()).length).toBe(before.papers);
    expect(await store.db.count('vchunks')).toBe(before.chunks);
    expect(s.status().papers).toBe(before.papers);
    expect(s.status().collections.map((c) => c.id)).not.toContain('glaciers');
    // Room made: the same preview commits.
    quota = 1e9;
    expect(await s.commitImport(prev.token, 'glaciers', prev.paperIds)).toMatchObject({ added: 300, saved: true });
    await s.idle();
    expect((await store.getPapers()).length).toBe(before.papers + 300);
    store.close();
  });
});
