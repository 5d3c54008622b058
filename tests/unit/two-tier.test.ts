/**
 * Two semantic tiers in one session: the quick (static) tier indexes a library at once and answers
 * semantic questions while the full model is still loading or embedding; search switches to the full
 * model once it covers every paper; nothing is embedded twice; a reload is served by the quick tier
 * from stored vectors before the full model has loaded.
 */
import { describe, expect, it } from 'vitest';
import { EngineSession, QUICK_FUSION, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import { DEFAULT_STATIC_MODEL_ID, getModel } from '../../src/core/model/registry.ts';
import { loadStaticEmbedder, type StaticEmbedder } from '../../src/core/model/static-embedder.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';
import { resolveLocalStaticDir } from '../../src/node/model-dir.ts';
import { paperId } from '../../src/core/library/ids.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import type { EngineEvent, EngineStatus } from '../../src/protocol.ts';

const DIMS = 384;
const FULL_ID = 'Xenova/bge-small-en-v1.5';

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

/** A stand-in for the transformer (its real identity), counting documents it embeds. */
function fullModel(counter: { docs: number }): EmbeddingModel {
  return {
    modelId: FULL_ID,
    identity: transformerIdentity(getModel(FULL_ID), 'q8'),
    dimensions: DIMS,
    device: 'wasm',
    async embedDocuments(texts) {
      counter.docs += texts.length;
      const out = new Float32Array(texts.length * DIMS);
      texts.forEach((t, i) => out.set(vec(t), i * DIMS));
      return { vectors: out, dimensions: DIMS };
    },
    embedQuery: async (t) => vec(t),
    async dispose() {},
  };
}

const TOPICS = ['protein folding structure', 'galaxy telescope stars', 'neural machine translation', 'soil crops irrigation', 'quantum qubit entanglement'];
function seedText(n = 30): string {
  const lines = ['Get trending papers in your email inbox once a day!', 'Get trending papers in your email inbox!'];
  for (let i = 0; i < n; i++) {
    const t = TOPICS[i % TOPICS.length]!;
    lines.push(`${i === 0 ? 'Subscribe' : ''}Study number ${i} about ${t.split(' ')[0]} methods`);
    lines.push(`We investigate ${t} in depth for case ${i}. Our experiments show strong results on ${t} benchmarks.`);
  }
  return lines.join('\n');
}

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

interface Harness {
  session: EngineSession;
  full: { docs: number };
  statics: StaticEmbedder[];
  release: () => void;
  until: (pred: (s: EngineStatus) => boolean) => Promise<EngineStatus>;
}

function harness(store: MemoryStore): Harness {
  const dir = resolveLocalStaticDir(DEFAULT_STATIC_MODEL_ID);
  if (!dir) throw new Error('run `npm run distill` first');
  const full = { docs: 0 };
  const statics: StaticEmbedder[] = [];
  const g = gate();
  const waiters: { pred: (s: EngineStatus) => boolean; resolve: (s: EngineStatus) => void }[] = [];
  let session!: EngineSession;
  const deps: SessionDeps = {
    openStore: async () => ({ store }),
    loadModel: async (id) => {
      if (id === DEFAULT_STATIC_MODEL_ID) {
        const m = await loadStaticEmbedder({ modelId: id, localModelPath: dir });
        statics.push(m);
        return m;
      }
      await g.opened; // the transformer is still downloading until the test releases it
      return fullModel(full);
    },
    seedText: () => seedText(),
    emit: (e: EngineEvent) => {
      if (e.kind !== 'status') return;
      for (const w of [...waiters]) if (w.pred(e.status)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e.status);
      }
    },
  };
  session = new EngineSession(deps);
  const until = (pred: (s: EngineStatus) => boolean) =>
    new Promise<EngineStatus>((resolve) => {
      const now = session.status();
      if (pred(now)) resolve(now);
      else waiters.push({ pred, resolve });
    });
  return { session, full, statics, release: g.open, until };
}

