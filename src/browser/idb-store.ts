/**
 * IndexedDB implementation of `Store` (browser / worker only), through `idb`.
 *
 * Layout (schema version SCHEMA_VERSION):
 *   papers   keyPath 'id'                         Paper records (seed + user imports)
 *   vectors  keyPath ['modelKey','paperId']       { modelKey: vector identity key, paperId, textHash, half: Uint16Array }
 *            index 'byModel' on 'modelKey'        (f16 bits: vectors/quantize.ts STORED_CODEC; records
 *                                                  of earlier builds hold `vector: Float32Array`)
 *   blobs    out-of-line key                      Uint8Array (serialised HNSW graphs)
 *   meta     out-of-line key                      small JSON-like values (schema, corpus hash, model)
 *   packs    out-of-line key                      ['p', seq] → PaperPack, ['v', vector key, seq] → VectorPack
 *                                                  (idb-packs.ts: thousands of papers / vectors a record)
 *
 * `papers` and `vectors` are the journal: every write lands there, one record a paper, as before.
 * Once a journal holds FOLD_MIN records (or the packs hold many overridden copies) a fold moves it
 * into new packs in ONE transaction, a few seconds after the writes (never on an import's hot path):
 * a reload then reads a few dozen pack records instead of 100k small ones. Reads combine packs
 * (sequence order) and journal, the journal winning; deletes rewrite the packs that hold an id.
 *
 * Invariants: vectors are stored as typed arrays (structured clone), never as JSON arrays, and read
 * back in stored form (`toStoredForm`): the engine indexes exactly what a reload gives back. A
 * Float32Array record written by an earlier build is read (in stored form) and rewritten compact
 * in the background, a slice at a time; the layout change needs no schema bump, since an earlier
 * build that meets a compact record skips it and re-embeds that paper (nothing user-made is lost). A schema
 * upgrade never drops the `papers` store (user imports live there), it only rebuilds derived data
 * (vectors, blobs) which can be recomputed.
 *
 * Failure modes: `openIdbStore` throws `StorageOpenError` when the database cannot be opened at all
 * (blocked by another tab on an older version, IndexedDB disabled). A database written by a NEWER
 * version (a rolled-back deploy) is never deleted nor upgraded: `openIdbStore` throws reason 'newer',
 * and `openAppStore` (what the engine uses) reads it once without a version (no upgrade) and hands
 * its papers over in a MemoryStore, `readOnly` saying so (issue 14 #5).
 * A database at our version that is unusable (missing stores) is deleted and recreated and
 * `recovered` says so. Writes that exceed the quota reject with an Error whose name is
 * 'QuotaExceededError'. A connection the browser closes under us (site data cleared, eviction,
 * another tab deleting or upgrading the database) sets `lost` and calls `onClosed`; requests of a
 * transaction that then aborts never surface as unhandled rejections (only `tx.done` reports).
 */
import { openDB, deleteDB, type DBSchema, type IDBPDatabase, type IDBPObjectStore, type IDBPTransaction, type StoreNames } from 'idb';
import { MemoryStore, type Store, type StoredVector } from '../core/store/store.ts';
import { paperTextHash, rememberTextHash } from '../core/library/text-hash.ts';
import { isReadablePaper } from '../core/library/authors.ts';
import {
  chunks,
  isPaperPack,
  isVectorPack,
  packHalves,
  PAPER_PACK_SIZE,
  paperPack,
  paperPackWithout,
  sortedById,
  unionPapers,
  unpackVectors,
  VECTOR_PACK_SIZE,
  vectorPackWithout,
  type HalfRow,
  type PaperPack,
  type VectorPack,
} from './idb-packs.ts';
import { decodeF16, encodeF16, isStorable, toStoredForm } from '../core/vectors/quantize.ts';
import type { Paper } from '../core/types.ts';
import { MODELS } from '../core/model/registry.ts';
import { transformerIdentity, vectorKey, type VectorKey } from '../core/vectors/identity.ts';
import { counted } from '../core/util/count.ts';

