/**
 * HNSW over cosine similarity with hnswlib-wasm, saved to bytes and restored from bytes so the graph
 * is never rebuilt on reload (see vector-index.ts for the contract and the module notes there).
 */
import type { HierarchicalNSW, HnswlibModule } from 'hnswlib-wasm';
import { autoEf, checkBatch, checkQuery, HNSW_DEFAULTS, type VectorIndex } from './vector-index.ts';
import { fillVectors, stripVectors } from './hnsw-file.ts';
import type { Neighbor } from '../types.ts';
import { runtime } from '../util/runtime.ts';

const HNSW_MAGIC = 0x4e485841; // "AXHN"
/**
 * 1: header + hnswlib's file as it writes it (vectors inside; still read).
 * 2: header + that file without its vectors (hnsw-file.ts): restore() takes them from the caller,
 *    who holds them anyway. A build that knows only 1 rejects 2 by this number before hnswlib reads it.
 */
const HNSW_FORMAT = 2;


type HnswlibEntry = typeof import('hnswlib-wasm');

/**
 * How the hnswlib-wasm entry module is imported. The package has no `main`/`exports` (it targets
 * bundlers), so the bare specifier works under Vite and vitest (aliased) but not in plain Node:
 * Node scripts import src/node/hnswlib.ts first, which resolves it with a module hook.
 */
const importHnswlib = (): Promise<HnswlibEntry> => import('hnswlib-wasm');

let libPromise: Promise<HnswlibModule> | undefined;
let syncFs: ((action: 'read' | 'write') => Promise<void>) | undefined;

/**
 * emscripten's IDBFS glue prints progress chatter ("jsFS synced successfully", "2 FS.syncfs operations
 * in flight") to console.log/warn, also from syncs it starts on its own and finishes later. The CLI's
 * --json output goes to stdout, so once hnswlib is loaded those lines — and only those — are dropped.
 */
const CHATTER = /^(b\. jsFS synced|d\. Calling sync callback|warning: \d+ FS\.syncfs operations in flight|EmscriptenFileSystemManager)/;
let chatterFiltered = false;
function filterChatter(): void {
  if (chatterFiltered) return;
  chatterFiltered = true;
  for (const method of ['log', 'warn'] as const) {
    const orig = console[method];
    console[method] = (...a: unknown[]) => {
      if (!(typeof a[0] === 'string' && CHATTER.test(a[0]))) orig.apply(console, a);
    };
  }
}

/** Loads the WASM module once per realm. */
async function loadLib(): Promise<HnswlibModule> {
  libPromise ??= (async () => {
    filterChatter();
    const mod = await importHnswlib();
    const lib = await mod.loadHnswlib();
    syncFs = mod.syncFileSystem;
    lib.EmscriptenFileSystemManager.setDebugLogs(false);
    return lib;
  })();
  try {
    return await libPromise;
  } catch (err) {
    libPromise = undefined;
    throw err;
  }
}

function sync(action: 'read' | 'write'): Promise<void> {
  return syncFs!(action);
}

/**
 * writeIndex starts an IndexedDB sync of its own and returns before it finishes (it clears the
 * manager's "synced" flag and sets it again on completion). A write-direction sync deletes IDB
 * entries missing from memory, so one still in flight could delete a record restore() just put
 * there: wait for it before touching the scratch database.
 */
async function settled(lib: HnswlibModule): Promise<void> {
  const fsm = lib.EmscriptenFileSystemManager;
  for (let waited = 0; !fsm.isSynced(); waited += 2) {
    if (waited > 30_000) throw new Error('hnswlib-wasm: its IndexedDB file system did not finish syncing within 30 s');
    await new Promise((r) => setTimeout(r, 2));
  }
}

// The IDBFS mount is shared by every index of this realm: one file-system operation at a time.
let fsQueue: Promise<unknown> = Promise.resolve();
function exclusive<T>(fn: () => Promise<T>): Promise<T> {
  const run = fsQueue.then(fn, fn);
  fsQueue = run.catch(() => undefined);
  return run;
}

const IDB_NAME = '/hnswlib-index';
const IDB_STORE = 'FILE_DATA';
let fileCounter = 0;

