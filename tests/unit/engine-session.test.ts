import { describe, it, expect, vi } from 'vitest';
import { HnswIndex } from '../../src/core/ann/index.ts';
import { EngineSession, EMBED_BATCH, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore, type Store } from '../../src/core/store/store.ts';
import { openIdbStore } from '../../src/browser/idb-store.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import type { EngineEvent } from '../../src/protocol.ts';
import { paperId } from '../../src/core/library/ids.ts';
import { getModel } from '../../src/core/model/registry.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';

/** The registry's dimension, so the fake carries the real model's vector identity. */
const DIMS = 384;
/** Deterministic bag-of-words vectors: similar words → similar vectors, so ranking is testable. */
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

function fakeModel(counter: { docs: number }, opts: { device?: 'webgpu' | 'wasm'; failAfter?: number; modelId?: string } = {}): EmbeddingModel {
  const modelId = opts.modelId ?? 'Xenova/all-MiniLM-L6-v2';
  return {
    modelId,
    identity: transformerIdentity(getModel(modelId), 'q8'),
    dimensions: DIMS,
    device: opts.device ?? 'wasm',
    async embedDocuments(texts, o) {
      if (o?.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (opts.failAfter !== undefined && counter.docs >= opts.failAfter) throw new Error('device lost');
      counter.docs += texts.length;
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

const TOPICS = ['protein folding structure', 'galaxy telescope stars', 'neural translation language', 'soil crops irrigation', 'quantum qubit entanglement'];
function seedText(n = 40): string {
  const lines = ['Get trending papers in your email inbox once a day!', 'Get trending papers in your email inbox!'];
  for (let i = 0; i < n; i++) {
    const t = TOPICS[i % TOPICS.length];
    lines.push(`${i === 0 ? 'Subscribe' : ''}Study number ${i} about ${t.split(' ')[0]} methods`);
    lines.push(`We investigate ${t} in depth for case ${i}. Our experiments show strong results on ${t} benchmarks. The approach generalises across many settings and datasets in practice.`);
  }
  return lines.join('\n');
}

function makeDeps(store: () => Store, counter: { docs: number }, extra: Partial<SessionDeps> = {}) {
  const events: EngineEvent[] = [];
  const deps: SessionDeps = {
    openStore: async () => ({ store: store() }),
    loadModel: async () => fakeModel(counter),
    seedText: () => seedText(),
    emit: (e) => events.push(e),
    ...extra,
  };
  return { deps, events };
}

describe('EngineSession', () => {
  it('searches lexically before any model, then embeds everything with progress and searches semantically', async () => {
    const counter = { docs: 0 };
    const store = new MemoryStore();
    const { deps, events } = makeDeps(() => store, counter);
    const s = new EngineSession(deps);
    const st = await s.init({ autoIndex: false });
    expect(st.papers).toBe(40);
    const lex = await s.search('galaxy telescope', 'hybrid');
    expect(lex.mode).toBe('lexical');
    expect(lex.hits[0].paper.abstract).toMatch(/galaxy/);

    await s.startIndexing();
    expect(counter.docs).toBe(40);
    const status = s.status();
    expect(status.embeddedCount).toBe(40);
    expect(status.semanticReady).toBe(true);
    expect(status.storedVectors).toBe(40);
    const progress = events.filter((e) => e.kind === 'embed');
    expect(progress.at(-1)).toMatchObject({ done: 40, total: 40 });
    expect(progress.length).toBeGreaterThanOrEqual(Math.ceil(40 / EMBED_BATCH));

    const sem = await s.search('qubit entanglement', 'vector');
    expect(sem.mode).toBe('vector');
    expect(sem.hits[0].paper.abstract).toMatch(/qubit/);
    const rel = s.related(sem.hits[0].paper.id, 3);
    expect(rel.hits).toHaveLength(3);
    expect(rel.hits.every((h) => h.paper.id !== sem.hits[0].paper.id)).toBe(true);
    expect(rel.hits[0].paper.abstract).toMatch(/qubit/);
  });

  it('a second session on the same store (reload) embeds nothing', async () => {
    const store = new MemoryStore();
    const c1 = { docs: 0 };
    const a = new EngineSession(makeDeps(() => store, c1).deps);
    await a.init({ autoIndex: false });
    await a.startIndexing();
    const c2 = { docs: 0 };
    const b = new EngineSession(makeDeps(() => store, c2).deps);
    await b.init({ autoIndex: false });
    await b.startIndexing();
    expect(c2.docs).toBe(0);
    expect(b.status()).toMatchObject({ embeddedCount: 0, semanticReady: true, storedVectors: 40 });
  });

  it('resumes after a cancelled (killed) run: only the missing papers are embedded', async () => {
    const store = new MemoryStore();
    const c1 = { docs: 0 };
    const { deps } = makeDeps(() => store, c1);
    const a = new EngineSession(deps);
    await a.init({ autoIndex: false });
    // Cancel after the first persisted batch.
    const orig = deps.emit;
    deps.emit = (e) => {
      orig(e);
      if (e.kind === 'embed' && e.done === EMBED_BATCH) a.cancel();
    };
    await a.startIndexing();
    expect(c1.docs).toBe(EMBED_BATCH);
    expect(a.status().notices.some((n) => /cancelled/i.test(n.message))).toBe(true);

    const c2 = { docs: 0 };
    const b = new EngineSession(makeDeps(() => store, c2).deps);
    await b.init({ autoIndex: false });
    await b.startIndexing();
    expect(c2.docs).toBe(40 - EMBED_BATCH);
    expect(b.status().semanticReady).toBe(true);
  });

  it('keeps lexical search and reports a message when the model fails to load', async () => {
    const { deps } = makeDeps(() => new MemoryStore(), { docs: 0 }, {
      loadModel: async () => {
        throw new Error('404 model_quantized.onnx');
      },
    });
    const s = new EngineSession(deps);
    await s.init({ autoIndex: false });
    await s.startIndexing();
    const st = s.status();
    expect(st.modelState).toBe('failed');
    expect(st.notices.some((n) => /could not be loaded/.test(n.message) && n.action === 'retry-model')).toBe(true);
    const r = await s.search('protein folding', 'hybrid');
    expect(r.mode).toBe('lexical');
    expect(r.note).toMatch(/unavailable/);
    expect(r.hits.length).toBeGreaterThan(0);
  });

  it('falls back to memory with a message when storage cannot be opened', async () => {
    const { deps } = makeDeps(() => new MemoryStore(), { docs: 0 }, {
      openStore: async () => {
        throw new Error('blocked');
      },
    });
    const s = new EngineSession(deps);
    const st = await s.init({ autoIndex: false });
    expect(st.storage).toBe('memory');
    expect(st.notices[0].message).toMatch(/unavailable/);
    expect((await s.search('galaxy', 'lexical')).hits.length).toBeGreaterThan(0);
  });

  it('retries on WASM when WebGPU fails mid-run', async () => {
    const counter = { docs: 0 };
    const devices: string[] = [];
    const { deps } = makeDeps(() => new MemoryStore(), counter, {
      loadModel: async (_id, device) => {
        devices.push(device);
        return device === 'wasm' ? fakeModel(counter) : fakeModel(counter, { device: 'webgpu', failAfter: EMBED_BATCH });
      },
    });
    const s = new EngineSession(deps);
    await s.init({ autoIndex: false, device: 'webgpu' });
    await s.startIndexing();
    expect(devices).toEqual(['webgpu', 'wasm']);
    expect(s.status()).toMatchObject({ backend: 'wasm', semanticReady: true, embeddedCount: 40 });
    expect(s.status().notices.some((n) => /GPU stopped/.test(n.message))).toBe(true);
  });

  it('imports papers incrementally without re-embedding the rest, and deletes a collection', async () => {
    const counter = { docs: 0 };
    const s = new EngineSession(makeDeps(() => new MemoryStore(), counter).deps);
    await s.init({ autoIndex: false });
    await s.startIndexing();
    const mine: Paper[] = [
      { id: paperId('Volcanic ash plumes'), title: 'Volcanic ash plumes', abstract: 'We model volcanic ash plumes and eruption columns with lidar.' },
      { id: paperId('Coral reef bleaching'), title: 'Coral reef bleaching', abstract: 'Coral reef bleaching under marine heatwaves is surveyed.' },
    ];
    const prev = s.stagePreview({ format: 'bibtex', fileName: 'x.bib', papers: mine, issues: [], duplicates: [] });
    await expect(s.commitImport(prev.token, 'seed', [mine[0].id])).rejects.toThrow(/bundled/);
    const res = await s.commitImport(prev.token, 'reading', mine.map((p) => p.id));
    expect(res.added).toBe(2);
    await s.idle();
    expect(counter.docs).toBe(42);
    const hit = await s.search('volcanic eruption ash', 'hybrid');
    expect(hit.hits[0].paper.title).toBe('Volcanic ash plumes');
    expect(hit.hits[0].paper.collection).toBe('reading');
    const only = await s.search('study', 'lexical', { k: 50, collections: ['reading'] });
    expect(only.hits.every((h) => h.paper.collection === 'reading')).toBe(true);
    expect(s.status().collections.map((c) => c.id)).toEqual(['seed', 'reading']);
    expect(await s.deleteCollection('reading')).toBe(2);
    expect((await s.search('volcanic eruption ash', 'hybrid')).hits.every((h) => h.paper.collection !== 'reading')).toBe(true);
  });

  it('an import never overwrites a paper of another collection (hostile tour #2)', async () => {
    const s = new EngineSession(makeDeps(() => new MemoryStore(), { docs: 0 }).deps);
    await s.init({ autoIndex: false });
    const p: Paper = { id: paperId({ title: 'Shared paper' }), title: 'Shared paper', abstract: 'Kept in A.' };
    const a = s.stagePreview({ format: 'json', fileName: 'a.json', papers: [p], issues: [], duplicates: [] });
    expect(await s.commitImport(a.token, 'A', [p.id])).toMatchObject({ added: 1, skipped: 0 });
    const b = s.stagePreview({ format: 'json', fileName: 'b.json', papers: [{ ...p, abstract: 'Would replace it.' }], issues: [], duplicates: [] });
    expect(await s.commitImport(b.token, 'B', [p.id])).toMatchObject({ added: 0, skipped: 1 });
    const kept = s.getPapers().find((x) => x.id === p.id)!;
    expect(kept).toMatchObject({ collection: 'A', abstract: 'Kept in A.' });
    await s.idle();
  });

  it('with IndexedDB (fake): reload reuses vectors; a re-seeded DB keeps user imports', async () => {
    const name = `sess-${Date.now()}`;
    const open = () => openIdbStore(name);
    const counter = { docs: 0 };
    const deps1 = makeDeps(() => new MemoryStore(), counter).deps;
    deps1.openStore = open;
    const a = new EngineSession(deps1);
    await a.init({ autoIndex: false });
    await a.startIndexing();
    const p: Paper = { id: paperId('Mine'), title: 'Mine', abstract: 'A paper about beekeeping and pollination.' };
    const prev = a.stagePreview({ format: 'json', fileName: 'm.json', papers: [p], issues: [], duplicates: [] });
    await a.commitImport(prev.token, 'bees', [p.id]);
    await a.idle();
    expect(counter.docs).toBe(41);

    const c2 = { docs: 0 };
    const deps2 = makeDeps(() => new MemoryStore(), c2).deps;
    deps2.openStore = open;
    const b = new EngineSession(deps2);
    await b.init({ autoIndex: false });
    await b.startIndexing();
    expect(c2.docs).toBe(0);
    expect(b.status().papers).toBe(41);
    expect((await b.search('beekeeping pollination', 'vector')).hits[0].paper.title).toBe('Mine');
  });

  it('with IndexedDB (fake): another dtype, text rule or weights of the same model re-embeds everything; the original identity reuses all', async () => {
    const name = `ident-${Date.now()}`;
    const base = transformerIdentity(getModel('Xenova/all-MiniLM-L6-v2'), 'q8');
    const run = async (identity: typeof base) => {
      const counter = { docs: 0 };
      const { deps } = makeDeps(() => new MemoryStore(), counter, { loadModel: async () => ({ ...fakeModel(counter), identity }) });
      deps.openStore = () => openIdbStore(name);
      const s = new EngineSession(deps);
      await s.init({ autoIndex: false });
      await s.startIndexing();
      expect(s.status().semanticReady).toBe(true);
      return counter.docs;
    };
    expect(await run(base)).toBe(40);
    expect(await run(base)).toBe(0);
    expect(await run({ ...base, dtype: 'fp32' })).toBe(40);
    expect(await run({ ...base, textFormat: base.textFormat + 1 })).toBe(40);
    expect(await run({ ...base, weights: 'e'.repeat(64) })).toBe(40);
    expect(await run(base)).toBe(0);
  });

  it('a second vector space (quick tier) is indexed first, beside the primary, and reported per space', async () => {
    const counter = { docs: 0 };
    const order: string[] = [];
    const { deps, events } = makeDeps(() => new MemoryStore(), counter, {
      loadModel: async (id) => {
        const m = fakeModel(counter, { modelId: id });
        return { ...m, embedDocuments: (t, o) => (order.push(id), m.embedDocuments(t, o)) };
      },
    });
    const s = new EngineSession(deps);
    await s.init({ autoIndex: false, modelId: 'Xenova/all-MiniLM-L6-v2' });
    s.addSpace('quick', 'Xenova/e5-small-v2');
    await s.startIndexing();
    expect(counter.docs).toBe(80);
    expect(order[0]).toBe('Xenova/e5-small-v2');
    expect(order.at(-1)).toBe('Xenova/all-MiniLM-L6-v2');
    const st = s.status();
    expect(st.spaces.map((x) => [x.role, x.modelId, x.indexed, x.ready])).toEqual([
      ['quick', 'Xenova/e5-small-v2', 40, true],
      ['primary', 'Xenova/all-MiniLM-L6-v2', 40, true],
    ]);
    expect(events.some((e) => e.kind === 'embed' && e.space === 'quick')).toBe(true);
    // Search still ranks with the primary space (the tier policy belongs to the session).
    expect((await s.search('qubit entanglement', 'vector')).hits[0].paper.abstract).toMatch(/qubit/);
  });

  it('estimates re-embedding cost from the measured rate, else from model depth', async () => {
    const store = new MemoryStore();
    const s = new EngineSession(makeDeps(() => store, { docs: 0 }).deps);
    await s.init({ autoIndex: false });
    // Unmeasured: 3 docs/s for a 12-layer model, twice that for a 6-layer one.
    expect(await s.reembedCost('Xenova/bge-small-en-v1.5')).toMatchObject({ papers: 40, reusable: 0, seconds: 13, secondsAll: 13 });
    expect(await s.reembedCost('Xenova/all-MiniLM-L6-v2')).toMatchObject({ seconds: 7 });
    // A rate measured on this device wins, and vectors already stored for the model are not counted.
    await store.setMeta('embedRate:Xenova/bge-small-en-v1.5', 10);
    await s.startIndexing(); // embeds the 40 papers with the (fake) MiniLM
    expect(await s.reembedCost('Xenova/bge-small-en-v1.5')).toMatchObject({ reusable: 0, seconds: 4, secondsAll: 4 });
    expect(await s.reembedCost('Xenova/all-MiniLM-L6-v2')).toMatchObject({ reusable: 40, seconds: 0 });
  });
});

describe('EngineSession persistence details', () => {
  it("a reload reads the quick tier's stored vectors while the keyword index loads, not after it (once), and ranks the same", async () => {
    const store = new MemoryStore();
    const counter = { docs: 0 };
    const opts = { autoIndex: false, modelId: 'Xenova/all-MiniLM-L6-v2', quickModelId: 'Xenova/e5-small-v2' };
    const deps = () => makeDeps(() => store, counter, { loadModel: async (id) => fakeModel(counter, { modelId: id }) }).deps;
    const a = new EngineSession(deps());
    await a.init(opts);
    await a.startIndexing();
    const quickKey = a.status().spaces.find((x) => x.role === 'quick')!;
    expect(quickKey.indexed).toBe(40);
    await a.saveLexicalIndex();
    const before = (await a.search('qubit entanglement', 'vector')).hits.map((h) => [h.paper.id, h.score]);

    // The keyword snapshot's read is held until we open it; record when the vectors are asked for.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const log: string[] = [];
    const getBlob = store.getBlob.bind(store);
    store.getBlob = async (name) => {
      if (name === 'lexical-index') {
        log.push('keyword snapshot asked');
        await gate;
        log.push('keyword snapshot read');
      }
      return getBlob(name);
    };
    const getVectors = store.getVectors.bind(store);
    store.getVectors = async (key) => (log.push(`vectors ${key.split('@')[0]}`), getVectors(key));
    const b = new EngineSession(deps());
    const init = b.init(opts);
    await vi.waitFor(() => expect(log).toContain('vectors Xenova/e5-small-v2')).catch((e) => { throw new Error(`${e.message}; log: ${JSON.stringify(log)}`); });
    expect(log).not.toContain('keyword snapshot read');
    open();
    await init;
    await b.startIndexing();
    expect(log.filter((l) => l === 'vectors Xenova/e5-small-v2')).toHaveLength(1);
    expect(b.status().spaces.find((x) => x.role === 'quick')).toMatchObject({ indexed: 40, ready: true });
    expect(counter.docs).toBe(80); // 40 per space in the first session, none re-embedded after the reload
    expect((await b.search('qubit entanglement', 'vector')).hits.map((h) => [h.paper.id, h.score])).toEqual(before);
  });

  it('saves the HNSW graph and adopts it on reload instead of rebuilding; a damaged graph is rebuilt with a notice', async () => {
    const store = new MemoryStore();
    const opts = { engineOptions: { exactThreshold: 10 } };
    const a = new EngineSession({ ...makeDeps(() => store, { docs: 0 }).deps, ...opts });
    await a.init({ autoIndex: false });
    await a.startIndexing();
    expect(a.status().indexKind).toBe('hnsw');
    const key = a.status().vectorKey!;
    const bytes = await store.getBlob(`hnsw:${key}`);
    expect(bytes?.byteLength).toBeGreaterThan(1000);
    expect(await store.getMeta<string[]>(`hnsw:${key}:ids`)).toHaveLength(40);

    const b = new EngineSession({ ...makeDeps(() => store, { docs: 0 }).deps, ...opts });
    await b.init({ autoIndex: false });
    await b.startIndexing();
    expect(b.status()).toMatchObject({ indexKind: 'hnsw', semanticReady: true, embeddedCount: 0 });
    expect(b.status().notices).toEqual([]);
    expect((await b.search('qubit entanglement', 'vector')).hits[0].paper.abstract).toMatch(/qubit/);

    await store.putBlob(`hnsw:${key}`, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28]));
    const c = new EngineSession({ ...makeDeps(() => store, { docs: 0 }).deps, ...opts });
    await c.init({ autoIndex: false });
    await c.startIndexing();
    expect(c.status().notices.some((n) => /search index was damaged/.test(n.message))).toBe(true);
    expect((await c.search('qubit entanglement', 'vector')).hits[0].paper.abstract).toMatch(/qubit/);
  });

  it('a reload never rebuilds the graph: same library → no insertion at all; a library that grew since the graph was saved → only the new rows are inserted', async () => {
    const store = new MemoryStore();
    const opts = { engineOptions: { exactThreshold: 10 } };
    const a = new EngineSession({ ...makeDeps(() => store, { docs: 0 }).deps, ...opts });
    await a.init({ autoIndex: false });
    await a.startIndexing();
    const key = a.status().vectorKey!;
    expect(await store.getMeta<string[]>(`hnsw:${key}:ids`)).toHaveLength(40);

    const create = vi.spyOn(HnswIndex, 'create');
    const add = vi.spyOn(HnswIndex.prototype, 'add');
    const inserted = () => add.mock.calls.reduce((n, c) => n + c[1].length, 0);
    try {
      const b = new EngineSession({ ...makeDeps(() => store, { docs: 0 }).deps, ...opts });
      await b.init({ autoIndex: false });
      await b.startIndexing();
      expect(b.status()).toMatchObject({ indexKind: 'hnsw', semanticReady: true, embeddedCount: 0 });
      expect(create).not.toHaveBeenCalled();
      expect(inserted()).toBe(0);

      // Five more papers embedded and stored, but the tab died before the grown graph was saved
      // (its save fails here): the stored graph covers the first 40 of 45 vectors.
      const grow = { ...makeDeps(() => store, { docs: 0 }, { seedText: () => seedText(45) }).deps, ...opts };
      const putBlob = store.putBlob.bind(store);
      store.putBlob = async () => {
        throw new Error('tab closed');
      };
      const c = new EngineSession(grow);
      await c.init({ autoIndex: false });
      await c.startIndexing();
      store.putBlob = putBlob;
      expect(await store.getMeta<string[]>(`hnsw:${key}:ids`)).toHaveLength(40);
      expect(c.status().storedVectors).toBe(45);

      create.mockClear();
      add.mockClear();
      const d = new EngineSession(grow);
      await d.init({ autoIndex: false });
      await d.startIndexing();
      expect(d.status()).toMatchObject({ indexKind: 'hnsw', semanticReady: true, embeddedCount: 0 });
      expect(create).not.toHaveBeenCalled();
      expect(inserted()).toBe(5);
      // The grown graph is saved, so the next reload inserts nothing.
      expect(await store.getMeta<string[]>(`hnsw:${key}:ids`)).toHaveLength(45);
      expect((await d.search('qubit entanglement', 'vector')).hits[0].paper.abstract).toMatch(/qubit/);
    } finally {
      create.mockRestore();
      add.mockRestore();
    }
  });

  it('quota exceeded while saving vectors: keeps working in memory and says so', async () => {
    const store = new MemoryStore();
    store.putVectors = async () => {
      throw Object.assign(new Error('Browser storage is full (quota exceeded).'), { name: 'QuotaExceededError' });
    };
    const s = new EngineSession(makeDeps(() => store, { docs: 0 }).deps);
    await s.init({ autoIndex: false });
    await s.startIndexing();
    expect(s.status().semanticReady).toBe(true);
    expect(s.status().notices.some((n) => /storage is full/.test(n.message))).toBe(true);
    expect((await s.search('galaxy telescope', 'vector')).hits[0].paper.abstract).toMatch(/galaxy/);
  });

  it('reports the search graph build in its status while it grows, and as complete at the end', async () => {
    const store = new MemoryStore();
    // 300 papers over a threshold of 100: a graph, built in 1 ms slices, reported after each slice.
    const opts = { seedText: () => seedText(300), engineOptions: { exactThreshold: 100, sliceMs: 1, graphProgressMs: 0 } };
    const putBlob = store.putBlob.bind(store);
    store.putBlob = async () => {
      throw new Error('graph not saved'); // so the reload below builds the graph from the stored vectors
    };
    const a = new EngineSession(makeDeps(() => store, { docs: 0 }, opts).deps);
    await a.init({ autoIndex: false });
    expect(a.status().spaces[0].graph).toBeUndefined(); // no vectors yet: nothing to build
    await a.startIndexing();
    store.putBlob = putBlob;

    // The reload embeds nothing: every status event during its run comes from the graph build.
    const { deps, events } = makeDeps(() => store, { docs: 0 }, opts);
    const b = new EngineSession(deps);
    await b.init({ autoIndex: false });
    await b.startIndexing();
    const graphs = events.flatMap((e) => (e.kind === 'status' ? [e.status.spaces.find((x) => x.role === 'primary')?.graph] : [])).filter((g) => g !== undefined);
    expect(graphs.some((g) => g.covered > 0 && g.covered < 300)).toBe(true);
    expect(graphs.every((g) => g.total === 300)).toBe(true);
    expect(graphs.at(-1)).toEqual({ covered: 300, total: 300 });
    expect(b.status().spaces[0].graph).toEqual({ covered: 300, total: 300 });
    // A small library has no graph row at all.
    const small = new EngineSession(makeDeps(() => new MemoryStore(), { docs: 0 }).deps);
    await small.init({ autoIndex: false });
    await small.startIndexing();
    expect(small.status().spaces[0].graph).toBeUndefined();
  });

  it('switching the model re-embeds everything under the new key and keeps the old vectors', async () => {
    const store = new MemoryStore();
    const counter = { docs: 0 };
    const loaded: string[] = [];
    const { deps } = makeDeps(() => store, counter, {
      loadModel: async (id) => {
        loaded.push(id);
        return fakeModel(counter, { modelId: id });
      },
    });
    const s = new EngineSession(deps);
    await s.init({ autoIndex: false, modelId: 'Xenova/all-MiniLM-L6-v2' });
    await s.startIndexing();
    expect(counter.docs).toBe(40);
    await s.setModel('Xenova/e5-small-v2');
    await s.idle();
    expect(counter.docs).toBe(80);
    expect(s.status()).toMatchObject({ modelId: 'Xenova/e5-small-v2', semanticReady: true });
    expect(await store.getMeta('modelId')).toBe('Xenova/e5-small-v2');
    const back = await s.reembedCost('Xenova/all-MiniLM-L6-v2');
    expect(back.reusable).toBe(40);
    expect(loaded).toEqual(['Xenova/all-MiniLM-L6-v2', 'Xenova/e5-small-v2']);
  });
});