export const DB_NAME = 'abstract-atlas';
/**
 * v1: papers + meta only (the first prototype kept vectors in memory).
 * v2: adds vectors (compound key) and blobs.
 * v3: vectors are filed under their full vector identity key (vectors/identity.ts) instead of
 *     `${modelId}@${sha256}`; v2 keys are rewritten (they were all q8 under text format 1), graphs dropped.
 * v4: adds `packs`. Nothing is moved by the upgrade: the journal folds into packs at its own pace.
 *     A v3 build meeting a v4 database opens it read-only (reason 'newer') and sees only the
 *     papers still in the journal: it never writes, so nothing packed is lost.
 */
export const SCHEMA_VERSION = 4;

/** A v2 key: `${modelId}@${sha256 of the q8 ONNX file}`. */
const LEGACY_KEY = /^(.+)@([0-9a-f]{64})$/;

/**
 * The v3 key of a v2 vector key, or undefined when it names no model of this registry. Every v2
 * vector was made from the q8 file under text format 1 (the first version knew nothing else), which
 * is exactly `transformerIdentity(spec, 'q8')` while VECTOR_FORMAT is 1.
 */
export function migrateLegacyKey(key: string): VectorKey | undefined {
  const m = LEGACY_KEY.exec(key);
  if (!m) return undefined;
  const spec = MODELS.find((x) => x.id === m[1]);
  const q8 = spec?.onnx.q8;
  if (!spec || !q8 || q8.sha256 !== m[2]) return undefined;
  const id = transformerIdentity(spec, 'q8');
  return id.textFormat === 1 ? vectorKey(id) : undefined;
}

/** Rewrites v2 vector keys in place (inside the versionchange transaction); unknown ones are dropped. */
async function migrateVectorKeys(tx: IDBPTransaction<AtlasDB, StoreNames<AtlasDB>[], 'versionchange'>): Promise<void> {
  const store = tx.objectStore('vectors');
  const all = await store.getAll();
  await store.clear();
  for (const r of all) {
    const key = migrateLegacyKey(r.modelKey);
    if (key) await store.put({ ...r, modelKey: key });
  }
  // Graphs were keyed by the old key too; they are rebuilt from the vectors on first use.
  await tx.objectStore('blobs').clear();
}

/** A vector record: compact (f16 bits), or a Float32Array one written before compact storage. */
interface VectorRecord {
  modelKey: string;
  paperId: string;
  textHash: string;
  half?: Uint16Array;
  vector?: Float32Array;
}

/** The journal kind of the papers (vector journals are named by their vector key). */
const PAPERS = 'papers';

/** The packs store inside any read-write transaction that includes it. */
type PackStore = IDBPObjectStore<AtlasDB, StoreNames<AtlasDB>[], 'packs', 'readwrite'>;

/** Legacy records rewritten per transaction while compacting (small transactions: queries stay quick). */
const COMPACT_SLICE = 2000;

/** A record's vector in stored form, or undefined when the record is damaged (it is then skipped). */
export function recordVector(r: VectorRecord | undefined): Float32Array | undefined {
  if (!r || typeof r.paperId !== 'string') return undefined;
  if (r.half instanceof Uint16Array) return decodeF16(r.half);
  // A damaged f32 record (non-finite values) is handed over as it is: the engine counts it as
  // damaged, says so and re-embeds the paper (space-indexer.ts loadStored).
  if (r.vector instanceof Float32Array) return isStorable(r.vector) ? toStoredForm(r.vector) : r.vector;
  return undefined;
}

function compactRecord(modelKey: string, v: StoredVector): VectorRecord {
  return { modelKey, paperId: v.paperId, textHash: v.textHash, half: encodeF16(v.vector) };
}

type PackKey = ['p', number] | ['v', string, number];

