/**
 * Issue 14, storage holes of the hostile tour (items 3, 4, 5), on fake-indexeddb through the real
 * IdbStore and EngineSession. Each case is a generator of one bad storage situation and asserts the
 * reply / status / notice the user sees and the paper counts after a reopen (a "reload"):
 * - #4 a quota error on the papers store while an import is committed;
 * - #3 storage lost mid-session: the database deleted under the tab (what "clear site data" and
 *   eviction do: the connection is closed), or closed without any event;
 * - #5 a database written by a newer version (a rolled-back deploy).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { EngineSession, type SessionDeps } from '../../src/core/engine/session.ts';
import { openAppStore, SCHEMA_VERSION, type IdbStore } from '../../src/browser/idb-store.ts';
import type { EmbeddingModel, Paper } from '../../src/core/types.ts';
import { paperId } from '../../src/core/library/ids.ts';
import { getModel } from '../../src/core/model/registry.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';

const DIMS = 384;
function fakeModel(): EmbeddingModel {
  const vec = (t: string) => {
    const v = new Float32Array(DIMS);
    for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) v[[...w].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 0) % DIMS] += 1;
    const n = Math.hypot(...v) || 1;
    return v.map((x) => x / n);
  };
  return {
    modelId: 'Xenova/all-MiniLM-L6-v2',
    identity: transformerIdentity(getModel('Xenova/all-MiniLM-L6-v2'), 'q8'),
    dimensions: DIMS,
    device: 'wasm',
    async embedDocuments(texts) {
      const out = new Float32Array(texts.length * DIMS);
      texts.forEach((t, i) => out.set(vec(t), i * DIMS));
      return { vectors: out, dimensions: DIMS };
    },
    embedQuery: async (t) => vec(t),
    async dispose() {},
  };
}

const SEED = Array.from({ length: 10 }, (_, i) => `Seed paper ${i} on topic ${i}\nAn abstract about seeds and topic number ${i} with enough words.`).join('\n');
const SEED_COUNT = 10;

const userPapers = (n: number, tag = 'u'): Paper[] =>
  Array.from({ length: n }, (_, i) => {
    const title = `User paper ${tag} ${i} about beekeeping`;
    return { id: paperId({ title }), title, abstract: `Pollination study ${tag} ${i}.` };
  });

let seq = 0;
const dbName = () => `hardening-${Date.now()}-${++seq}`;

interface Opened {
  session: EngineSession;
  store?: IdbStore;
}

/** A session over the IndexedDB `name`, wired like the worker (a closed connection → storageLost). */
async function openSession(name: string, extra: Partial<SessionDeps> = {}): Promise<Opened> {
  const out: Opened = {} as Opened;
  const deps: SessionDeps = {
    openStore: async () => {
      const r = await openAppStore(name, () => out.session.storageLost());
      out.store = r.store as IdbStore;
      return r;
    },
    loadModel: async () => fakeModel(),
    seedText: () => SEED,
    emit: () => {},
    ...extra,
  };
  out.session = new EngineSession(deps);
  await out.session.init({ autoIndex: false });
  return out;
}

async function commit(s: EngineSession, papers: Paper[], collection = 'bees') {
  const prev = s.stagePreview({ format: 'json', fileName: 'x.json', papers, issues: [], duplicates: [] });
  return s.commitImport(prev.token, collection, papers.map((p) => p.id));
}

/** Papers after a reload: a fresh session on the same database. */
async function papersAfterReopen(name: string): Promise<{ total: number; user: number }> {
  const { session, store } = await openSession(name);
  const list = session.getPapers();
  await session.idle();
  store?.close();
  return { total: list.length, user: list.filter((p) => p.collection && p.collection !== 'seed').length };
}

const patched: (() => void)[] = [];
afterEach(() => {
  while (patched.length) patched.pop()!();
});

/** Makes every put into the object store `storeName` throw the platform's quota error. */
function quotaOn(storeName: string) {
  const proto = (globalThis as unknown as { IDBObjectStore: { prototype: { put: (...a: unknown[]) => unknown; name: string } } }).IDBObjectStore.prototype;
  const put = proto.put;
  proto.put = function (this: { name: string }, ...a: unknown[]) {
    if (this.name === storeName) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    return put.apply(this, a);
  };
  patched.push(() => (proto.put = put));
}

