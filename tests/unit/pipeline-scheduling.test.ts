/**
 * Scheduling of the import/indexing pipeline at library scale (issue 15 items 1–2): the engine
 * thread is shared by questions and indexing, so long work must run in steps that let a question
 * through, and new papers get quick-tier vectors without waiting for the full model's pass.
 * No wall-clock assertions: each test checks the ORDER in which things finish.
 */
import { describe, expect, it, vi } from 'vitest';
import { Bm25Index } from '../../src/core/search/bm25.ts';
import { VectorSpace } from '../../src/core/search/vector-space.ts';
import { EngineSession, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import { DEFAULT_STATIC_MODEL_ID, getModel } from '../../src/core/model/registry.ts';
import { loadStaticEmbedder } from '../../src/core/model/static-embedder.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';
import { resolveLocalStaticDir } from '../../src/node/model-dir.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import type { EngineEvent, EngineStatus } from '../../src/protocol.ts';

const DIMS = 384;
const FULL_ID = 'Xenova/bge-small-en-v1.5';
const WORDS = 'masked video image contrastive dense depth flow segmentation transformer tokens pixels semantic retrieval memory'.split(' ');

/** The transformer stand-in: `msPerDoc` of (non-blocking) work per document, counted. */
function fullModel(counter: { docs: number }, msPerDoc: number, id = FULL_ID): EmbeddingModel {
  return {
    modelId: id,
    identity: transformerIdentity(getModel(id), 'q8'),
    dimensions: DIMS,
    device: 'wasm',
    async embedDocuments(texts, o) {
      const out = new Float32Array(texts.length * DIMS);
      for (let i = 0; i < texts.length; i++) {
        if (o?.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        await new Promise((r) => setTimeout(r, msPerDoc));
        out[i * DIMS + (i % DIMS)] = 1;
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
    lines.push(`${i === 0 ? 'Subscribe' : ''}Seed study ${i} of ${WORDS[i % WORDS.length]} learning`);
    lines.push(`We study ${WORDS[i % WORDS.length]} and ${WORDS[(i * 3) % WORDS.length]} for case ${i}. Results improve on benchmarks.`);
  }
  return lines.join('\n');
}

/** `n` papers of ~60 words each: enough text that the lexical index costs real time per paper. */
function library(n: number, tag = 'lib'): Paper[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${tag}-${i}`,
    title: `${tag} paper ${i} on ${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]}`,
    abstract: Array.from({ length: 6 }, (_, k) => `Sentence ${k} of ${tag} ${i} relates ${WORDS[(i + k) % WORDS.length]} to ${WORDS[(i * k + 3) % WORDS.length]} under ${WORDS[(k * 5) % WORDS.length]} settings.`).join(' '),
    collection: tag,
  }));
}

function session(opts: { msPerDoc: number; seeds?: number }) {
  const dir = resolveLocalStaticDir(DEFAULT_STATIC_MODEL_ID);
  if (!dir) throw new Error('run `npm run distill` first');
  const full = { docs: 0 };
  const statuses: EngineStatus[] = [];
  const log: EngineEvent[] = [];
  const deps: SessionDeps = {
    openStore: async () => ({ store: new MemoryStore() }),
    loadModel: async (id) => (id === DEFAULT_STATIC_MODEL_ID ? loadStaticEmbedder({ modelId: id, localModelPath: dir }) : fullModel(full, opts.msPerDoc, id)),
    seedText: () => seedText(opts.seeds ?? 40),
    emit: (e) => {
      log.push(e);
      if (e.kind === 'status') statuses.push(e.status);
    },
  };
  return { s: new EngineSession(deps), full, statuses, log };
}

const quickOf = (s: EngineStatus) => s.spaces.find((x) => x.role === 'quick')!;
const primaryOf = (s: EngineStatus) => s.spaces.find((x) => x.role === 'primary')!;

async function until(pred: () => boolean, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('import and indexing leave room for questions', () => {
  it('a question asked while a 5,000-paper import is committed is answered before the commit finishes (the commit yields)', async () => {
    const { s } = session({ msPerDoc: 5 });
    await s.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false, autoIndex: false });
    const papers = library(5000);
    const staged = s.stagePreview({ format: 'json', fileName: 'lib.jsonl', papers, issues: [], duplicates: [] });
    const order: string[] = [];
    const commit = s.commitImport(staged.token, 'lib', staged.paperIds).then(() => order.push('commit'));
    // A question arrives as the next message would: a macrotask after the commit started.
    const question = new Promise<void>((resolve) =>
      setTimeout(() => void s.search('masked video tokens', 'lexical').then(() => (order.push('question'), resolve())), 0),
    );
    await Promise.all([commit, question]);
    expect(order).toEqual(['question', 'commit']);
    // Nothing lost by the chunking: every paper is searchable once the commit is done.
    expect(s.status().papers).toBe(40 + 5000);
    const hit = await s.search('lib paper 4999', 'lexical');
    expect(hit.hits.some((h) => h.paper.id === 'lib-4999')).toBe(true);
    s.cancel();
    await s.idle();
  }, 120_000);

  it('papers imported while the full model embeds get quick-tier vectors at once, not after the full model’s pass', async () => {
    // 40 seeds at 25 ms a document: the full model's first pass takes ≥ 1 s.
    const { s, full } = session({ msPerDoc: 25 });
    await s.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    await until(() => full.docs > 0, 'the full model to start embedding the seeds');
    const staged = s.stagePreview({ format: 'json', fileName: 'more.jsonl', papers: library(300, 'more'), issues: [], duplicates: [] });
    await s.commitImport(staged.token, 'more', staged.paperIds);
    const docsAtImport = full.docs;
    await until(() => quickOf(s.status()).ready && quickOf(s.status()).indexed === 340, 'the quick tier to cover the import');
    // The full model had not finished even the seeds: the quick tier did not wait for its pass.
    expect(full.docs - docsAtImport).toBeLessThan(40 - 1);
    expect(primaryOf(s.status()).indexed).toBeLessThan(40);
    const r = await s.search('masked video tokens', 'hybrid');
    expect(r.tier).toBe('quick');
    s.cancel();
    await s.idle();
  }, 120_000);

  it('a question asked while the quick tier embeds a 5,000-paper import is answered before the quick tier finishes (it yields between steps)', async () => {
    const { s } = session({ msPerDoc: 50 });
    await s.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    await until(() => quickOf(s.status()).ready, 'the quick tier over the seeds');
    const staged = s.stagePreview({ format: 'json', fileName: 'lib.jsonl', papers: library(5000), issues: [], duplicates: [] });
    await s.commitImport(staged.token, 'lib', staged.paperIds);
    // The quick tier starts on the import at once; a question arrives as the next message would.
    const answered = await new Promise<EngineStatus>((resolve) =>
      setTimeout(() => void s.search('masked video tokens', 'hybrid').then(() => resolve(s.status())), 0),
    );
    expect(quickOf(answered).indexed).toBeLessThan(5040);
    await until(() => quickOf(s.status()).indexed === 5040, 'the quick tier over the import');
    s.cancel();
    await s.idle();
  }, 120_000);

  it('a question asked while the full model embeds a batch is answered after at most one document pass, not the whole batch', async () => {
    // A WASM forward pass blocks the thread: this stand-in spins for each text and never awaits a
    // macrotask, as onnxruntime-web's passes chained by promises do.
    const counter = { docs: 0 };
    const blocking: EmbeddingModel = {
      ...fullModel(counter, 0),
      async embedDocuments(texts) {
        const out = new Float32Array(texts.length * DIMS);
        for (let i = 0; i < texts.length; i++) {
          const end = performance.now() + 15;
          while (performance.now() < end) {
            /* a pass */
          }
          out[i * DIMS + (i % DIMS)] = 1;
          counter.docs++;
        }
        return { vectors: out, dimensions: DIMS };
      },
    };
    const dir = resolveLocalStaticDir(DEFAULT_STATIC_MODEL_ID)!;
    const s = new EngineSession({
      openStore: async () => ({ store: new MemoryStore() }),
      loadModel: async (id) => (id === DEFAULT_STATIC_MODEL_ID ? loadStaticEmbedder({ modelId: id, localModelPath: dir }) : blocking),
      seedText: () => seedText(64),
      emit: () => {},
    });
    await s.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    await until(() => counter.docs > 0, 'the full model to start');
    // This poll runs at a batch boundary (inside a batch nothing else runs). The question then
    // arrives ~3 passes into the next 16-document batch.
    const at = counter.docs;
    const answeredAt = await new Promise<number>((resolve) =>
      setTimeout(() => void s.search('masked video tokens', 'hybrid').then(() => resolve(counter.docs)), 40),
    );
    // Answered within a pass or two of arriving; waiting for the batch would mean ≥ 16 documents.
    expect(answeredAt - at).toBeLessThan(10);
    // …and long before the model finished its run over the 64 seeds.
    expect(answeredAt).toBeLessThan(64 - 16);
    s.cancel();
    await s.idle();
  }, 120_000);

  it('every full-model batch is followed by a status that counts it: the progress panel, the status bar and the collections read one number', async () => {
    // Statuses used to follow every 4th batch only, so the panel (fed by per-batch events) ran up
    // to 3 batches ahead of the status bar and the collections list (seen: 300 vs 268 vs 64+204).
    const { s, log } = session({ msPerDoc: 0, seeds: 100 });
    await s.init({ modelId: FULL_ID });
    await s.idle();
    const batches = log.flatMap((e, i) => (e.kind === 'embed' && e.space === 'primary' && e.done > 0 ? [i] : []));
    expect(batches.length).toBeGreaterThan(4);
    for (const i of batches) {
      const e = log[i] as Extract<EngineEvent, { kind: 'embed' }>;
      const next = log.slice(i + 1).find((x): x is Extract<EngineEvent, { kind: 'status' }> => x.kind === 'status');
      expect(next, `a status after batch ${e.done}/${e.total}`).toBeDefined();
      const primary = primaryOf(next!.status);
      expect(primary.indexed, `status after batch ${e.done}/${e.total}`).toBe(e.done);
      expect(next!.status.indexedVectors).toBe(e.done);
      expect(next!.status.collections.reduce((n, c) => n + c.embedded, 0)).toBe(e.done);
    }
  });

  it('a model switch keeps the keyword index and the quick tier as they are: nothing re-tokenised, no quick space rebuilt', async () => {
    // It rebuilt both: tens of seconds of BM25 and a quick-tier graph rebuild at 100k papers.
    const { s } = session({ msPerDoc: 0, seeds: 60 });
    await s.init({ modelId: FULL_ID, quickModelId: DEFAULT_STATIC_MODEL_ID, useShipped: false });
    await s.idle();
    await s.addPapers(library(300));
    await s.idle();
    const tokenised = vi.spyOn(Bm25Index.prototype, 'add');
    const filled = vi.spyOn(VectorSpace.prototype, 'setVectors');
    try {
      await s.setModel('Xenova/all-MiniLM-L6-v2');
      await s.idle();
      expect(tokenised).not.toHaveBeenCalled();
      const rebuilt = filled.mock.contexts.map((sp) => (sp as VectorSpace).identity.model);
      expect(rebuilt).not.toContain(DEFAULT_STATIC_MODEL_ID);
    } finally {
      tokenised.mockRestore();
      filled.mockRestore();
    }
    // Both still answer: a keyword question, and the new model over every paper.
    const lex = await s.search('lib paper 299', 'lexical');
    expect(lex.hits[0]!.paper.id).toBe('lib-299');
    const st = s.status();
    expect(primaryOf(st)).toMatchObject({ modelId: 'Xenova/all-MiniLM-L6-v2', indexed: 360, ready: true });
    expect(quickOf(st)).toMatchObject({ indexed: 360, ready: true });
  });
});