interface AtlasDB extends DBSchema {
  papers: { key: string; value: Paper };
  vectors: { key: [string, string]; value: VectorRecord; indexes: { byModel: string } };
  blobs: { key: string; value: Uint8Array };
  meta: { key: string; value: unknown };
  packs: { key: PackKey; value: PaperPack | VectorPack };
}

const REQUIRED_STORES = ['papers', 'vectors', 'blobs', 'meta', 'packs'] as const;

/** Keys of the paper packs / of one vector identity's packs (an array sorts after every number). */
const paperPackRange = () => IDBKeyRange.bound(['p'], ['p', []]);
const vectorPackRange = (key: string) => IDBKeyRange.bound(['v', key], ['v', key, []]);
/** The journal records of one vector identity (primary keys [key, paperId]). */
const vectorJournalRange = (key: string) => IDBKeyRange.bound([key], [key, []]);

/** When packs are folded; tests shrink these. */
export interface PackPolicy {
  /** Journal records (papers, or one identity's vectors) that make a fold worth it. */
  foldMin: number;
  /** Quiet time after the write that crossed foldMin before the fold runs. */
  delayMs: number;
}

export const PACK_POLICY: PackPolicy = { foldMin: 1000, delayMs: 5000 };

export class StorageOpenError extends Error {
  constructor(message: string, readonly reason: 'blocked' | 'unavailable' | 'corrupt' | 'newer') {
    super(message);
    this.name = 'StorageOpenError';
  }
}

/**
 * Migrates a database from `oldVersion` to SCHEMA_VERSION inside the versionchange transaction.
 * Exported for tests. Each step is additive for `papers`/`meta`; derived stores are (re)created.
 */
export function upgradeSchema(
  db: IDBPDatabase<AtlasDB>,
  oldVersion: number,
  tx: IDBPTransaction<AtlasDB, StoreNames<AtlasDB>[], 'versionchange'>,
): void {
  const names = db.objectStoreNames;
  if (oldVersion < 1 || !names.contains('papers')) {
    if (!names.contains('papers')) db.createObjectStore('papers', { keyPath: 'id' });
  }
  if (!names.contains('meta')) db.createObjectStore('meta');
  if (oldVersion < 2) {
    // Any pre-v2 vector store had another key layout: vectors are derived data, so drop and recreate.
    if (names.contains('vectors')) db.deleteObjectStore('vectors');
    const v = db.createObjectStore('vectors', { keyPath: ['modelKey', 'paperId'] });
    v.createIndex('byModel', 'modelKey');
    if (!names.contains('blobs')) db.createObjectStore('blobs');
  } else if (oldVersion < 3) {
    quiet(migrateVectorKeys(tx));
  }
  if (!names.contains('packs')) db.createObjectStore('packs');
  quiet(tx.objectStore('meta').put(SCHEMA_VERSION, 'schemaVersion'));
}

/**
 * A request promise whose failure is reported by its transaction (`tx.done`): without a handler each
 * one becomes an unhandled rejection when the transaction aborts (16 AbortErrors in the hostile tour).
 */
function quiet(p: Promise<unknown>): void {
  p.catch(() => {});
}

function isUsable(db: IDBPDatabase<AtlasDB>): boolean {
  return REQUIRED_STORES.every((s) => db.objectStoreNames.contains(s));
}

async function openOnce(name: string, onVersionChange: () => void): Promise<IDBPDatabase<AtlasDB>> {
  let rejectBlocked: (e: Error) => void = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const blockedGiveUp = new Promise<never>((_, rej) => (rejectBlocked = rej));
  const p = openDB<AtlasDB>(name, SCHEMA_VERSION, {
    upgrade(db, oldVersion, _newVersion, tx) {
      upgradeSchema(db, oldVersion, tx);
    },
    blocked() {
      // Another tab keeps an older version open and did not close it: give it a moment, then stop
      // waiting (the caller falls back to memory and says why) instead of stalling silently.
      timer ??= setTimeout(
        () => rejectBlocked(new StorageOpenError('The database is blocked by another open tab of this app; close it and reload.', 'blocked')),
        4000,
      );
    },
    terminated() {
      onVersionChange();
    },
  });
  try {
    const db = await Promise.race([p, blockedGiveUp]);
    db.addEventListener('versionchange', () => {
      // Another tab wants to upgrade or delete: let it, and tell the owner we are gone.
      db.close();
      onVersionChange();
    });
    return db;
  } finally {
    if (timer) clearTimeout(timer);
  }
}

