/**
 * The "best quality" setting: a second model's space is added beside the default one, indexed, and
 * searched together with it (the question is embedded by both models) once it covers every paper;
 * turning it off drops it; the choice persists in storage, and a reload reuses the stored vectors.
 */
import { describe, expect, it } from 'vitest';
import { BEST_QUALITY_MODEL_ID, EngineSession, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import { DEFAULT_MODEL_ID, getModel } from '../../src/core/model/registry.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';
import type { EmbeddingModel } from '../../src/core/types.ts';

const DIMS = 384;

function vec(text: string, salt: number): Float32Array {
  const v = new Float32Array(DIMS);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = salt;
    for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    v[h % DIMS] += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

interface Counting extends EmbeddingModel {
  docs: number;
  queries: number;
}

function fake(id: string, salt: number): Counting {
  const m: Counting = {
    modelId: id,
    identity: transformerIdentity(getModel(id), 'q8'),
    dimensions: DIMS,
    device: 'wasm',
    docs: 0,
    queries: 0,
    async embedDocuments(texts) {
      m.docs += texts.length;
      const out = new Float32Array(texts.length * DIMS);
      texts.forEach((t, i) => out.set(vec(t, salt), i * DIMS));
      return { vectors: out, dimensions: DIMS };
    },
    async embedQuery(t) {
      m.queries++;
      return vec(t, salt);
    },
    async dispose() {},
  };
  return m;
}

function seedText(): string {
  const lines = ['Get trending papers in your email inbox once a day!', 'Get trending papers in your email inbox!'];
  const topics = ['protein folding', 'galaxy telescopes', 'machine translation', 'soil irrigation'];
  for (let i = 0; i < 12; i++) {
    lines.push(`${i === 0 ? 'Subscribe' : ''}Study ${i} about ${topics[i % 4]}`);
    lines.push(`We investigate ${topics[i % 4]} for case ${i}. Results on ${topics[i % 4]} benchmarks are strong.`);
  }
  return lines.join('\n');
}

function session(store: MemoryStore) {
  const models = { primary: fake(DEFAULT_MODEL_ID, 0), extra: fake(BEST_QUALITY_MODEL_ID, 7) };
  const deps: SessionDeps = {
    openStore: async () => ({ store }),
    loadModel: async (id) => (id === BEST_QUALITY_MODEL_ID ? models.extra : models.primary),
    seedText: () => seedText(),
    emit: () => {},
  };
  return { s: new EngineSession(deps), models };
}

async function extraReady(s: EngineSession) {
  for (let i = 0; i < 500; i++) {
    await s.idle();
    if (s.status().spaces.find((x) => x.role === 'extra')?.ready) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the best-quality space never became ready');
}

describe('best quality (second model fused)', () => {
  it('adds the second model, fuses it into search once ready, and removes it again', async () => {
    const store = new MemoryStore();
    const { s, models } = session(store);
    await s.init({ useShipped: false });
    await s.idle();
    expect(s.status().bestQuality).toEqual({ modelId: BEST_QUALITY_MODEL_ID, on: false });
    await s.search('galaxy telescopes', 'hybrid');
    expect(models.extra.queries).toBe(0);

    expect((await s.setBestQuality(true)).bestQuality.on).toBe(true);
    await extraReady(s);
    expect(models.extra.docs).toBe(12);
    const r = await s.search('protein folding', 'hybrid');
    expect(r.tier).toBe('full');
    expect(models.extra.queries).toBe(1); // the question went through both models
    expect(r.hits[0]!.paper.title).toMatch(/protein folding/);

    await s.setBestQuality(false);
    expect(s.status().bestQuality.on).toBe(false);
    await s.search('soil irrigation', 'hybrid');
    expect(models.extra.queries).toBe(1);
  });

  it('refuses to add the second model when it is the active model already, and switching to it drops the extra space', async () => {
    const store = new MemoryStore();
    const { s } = session(store);
    await s.init({ useShipped: false });
    await s.setBestQuality(true);
    await extraReady(s);
    await s.setModel(BEST_QUALITY_MODEL_ID);
    expect(s.status().bestQuality.on).toBe(false);
    await expect(s.setBestQuality(true)).rejects.toThrow(/active model already/);
    await s.idle();
    expect(s.status().spaces.filter((x) => x.modelId === BEST_QUALITY_MODEL_ID)).toHaveLength(1);
  });

  it('persists the choice; a reload reuses the stored vectors of both models', async () => {
    const store = new MemoryStore();
    const first = session(store);
    await first.s.init({ useShipped: false });
    await first.s.setBestQuality(true);
    await extraReady(first.s);

    const again = session(store);
    await again.s.init({ useShipped: false });
    expect(again.s.status().bestQuality.on).toBe(true);
    await extraReady(again.s);
    expect(again.models.extra.docs).toBe(0);
    expect(again.models.primary.docs).toBe(0);
    await again.s.search('machine translation', 'hybrid');
    expect(again.models.extra.queries).toBe(1);
  });
});
