/**
 * Lexical index snapshot (issue 15 #6): round trip gives identical results; a snapshot of other
 * papers (add / delete / edit), damaged bytes or other options is ignored and the index rebuilt;
 * a session reload over (fake) IndexedDB loads the snapshot instead of re-tokenizing.
 */
import { describe, expect, it, vi } from 'vitest';
import { Bm25Index } from '../../src/core/search/bm25.ts';
import { decodeLexicalSnapshot, encodeLexicalSnapshot, encodeLexicalSnapshotSliced, SnapshotError } from '../../src/core/search/bm25-snapshot.ts';
import { SearchEngine } from '../../src/core/search/engine.ts';
import { LexicalCache, LEXICAL_BLOB } from '../../src/core/engine/lexical-cache.ts';
import { EngineSession, type SessionDeps } from '../../src/core/engine/session.ts';
import { MemoryStore } from '../../src/core/store/store.ts';
import { openIdbStore } from '../../src/browser/idb-store.ts';
import { loadSeedPapers } from '../../bench/lib/seed.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';

const papers = loadSeedPapers();
const QUERIES = ['masked autoencoders', 'contrastive learning of visual representations', 'video transformer', 'language model pretraining'];
const lex = async (e: SearchEngine, q: string) => (await e.search(q, { mode: 'lexical', k: 50, sentences: false })).map((h) => [h.paper.id, h.score]);

async function results(e: SearchEngine) {
  const out = [];
  for (const q of QUERIES) out.push(await lex(e, q));
  return out;
}

function cacheOver(store: MemoryStore) {
  const engine = { current: new SearchEngine() };
  return { engine, cache: new LexicalCache(() => store, () => engine.current, 10_000_000) };
}