export interface OpenedIdbStore {
  store: IdbStore;
  /** Set when an unusable database was deleted and recreated. */
  recovered?: string;
}

/** What the engine opens: the database, or (newer version) a MemoryStore with what could be read. */
export interface OpenedAppStore {
  store: IdbStore | MemoryStore;
  recovered?: string;
  /** Set when the database belongs to a newer version: it was only read, this session runs in memory. */
  readOnly?: string;
}

/**
 * The engine's storage: `openIdbStore`, except that a database of a newer version is read into
 * memory (see readNewerDatabase) instead of failing.
 */
export async function openAppStore(name = DB_NAME, onClosed: () => void = () => {}): Promise<OpenedAppStore> {
  try {
    return await openIdbStore(name, onClosed);
  } catch (e) {
    if (!(e instanceof StorageOpenError && e.reason === 'newer')) throw e;
    try {
      return await readNewerDatabase(name);
    } catch (e2) {
      throw new StorageOpenError(`The stored library belongs to a newer version of Abstract Atlas and could not be read (${(e2 as Error).message}); it was left untouched.`, 'unavailable');
    }
  }
}

/**
 * Reads a database a newer version of the app wrote, without upgrading or changing it: opening
 * without a version number opens it at its own version. Its papers (the user's data; vectors and
 * graphs are derived) go into a MemoryStore so the tab can search and export them.
 */
async function readNewerDatabase(name: string): Promise<OpenedAppStore> {
  const db = await openDB(name);
  let papers: Paper[] = [];
  const version = db.version;
  try {
    if (db.objectStoreNames.contains('papers')) papers = (await db.getAll('papers' as never)) as Paper[];
    // A later layout that still keeps v4's paper packs: read them too (journal copies win).
    if (db.objectStoreNames.contains('packs')) {
      const packs = await db.getAll('packs' as never, paperPackRange() as never);
      papers = [...unionPapers(packs, papers, () => {}).live.values()];
    }
  } catch {
    papers = [];
  } finally {
    db.close();
  }
  const mem = new MemoryStore();
  // Only records with an id: anything else in a future layout is not ours to interpret.
  const readable = papers.filter((p) => p && typeof p === 'object' && typeof p.id === 'string');
  await mem.putPapers(readable);
  const user = readable.filter((p) => p.collection !== undefined && p.collection !== 'seed').length;
  return {
    store: mem,
    readOnly:
      `This library was saved by a newer version of Abstract Atlas (database version ${version}; this version reads up to ${SCHEMA_VERSION}). ` +
      `It was left untouched: its ${counted(user, 'paper')} ${user === 1 ? 'is' : 'are'} shown here, in memory, and nothing changed in this tab is kept. ` +
      'Export a collection to keep a copy, or open the newer version of the app again.',
  };
}