describe('#4 a failed papers write is reported, not claimed as success', () => {
  it('quota error on the papers store: the reply says not saved, a notice names the papers, nothing after reopen', async () => {
    const name = dbName();
    const { session, store } = await openSession(name);
    quotaOn('papers');
    const r = await commit(session, userPapers(5));
    expect(r).toMatchObject({ added: 5, saved: false });
    expect(r.note).toMatch(/^The 5 papers could not be saved in this browser \(storage is full\): they are searchable in this tab only and will be gone after a reload\./);
    const notices = session.status().notices.map((n) => n.message);
    expect(notices.some((m) => /5 imported papers could not be saved/.test(m))).toBe(true);
    // The papers are usable for this visit.
    expect(session.getPapers()).toHaveLength(SEED_COUNT + 5);
    await session.idle();
    store!.close();
    patched.pop()!();
    expect(await papersAfterReopen(name)).toEqual({ total: SEED_COUNT, user: 0 });
  });

  it('a successful write says saved (control)', async () => {
    const name = dbName();
    const { session, store } = await openSession(name);
    const r = await commit(session, userPapers(3));
    expect(r).toMatchObject({ added: 3, saved: true });
    expect(r.note).toBeUndefined();
    await session.idle();
    store!.close();
    expect(await papersAfterReopen(name)).toEqual({ total: SEED_COUNT + 3, user: 3 });
  });
});

describe('#3 storage lost mid-session', () => {
  it('database deleted under the tab (clear site data): status says memory, later imports say they will not persist', async () => {
    const name = dbName();
    const { session } = await openSession(name);
    const first = await commit(session, userPapers(2, 'before'));
    expect(first.saved).toBe(true);
    expect(session.status().storage).toBe('indexeddb');
    // What clearing site data does to an open tab: the connection is closed, the data deleted.
    await new Promise<void>((res, rej) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = () => res();
      req.onerror = () => rej(req.error);
    });
    const st = session.status();
    expect(st.storage).toBe('memory');
    expect(st.notices.map((n) => n.message)).toContainEqual(expect.stringMatching(/^Browser storage was closed under this tab/));
    const r = await commit(session, userPapers(20, 'after'));
    expect(r).toMatchObject({ added: 20, saved: false });
    expect(r.note).toMatch(/^Browser storage is not available in this tab any more: the 20 papers are searchable here but will not persist after a reload\./);
    // No raw "Storage error: AbortError" message.
    expect(session.status().notices.map((n) => n.message).join('\n')).not.toMatch(/AbortError|InvalidStateError/);
    await session.idle();
    expect(await papersAfterReopen(name)).toEqual({ total: SEED_COUNT, user: 0 });
  });

  it('connection closed without an event (writes fail with InvalidStateError): the same, found at the next write', async () => {
    const name = dbName();
    const { session, store } = await openSession(name);
    store!.db.close();
    const r = await commit(session, userPapers(4));
    expect(r).toMatchObject({ added: 4, saved: false });
    expect(session.status().storage).toBe('memory');
    expect(session.status().notices.map((n) => n.message).join('\n')).not.toMatch(/Storage error: /);
    // Indexing afterwards writes to memory without new errors.
    await session.startIndexing();
    expect(session.status().semanticReady).toBe(true);
    expect(session.status().notices.filter((n) => n.level === 'error')).toHaveLength(1);
    expect(await papersAfterReopen(name)).toEqual({ total: SEED_COUNT, user: 0 });
  });
});

describe('#5 a database from a newer version', () => {
  async function newerDb(name: string, version: number, papers: Paper[]) {
    const db = await openDB(name, version, {
      upgrade(d) {
        d.createObjectStore('papers', { keyPath: 'id' });
        d.createObjectStore('meta');
        d.createObjectStore('future-store');
      },
    });
    for (const p of papers) await db.put('papers', p);
    await db.put('meta', version, 'schemaVersion');
    db.close();
  }

  it('is never deleted: opened read-only, its papers shown in memory with a message offering an export', async () => {
    const name = dbName();
    const mine = userPapers(20).map((p) => ({ ...p, collection: 'mine' }));
    await newerDb(name, SCHEMA_VERSION + 2, mine);

    const { session } = await openSession(name);
    const st = session.status();
    expect(st.storage).toBe('memory');
    expect(st.papers).toBe(SEED_COUNT + 20);
    expect(st.collections.map((c) => [c.id, c.size])).toContainEqual(['mine', 20]);
    const msg = st.notices.map((n) => n.message).find((m) => /newer version/.test(m));
    expect(msg).toBe(
      `This library was saved by a newer version of Abstract Atlas (database version ${SCHEMA_VERSION + 2}; this version reads up to ${SCHEMA_VERSION}). ` +
        'It was left untouched: its 20 papers are shown here, in memory, and nothing changed in this tab is kept. ' +
        'Export a collection to keep a copy, or open the newer version of the app again.',
    );
    // Work in the tab does not write to the newer database.
    await commit(session, userPapers(3, 'new'), 'other');
    await session.startIndexing();
    await session.idle();

    // Still there, untouched, after the session (a "reload" would find them again).
    const raw = await openDB(name);
    expect(raw.version).toBe(SCHEMA_VERSION + 2);
    expect(await raw.count('papers')).toBe(20);
    expect(raw.objectStoreNames.contains('future-store')).toBe(true);
    raw.close();
    const again = await openSession(name);
    expect(again.session.status().papers).toBe(SEED_COUNT + 20);
  });

  it('a newer database without a papers store is left untouched too', async () => {
    const name = dbName();
    const foreign = await openDB(name, SCHEMA_VERSION + 5, { upgrade: (d) => void d.createObjectStore('other') });
    foreign.close();
    const { session } = await openSession(name);
    expect(session.status().storage).toBe('memory');
    expect(session.status().papers).toBe(SEED_COUNT);
    const raw = await openDB(name);
    expect(raw.version).toBe(SCHEMA_VERSION + 5);
    raw.close();
  });
});

