/**
 * The session's map of the active collections: which layout to show and where it comes from.
 *
 * Order of preference (first that fits wins):
 * 1. the layout persisted in this browser for (vector identity, scope) when its key (core/map/key.ts:
 *    vector identity + paper set) equals the current one — a reload paints at once;
 * 2. the build's shipped seed layout under an equal key — a first visit paints at once;
 * 3. an earlier layout of the same identity and scope (stored, else shipped) that still holds at
 *    least as many of the current papers as there are new ones: rows that left are dropped, papers
 *    added since are placed from their nearest neighbours at once (core/map/place.ts), and
 *    `relayoutRecommended` says when so many were placed that a fresh layout is worth it;
 * 4. a fresh layout in the layout worker (`runLayout`), with progress events.
 * `relayout: true` skips 1–3. Every map made in 3–4 is persisted (one record per identity + scope,
 * overwritten, so storage does not grow with every import).
 *
 * Papers whose vector is not ready yet are left off (counted in `missing`) rather than waited for;
 * the UI asks again when indexing moves on. Storage failures never stop the map (StorageGuard.safe):
 * the map is then computed and kept for this visit only.
 */
import type { Paper } from '../types.ts';
import { vectorKey, type VectorIdentity } from '../vectors/identity.ts';
import { buildMap, extendMap, restrictMap, type MapInput, type MapPaper } from '../map/build.ts';
import { mapKey } from '../map/key.ts';
import type { LayoutProgress } from '../map/layout.ts';
import type { PaperMap } from '../map/map-format.ts';
import { relayoutRecommended } from '../map/place.ts';
import type { EngineEvent, MapResult } from './api.ts';
import { AtlasError } from './errors.ts';
import { collectionOf, paperTextHash } from './library.ts';
import type { StorageGuard } from './storage.ts';

export type RunLayout = (input: MapInput, onProgress: (p: LayoutProgress) => void) => Promise<PaperMap>;

export interface MapServiceDeps {
  /** Papers of these collections (all when empty / undefined). */
  papers: (collections?: string[]) => Paper[];
  /** The identity the map is drawn from (the primary model's, known before it loads). */
  identity: () => VectorIdentity;
  /** The paper's current vector under `identity()`, or undefined while it is not ready. */
  vector: (p: Paper) => Float32Array | undefined;
  storage: StorageGuard;
  emit: (e: EngineEvent) => void;
  /** The build's layout for a vector key (core/map/shipped-map.ts); undefined when none fits. */
  loadShippedMap?: (vectorKey: string) => Promise<PaperMap | undefined>;
  /** Lays out in the layout worker; default: in this thread (Node tests, CLI). */
  runLayout?: RunLayout;
  now: () => number;
}

/** What is persisted per (identity, scope): the map plus each row's text hash, so an edited paper is re-placed. */
interface StoredMap {
  /** Typed arrays as they are: IndexedDB clones them without a JSON detour (100k rows read in ms). */
  map: PaperMap;
  hashes: string[];
}

/** First problem of a stored record, or undefined (the file format's checks, on typed arrays). */
function storedProblem(rec: StoredMap | undefined): string | undefined {
  if (!rec || typeof rec !== 'object' || !rec.map || typeof rec.map.key !== 'string') return 'no record';
  const m = rec.map;
  if (!(m.coords instanceof Float32Array) || !(m.cluster instanceof Int32Array)) return 'arrays are not typed arrays';
  if (!Array.isArray(m.clusters) || m.clusters.some((c, i) => !c || c.id !== i || !Array.isArray(c.terms) || !Array.isArray(c.center))) return 'clusters are malformed';
  return checkRows(rec);
}

function checkRows(rec: StoredMap): string | undefined {
  const { map: m, hashes } = rec;
  const n = m.ids.length;
  if (!Array.isArray(m.ids) || m.coords.length !== 2 * n || m.cluster.length !== n || !Array.isArray(hashes) || hashes.length !== n) return 'row counts differ';
  if (!Number.isInteger(m.laidOut) || m.laidOut < 0 || m.laidOut > n) return 'laidOut out of range';
  const k = m.clusters.length;
  for (let i = 0; i < n; i++) if (!(m.cluster[i]! >= 0 && m.cluster[i]! < k) || !Number.isFinite(m.coords[2 * i]!) || !Number.isFinite(m.coords[2 * i + 1]!)) return `row ${i} is malformed`;
  return undefined;
}

export interface MapRequest {
  collections?: string[];
  relayout?: boolean;
}

export class MapService {
  /** One map job at a time: a second request waits and then finds the first one's result stored. */
  private chain: Promise<unknown> = Promise.resolve();
  private shipped = new Map<string, Promise<PaperMap | undefined>>();
  /** Layouts made in this visit (also when storage fails), by slot. */
  private memo = new Map<string, StoredMap>();

  constructor(private readonly deps: MapServiceDeps) {}

  get(req: MapRequest = {}): Promise<MapResult> {
    const job = this.chain.then(() => this.build(req));
    this.chain = job.catch(() => {});
    return job;
  }

  /** Persistence slot of a scope: meta key `map:<vector key>:<sorted collections | *>`. */
  static slot(vKey: string, collections?: string[]): string {
    const scope = collections?.length ? [...new Set(collections)].sort().join('|') : '*';
    return `map:${vKey}:${scope}`;
  }

  private shippedMap(vKey: string): Promise<PaperMap | undefined> {
    let p = this.shipped.get(vKey);
    if (!p) this.shipped.set(vKey, (p = this.deps.loadShippedMap?.(vKey).catch(() => undefined) ?? Promise.resolve(undefined)));
    return p;
  }