/** Opens (creating or migrating) the app database. See the module comment for failure modes. */
export async function openIdbStore(name = DB_NAME, onClosed: () => void = () => {}, policy: PackPolicy = PACK_POLICY): Promise<OpenedIdbStore> {
  if (typeof indexedDB === 'undefined') throw new StorageOpenError('IndexedDB is not available here.', 'unavailable');
  let recovered: string | undefined;
  let db: IDBPDatabase<AtlasDB>;
  try {
    db = await openOnce(name, onClosed);
    if (!isUsable(db)) {
      db.close();
      throw new StorageOpenError('The stored database is missing parts.', 'corrupt');
    }
  } catch (e) {
    const err = e as Error;
    if (err instanceof StorageOpenError && (err.reason === 'blocked' || err.reason === 'newer')) throw err;
    // A newer build's database: never delete user papers (issue 14 #5); openAppStore reads it.
    if (err?.name === 'VersionError') throw new StorageOpenError(`The stored library belongs to a newer version of Abstract Atlas (${err.message}).`, 'newer');
    // A broken layout at our own version: start over.
    recovered = `The stored database could not be read (${err.name}: ${err.message}); it was deleted and rebuilt.`;
    try {
      await deleteDB(name);
      db = await openOnce(name, onClosed);
    } catch (e2) {
      throw new StorageOpenError(`IndexedDB could not be opened: ${(e2 as Error).message}`, 'unavailable');
    }
    if (!isUsable(db)) throw new StorageOpenError('IndexedDB could not be initialised.', 'corrupt');
  }
  return { store: new IdbStore(db, policy), recovered };
}

/** Normalises quota errors so callers can branch on `name === 'QuotaExceededError'`. */
function rethrow(e: unknown): never {
  const err = e as DOMException | Error;
  if (err && (err.name === 'QuotaExceededError' || /quota/i.test(err.message ?? ''))) {
    const q = new Error('Browser storage is full (quota exceeded).');
    q.name = 'QuotaExceededError';
    throw q;
  }
  throw err;
}

export class IdbStore implements Store {
  /** The browser closed the connection (site data cleared, eviction, another tab deleting it). */
  lost = false;

  constructor(
    readonly db: IDBPDatabase<AtlasDB>,
    private readonly policy: PackPolicy = PACK_POLICY,
  ) {
    // 'close' fires only when the browser closes the connection, never for our own close().
    db.addEventListener('close', () => (this.lost = true));
    db.addEventListener('versionchange', () => (this.lost = true));
  }

  // ------------------------------------------------------------------ papers

  async getPapers(): Promise<Paper[]> {
    const tx = this.db.transaction(['papers', 'packs']);
    const [packs, journal] = await Promise.all([tx.objectStore('packs').getAll(paperPackRange()), tx.objectStore('papers').getAll()]);
    const { live, stale } = unionPapers(packs, journal, rememberTextHash);
    this.journal.set(PAPERS, journal.length);
    this.stale.set(PAPERS, { stale, live: live.size });
    this.considerFold(PAPERS);
    // Records without a string id are handed over too: Library.load reports them as unreadable.
    const odd = journal.filter((p) => typeof (p as { id?: unknown })?.id !== 'string');
    return odd.length ? [...sortedById(live.values()), ...odd] : sortedById(live.values());
  }

  async putPapers(papers: Paper[]): Promise<void> {
    try {
      const tx = this.db.transaction('papers', 'readwrite');
      for (const p of papers) quiet(tx.store.put(p));
      await tx.done;
    } catch (e) {
      rethrow(e);
    }
    // The objects written, so a fold takes their hashes (known to the session) instead of hashing again.
    for (const p of papers) this.written.set(p.id, p);
    this.grew(PAPERS, papers.length);
  }

  async deletePapers(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const gone = new Set(ids);
    const tx = this.db.transaction(['papers', 'packs'], 'readwrite');
    for (const id of ids) quiet(tx.objectStore('papers').delete(id));
    await this.rewritePacks(tx.objectStore('packs'), paperPackRange(), (pack) => (isPaperPack(pack) ? paperPackWithout(pack, gone) : 'unchanged'));
    await tx.done;
    for (const id of ids) this.written.delete(id);
  }

  // ------------------------------------------------------------------ vectors