describe('#6 a tab opened before an import in another tab', () => {
  it('refreshLibrary takes over the papers another session stored, reuses its vectors, and drops what it deleted', async () => {
    const name = dbName();
    const a = await openSession(name);
    const b = await openSession(name);
    await a.session.startIndexing();
    await b.session.startIndexing();
    const mine = userPapers(20);
    expect((await commit(a.session, mine, 'bees')).saved).toBe(true);
    await a.session.idle();
    expect(b.session.status().papers).toBe(SEED_COUNT);

    const st = await b.session.refreshLibrary();
    expect(st.papers).toBe(SEED_COUNT + 20);
    expect(st.collections.map((c) => [c.id, c.size])).toContainEqual(['bees', 20]);
    expect(st.notices.map((n) => n.message)).toContain('The library was changed in another tab: 20 papers added.');
    expect((await b.session.search('pollination study u 7', 'lexical')).hits[0]!.paper.title).toBe('User paper u 7 about beekeeping');
    await b.session.idle();
    // Its vectors came from the store (tab A embedded them all), so B is fully semantic, embedding nothing.
    expect(b.session.status().semanticReady).toBe(true);
    expect(b.session.status().embeddedCount).toBe(0);

    await a.session.deleteCollection('bees');
    expect((await b.session.refreshLibrary()).papers).toBe(SEED_COUNT);
    expect((await b.session.search('pollination', 'lexical')).hits).toHaveLength(0);
  });
});

describe('#7 a large preview stays cheap for the page', () => {
  it('the preview the UI receives cuts abstracts; the commit adds the whole papers', async () => {
    const { session } = await openSession(dbName());
    const long: Paper = { id: paperId({ title: 'Long one' }), title: 'Long one', abstract: 'word '.repeat(2000).trim() };
    const prev = session.stagePreview({ format: 'json', fileName: 'l.json', papers: [long], issues: [], duplicates: [] });
    expect(prev.papers[0]!.abstract.length).toBeLessThanOrEqual(121);
    await session.commitImport(prev.token, 'long', [long.id]);
    expect(session.getPapers().find((p) => p.id === long.id)!.abstract).toBe(long.abstract);
    await session.idle();
  });

  it('a 500-paper preview draws 200 rows, flagged first, lists all ids; the commit adds all 500', async () => {
    const { session } = await openSession(dbName());
    const many = userPapers(500, 'm');
    const dup = many[450]!;
    const prev = session.stagePreview({ format: 'json', fileName: 'm.json', papers: many, issues: [], duplicates: [{ incomingId: dup.id, existingId: 'x', reason: 'same DOI' }] });
    expect(prev.paperIds).toEqual(many.map((p) => p.id));
    expect(prev.papers).toHaveLength(200);
    expect(prev.papers[0]!.id).toBe(dup.id);
    expect((await session.commitImport(prev.token, 'many', prev.paperIds)).added).toBe(500);
    await session.idle();
  });
});

