import { describe, it, expect, vi } from 'vitest';
import { openDB } from 'idb';
import { openIdbStore, SCHEMA_VERSION } from '../../src/browser/idb-store.ts';
import { paperTextHash } from '../../src/core/library/text-hash.ts';
import { textHash } from '../../src/core/library/ids.ts';
import type { Paper } from '../../src/core/types.ts';
import { getModel } from '../../src/core/model/registry.ts';
import { transformerIdentity, vectorKey } from '../../src/core/vectors/identity.ts';
import { toStoredForm } from '../../src/core/vectors/quantize.ts';

/** A unit-length vector with components that f16 cannot hold exactly (so the codec is visible). */
function unitVector(dims: number, seed: number): Float32Array {
  const v = new Float32Array(dims);
  let x = seed;
  for (let i = 0; i < dims; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v[i] = x / 2147483648 - 0.5;
  }
  const n = Math.hypot(...v);
  return v.map((c) => c / n);
}

const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

let n = 0;
const freshName = () => `atlas-test-${Date.now()}-${n++}`;
const paper = (id: string, collection = 'mine'): Paper => ({ id, title: `Title ${id}`, abstract: `Abstract ${id}`, collection });

describe('IdbStore', () => {
  it('round-trips papers, Float32Array vectors keyed by model, blobs and meta', async () => {
    const { store, recovered } = await openIdbStore(freshName());
    expect(recovered).toBeUndefined();
    await store.putPapers([paper('a'), paper('b')]);
    expect((await store.getPapers()).map((p) => p.id).sort()).toEqual(['a', 'b']);

    const v = new Float32Array([0.5, -0.25, 1]);
    await store.putVectors('m@1', [{ paperId: 'a', textHash: 'h', vector: v }]);
    await store.putVectors('m@2', [{ paperId: 'a', textHash: 'h', vector: new Float32Array([9, 9, 9]) }]);
    const got = await store.getVectors('m@1');
    expect(got.size).toBe(1);
    expect(got.get('a')!.vector).toBeInstanceOf(Float32Array);
    expect([...got.get('a')!.vector]).toEqual([0.5, -0.25, 1]);
    await store.deleteVectors('m@1', ['a']);
    expect((await store.getVectors('m@1')).size).toBe(0);
    expect((await store.getVectors('m@2')).size).toBe(1);

    await store.putBlob('hnsw', new Uint8Array([1, 2, 3]));
    expect([...(await store.getBlob('hnsw'))!]).toEqual([1, 2, 3]);
    await store.setMeta('corpusHash', 'abc');
    expect(await store.getMeta('corpusHash')).toBe('abc');

    await store.clear();
    expect(await store.getPapers()).toEqual([]);
    expect(await store.getBlob('hnsw')).toBeUndefined();
    store.close();
  });

  it('persists across re-opening (reload keeps data)', async () => {
    const name = freshName();
    const a = await openIdbStore(name);
    await a.store.putVectors('m@1', [{ paperId: 'x', textHash: 't', vector: new Float32Array([1, 2]) }]);
    a.store.close();
    const b = await openIdbStore(name);
    expect((await b.store.getVectors('m@1')).get('x')!.textHash).toBe('t');
    b.store.close();
  });

  it('upgrades a v1 database and keeps the user\'s imported papers', async () => {
    const name = freshName();
    // The v1 layout: papers + meta, and a legacy vectors store keyed by paper id with JSON arrays.
    const old = await openDB(name, 1, {
      upgrade(db) {
        db.createObjectStore('papers', { keyPath: 'id' });
        db.createObjectStore('meta');
        db.createObjectStore('vectors');
      },
    });
    await old.put('papers', paper('mine-1'));
    await old.put('papers', paper('mine-2'));
    await old.put('vectors', [0.1, 0.2], 'mine-1');
    old.close();

    const { store, recovered } = await openIdbStore(name);
    expect(recovered).toBeUndefined();
    expect((await store.getPapers()).map((p) => p.id).sort()).toEqual(['mine-1', 'mine-2']);
    expect(await store.getMeta('schemaVersion')).toBe(SCHEMA_VERSION);
    // Legacy vectors are derived data: dropped, and the new store works with compound keys.
    expect((await store.getVectors('m@1')).size).toBe(0);
    await store.putVectors('m@1', [{ paperId: 'mine-1', textHash: 't', vector: new Float32Array([1]) }]);
    expect((await store.getVectors('m@1')).size).toBe(1);
    store.close();
  });

  it('upgrades a v2 database: first-version vector keys become identity keys, graphs are dropped', async () => {
    const name = freshName();
    const spec = getModel('Xenova/bge-small-en-v1.5');
    const legacy = `${spec.id}@${spec.onnx.q8!.sha256}`;
    const old = await openDB(name, 2, {
      upgrade(db) {
        db.createObjectStore('papers', { keyPath: 'id' });
        db.createObjectStore('meta');
        db.createObjectStore('vectors', { keyPath: ['modelKey', 'paperId'] }).createIndex('byModel', 'modelKey');
        db.createObjectStore('blobs');
      },
    });
    await old.put('papers', paper('mine-1'));
    await old.put('vectors', { modelKey: legacy, paperId: 'mine-1', textHash: 't', vector: new Float32Array([1, 2]) });
    await old.put('vectors', { modelKey: `Org/gone@${'a'.repeat(64)}`, paperId: 'mine-1', textHash: 't', vector: new Float32Array([3]) });
    await old.put('blobs', new Uint8Array([1]), `hnsw:${legacy}`);
    old.close();

    const { store, recovered } = await openIdbStore(name);
    expect(recovered).toBeUndefined();
    expect((await store.getPapers()).map((p) => p.id)).toEqual(['mine-1']);
    const moved = await store.getVectors(vectorKey(transformerIdentity(spec, 'q8')));
    expect([...moved.get('mine-1')!.vector]).toEqual([1, 2]);
    expect((await store.getVectors(legacy)).size).toBe(0);
    expect(await store.db.count('vectors')).toBe(1);
    expect(await store.getBlob(`hnsw:${legacy}`)).toBeUndefined();
    store.close();
  });

  it('never deletes a database from a newer version (issue 14 #5): it refuses, the database stays as it was', async () => {
    const name = freshName();
    const foreign = await openDB(name, SCHEMA_VERSION + 5, { upgrade(db) { db.createObjectStore('papers', { keyPath: 'id' }); } });
    await foreign.put('papers', paper('z'));
    foreign.close();
    await expect(openIdbStore(name)).rejects.toMatchObject({ name: 'StorageOpenError', reason: 'newer' });
    const raw = await openDB(name);
    expect(raw.version).toBe(SCHEMA_VERSION + 5);
    expect(await raw.count('papers')).toBe(1);
    raw.close();
  });

  it('rebuilds a database at the right version whose stores are missing', async () => {
    const name = freshName();
    const broken = await openDB(name, SCHEMA_VERSION, { upgrade(db) { db.createObjectStore('papers', { keyPath: 'id' }); } });
    broken.close();
    const { store, recovered } = await openIdbStore(name);
    expect(recovered).toMatch(/missing parts/);
    await store.setMeta('k', 1);
    expect(await store.getMeta('k')).toBe(1);
    store.close();
  });

  it('skips vector records that are not Float32Array instead of trusting them', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name);
    await store.db.put('vectors', { modelKey: 'm@1', paperId: 'bad', textHash: 't', vector: [1, 2] as unknown as Float32Array });
    await store.putVectors('m@1', [{ paperId: 'good', textHash: 't', vector: new Float32Array([1]) }]);
    expect([...(await store.getVectors('m@1')).keys()]).toEqual(['good']);
    store.close();
  });

  it('keeps vectors compact (f16: 2 bytes a component) and reads back exactly their stored form', async () => {
    const { store } = await openIdbStore(freshName());
    const v = unitVector(384, 7);
    expect(sameBits(toStoredForm(v), v)).toBe(false); // f16 changes this vector: the test sees the codec
    await store.putVectors('m@1', [{ paperId: 'a', textHash: 'h', vector: v }]);
    const raw = (await store.db.getAll('vectors'))[0]!;
    expect(raw.half).toBeInstanceOf(Uint16Array);
    expect(raw.half!.byteLength).toBe(384 * 2);
    expect(raw.vector).toBeUndefined();
    const back = (await store.getVectors('m@1')).get('a')!.vector;
    expect(back).toBeInstanceOf(Float32Array);
    expect(sameBits(back, toStoredForm(v))).toBe(true);
    // Stored form is a fixed point: writing what was read stores the same bits.
    await store.putVectors('m@1', [{ paperId: 'a', textHash: 'h', vector: back }]);
    expect([...(await store.db.getAll('vectors'))[0]!.half!]).toEqual([...raw.half!]);
    store.close();
  });

  it('reads Float32Array records of an earlier build in stored form and rewrites them compact, never over a newer vector', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name);
    const old = [unitVector(16, 1), unitVector(16, 2), unitVector(16, 3)];
    for (const [i, v] of old.entries()) await store.db.put('vectors', { modelKey: 'm@1', paperId: `p${i}`, textHash: 't', vector: v });
    // p2 was re-embedded (new text) before the rewrite reached it: its new record must survive.
    const got = await store.getVectors('m@1');
    await store.putVectors('m@1', [{ paperId: 'p2', textHash: 't2', vector: unitVector(16, 9) }]);
    for (const [i, v] of old.entries()) expect(sameBits(got.get(`p${i}`)!.vector, toStoredForm(v))).toBe(true);
    await vi.waitFor(() => expect(store.compacted).toBe(3));
    const raw = new Map((await store.db.getAll('vectors')).map((r) => [r.paperId, r]));
    expect(raw.get('p0')!.half).toBeInstanceOf(Uint16Array);
    expect(raw.get('p0')!.vector).toBeUndefined();
    expect(raw.get('p2')!.textHash).toBe('t2');
    store.close();
    // After a reload the rewritten records read back as the same vectors.
    const b = await openIdbStore(name);
    const again = await b.store.getVectors('m@1');
    expect(sameBits(again.get('p1')!.vector, got.get('p1')!.vector)).toBe(true);
    expect(b.store.compacted).toBe(0);
    b.store.close();
  });

  it('skips a compact record whose bits are not a Uint16Array', async () => {
    const { store } = await openIdbStore(freshName());
    await store.db.put('vectors', { modelKey: 'm@1', paperId: 'bad', textHash: 't', half: [1, 2] as unknown as Uint16Array });
    await store.putVectors('m@1', [{ paperId: 'good', textHash: 't', vector: new Float32Array([1]) }]);
    expect([...(await store.getVectors('m@1')).keys()]).toEqual(['good']);
    store.close();
  });
});