  async getVectors(key: VectorKey): Promise<Map<string, StoredVector>> {
    const tx = this.db.transaction(['vectors', 'packs']);
    const [packs, rows] = await Promise.all([tx.objectStore('packs').getAll(vectorPackRange(key)), tx.objectStore('vectors').index('byModel').getAll(key)]);
    const { live: out, stale: packStale } = unpackVectors(packs);
    let stale = packStale;
    const legacy: StoredVector[] = [];
    let foldable = 0;
    for (const r of rows) {
      // A record written by a broken build or edited by hand is skipped, not trusted.
      const vector = recordVector(r);
      if (!vector) continue;
      const v = { paperId: r.paperId, textHash: r.textHash, vector };
      if (out.has(r.paperId)) stale++;
      out.set(r.paperId, v);
      if (!isStorable(vector)) continue;
      foldable++;
      if (!r.half) legacy.push(v);
    }
    if (legacy.length) void this.compact(key, legacy);
    this.journal.set(key, foldable);
    this.stale.set(key, { stale, live: out.size });
    this.considerFold(key);
    return out;
  }

  /**
   * Rewrites Float32Array records of an earlier build in the compact layout, a slice per
   * transaction. Best effort: a failure (quota, a closed connection) leaves the f32 records, which
   * stay readable; a record changed meanwhile (a newer vector for the paper) is not overwritten.
   */
  private async compact(key: VectorKey, rows: StoredVector[]): Promise<void> {
    for (let i = 0; i < rows.length && !this.lost; i += COMPACT_SLICE) {
      try {
        const tx = this.db.transaction('vectors', 'readwrite');
        for (const v of rows.slice(i, i + COMPACT_SLICE)) {
          quiet(
            tx.store.get([key, v.paperId]).then((cur) => {
              if (cur && !cur.half && cur.textHash === v.textHash) return tx.store.put(compactRecord(key, v));
            }),
          );
        }
        await tx.done;
      } catch {
        return;
      }
    }
    this.compacted += rows.length;
  }

  /** Legacy f32 records rewritten compact in this session (tests and diagnostics). */
  compacted = 0;

  async putVectors(key: VectorKey, vectors: StoredVector[]): Promise<void> {
    try {
      const tx = this.db.transaction('vectors', 'readwrite');
      for (const v of vectors) quiet(tx.store.put(compactRecord(key, v)));
      await tx.done;
    } catch (e) {
      rethrow(e);
    }
    this.grew(key, vectors.length);
  }

  async deleteVectors(key: VectorKey, paperIds: string[]): Promise<void> {
    if (!paperIds.length) return;
    const gone = new Set(paperIds);
    const tx = this.db.transaction(['vectors', 'packs'], 'readwrite');
    for (const id of paperIds) quiet(tx.objectStore('vectors').delete([key, id]));
    await this.rewritePacks(tx.objectStore('packs'), vectorPackRange(key), (pack) => (isVectorPack(pack) ? vectorPackWithout(pack, gone) : 'unchanged'));
    await tx.done;
  }

  // ------------------------------------------------------------------ folding the journal into packs

  /** Journal records per kind (PAPERS, or a vector key) as last read, plus writes since. */
  private readonly journal = new Map<string, number>();
  /** Overridden copies in the packs as last read (a repack gives their space back). */
  private readonly stale = new Map<string, { stale: number; live: number }>();
  /** Paper objects written by this session and not yet folded, by id (their hashes are memoised). */
  private readonly written = new Map<string, Paper>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Folds run one after another: two never race for the same sequence numbers. */
  private folding: Promise<void> = Promise.resolve();
  /** Folds done (tests, diagnostics). */
  folds = 0;

  private grew(kind: string, n: number): void {
    this.journal.set(kind, (this.journal.get(kind) ?? 0) + n);
    this.considerFold(kind);
  }

  private needsRepack(kind: string): boolean {
    const s = this.stale.get(kind);
    return !!s && s.stale >= Math.max(this.policy.foldMin, s.live / 4);
  }