describe('lexical index snapshot', () => {
  it('a loaded index takes added and removed papers like a built one (its postings are views of the snapshot)', async () => {
    const store = new MemoryStore();
    const a = cacheOver(store);
    const base = papers.slice(0, 150);
    await a.cache.restore(base);
    a.cache.cancel();
    await a.cache.saveNow();
    const b = cacheOver(store);
    expect(await b.cache.restore(base)).toBe('snapshot');
    b.cache.cancel();
    // New papers share terms with loaded ones, so appends land on lists that are snapshot views.
    const more = papers.slice(150, 204);
    const gone = base.slice(0, 20).map((p) => p.id);
    for (const e of [b.engine.current, a.engine.current]) {
      e.addPapers(more);
      e.removePapers(gone);
    }
    const fresh = new SearchEngine();
    fresh.setPapers([...base.slice(20), ...more]);
    expect(await results(b.engine.current)).toEqual(await results(fresh));
    expect(await results(a.engine.current)).toEqual(await results(fresh));
    // And a second snapshot of the grown index still decodes to the same ranking.
    await b.cache.saveNow();
    const c = cacheOver(store);
    expect(await c.cache.restore(b.engine.current.lexicalParts().ids.map((id) => b.engine.current.getPaper(id)!))).toBe('snapshot');
    c.cache.cancel();
    expect(await results(c.engine.current)).toEqual(await results(fresh));
  });

  it('round trip: the loaded index gives the same hits and scores, without tokenizing', async () => {
    const store = new MemoryStore();
    const a = cacheOver(store);
    expect(await a.cache.restore(papers)).toBe('built');
    a.cache.cancel();
    expect(await a.cache.saveNow()).toBe(true);
    const b = cacheOver(store);
    const add = vi.spyOn(Bm25Index.prototype, 'add');
    expect(await b.cache.restore(papers)).toBe('snapshot');
    expect(add).not.toHaveBeenCalled();
    add.mockRestore();
    expect(await results(b.engine.current)).toEqual(await results(a.engine.current));
    expect(b.engine.current.paperCount).toBe(papers.length);
  });

  it('a snapshot of other papers (added, deleted, edited) is ignored and the index rebuilt', async () => {
    const store = new MemoryStore();
    const a = cacheOver(store);
    await a.cache.restore(papers);
    a.cache.cancel();
    await a.cache.saveNow();
    const edited = papers.map((p, i) => (i === 5 ? { ...p, abstract: p.abstract + ' Zebrafish.' } : p));
    const authorEdit = papers.map((p, i) => (i === 7 ? { ...p, authors: [{ family: 'Zzyzx', given: 'Q' }] } : p)) as Paper[];
    const extra: Paper = { id: 'pnew', title: 'A new paper', abstract: 'About zebrafish.' };
    for (const now of [papers.slice(1), [...papers, extra], edited, authorEdit]) {
      const b = cacheOver(store);
      expect(await b.cache.restore(now)).toBe('built');
      b.cache.cancel();
      const fresh = new SearchEngine();
      fresh.setPapers(now);
      expect(await results(b.engine.current)).toEqual(await results(fresh));
    }
  });

  it('damaged, truncated or foreign snapshots are rebuilt without throwing', async () => {
    const store = new MemoryStore();
    const a = cacheOver(store);
    await a.cache.restore(papers);
    a.cache.cancel();
    await a.cache.saveNow();
    const good = (await store.getBlob(LEXICAL_BLOB))!;
    expect(() => decodeLexicalSnapshot(good)).not.toThrow();
    const flipped = good.slice();
    flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
    expect(() => decodeLexicalSnapshot(flipped)).toThrow(SnapshotError);
    for (const bad of [flipped, good.slice(0, good.length - 9), new Uint8Array([1, 2, 3]), new TextEncoder().encode('x'.repeat(100))]) {
      await store.putBlob(LEXICAL_BLOB, bad);
      const b = cacheOver(store);
      expect(await b.cache.restore(papers)).toBe('built');
      b.cache.cancel();
      expect(await results(b.engine.current)).toEqual(await results(a.engine.current));
    }
    // Other options (titleWeight 1): the snapshot decodes but is not used.
    await store.putBlob(LEXICAL_BLOB, good);
    const other = { current: new SearchEngine({ bm25: { titleWeight: 1 } }) };
    const c = new LexicalCache(() => store, () => other.current, 10_000_000);
    expect(await c.restore(papers)).toBe('built');
    c.cancel();
    // A failing save does not throw.
    const broken = new MemoryStore();
    broken.putBlob = async () => {
      throw new Error('QuotaExceededError');
    };
    expect(await new LexicalCache(() => broken, () => a.engine.current).saveNow()).toBe(false);
    expect(encodeLexicalSnapshot).toBeTypeOf('function');
  });

  it('is compact (under 3 bytes a posting, version 2) and still reads version-1 snapshots', async () => {
    const e = new SearchEngine();
    e.setPapers(papers);
    const { parts, ids } = e.lexicalParts();
    const bytes = encodeLexicalSnapshot({ parts, ids, fingerprint: 'f' });
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(2);
    const json = new DataView(bytes.buffer).getUint32(8, true);
    // Version 1 spent 8 bytes a posting (Int32 slot + Float32 tf) on top of its header.
    expect((bytes.length - 12 - json) / parts.slots.length).toBeLessThan(3);
    const back = decodeLexicalSnapshot(bytes);
    expect(back.parts.slots).toEqual(parts.slots);
    expect(back.parts.tfs).toEqual(parts.tfs);
    expect(back.parts.lens).toEqual(parts.lens);
    expect(back.parts.offsets).toEqual(parts.offsets);
    const v1 = decodeLexicalSnapshot(encodeVersion1({ parts, ids, fingerprint: 'f' }));
    expect(v1.parts).toEqual(back.parts);
    // Non-integer term frequencies (a fractional title weight) are kept exactly, as floats.
    const frac = new SearchEngine({ bm25: { titleWeight: 1.5 } });
    frac.setPapers(papers);
    const fp = frac.lexicalParts();
    const fb = decodeLexicalSnapshot(encodeLexicalSnapshot({ parts: fp.parts, ids: fp.ids, fingerprint: 'g' }));
    expect(fb.parts.tfs).toEqual(fp.parts.tfs);
    expect(fb.parts.lens).toEqual(fp.parts.lens);
    expect([...fp.parts.tfs].some((x) => !Number.isInteger(x))).toBe(true);
  });

  it('the sliced encoder gives the same bytes and lets the event loop run meanwhile', async () => {
    const e = new SearchEngine();
    e.setPapers(papers);
    const { parts, ids } = e.lexicalParts();
    const sync = encodeLexicalSnapshot({ parts, ids, fingerprint: 'f' });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const sliced = await encodeLexicalSnapshotSliced({ parts, ids, fingerprint: 'f' }, 0);
    clearInterval(timer);
    expect(sliced).toEqual(sync);
    // 0 ms slices: a turn of the event loop at every step (a step is 1,024 terms; the seed corpus has more).
    expect(parts.terms.length).toBeGreaterThan(1024);
    expect(ticks).toBeGreaterThan(0);
  });

  it('session reload over IndexedDB (fake) loads the snapshot instead of rebuilding', async () => {
    const name = `lex-${Date.now()}`;
    const model: EmbeddingModel = undefined as unknown as EmbeddingModel;
    const deps = (): SessionDeps => ({
      openStore: async () => openIdbStore(name),
      loadModel: async () => model,
      seedText: () => 'Get trending papers in your email inbox once a day!\nGet trending papers in your email inbox!\n' + papers.slice(0, 30).map((p) => `${p.title}\n${p.abstract}`).join('\n'),
      emit: () => {},
    });
    const a = new EngineSession(deps());
    await a.init({ autoIndex: false });
    const before = (await a.search('masked autoencoders', 'lexical')).hits.map((h) => [h.paper.id, h.score]);
    expect(await a.saveLexicalIndex()).toBe(true);
    const add = vi.spyOn(Bm25Index.prototype, 'add');
    const b = new EngineSession(deps());
    await b.init({ autoIndex: false });
    expect(add).not.toHaveBeenCalled();
    add.mockRestore();
    expect((await b.search('masked autoencoders', 'lexical')).hits.map((h) => [h.paper.id, h.score])).toEqual(before);
    expect(before.length).toBeGreaterThan(0);
  });
});