  private async readStored(slot: string): Promise<StoredMap | undefined> {
    const rec = this.memo.get(slot) ?? (await this.deps.storage.safe((s) => s.getMeta<StoredMap>(slot), undefined));
    // A malformed record (older version, partial write) is ignored, never shown: the map is remade.
    return storedProblem(rec) ? undefined : rec;
  }

  private async build(req: MapRequest): Promise<MapResult> {
    const t0 = this.deps.now();
    const vKey = vectorKey(this.deps.identity());
    const slot = MapService.slot(vKey, req.collections);
    const all = this.deps.papers(req.collections);
    const byId = new Map(all.map((p) => [p.id, p]));
    const finish = (map: PaperMap, source: MapResult['source']): MapResult => {
      const rows = map.ids.map((id) => byId.get(id)!);
      const placed = map.ids.length - map.laidOut;
      return {
        map,
        titles: rows.map((p) => p.title),
        collections: rows.map((p) => collectionOf(p)),
        years: rows.map((p) => p.year),
        source,
        placed,
        relayoutRecommended: relayoutRecommended(map.laidOut, placed),
        missing: all.length - map.ids.length,
        tookMs: this.deps.now() - t0,
      };
    };
    const stored = req.relayout ? undefined : await this.readStored(slot);
    const shipped = req.relayout ? undefined : await this.shippedMap(vKey);
    const rowOf = (p: Paper): MapPaper => ({ id: p.id, textHash: paperTextHash(p), title: p.title, abstract: p.abstract });

    // Before any vector is ready the whole scope may still match a stored or shipped layout.
    const fullKey = mapKey(vKey, all.map(rowOf));
    if (stored && stored.map.key === fullKey) return finish(stored.map, 'stored');
    if (shipped && shipped.key === fullKey) return finish(shipped, 'shipped');

    const vectors = new Map<string, Float32Array>();
    for (const p of all) {
      const v = this.deps.vector(p);
      if (v) vectors.set(p.id, v);
    }
    const rows = all.filter((p) => vectors.has(p.id)).map(rowOf);
    if (rows.length === 0 && all.length > 0) {
      throw new AtlasError('not-ready', 'The map needs the papers’ vectors, which are not ready yet: it appears once indexing has covered them.');
    }
    const key = mapKey(vKey, rows);
    if (stored && stored.map.key === key) return finish(stored.map, 'stored');
    if (shipped && shipped.key === key) return finish(shipped, 'shipped');

    const dims = rows.length ? vectors.get(rows[0]!.id)!.length : 0;
    const pack = (list: readonly MapPaper[]) => {
      const out = new Float32Array(list.length * dims);
      list.forEach((r, i) => out.set(vectors.get(r.id)!, i * dims));
      return out;
    };

    let map: PaperMap | undefined;
    let source: MapResult['source'] = 'computed';
    const want = new Map(rows.map((r) => [r.id, r]));
    // Rows of a base layout that are still current. Shipped maps carry no per-row hashes: their rows
    // are the bundled seed papers, whose text only changes with a new build (which ships a new map
    // under a new key).
    const keptOf = (b: { map: PaperMap; hashes?: string[] }) =>
      b.map.ids.flatMap((id, i) => {
        const r = want.get(id);
        return r && (!b.hashes || b.hashes[i] === r.textHash) ? [r] : [];
      });
    // The base that keeps the most current rows: the stored layout normally, but the shipped one when
    // the stored layout holds fewer of today's papers (e.g. it was made of a part of the library).
    const candidates = [stored && { map: stored.map, hashes: stored.hashes }, shipped && { map: shipped, hashes: undefined }]
      .filter((b): b is { map: PaperMap; hashes: string[] | undefined } => !!b)
      .map((b) => ({ ...b, kept: keptOf(b) }));
    const base = candidates.reduce<(typeof candidates)[number] | undefined>((best, b) => (!best || b.kept.length > best.kept.length ? b : best), undefined);
    if (base) {
      const kept = base.kept;
      const keptIds = new Set(kept.map((r) => r.id));
      const added = rows.filter((r) => !keptIds.has(r.id));
      // Mostly new papers: placing them inside the old picture would hide their structure.
      if (kept.length > 0 && kept.length >= added.length) {
        const restricted = kept.length === base.map.ids.length ? base.map : restrictMap(base.map, vKey, kept);
        map = added.length
          ? extendMap(restricted, { vectorIdentity: vKey, papers: kept, vectors: pack(kept), added, addedVectors: pack(added), dims })
          : restricted;
        source = 'placed';
      }
    }
    if (!map) {
      const input: MapInput = { vectorIdentity: vKey, papers: rows, vectors: pack(rows), dims };
      const onProgress = (p: LayoutProgress) => this.deps.emit({ kind: 'map', phase: p.phase, done: p.done, total: p.total, papers: rows.length });
      map = await (this.deps.runLayout ?? ((i, on) => buildMap(i, { onProgress: on })))(input, onProgress);
    }
    const byRow = new Map(rows.map((r) => [r.id, r.textHash]));
    const rec: StoredMap = { map, hashes: map.ids.map((id) => byRow.get(id)!) };
    this.memo.set(slot, rec);
    // An empty map is not worth a record (and must never become the base of the next one).
    if (map.ids.length) await this.deps.storage.safe((s) => s.setMeta(slot, rec), undefined);
    return finish(map, source);
  }

  /** Drops what this visit remembers (storage cleared / rebuilt); persisted records go with the store. */
  reset(): void {
    this.memo.clear();
  }
}