  private considerFold(kind: string): void {
    if (this.lost || this.timers.has(kind)) return;
    if ((this.journal.get(kind) ?? 0) < this.policy.foldMin && !this.needsRepack(kind)) return;
    this.timers.set(
      kind,
      setTimeout(() => {
        this.timers.delete(kind);
        void this.enqueueFold(kind);
      }, this.policy.delayMs),
    );
  }

  private enqueueFold(kind: string): Promise<void> {
    const repack = this.needsRepack(kind);
    const run = this.folding.then(() => (kind === PAPERS ? this.foldPapers(repack) : this.foldVectors(kind, repack)));
    // A failed fold leaves everything as it was (one transaction): log it, and let the next write retry.
    this.folding = run.catch((e) => console.warn('storage pack not written:', (e as Error)?.message ?? e));
    return this.folding;
  }

  /**
   * Folds every journal now, whatever its size, after any pending fold (tests and diagnostics).
   * `repack` also rewrites the existing packs without their overridden copies.
   */
  async flushPacks(repack = false): Promise<void> {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    const keys = new Set((await this.db.getAllKeys('vectors')).map((k) => k[0]));
    await (this.folding = this.folding.then(() => this.foldPapers(repack)));
    for (const key of keys) await (this.folding = this.folding.then(() => this.foldVectors(key, repack)));
  }

  /** The first sequence number after the packs in `range` (0 when there are none). */
  private async nextSeq(packs: PackStore, range: IDBKeyRange): Promise<number> {
    const last = await packs.openKeyCursor(range, 'prev');
    const seq = last ? (last.key as PackKey).at(-1) : undefined;
    return typeof seq === 'number' ? seq + 1 : 0;
  }

  /**
   * Moves the paper journal into new packs (one transaction: all of it or, on any failure, none).
   * `repack`: the existing packs are read too and written anew without overridden copies.
   */
  private async foldPapers(repack: boolean): Promise<void> {
    if (this.lost) return;
    const tx = this.db.transaction(['papers', 'packs'], 'readwrite');
    const journal = tx.objectStore('papers');
    const packs = tx.objectStore('packs');
    const rows: Paper[] = [];
    // Sliced reads: each slice is its own task in the worker, so questions are answered in between.
    for (let from: IDBKeyRange | undefined; ; ) {
      const slice = await journal.getAll(from, PAPER_PACK_SIZE);
      rows.push(...slice);
      if (slice.length < PAPER_PACK_SIZE) break;
      from = IDBKeyRange.lowerBound(slice[slice.length - 1]!.id, true);
    }
    // Only well-formed papers fold; anything else stays in the journal for Library.load to report.
    const good = rows.filter(isReadablePaper);
    let papers = good;
    let seq: number;
    if (repack) {
      const old = await packs.getAll(paperPackRange());
      papers = [...unionPapers(old, good, () => {}).live.values()];
      await packs.delete(paperPackRange());
      seq = 0;
    } else {
      if (!good.length) return void (await tx.done);
      seq = await this.nextSeq(packs, paperPackRange());
    }
    const hashOf = (p: Paper) => {
      const mine = this.written.get(p.id);
      return mine && mine.title === p.title && mine.abstract === p.abstract ? paperTextHash(mine) : paperTextHash(p);
    };
    for (const part of chunks(sortedById(papers), PAPER_PACK_SIZE)) quiet(packs.put(paperPack(part, hashOf), ['p', seq++]));
    if (good.length === rows.length) quiet(journal.clear());
    else for (const p of good) quiet(journal.delete(p.id));
    await tx.done;
    this.folds++;
    for (const p of good) if (this.written.get(p.id)?.abstract === p.abstract) this.written.delete(p.id);
    this.journal.set(PAPERS, rows.length - good.length);
    if (repack) this.stale.set(PAPERS, { stale: 0, live: papers.length });
  }