const quickOf = (s: EngineStatus) => s.spaces.find((x) => x.role === 'quick');

describe('two semantic tiers', () => {
  it('answers from the quick tier before the full model exists, upgrades when it covers everything, embeds nothing twice', async () => {
    const store = new MemoryStore();
    const h = harness(store);
    await h.session.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    const ready = await h.until((s) => quickOf(s)?.ready === true);
    expect(quickOf(ready)).toMatchObject({ indexed: 30, embedded: 30 });
    expect(ready.modelState).not.toBe('ready');
    expect(h.full.docs).toBe(0);

    const early = await h.session.search('telescope observations of stars', 'hybrid');
    expect(early.mode).toBe('hybrid');
    expect(early.tier).toBe('quick');
    expect(early.note).toMatch(/Quick semantic index \(30 of 30 papers\); the full model is loading/);
    expect(early.hits[0]!.paper.abstract).toMatch(/galaxy telescope/);
    // Semantic, not only lexical: a question with no shared word still finds the topic.
    const noShared = await h.session.search('astronomy', 'vector');
    expect(noShared.tier).toBe('quick');
    expect(noShared.hits[0]!.paper.abstract).toMatch(/galaxy telescope stars/);

    h.release();
    await h.session.idle();
    const done = h.session.status();
    expect(done.semanticReady).toBe(true);
    const late = await h.session.search('telescope observations of stars', 'hybrid');
    expect(late.tier).toBe('full');
    expect(late.note).toBeUndefined();
    expect(h.full.docs).toBe(30);
    expect(h.statics[0]!.embedCount).toBe(30);

    // A new import: the quick tier covers it first; each tier embeds only the new papers, once.
    const added: Paper[] = ['Coral reef bleaching under heat stress', 'Ocean acidification and shellfish'].map((title, i) => ({
      id: paperId(title),
      title,
      abstract: `Marine biology study ${i} of reefs and oceans.`,
      collection: 'mine',
    }));
    await h.session.addPapers(added);
    await h.session.idle();
    expect(h.statics[0]!.embedCount).toBe(32);
    expect(h.full.docs).toBe(32);
    expect(quickOf(h.session.status())).toMatchObject({ indexed: 32 });
  });

  it('a reload is served by the quick tier from stored vectors before the full model has loaded', async () => {
    const store = new MemoryStore();
    const first = harness(store);
    await first.session.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    first.release();
    await first.session.idle();
    expect(first.full.docs).toBe(30);

    const again = harness(store); // same storage, new page: the transformer has not loaded yet
    await again.session.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, expectStored: true });
    await again.until((s) => quickOf(s)?.ready === true);
    expect(again.statics[0]!.embedCount).toBe(0); // from storage, not re-embedded
    const r = await again.session.search('telescope observations of stars', 'hybrid');
    expect(r).toMatchObject({ mode: 'hybrid', tier: 'quick' });
    // Related papers work from the quick tier too.
    const paper = r.hits[0]!.paper;
    expect(again.session.related(paper.id, 3).hits).toHaveLength(3);

    again.release();
    await again.session.idle();
    expect(again.full.docs).toBe(0); // the full tier's vectors came from storage too
    expect((await again.session.search('telescope observations of stars', 'hybrid')).tier).toBe('full');
  });

  it('on a reload the transformer starts loading only after the quick tier is ready (its sessions competed with the quick reload)', async () => {
    const store = new MemoryStore();
    const first = harness(store);
    await first.session.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    first.release();
    await first.session.idle();

    const order: string[] = [];
    const dir = resolveLocalStaticDir(DEFAULT_STATIC_MODEL_ID)!;
    const again = new EngineSession({
      openStore: async () => ({ store }),
      loadModel: async (id) => {
        if (id === DEFAULT_STATIC_MODEL_ID) return loadStaticEmbedder({ modelId: id, localModelPath: dir });
        order.push('transformer load');
        return fullModel({ docs: 0 });
      },
      seedText: () => seedText(),
      emit: (e) => {
        if (e.kind === 'status' && quickOf(e.status)?.ready && !order.includes('quick ready')) order.push('quick ready');
      },
    });
    await again.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, expectStored: true });
    await again.idle();
    expect(order).toEqual(['quick ready', 'transformer load']);
    expect(await again.search('telescope observations of stars', 'hybrid')).toMatchObject({ tier: 'full' });
  });

  it('a tab that waits for another tab\'s indexing lock loads its transformer meanwhile', async () => {
    const order: string[] = [];
    const lock = gate();
    const dir = resolveLocalStaticDir(DEFAULT_STATIC_MODEL_ID)!;
    const s = new EngineSession({
      openStore: async () => ({ store: new MemoryStore() }),
      loadModel: async (id) => {
        if (id === DEFAULT_STATIC_MODEL_ID) return loadStaticEmbedder({ modelId: id, localModelPath: dir });
        order.push('transformer load');
        return fullModel({ docs: 0 });
      },
      seedText: () => seedText(),
      emit: () => {},
      // Another tab holds the lock until the test opens it.
      withLock: async (_name, fn, onWait) => {
        onWait();
        await lock.opened;
        return fn();
      },
    });
    await s.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    for (let i = 0; i < 50 && !order.length; i++) await new Promise((r) => setTimeout(r, 0));
    expect(order).toEqual(['transformer load']);
    expect(s.status().waitingForLock).toBe(true);
    lock.open();
    await s.idle();
    expect(s.status().semanticReady).toBe(true);
  });

  it('an import while the transformer is still loading returns at once and the quick tier takes it (issue 11 bug 3)', async () => {
    const h = harness(new MemoryStore());
    await h.session.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    await h.until((s) => quickOf(s)?.ready === true);
    const added: Paper[] = ['Coral reef bleaching under heat stress', 'Ocean acidification and shellfish'].map((title, i) => ({
      id: paperId(title),
      title,
      abstract: `Marine biology study ${i} of reefs and oceans.`,
      collection: 'mine',
    }));
    // The transformer is held: before the fix addPapers waited for the whole run (i.e. for the model).
    expect(await h.session.addPapers(added)).toBe(2);
    const st = await h.until((s) => quickOf(s)?.indexed === 32 && quickOf(s)?.ready === true);
    expect(st.modelState).not.toBe('ready');
    expect((await h.session.search('coral reef bleaching', 'hybrid')).tier).toBe('quick');
    h.release();
    await h.session.idle();
    expect(h.full.docs).toBe(32);
    expect(h.statics[0]!.embedCount).toBe(32);
    expect(h.session.status().collections.find((c) => c.id === 'mine')).toMatchObject({ size: 2, embedded: 2 });
  });

  it('ranks the quick tier with its measured fusion weight', () => {
    expect(QUICK_FUSION).toEqual({ alpha: 0.3 });
  });

  it('the quick model starts loading before the papers are read (its load overlaps the keyword index build)', async () => {
    const order: string[] = [];
    let readSeed!: () => void;
    const seedRead = new Promise<void>((r) => (readSeed = r));
    const s = new EngineSession({
      openStore: async () => ({ store: new MemoryStore() }),
      loadModel: async (id) => {
        order.push(`load ${id}`);
        return fullModel({ docs: 0 });
      },
      // The papers arrive only when the test says so: anything started before is truly early.
      seedText: async () => {
        order.push('seed read');
        await seedRead;
        return seedText();
      },
      emit: () => {},
    });
    const init = s.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false, autoIndex: false });
    for (let i = 0; i < 20 && !order.includes('seed read'); i++) await new Promise((r) => setTimeout(r, 0));
    expect(order).toContain(`load ${DEFAULT_STATIC_MODEL_ID}`);
    expect(order).not.toContain(`load ${FULL_ID}`); // the transformer still loads with the run
    readSeed();
    await init;
  });
});
