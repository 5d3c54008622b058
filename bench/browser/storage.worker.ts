/**
 * Storage benchmark in the browser (issue 15 #4/#6): a synthetic library of N papers written through
 * the app's IdbStore (papers + int8 vector chunks for each vector space), the bytes it takes by
 * navigator.storage.estimate(), write throughput, then a "reload": a fresh connection reads it back
 * and builds what a search needs, timed per step (read papers → BM25 = keyword ready; read vectors →
 * exact vector index = semantic ready). Every database is deleted after its size.
 *
 * Papers: sentence recombination of the seed abstracts (the request carries the sentences), titles
 * from seed titles + a number, ids unique. Vectors: seeded Gaussian unit vectors (incompressible,
 * so the byte count is an upper bound for real vectors), one space per entry of `dims`.
 */
import { deleteDB } from 'idb';
import { openIdbStore } from '../../src/browser/idb-store.ts';
import { SearchEngine } from '../../src/core/search/engine.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import { getModel, getStaticModel } from '../../src/core/model/registry.ts';
import { transformerIdentity, vectorKey, type VectorIdentity } from '../../src/core/vectors/identity.ts';
import { mulberry32 } from '../../src/core/map/random.ts';
import { serve } from './raw-common.ts';

export interface StorageRequest {
  sizes: number[];
  sentences: string[];
  titles: string[];
}

export interface StorageRow {
  papers: number;
  /** estimate().usage after − before, bytes. */
  bytes: number;
  /** Of which (separate measurement order: papers written first). */
  paperBytes: number;
  writePapersMs: number;
  writeVectorsMs: number;
  /** Vectors written per second (all spaces). */
  vectorsPerS: number;
  reload: { openMs: number; readPapersMs: number; bm25Ms: number; keywordReadyMs: number; readVectorsMs: number; indexMs: number; semanticReadyMs: number; firstQueryMs: number };
  quota: number;
}

function papersFor(n: number, req: StorageRequest, seed: number): Paper[] {
  const r = mulberry32(seed);
  const out: Paper[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    for (let k = 0; k < 9; k++) parts.push(req.sentences[Math.floor(r() * req.sentences.length)]!);
    const title = `${req.titles[Math.floor(r() * req.titles.length)]} (${i})`;
    out.push({
      id: `syn-${seed}-${i}`,
      title,
      abstract: parts.join(' '),
      authors: [{ family: `Author${i % 997}`, given: 'A.' }],
      year: 1990 + (i % 35),
      venue: `Venue ${i % 50}`,
      collection: 'synthetic',
    } as Paper);
  }
  return out;
}

function unitVectors(n: number, dims: number, seed: number): Float32Array {
  const r = mulberry32(seed);
  const out = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dims; d++) {
      const g = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
      out[i * dims + d] = g;
      s += g * g;
    }
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < dims; d++) out[i * dims + d]! *= inv;
  }
  return out;
}

const usage = async () => (await navigator.storage.estimate()).usage ?? 0;

function fakeModel(identity: VectorIdentity): EmbeddingModel {
  const dims = identity.dims;
  return {
    modelId: identity.model,
    identity,
    dimensions: dims,
    device: 'wasm',
    async embedDocuments() {
      throw new Error('not used');
    },
    async embedQuery() {
      const v = new Float32Array(dims);
      v[0] = 1;
      return v;
    },
    async dispose() {},
  };
}

serve(async (req: StorageRequest) => {
  const full = transformerIdentity(getModel('Xenova/bge-small-en-v1.5'), 'q8');
  // The quick tier's size; its exact identity does not matter for bytes or timing.
  const spaces: VectorIdentity[] = [full, { ...full, model: 'static/bge-small-en-v1.5-d256', dims: getStaticModel('static/bge-small-en-v1.5-d256').dims }];
  const rows: StorageRow[] = [];
  for (const n of req.sizes) {
    const name = `storage-bench-${n}`;
    await deleteDB(name);
    const papers = papersFor(n, req, n);
    const u0 = await usage();
    const { store } = await openIdbStore(name);
    let t = performance.now();
    for (let i = 0; i < n; i += 5000) await store.putPapers(papers.slice(i, i + 5000));
    const writePapersMs = performance.now() - t;
    const u1 = await usage();
    t = performance.now();
    let written = 0;
    for (const [si, id] of spaces.entries()) {
      const flat = unitVectors(n, id.dims, 17 + si);
      const key = vectorKey(id);
      // The indexer's batch for the full model is 16, the quick tier's 512; 512 here measures the
      // chunk path itself (16 rewrites the open chunk 32 times per chunk: see README "Storage").
      for (let i = 0; i < n; i += 512) {
        const batch = [];
        for (let j = i; j < Math.min(n, i + 512); j++) batch.push({ paperId: papers[j]!.id, textHash: `h${j}`, vector: flat.subarray(j * id.dims, (j + 1) * id.dims) });
        await store.putVectors(key, batch);
        written += batch.length;
      }
    }
    const writeVectorsMs = performance.now() - t;
    store.close();
    const u2 = await usage();

    // Reload: a fresh connection, as a new page would.
    const r0 = performance.now();
    const { store: again } = await openIdbStore(name);
    const r1 = performance.now();
    const back = await again.getPapers();
    const r2 = performance.now();
    const engine = new SearchEngine({ exactThreshold: Number.POSITIVE_INFINITY });
    engine.setPapers(back);
    const r3 = performance.now();
    const stored = await again.getVectors(vectorKey(spaces[0]!));
    const r4 = performance.now();
    const model = fakeModel(spaces[0]!);
    const space = engine.useModel(model);
    const ids = [...stored.keys()];
    const flat = new Float32Array(ids.length * spaces[0]!.dims);
    ids.forEach((id, i) => flat.set(stored.get(id)!.vector, i * spaces[0]!.dims));
    await space.setVectors(ids, flat);
    const r5 = performance.now();
    await engine.search('glacier flow calving', { k: 10, mode: 'hybrid', sentences: false });
    const r6 = performance.now();
    again.close();
    if (back.length !== n || stored.size !== n) throw new Error(`reload read ${back.length} papers / ${stored.size} vectors of ${n}`);
    const est = await navigator.storage.estimate();
    rows.push({
      papers: n,
      bytes: u2 - u0,
      paperBytes: u1 - u0,
      writePapersMs,
      writeVectorsMs,
      vectorsPerS: (written / writeVectorsMs) * 1000,
      reload: {
        openMs: r1 - r0,
        readPapersMs: r2 - r1,
        bm25Ms: r3 - r2,
        keywordReadyMs: r3 - r0,
        readVectorsMs: r4 - r3,
        indexMs: r5 - r4,
        semanticReadyMs: r5 - r0,
        firstQueryMs: r6 - r5,
      },
      quota: est.quota ?? 0,
    });
    await deleteDB(name);
  }
  return rows;
});
