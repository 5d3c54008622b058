import { describe, it, expect } from 'vitest';
import { openDB } from 'idb';
import { openIdbStore, SCHEMA_VERSION } from '../../src/browser/idb-store.ts';
import type { Paper } from '../../src/core/types.ts';
import { getModel } from '../../src/core/model/registry.ts';
import { transformerIdentity, vectorKey } from '../../src/core/vectors/identity.ts';
import { CHUNK_VECTORS, type VectorChunk } from '../../src/core/store/vector-chunks.ts';

let n = 0;
function expectClose(v: Float32Array, want: number[], tol: number) {
  expect(v.length).toBe(want.length);
  want.forEach((x, i) => expect(Math.abs(v[i]! - x)).toBeLessThanOrEqual(tol));
}
const freshName = () => `atlas-test-${Date.now()}-${n++}`;
const paper = (id: string, collection = 'mine'): Paper => ({ id, title: `Title ${id}`, abstract: `Abstract ${id}`, collection });

describe('IdbStore', () => {
  it('round-trips papers, vectors keyed by model (int8 in storage: within one quantisation step), blobs and meta', async () => {
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
    // int8 with a per-vector scale: 1 → 127, 0.5 → 64 (63.5 rounded), -0.25 → -32 (-31.75 rounded).
    expectClose(got.get('a')!.vector, [0.5, -0.25, 1], 1 / 127);
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
    expectClose(moved.get('mine-1')!.vector, [1, 2], 2 / 127);
    expect((await store.getVectors(legacy)).size).toBe(0);
    // v4: the f32 records became one chunk; the old store is empty.
    expect(await store.db.count('vchunks')).toBe(1);
    expect(await store.db.count('vectors')).toBe(0);
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

  it('skips malformed chunk records instead of trusting them, and drops them at the next write', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name);
    const bad = { modelKey: 'm@1', chunk: 7, dims: 2, ids: ['bad'], hashes: ['t'], scales: new Float32Array([1]), codes: [1, 2] };
    await store.db.put('vchunks', bad as unknown as VectorChunk);
    expect((await store.getVectors('m@1')).size).toBe(0);
    await store.putVectors('m@1', [{ paperId: 'good', textHash: 't', vector: new Float32Array([1]) }]);
    expect([...(await store.getVectors('m@1')).keys()]).toEqual(['good']);
    expect(await store.db.get('vchunks', ['m@1', 7])).toBeUndefined();
    store.close();
  });

  it('stores vectors many per record (chunks), replaces a re-embedded paper in place and deletes across chunks', async () => {
    const name = freshName();
    const { store } = await openIdbStore(name);
    const dims = 16;
    const vec = (i: number) => Float32Array.from({ length: dims }, (_, d) => Math.sin(i * 7 + d));
    const n = CHUNK_VECTORS * 2 + 10;
    // Batches as the indexer writes them (32 per batch).
    for (let b = 0; b < n; b += 32) {
      const rows = [];
      for (let i = b; i < Math.min(n, b + 32); i++) rows.push({ paperId: `p${i}`, textHash: `h${i}`, vector: vec(i) });
      await store.putVectors('m@1', rows);
    }
    expect(await store.db.count('vchunks')).toBe(3);
    let got = await store.getVectors('m@1');
    expect(got.size).toBe(n);
    expectClose(got.get('p700')!.vector, [...vec(700)], 1 / 127);
    // A paper whose text changed: same id, new hash and vector — replaced, not duplicated.
    await store.putVectors('m@1', [{ paperId: 'p3', textHash: 'new', vector: vec(999) }]);
    got = await store.getVectors('m@1');
    expect(got.size).toBe(n);
    expect(got.get('p3')!.textHash).toBe('new');
    expectClose(got.get('p3')!.vector, [...vec(999)], 1 / 127);
    await store.deleteVectors('m@1', ['p0', 'p600', `p${n - 1}`, 'not-there']);
    got = await store.getVectors('m@1');
    expect(got.size).toBe(n - 3);
    expect(got.has('p600')).toBe(false);
    // Emptying a chunk removes its record.
    await store.deleteVectors('m@1', Array.from({ length: 10 }, (_, i) => `p${CHUNK_VECTORS * 2 + i}`));
    expect(await store.db.count('vchunks')).toBe(2);
    // A wrong-length vector is refused and nothing of its batch is written.
    await expect(store.putVectors('m@1', [{ paperId: 'x', textHash: 't', vector: vec(1) }, { paperId: 'y', textHash: 't', vector: new Float32Array(3) }])).rejects.toThrow(/3 dimensions/);
    expect((await store.getVectors('m@1')).has('x')).toBe(false);
    store.close();
  });

  it("keeps two tabs coherent: a write from one is seen by the other tab's next write (no lost or duplicated ids)", async () => {
    const name = freshName();
    const a = (await openIdbStore(name)).store;
    const b = (await openIdbStore(name)).store;
    const v = new Float32Array([1, 0]);
    await a.putVectors('m@1', [{ paperId: 'one', textHash: 't', vector: v }]);
    await b.getVectors('m@1'); // b caches its directory
    await a.putVectors('m@1', [{ paperId: 'two', textHash: 't', vector: v }]);
    await b.putVectors('m@1', [{ paperId: 'two', textHash: 'b', vector: v }, { paperId: 'three', textHash: 't', vector: v }]);
    await a.deleteVectors('m@1', ['one']);
    const got = await b.getVectors('m@1');
    expect([...got.keys()].sort()).toEqual(['three', 'two']);
    expect(got.get('two')!.textHash).toBe('b');
    const chunks = await b.db.getAll('vchunks');
    expect(chunks.flatMap((c) => c.ids).sort()).toEqual(['three', 'two']);
    a.close();
    b.close();
  });

  it('upgrades a v3 database (one f32 record per vector): every stored vector is kept, in chunks', async () => {
    const name = freshName();
    const dims = 384;
    const key = vectorKey(transformerIdentity(getModel('Xenova/bge-small-en-v1.5'), 'q8'));
    const old = await openDB(name, 3, {
      upgrade(db) {
        db.createObjectStore('papers', { keyPath: 'id' });
        db.createObjectStore('meta');
        db.createObjectStore('vectors', { keyPath: ['modelKey', 'paperId'] }).createIndex('byModel', 'modelKey');
        db.createObjectStore('blobs');
      },
    });
    const n = CHUNK_VECTORS + 100;
    const vec = (i: number) => {
      const v = Float32Array.from({ length: dims }, (_, d) => Math.cos(i * 3.1 + d * 0.7));
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const tx = old.transaction(['papers', 'vectors'], 'readwrite');
    for (let i = 0; i < n; i++) {
      void tx.objectStore('papers').put(paper(`p${i}`));
      void tx.objectStore('vectors').put({ modelKey: key, paperId: `p${i}`, textHash: `h${i}`, vector: vec(i) });
    }
    void tx.objectStore('vectors').put({ modelKey: 'static@x', paperId: 'p0', textHash: 'h0', vector: new Float32Array([0.6, 0.8]) });
    await tx.done;
    old.close();

    const { store } = await openIdbStore(name);
    expect((await store.getPapers()).length).toBe(n);
    const got = await store.getVectors(key);
    expect(got.size).toBe(n);
    for (let i = 0; i < n; i += 37) {
      const a = vec(i);
      const b = got.get(`p${i}`)!;
      expect(b.textHash).toBe(`h${i}`);
      let dot = 0;
      for (let d = 0; d < dims; d++) dot += a[d]! * b.vector[d]!;
      expect(dot).toBeGreaterThan(0.999);
    }
    expectClose((await store.getVectors('static@x')).get('p0')!.vector, [0.6, 0.8], 0.8 / 127);
    expect(await store.db.count('vchunks')).toBe(3);
    expect(await store.db.count('vectors')).toBe(0);
    expect(await store.getMeta('schemaVersion')).toBe(SCHEMA_VERSION);
    store.close();
  });
});