function idbRequest<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function withScratchStore<T>(mode: IDBTransactionMode, fn: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  if (!runtime.hasIndexedDB) throw new Error('HNSW save/restore needs IndexedDB (in Node, load fake-indexeddb/auto first)');
  const db = await idbRequest(indexedDB.open(IDB_NAME));
  try {
    if (!db.objectStoreNames.contains(IDB_STORE)) throw new Error(`IndexedDB ${IDB_NAME} has no ${IDB_STORE} store: hnswlib-wasm's file system was not initialised`);
    const tx = db.transaction(IDB_STORE, mode);
    const result = await idbRequest(fn(tx.objectStore(IDB_STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
    });
    return result;
  } finally {
    db.close();
  }
}

/** Removes a scratch file from IndexedDB, then syncs IDB → memory FS, which drops it from memory too. */
async function dropScratch(key: string): Promise<void> {
  await withScratchStore('readwrite', (s) => s.delete(key));
  await sync('read');
}

const HEADER_WORDS = 8; // magic, version, dims, capacity, M, efConstruction, efSearch, reserved

export interface HnswOptions {
  M?: number;
  efConstruction?: number;
  /** Candidate list size at query time; default: 64, or 128 above 20k vectors (re-evaluated as the index grows). */
  efSearch?: number;
  /** Initial capacity; grows automatically (doubling) when exceeded. */
  capacity?: number;
}

/**
 * HNSW over cosine similarity. Invariants: vectors are L2-normalised (the cosine space normalises
 * again, harmlessly); labels are non-negative integers; `remove` marks a label deleted (it no longer
 * appears in results and re-adding it revives it with the new vector).
 */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw' as const;
  readonly dimensions: number;
  private readonly index: HierarchicalNSW;
  private readonly M: number;
  private readonly efConstruction: number;
  /** 0 = automatic (autoEf of the current size). */
  private efSearch: number;
  private efApplied = -1;
  private live: Set<number>;
  /** Labels marked deleted: their slots still exist in the graph. */
  private deleted: Set<number>;

  private constructor(index: HierarchicalNSW, dimensions: number, M: number, efConstruction: number, efSearch: number, live: Set<number>, deleted: Set<number>) {
    this.index = index;
    this.dimensions = dimensions;
    this.M = M;
    this.efConstruction = efConstruction;
    this.efSearch = efSearch;
    this.live = live;
    this.deleted = deleted;
  }

  static async create(dimensions: number, opts: HnswOptions = {}): Promise<HnswIndex> {
    if (!Number.isInteger(dimensions) || dimensions <= 0) throw new Error(`HnswIndex: invalid dimensions ${dimensions}`);
    const lib = await loadLib();
    const M = opts.M ?? HNSW_DEFAULTS.M;
    const efConstruction = opts.efConstruction ?? HNSW_DEFAULTS.efConstruction;
    const efSearch = opts.efSearch ?? 0;
    const capacity = Math.max(16, opts.capacity ?? 1024);
    // Exact argument counts matter: embind rejects calls with optional arguments left out.
    const index = new lib.HierarchicalNSW('cosine', dimensions, '');
    index.initIndex(capacity, M, efConstruction, 100);
    return new HnswIndex(index, dimensions, M, efConstruction, efSearch, new Set(), new Set());
  }

  /**
   * Restores an index saved by serialize(). `rows` are the vectors it was built from, row ℓ for
   * label ℓ (the saved bytes do not hold them); bytes of format 1 hold their own and need none.
   * Rejects foreign bytes, a dimension mismatch or a label without a row with a specific error.
   */
  static async restore(bytes: Uint8Array, dimensions: number, opts: { efSearch?: number; rows?: Float32Array } = {}): Promise<HnswIndex> {
    if (bytes.byteLength < HEADER_WORDS * 4) throw new Error(`HnswIndex.restore: ${bytes.byteLength} bytes is too short for an HNSW index`);
    const head = new Uint32Array(bytes.slice(0, HEADER_WORDS * 4).buffer);
    const [magic, version, d, capacity, M, efConstruction, savedEf] = head;
    if (magic !== HNSW_MAGIC) throw new Error('HnswIndex.restore: bytes are not a serialised HnswIndex');
    if (version !== 1 && version !== HNSW_FORMAT) throw new Error(`HnswIndex.restore: unsupported format version ${version}`);
    if (d !== dimensions) throw new Error(`HnswIndex.restore: index has ${d} dimensions, expected ${dimensions}`);
    let file = bytes.subarray(HEADER_WORDS * 4);
    if (version === HNSW_FORMAT) {
      if (!opts.rows) throw new Error('HnswIndex.restore: these bytes hold the graph only; pass the vectors it was built from');
      file = fillVectors(file, dimensions, opts.rows);
    }
    const lib = await loadLib();
    const name = `atlas-restore-${Date.now()}-${fileCounter++}.bin`;
    const key = `${IDB_NAME}/${name}`;
    const index = await exclusive(async () => {
      await settled(lib);
      const record = { timestamp: new Date(), mode: 0o100666, contents: file };
      await withScratchStore('readwrite', (s) => s.put(record, key));
      try {
        await sync('read');
        if (!lib.EmscriptenFileSystemManager.checkFileExists(name)) throw new Error(`HnswIndex.restore: ${key} did not reach hnswlib's file system`);
        const idx = new lib.HierarchicalNSW('cosine', dimensions, '');
        await idx.readIndex(name, capacity);
        return idx;
      } finally {
        await dropScratch(key);
      }
    });
    if (index.getNumDimensions() !== dimensions) throw new Error('HnswIndex.restore: graph dimensions do not match its header');
    const live = new Set(index.getUsedLabels());
    const deleted = new Set(index.getDeletedLabels());
    // readIndex resets ef to 10: search() sets it again before the first query (efApplied = -1).
    return new HnswIndex(index, dimensions, M, efConstruction, opts.efSearch ?? savedEf, live, deleted);
  }

  get size(): number {
    return this.live.size;
  }

  get capacity(): number {
    return this.index.getMaxElements();
  }

  add(vectors: Float32Array, labels: number[]): void {
    const d = this.dimensions;
    checkBatch(d, vectors, labels);
    // Slots of removed labels stay allocated (markDelete), so compare with the element count, not
    // `size`; and the binding checks for a free slot even when addPoint only updates an existing
    // label, so every label of the batch needs headroom.
    const needed = this.index.getCurrentCount() + labels.length;
    const max = this.index.getMaxElements();
    if (needed > max) this.index.resizeIndex(Math.max(needed, max * 2));
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      // This build enables replace-deleted, so addPoint refuses a deleted label: revive it first, then update.
      if (this.deleted.has(label)) {
        this.index.unmarkDelete(label);
        this.deleted.delete(label);
      }
      this.index.addPoint(vectors.subarray(i * d, (i + 1) * d), label, false);
      this.live.add(label);
    }
  }

  remove(label: number): void {
    if (!this.live.has(label)) return;
    this.index.markDelete(label);
    this.live.delete(label);
    this.deleted.add(label);
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): Neighbor[] {
    checkQuery(this.dimensions, query);
    const kk = Math.min(k, this.live.size);
    if (kk <= 0) return [];
    const ef = this.efSearch || autoEf(this.live.size);
    if (ef !== this.efApplied) {
      this.index.setEfSearch(ef);
      this.efApplied = ef;
    }
    // hnswlib searches with max(ef, k) candidates.
    const res = this.index.searchKnn(query, kk, filter ? (label: number) => filter(label) : undefined);
    const out = res.neighbors.map((label, i) => ({ label, score: 1 - res.distances[i] }));
    return out.sort((a, b) => b.score - a.score);
  }

  /** Fixes ef (0 = automatic by size). */
  setEfSearch(ef: number): void {
    if (!Number.isInteger(ef) || ef < 0) throw new Error(`setEfSearch: invalid ef ${ef}`);
    this.efSearch = ef;
  }

  /**
   * Bytes: an 8-word header (format, dims, capacity, M, efConstruction, efSearch) + hnswlib's own
   * file without the vectors (≈ 9% of it at 384 dimensions): restore() needs them back.
   */
  async serialize(): Promise<Uint8Array> {
    const name = `atlas-save-${Date.now()}-${fileCounter++}.bin`;
    const key = `${IDB_NAME}/${name}`;
    const lib = await loadLib();
    const raw = await exclusive(async () => {
      try {
        await settled(lib);
        await this.index.writeIndex(name);
        // writeIndex starts its own sync without awaiting it: wait for that, then sync once more.
        await settled(lib);
        await sync('write');
        const rec = await withScratchStore<{ contents?: ArrayBufferView } | undefined>('readonly', (s) => s.get(key));
        if (!rec?.contents) throw new Error(`HnswIndex.serialize: hnswlib wrote no data for ${key}`);
        const c = rec.contents; // sometimes an Int8Array: view the same bytes as unsigned
        return new Uint8Array(c.buffer, c.byteOffset, c.byteLength).slice();
      } finally {
        await dropScratch(key);
      }
    });
    const graph = stripVectors(raw, this.dimensions);
    const out = new Uint8Array(HEADER_WORDS * 4 + graph.byteLength);
    new Uint32Array(out.buffer, 0, HEADER_WORDS).set([HNSW_MAGIC, HNSW_FORMAT, this.dimensions, this.index.getMaxElements(), this.M, this.efConstruction, this.efSearch, 0]);
    out.set(graph, HEADER_WORDS * 4);
    return out;
  }
}