describe('IdbStore packs (schema 4: the journal folds into pack records)', () => {
  const small = { foldMin: 3, delayMs: 0 };
  const ids = (ps: Paper[]) => ps.map((p) => p.id);

  it('folds papers and vectors past foldMin into a few pack records; reads (and a reload) give the same', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name, undefined, small);
    const papers = ['e', 'a', 'd', 'b', 'c'].map((id) => paper(id));
    await store.putPapers(papers);
    const vecs = papers.map((p, i) => ({ paperId: p.id, textHash: `h${p.id}`, vector: unitVector(8, i + 1) }));
    await store.putVectors('m@1', vecs);
    await vi.waitFor(() => expect(store.folds).toBe(2));
    expect(await store.db.count('papers')).toBe(0);
    expect(await store.db.count('vectors')).toBe(0);
    expect(await store.db.count('packs')).toBe(2);
    expect(ids(await store.getPapers())).toEqual(['a', 'b', 'c', 'd', 'e']);
    store.close();
    const b = await openIdbStore(name, undefined, small);
    const back = await b.store.getPapers();
    expect(back).toEqual([...papers].sort((x, y) => (x.id < y.id ? -1 : 1)));
    const got = await b.store.getVectors('m@1');
    for (const v of vecs) {
      expect(got.get(v.paperId)!.textHash).toBe(v.textHash);
      expect(sameBits(got.get(v.paperId)!.vector, toStoredForm(v.vector))).toBe(true);
    }
    b.store.close();
  });

  it('below foldMin nothing is packed (a small library stays one record a paper)', async () => {
    const { store } = await openIdbStore(freshName(), undefined, { foldMin: 10, delayMs: 0 });
    await store.putPapers(['a', 'b'].map((id) => paper(id)));
    await store.getPapers();
    await new Promise((r) => setTimeout(r, 20));
    expect(store.folds).toBe(0);
    expect(await store.db.count('packs')).toBe(0);
    store.close();
  });

  it('a paper written after the fold wins over its packed copy, and a repack keeps only the live one', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name, undefined, { foldMin: 3, delayMs: 60_000 });
    await store.putPapers(['a', 'b', 'c'].map((id) => paper(id)));
    await store.flushPacks();
    await store.putPapers([{ ...paper('b'), title: 'Edited' }]);
    expect((await store.getPapers()).find((p) => p.id === 'b')!.title).toBe('Edited');
    await store.flushPacks(); // b now in two packs: the later one wins
    expect(await store.db.count('packs')).toBe(2);
    expect((await store.getPapers()).find((p) => p.id === 'b')!.title).toBe('Edited');
    await store.flushPacks(true);
    expect(await store.db.count('packs')).toBe(1);
    const all = await store.getPapers();
    expect(ids(all)).toEqual(['a', 'b', 'c']);
    expect(all.find((p) => p.id === 'b')!.title).toBe('Edited');
    store.close();
  });

  it('deletes reach packed papers and vectors, and survive a reload', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name, undefined, { foldMin: 3, delayMs: 60_000 });
    await store.putPapers(['a', 'b', 'c', 'd'].map((id) => paper(id)));
    await store.putVectors('m@1', ['a', 'b', 'c', 'd'].map((id, i) => ({ paperId: id, textHash: 't', vector: unitVector(4, i + 1) })));
    await store.putVectors('m@2', [{ paperId: 'b', textHash: 't', vector: unitVector(4, 9) }]);
    await store.flushPacks();
    await store.deletePapers(['b', 'd']);
    await store.deleteVectors('m@1', ['b']);
    store.close();
    const b = await openIdbStore(name);
    expect(ids(await b.store.getPapers())).toEqual(['a', 'c']);
    expect([...(await b.store.getVectors('m@1')).keys()].sort()).toEqual(['a', 'c', 'd']);
    expect([...(await b.store.getVectors('m@2')).keys()]).toEqual(['b']); // another identity untouched
    await b.store.deletePapers(['a', 'c']);
    expect(await b.store.getPapers()).toEqual([]);
    expect(await b.store.db.count('packs', IDBKeyRange.bound(['p'], ['p', []]))).toBe(0); // empty packs are removed
    b.store.close();
  });

  it('hands back the text hash saved beside each packed paper (a reload does not hash every abstract again)', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name, undefined, { foldMin: 1, delayMs: 60_000 });
    await store.putPapers(['a', 'b'].map((id) => paper(id)));
    await store.flushPacks();
    const [key] = await store.db.getAllKeys('packs');
    const pack = (await store.db.get('packs', key!)) as { papers: Paper[]; hashes: string[] };
    expect(pack.hashes).toEqual(pack.papers.map((p) => textHash(p.title, p.abstract)));
    // Mark the stored hash to see which one a read hands over.
    await store.db.put('packs', { ...pack, hashes: ['stored-a', pack.hashes[1]!] }, key!);
    store.close();
    const b = await openIdbStore(name);
    const [a, bb] = await b.store.getPapers();
    expect(paperTextHash(a!)).toBe('stored-a');
    expect(paperTextHash(bb!)).toBe(textHash(bb!.title, bb!.abstract));
    b.store.close();
  });

  it('leaves unreadable journal records in place for the library to report, and never packs them', async () => {
    const { store } = await openIdbStore(freshName(), undefined, { foldMin: 1, delayMs: 60_000 });
    await store.putPapers([paper('a'), paper('b')]);
    await store.db.put('papers', { id: 'broken' } as unknown as Paper);
    await store.db.put('vectors', { modelKey: 'm@1', paperId: 'bad', textHash: 't', half: [1, 2] as unknown as Uint16Array });
    await store.putVectors('m@1', [{ paperId: 'a', textHash: 't', vector: unitVector(4, 1) }]);
    await store.flushPacks();
    expect(await store.db.getAllKeys('papers')).toEqual(['broken']);
    expect((await store.db.getAll('vectors')).map((r) => r.paperId)).toEqual(['bad']);
    expect(ids(await store.getPapers())).toEqual(['a', 'b', 'broken']);
    expect([...(await store.getVectors('m@1')).keys()]).toEqual(['a']);
    store.close();
  });

  it('upgrades a v3 database: adds the packs store, every paper and vector stays where it was', async () => {
    const name = freshName();
    const old = await openDB(name, 3, {
      upgrade(db) {
        db.createObjectStore('papers', { keyPath: 'id' });
        db.createObjectStore('meta');
        const v = db.createObjectStore('vectors', { keyPath: ['modelKey', 'paperId'] });
        v.createIndex('byModel', 'modelKey');
        db.createObjectStore('blobs');
      },
    });
    await old.put('papers', paper('mine-1'));
    await old.put('vectors', { modelKey: 'm@1', paperId: 'mine-1', textHash: 't', half: new Uint16Array([15360, 0]) });
    old.close();
    const { store, recovered } = await openIdbStore(name);
    expect(recovered).toBeUndefined();
    expect(store.db.version).toBe(SCHEMA_VERSION);
    expect(store.db.objectStoreNames.contains('packs')).toBe(true);
    expect(ids(await store.getPapers())).toEqual(['mine-1']);
    expect([...(await store.getVectors('m@1')).get('mine-1')!.vector]).toEqual([1, 0]);
    store.close();
  });
});
