/**
 * The session's `map` request (core/engine/map-service.ts): shipped → stored → placed → computed,
 * persistence across a reload, placement of papers added later, re-layout, bad stored records, and
 * searches limited to a selection. Driven through EngineSession with a fake model (bag-of-words
 * vectors), MemoryStore and the in-thread layout.
 */
import { describe, it, expect } from 'vitest';
import { EngineSession, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import type { EngineEvent } from '../../src/protocol.ts';
import { getModel, APP_DTYPE } from '../../src/core/model/registry.ts';
import { transformerIdentity, vectorKey } from '../../src/core/vectors/identity.ts';
import { buildMap, type MapInput } from '../../src/core/map/build.ts';
import { paperTextHash } from '../../src/core/engine/library.ts';
import { MapService } from '../../src/core/engine/map-service.ts';
import { paperId } from '../../src/core/library/ids.ts';
import type { PaperMap } from '../../src/core/map/map-format.ts';

const DIMS = 384;
function vec(text: string): Float32Array {
  const v = new Float32Array(DIMS);
  for (const w of text.toLowerCase().match(/[a-z]+/g) ?? []) {
    let h = 0;
    for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    v[h % DIMS] += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

const MODEL_ID = getModel('Xenova/all-MiniLM-L6-v2').id;
function fakeModel(): EmbeddingModel {
  return {
    modelId: MODEL_ID,
    identity: transformerIdentity(getModel(MODEL_ID), APP_DTYPE),
    dimensions: DIMS,
    device: 'wasm',
    async embedDocuments(texts) {
      const out = new Float32Array(texts.length * DIMS);
      texts.forEach((t, i) => out.set(vec(t), i * DIMS));
      return { vectors: out, dimensions: DIMS };
    },
    async embedQuery(t) {
      return vec(t);
    },
    async dispose() {},
  };
}

const TOPICS = ['protein folding structure', 'galaxy telescope stars', 'neural translation language', 'soil crops irrigation'];
function seedText(n = 32): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = TOPICS[i % TOPICS.length]!;
    lines.push(`Study number ${i} about ${t.split(' ')[0]} methods`);
    lines.push(`We investigate ${t} in depth for case ${i}. Our experiments show strong results on ${t} benchmarks across many settings.`);
  }
  return lines.join('\n');
}

function newPaper(i: number, topic: string): Paper {
  const title = `Added work ${i} on ${topic}`;
  return { id: paperId(title), title, abstract: `A new look at ${topic} with fresh data for case ${i}.`, collection: 'mine', year: 2020 + (i % 4) };
}

function setup(store = new MemoryStore(), extra: Partial<SessionDeps> = {}) {
  const events: EngineEvent[] = [];
  const layouts = { count: 0 };
  const deps: SessionDeps = {
    openStore: async () => ({ store }),
    loadModel: async () => fakeModel(),
    seedText: () => seedText(),
    emit: (e) => events.push(e),
    runLayout: (input: MapInput, onProgress) => {
      layouts.count++;
      return buildMap(input, { onProgress });
    },
    ...extra,
  };
  return { session: new EngineSession({ ...deps, ...extra }), store, events, layouts };
}

async function ready(s: EngineSession) {
  await s.init({ modelId: MODEL_ID });
  await s.idle();
}

/** The seed's layout built the way scripts/precompute-map.ts does, from the same papers. */
async function shippedMapOfSeed(): Promise<{ shipped: PaperMap; identity: ReturnType<typeof transformerIdentity> }> {
  const probe = setup();
  await probe.session.init({ modelId: MODEL_ID, autoIndex: false });
  const papers = probe.session.getPapers();
  const identity = transformerIdentity(getModel(MODEL_ID), APP_DTYPE);
  const vectors = new Float32Array(papers.length * DIMS);
  papers.forEach((p, i) => vectors.set(vec(`${p.title}\n${p.abstract}`), i * DIMS));
  const shipped = await buildMap({
    vectorIdentity: vectorKey(identity),
    papers: papers.map((p) => ({ id: p.id, textHash: paperTextHash(p), title: p.title, abstract: p.abstract })),
    vectors,
    dims: DIMS,
  });
  return { shipped, identity };
}

describe('map request', () => {
  it('lays out once in the layout runner with progress, then serves the stored layout, also after a reload', async () => {
    const a = setup();
    await ready(a.session);
    const first = await a.session.map();
    expect(first.source).toBe('computed');
    expect(a.layouts.count).toBe(1);
    expect(first.map.ids.length).toBe(32);
    expect(first.titles.length).toBe(32);
    expect(first.missing).toBe(0);
    expect(a.events.some((e) => e.kind === 'map' && e.phase === 'optimise')).toBe(true);

    const again = await a.session.map();
    expect(again.source).toBe('stored');
    expect(a.layouts.count).toBe(1);

    // A reload: a new session on the same store paints the same layout without laying out.
    const b = setup(a.store);
    await ready(b.session);
    const reloaded = await b.session.map();
    expect(reloaded.source).toBe('stored');
    expect(b.layouts.count).toBe(0);
    expect(Array.from(reloaded.map.coords)).toEqual(Array.from(first.map.coords));
    expect(reloaded.map.key).toBe(first.map.key);
  });

  it('places papers added later from their neighbours at once, keeps old positions, and re-lays out on request', async () => {
    const a = setup();
    await ready(a.session);
    const before = await a.session.map();
    const added = [newPaper(1, 'galaxy telescope stars'), newPaper(2, 'soil crops irrigation')];
    await a.session.addPapers(added);
    await a.session.idle();
    const after = await a.session.map();
    expect(after.source).toBe('placed');
    expect(a.layouts.count).toBe(1);
    expect(after.map.ids.length).toBe(34);
    expect(after.placed).toBe(2);
    expect(after.relayoutRecommended).toBe(false);
    // Old rows did not move.
    expect(Array.from(after.map.coords.subarray(0, before.map.coords.length))).toEqual(Array.from(before.map.coords));
    // A placed galaxy paper lands next to a galaxy seed paper (its nearest neighbour).
    const row = after.map.ids.indexOf(added[0]!.id);
    const [x, y] = [after.map.coords[2 * row]!, after.map.coords[2 * row + 1]!];
    let best = -1, bestD = Infinity;
    for (let i = 0; i < before.map.ids.length; i++) {
      const d = Math.hypot(before.map.coords[2 * i]! - x, before.map.coords[2 * i + 1]! - y);
      if (d < bestD) [best, bestD] = [i, d];
    }
    expect(after.titles[best]).toMatch(/galaxy/);
    expect(after.collections[row]).toBe('mine');
    expect(after.years[row]).toBe(2021);

    const fresh = await a.session.map({ relayout: true });
    expect(fresh.source).toBe('computed');
    expect(a.layouts.count).toBe(2);
    expect(fresh.placed).toBe(0);
    expect((await a.session.map()).source).toBe('stored');
  });

  it('recommends a re-layout once many papers were placed', async () => {
    const a = setup();
    await ready(a.session);
    await a.session.map();
    await a.session.addPapers(Array.from({ length: 12 }, (_, i) => newPaper(i, TOPICS[i % 4]!)));
    await a.session.idle();
    const m = await a.session.map();
    expect(m.source).toBe('placed');
    expect(m.placed).toBe(12);
    expect(m.relayoutRecommended).toBe(true);
  });

  it('maps one collection by itself, and drops rows of deleted papers without a new layout', async () => {
    const a = setup();
    await ready(a.session);
    const all = await a.session.map();
    const gone = all.map.ids.slice(0, 3);
    await a.session.deletePapers(gone);
    const after = await a.session.map();
    expect(after.source).toBe('placed');
    expect(a.layouts.count).toBe(1);
    expect(after.map.ids).toEqual(all.map.ids.slice(3));
    expect(after.map.clusters.reduce((n, c) => n + c.size, 0)).toBe(29);

    await a.session.addPapers(Array.from({ length: 6 }, (_, i) => newPaper(i, TOPICS[i % 4]!)));
    await a.session.idle();
    const mine = await a.session.map({ collections: ['mine'] });
    // Nothing of "mine" was on a map before: it is laid out by itself.
    expect(mine.source).toBe('computed');
    expect(mine.map.ids.length).toBe(6);
    expect(new Set(mine.collections)).toEqual(new Set(['mine']));
  });

  it('uses the shipped layout under an equal key before the model has loaded', async () => {
    const { shipped, identity } = await shippedMapOfSeed();
    const asked: string[] = [];
    const a = setup(new MemoryStore(), {
      loadShippedMap: async (k) => {
        asked.push(k);
        return k === vectorKey(identity) ? shipped : undefined;
      },
    });
    await a.session.init({ modelId: MODEL_ID, autoIndex: false });
    const m = await a.session.map();
    expect(m.source).toBe('shipped');
    expect(a.layouts.count).toBe(0);
    expect(asked).toEqual([vectorKey(identity)]);
    expect(m.map.coords).toBe(shipped.coords);
  });

  it('a map asked for while init still reads the papers is the whole library, and papers added later are placed on it', async () => {
    // CI (map e2e): the page asked before the papers were read, got a map of nothing, stored it, and
    // every later map was laid out from scratch instead of placed on the shipped one.
    const { shipped, identity } = await shippedMapOfSeed();
    const a = setup(new MemoryStore(), { loadShippedMap: async (k) => (k === vectorKey(identity) ? shipped : undefined) });
    const init = a.session.init({ modelId: MODEL_ID });
    const early = await a.session.map();
    expect(early.source).toBe('shipped');
    expect(early.map.ids.length).toBe(32);
    await init;
    await a.session.idle();
    await a.session.addPapers([newPaper(1, 'galaxy telescope stars'), newPaper(2, 'soil crops irrigation')]);
    await a.session.idle();
    const after = await a.session.map();
    expect(after.source).toBe('placed');
    expect(after.placed).toBe(2);
    expect(after.map.ids.length).toBe(34);
    expect(a.layouts.count).toBe(0);
  });

  it('places on the shipped layout when the stored one holds fewer of the current papers', async () => {
    const { shipped, identity } = await shippedMapOfSeed();
    const store = new MemoryStore();
    const a = setup(store, { loadShippedMap: async (k) => (k === vectorKey(identity) ? shipped : undefined) });
    await ready(a.session);
    await a.session.addPapers(Array.from({ length: 3 }, (_, i) => newPaper(i, TOPICS[i % 4]!)));
    await a.session.idle();
    // A stored layout of the three added papers only (as a map of one collection would be, or an
    // older version's partial map under the library's slot).
    const mine = await a.session.map({ collections: ['mine'] });
    const slot = MapService.slot(vectorKey(identity));
    await store.setMeta(slot, await store.getMeta(MapService.slot(vectorKey(identity), ['mine'])));
    expect(mine.map.ids.length).toBe(3);
    const b = setup(store, { loadShippedMap: async (k) => (k === vectorKey(identity) ? shipped : undefined) });
    await ready(b.session);
    const m = await b.session.map();
    expect(m.source).toBe('placed');
    expect(m.placed).toBe(3);
    expect(m.map.ids.length).toBe(35);
    expect(b.layouts.count).toBe(0);
  });

  it('says "not ready" (and lays out nothing) while no paper has a vector and nothing shipped fits', async () => {
    const a = setup();
    await a.session.init({ modelId: MODEL_ID, autoIndex: false });
    await expect(a.session.map()).rejects.toMatchObject({ code: 'not-ready' });
    expect(a.layouts.count).toBe(0);
  });

  it('ignores a malformed stored record: lays out again instead of showing or throwing', async () => {
    const a = setup();
    await ready(a.session);
    const first = await a.session.map();
    const slot = MapService.slot(vectorKey(fakeModel().identity));
    const rec = (await a.store.getMeta<{ map: PaperMap; hashes: string[] }>(slot))!;
    await a.store.setMeta(slot, { ...rec, map: { ...rec.map, coords: Array.from(rec.map.coords).slice(2) } });
    const b = setup(a.store);
    await ready(b.session);
    const m = await b.session.map();
    expect(m.source).toBe('computed');
    expect(Array.from(m.map.coords)).toEqual(Array.from(first.map.coords)); // deterministic layout
  });

  it('limits a search to the selected papers', async () => {
    const a = setup();
    await ready(a.session);
    const galaxy = a.session.getPapers().filter((p) => /galaxy/.test(p.abstract));
    const soil = a.session.getPapers().filter((p) => /soil/.test(p.abstract));
    const within = [...galaxy.slice(0, 2), ...soil.slice(0, 3)].map((p) => p.id);
    for (const mode of ['hybrid', 'lexical', 'vector'] as const) {
      const r = await a.session.search('galaxy telescope', mode, { k: 10, ids: within });
      expect(r.hits.length).toBeGreaterThan(0);
      expect(r.hits.every((h) => within.includes(h.paper.id))).toBe(true);
      expect(r.hits[0]!.paper.abstract).toMatch(/galaxy/);
    }
    expect((await a.session.search('galaxy telescope', 'hybrid', { k: 10, ids: [] })).hits).toEqual([]);
  });
});