  /** The same for one vector identity's journal (records that are not storable stay there). */
  private async foldVectors(key: string, repack: boolean): Promise<void> {
    if (this.lost) return;
    const tx = this.db.transaction(['vectors', 'packs'], 'readwrite');
    const journal = tx.objectStore('vectors');
    const packs = tx.objectStore('packs');
    const rows: VectorRecord[] = [];
    const upper = [key, []] as unknown as [string, string];
    for (let from = vectorJournalRange(key); ; ) {
      const slice = await journal.getAll(from, VECTOR_PACK_SIZE);
      rows.push(...slice);
      if (slice.length < VECTOR_PACK_SIZE) break;
      from = IDBKeyRange.bound([key, slice[slice.length - 1]!.paperId], upper, true);
    }
    const good: HalfRow[] = [];
    for (const r of rows) {
      if (typeof r?.paperId !== 'string' || typeof r.textHash !== 'string') continue;
      if (r.half instanceof Uint16Array) good.push({ paperId: r.paperId, textHash: r.textHash, half: r.half });
      else if (r.vector instanceof Float32Array && isStorable(r.vector)) good.push({ paperId: r.paperId, textHash: r.textHash, half: encodeF16(r.vector) });
    }
    let all = good;
    let seq: number;
    if (repack) {
      const old = unpackVectors(await packs.getAll(vectorPackRange(key))).live;
      for (const g of good) old.delete(g.paperId);
      all = [...[...old.values()].map((v) => ({ paperId: v.paperId, textHash: v.textHash, half: encodeF16(v.vector) })), ...good];
      await packs.delete(vectorPackRange(key));
      seq = 0;
    } else {
      if (!good.length) return void (await tx.done);
      seq = await this.nextSeq(packs, vectorPackRange(key));
    }
    for (const pack of packHalves(all)) quiet(packs.put(pack, ['v', key, seq++]));
    if (good.length === rows.length) quiet(journal.delete(vectorJournalRange(key)));
    else for (const g of good) quiet(journal.delete([key, g.paperId]));
    await tx.done;
    this.folds++;
    this.journal.set(key, 0);
    if (repack) this.stale.set(key, { stale: 0, live: all.length });
  }

  /** Rewrites (or deletes) each pack in `range` that `change` alters; inside the caller's transaction. */
  private async rewritePacks(packs: PackStore, range: IDBKeyRange, change: (pack: unknown) => PaperPack | VectorPack | null | 'unchanged'): Promise<void> {
    const [keys, values] = await Promise.all([packs.getAllKeys(range), packs.getAll(range)]);
    keys.forEach((k, i) => {
      const next = change(values[i]);
      if (next === 'unchanged') return;
      quiet(next ? packs.put(next, k) : packs.delete(k));
    });
  }

  async getBlob(name: string): Promise<Uint8Array | undefined> {
    const v = await this.db.get('blobs', name);
    if (v === undefined) return undefined;
    // hnswlib's own FS sometimes hands back Int8Array views: normalise to Uint8Array.
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return undefined;
  }

  async putBlob(name: string, bytes: Uint8Array): Promise<void> {
    try {
      await this.db.put('blobs', bytes, name);
    } catch (e) {
      rethrow(e);
    }
  }

  async deleteBlob(name: string): Promise<void> {
    await this.db.delete('blobs', name);
  }

  async getMeta<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.db.get('meta', key)) as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    try {
      await this.db.put('meta', value, key);
    } catch (e) {
      rethrow(e);
    }
  }

  async clear(): Promise<void> {
    this.cancelFolds();
    const tx = this.db.transaction(['papers', 'vectors', 'blobs', 'meta', 'packs'], 'readwrite');
    await Promise.all([
      tx.objectStore('papers').clear(),
      tx.objectStore('vectors').clear(),
      tx.objectStore('blobs').clear(),
      tx.objectStore('meta').clear(),
      tx.objectStore('packs').clear(),
    ]);
    await tx.done;
    this.journal.clear();
    this.stale.clear();
    this.written.clear();
  }

  private cancelFolds(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  close(): void {
    this.cancelFolds();
    this.db.close();
  }
}