describe('#10 a bundle with the right model id and sha256 but wrong dimensions', () => {
  it('is named at read time; its papers import, its vectors are never stored', async () => {
    const { writeBundle } = await import('../../src/core/import/bundle.ts');
    const { handleImportPreview } = await import('../../workers/import-bridge.ts');
    const name = dbName();
    const { session, store } = await openSession(name);
    await session.startIndexing();
    const model = fakeModel();
    for (const dims of [8, 1000]) {
      const papers = userPapers(3, `d${dims}`);
      const bytes = writeBundle({ collection: `b${dims}`, papers, identity: { ...model.identity, dims }, vectors: new Float32Array(3 * dims).fill(0.5) });
      const prev = await handleImportPreview(session, `b${dims}.atlas`, bytes);
      expect(prev.issues.map((i) => i.message)).toContain(
        `The bundle's vectors have ${dims} dimensions, but Xenova/all-MiniLM-L6-v2 makes 384-dimensional vectors: they are ignored and the papers will be embedded again.`,
      );
      expect(prev.bundle).toMatchObject({ vectors: 0, modelMatches: false });
      expect((await session.commitImport(prev.token, `b${dims}`, prev.paperIds)).added).toBe(3);
      await session.idle();
    }
    // Every stored vector has the model's size; no notice about damaged vectors.
    const rows = await store!.db.getAll('vectors');
    expect(rows.length).toBe(SEED_COUNT + 6);
    expect(rows.every((r) => r.half?.length === DIMS)).toBe(true);
    expect(session.status().notices.map((n) => n.message).join('\n')).not.toMatch(/damaged|out of bounds/);
  });
});

describe('#3 the closing reported by a failed write before the close event', () => {
  it("Chromium's 'Connection is closing … Force close' abort is taken as the loss, not a raw storage error", async () => {
    const { session, store } = await openSession(dbName());
    const put = store!.putPapers.bind(store!);
    store!.putPapers = async () => {
      throw Object.assign(new Error('Connection is closing because of: Force close delete origin'), { name: 'AbortError' });
    };
    const r = await commit(session, userPapers(2));
    store!.putPapers = put;
    expect(r).toMatchObject({ saved: false });
    expect(session.status().storage).toBe('memory');
    expect(session.status().notices.map((n) => n.message).join('\n')).not.toMatch(/Storage error/);
  });
});

describe('#3 stray rejections of a force-closed connection (worker unhandledrejection)', () => {
  it('a "connection is closing" error is storage loss, said once; a later AbortError is silent; other errors are not absorbed', async () => {
    const { StorageGuard } = await import('../../src/core/engine/storage.ts');
    const { NoticeBoard } = await import('../../src/core/engine/notices.ts');
    const { MemoryStore } = await import('../../src/core/store/store.ts');
    const notices = new NoticeBoard();
    const guard = new StorageGuard({ openStore: async () => ({ store: new MemoryStore() }) }, notices);
    await guard.open();
    expect(guard.kind).toBe('indexeddb');
    const abort = Object.assign(new Error('The transaction was aborted'), { name: 'AbortError' });
    // An AbortError while storage still looks fine is not assumed to be the loss.
    expect(guard.absorbStray(abort)).toBe(false);
    expect(guard.absorbStray(new Error('Connection is closing because of: Force close delete origin'))).toBe(true);
    expect(guard.kind).toBe('memory');
    expect(guard.absorbStray(abort)).toBe(true);
    expect(guard.absorbStray(new TypeError('x is undefined'))).toBe(false);
    const messages = notices.all.map((n) => n.message);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^Browser storage was closed under this tab/);
    expect(messages.join('\n')).not.toMatch(/Storage error|AbortError/);
  });
});

describe('compact vector storage (issue 15 #4)', () => {
  it('a search ranks and scores the same before and after a reload: the index holds the stored (f16) form', async () => {
    const name = dbName();
    const { session, store } = await openSession(name);
    await commit(session, userPapers(6));
    await session.startIndexing();
    await session.idle();
    const q = 'pollination study about beekeeping';
    // Paper → score (the fake model makes exact ties, whose order is not the point here).
    const scores = async (s: EngineSession) => new Map((await s.search(q, 'vector', { k: 50 })).hits.map((h) => [h.paper.id, h.score]));
    const before = await scores(session);
    expect(before.size).toBe(SEED_COUNT + 6);
    const rows = await store!.db.getAll('vectors');
    expect(rows.length).toBe(SEED_COUNT + 6);
    expect(rows.every((r) => r.half instanceof Uint16Array && r.vector === undefined)).toBe(true);
    store!.close();

    const again = await openSession(name);
    await again.session.startIndexing();
    await again.session.idle();
    expect(again.session.status().embeddedCount).toBe(0); // nothing re-embedded: all read back
    const after = await scores(again.session);
    expect(after).toEqual(before);
    again.store!.close();
  });
});