describe('a question asked while init is still loading the papers', () => {
  it('waits for the keyword index instead of answering from an empty one', async () => {
    const { EngineSession } = await import('../../src/core/engine/session.ts');
    const { MemoryStore } = await import('../../src/core/store/store.ts');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const lines = ['Get trending papers in your email inbox once a day!', 'Get trending papers in your email inbox!', 'SubscribeKelp forests under warming seas', 'We survey kelp forests and their decline as seas warm.'];
    const s = new EngineSession({
      openStore: async () => ({ store: new MemoryStore() }),
      loadModel: async () => {
        throw new Error('no model here');
      },
      // The papers arrive late: the question below is sent before they are in.
      seedText: async () => {
        await gate;
        return lines.join('\n');
      },
      emit: () => {},
    });
    const init = s.init({ autoIndex: false });
    const early = s.search('kelp forests', 'lexical');
    await new Promise((r) => setTimeout(r, 10));
    release();
    await init;
    expect((await early).hits.map((h) => h.paper.title)).toEqual(['Kelp forests under warming seas']);
  });
});

/** The version-1 layout (earlier builds wrote it; decode must keep reading it). */
function encodeVersion1(s: { parts: ReturnType<SearchEngine['lexicalParts']>['parts']; ids: string[]; fingerprint: string }): Uint8Array {
  const { parts } = s;
  const pad8 = (n: number) => (n + 7) & ~7;
  const tf64 = parts.tfs instanceof Float64Array;
  const header = { opts: parts.opts, fingerprint: s.fingerprint, terms: parts.terms, ids: s.ids, postings: parts.slots.length, tf64, totalLen: parts.totalLen };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const start = pad8(12 + json.length);
  const tfBytes = parts.tfs.length * (tf64 ? 8 : 4);
  const lensAt = pad8(start + parts.offsets.byteLength + parts.slots.byteLength + tfBytes);
  const total = lensAt + parts.lens.byteLength + 4;
  const buf = new ArrayBuffer(total);
  const bytes = new Uint8Array(buf);
  const dv = new DataView(buf);
  dv.setUint32(0, 0x584c5441, true);
  dv.setUint32(4, 1, true);
  dv.setUint32(8, json.length, true);
  bytes.set(json, 12);
  let at = start;
  new Int32Array(buf, at, parts.offsets.length).set(parts.offsets);
  at += parts.offsets.byteLength;
  new Int32Array(buf, at, parts.slots.length).set(parts.slots);
  at += parts.slots.byteLength;
  bytes.set(new Uint8Array(parts.tfs.buffer, parts.tfs.byteOffset, tfBytes), at);
  new Float64Array(buf, lensAt, parts.lens.length).set(parts.lens);
  let h = 0x811c9dc5;
  for (let i = 0; i < total - 4; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  dv.setUint32(total - 4, h >>> 0, true);
  return bytes;
}
