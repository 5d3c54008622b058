/**
 * Pause / resume / cancel of background indexing (issue 15 #7): a pause holds every space at its
 * next batch boundary (what was embedded is stored), searches keep working meanwhile, resume goes
 * on from there, cancel says "cancelling" at once and ends the run after the running batch — also
 * while paused — and a resume after a cancel embeds only what is still missing. ETA events carry
 * the recent rate's basis.
 */
import { describe, expect, it } from 'vitest';
import { EngineSession, EMBED_BATCH, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import { getModel } from '../../src/core/model/registry.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';
import type { EmbeddingModel } from '../../src/core/types.ts';
import type { EmbedProgressEvent, EngineEvent } from '../../src/protocol.ts';

const DIMS = 384;
const ID = 'Xenova/bge-small-en-v1.5';

function model(counter: { docs: number }): EmbeddingModel {
  return {
    modelId: ID,
    identity: transformerIdentity(getModel(ID), 'q8'),
    dimensions: DIMS,
    device: 'wasm',
    async embedDocuments(texts, o) {
      const out = new Float32Array(texts.length * DIMS);
      for (let i = 0; i < texts.length; i++) {
        if (o?.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        await new Promise((r) => setTimeout(r, 2));
        out[i * DIMS + (counter.docs % DIMS)] = 1;
        counter.docs++;
      }
      return { vectors: out, dimensions: DIMS };
    },
    embedQuery: async () => Float32Array.from({ length: DIMS }, (_, i) => (i === 0 ? 1 : 0)),
    async dispose() {},
  };
}

function seedText(n: number): string {
  const lines = ['Get trending papers in your email inbox once a day!', 'Get trending papers in your email inbox!'];
  for (let i = 0; i < n; i++) {
    lines.push(`${i === 0 ? 'Subscribe' : ''}Paper ${i} about masked video modelling`);
    lines.push(`We study masked video modelling for case ${i}. Results improve on benchmarks ${i}.`);
  }
  return lines.join('\n');
}

function make(store = new MemoryStore()) {
  const counter = { docs: 0 };
  const events: EngineEvent[] = [];
  const deps: SessionDeps = {
    openStore: async () => ({ store }),
    loadModel: async () => model(counter),
    seedText: () => seedText(96),
    emit: (e) => events.push(e),
  };
  return { s: new EngineSession(deps), counter, events, store };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await wait(2);
  }
}

describe('indexing controls', () => {
  it('pause holds at a batch boundary, searches work while paused, resume finishes the rest', async () => {
    const { s, counter } = make();
    await s.init({ useShipped: false });
    await until(() => counter.docs > 0, 'embedding to start');
    // 'pausing' while the running batch finishes (and is stored), then 'paused'.
    expect(s.pause().indexRun).toBe('pausing');
    await until(() => s.status().indexRun === 'paused', 'the run to be held');
    const held = counter.docs;
    expect(held % EMBED_BATCH).toBe(0);
    expect(held).toBeLessThan(96);
    await wait(100);
    expect(counter.docs).toBe(held);
    expect(s.status()).toMatchObject({ phase: 'indexing', indexRun: 'paused' });
    const r = await s.search('masked video', 'lexical');
    expect(r.hits.length).toBeGreaterThan(0);
    expect(s.resume().indexRun).toBe('running');
    await s.idle();
    expect(counter.docs).toBe(96);
    expect(s.status()).toMatchObject({ semanticReady: true, indexRun: 'idle' });
  });

  it('cancel says "cancelling" at once, also while paused; a resume afterwards embeds only what is missing', async () => {
    const store = new MemoryStore();
    const { s, counter } = make(store);
    await s.init({ useShipped: false });
    await until(() => counter.docs > 0, 'embedding to start');
    s.pause();
    await until(() => s.status().indexRun === 'paused', 'the run to be held');
    const held = counter.docs;
    expect(s.cancel()).toBe(true);
    // Immediately, before the run has ended.
    expect(s.status().indexRun).toBe('cancelling');
    await s.idle();
    expect(s.status().indexRun).toBe('idle');
    expect(s.status().notices.some((n) => /cancelled/i.test(n.message))).toBe(true);
    expect(counter.docs).toBe(held);
    s.resume();
    await until(() => s.status().indexRun === 'running' || s.status().semanticReady, 'the resumed run');
    await s.idle();
    expect(counter.docs).toBe(96); // nothing embedded twice
    expect(s.status().semanticReady).toBe(true);
  });

  it('a pause survives a reload: the next session holds at its first batch boundary until resumed; a finished run forgets it', async () => {
    const store = new MemoryStore();
    const a = make(store);
    await a.s.init({ useShipped: false });
    await until(() => a.counter.docs > 0, 'embedding to start');
    a.s.pause();
    await until(() => a.s.status().indexRun === 'paused', 'the run to be held');
    const held = a.counter.docs;
    // The tab closes while paused (no resume, no cancel): a new session on the same store.
    const b = make(store);
    await b.s.init({ useShipped: false });
    await until(() => b.s.status().indexRun === 'paused', 'the reloaded run to be held');
    const first = b.counter.docs;
    expect(first).toBeLessThanOrEqual(EMBED_BATCH); // at most the one batch before the first boundary
    await wait(100);
    expect(b.counter.docs).toBe(first);
    expect(held + first).toBeLessThan(96);
    expect(b.s.resume().indexRun).toBe('running');
    await b.s.idle();
    expect(held + b.counter.docs).toBe(96); // nothing embedded twice
    // Resumed and finished: the next reload does not start paused.
    const c = make(store);
    await c.s.init({ useShipped: false });
    await c.s.idle();
    expect(c.events.some((e) => e.kind === 'status' && e.status.indexRun === 'pausing')).toBe(false);
    expect(c.s.status()).toMatchObject({ semanticReady: true, indexRun: 'idle' });
  });

  it('a cancelled pause does not come back after a reload', async () => {
    const store = new MemoryStore();
    const a = make(store);
    await a.s.init({ useShipped: false });
    await until(() => a.counter.docs > 0, 'embedding to start');
    a.s.pause();
    await until(() => a.s.status().indexRun === 'paused', 'the run to be held');
    a.s.cancel();
    await a.s.idle();
    const b = make(store);
    await b.s.init({ useShipped: false });
    await b.s.idle();
    expect(b.events.some((e) => e.kind === 'status' && (e.status.indexRun === 'pausing' || e.status.indexRun === 'paused'))).toBe(false);
    expect(b.s.status().semanticReady).toBe(true);
  });

  it('progress events carry an ETA from the measured rate once it is measurable', async () => {
    const { s, events } = make();
    await s.init({ useShipped: false });
    await s.idle();
    const embeds = events.filter((e): e is EmbedProgressEvent => e.kind === 'embed' && e.space === 'primary');
    expect(embeds[0]).toMatchObject({ done: 0, total: 96, basis: 'none' });
    expect(embeds[0]!.eta).toBeUndefined();
    const last = embeds[embeds.length - 1]!;
    expect(last).toMatchObject({ done: 96, eta: 0 });
    expect(['measured', 'none']).toContain(last.basis);
  });
});
