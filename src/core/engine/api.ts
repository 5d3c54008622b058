/**
 * What the engine session gives its callers: status, notices, search results, import previews,
 * progress events. The worker sends these over the wire unchanged (src/protocol.ts wraps them in its
 * request → reply map), so everything here must survive structured cloning: plain data and typed
 * arrays only, no functions or class instances.
 */
import type { Paper, ParseIssue, SearchHit, SearchMode } from '../types.ts';
import type { PaperMap } from '../map/map-format.ts';
import type { LayoutProgress } from '../map/layout.ts';
import type { ImportReport } from '../import/report.ts';
export type { EngineError, ErrorCode } from './errors.ts';

export type DeviceChoice = 'auto' | 'webgpu' | 'wasm';

export interface CollectionInfo {
  id: string;
  /** Papers in the collection. */
  size: number;
  /** Papers of the collection that have a vector for the active model. */
  embedded: number;
}

/** A user-visible message raised by the engine (storage fallback, model failure, rebuilds…). */
export interface Notice {
  id: string;
  level: 'info' | 'warning' | 'error';
  message: string;
  /** Optional action the UI may offer next to the message. */
  action?: 'rebuild' | 'retry-model' | 'reembed';
}

/** A model the user can choose, as the UI shows it (the UI never reads the registry itself). */
export interface ModelChoice {
  id: string;
  /** Short name for menus ("bge-small-en-v1.5"). */
  label: string;
  /** Download size of its weights for the dtype the app runs, in bytes. */
  bytes: number;
  layers: number;
}

/** One vector space (tier) of the library: the default model, a quick tier, a second model. */
export interface SpaceStatus {
  role: 'primary' | 'quick' | 'extra';
  modelId: string;
  /** vectors/identity.ts key, once its model is loaded. */
  vectorKey?: string;
  modelState: 'idle' | 'loading' | 'ready' | 'failed';
  /** Papers in its search index. */
  indexed: number;
  /** Papers with a current vector of this space (stored or made this session). */
  stored: number;
  /** Embedded in this worker session. */
  embedded: number;
  /** Taken from the build's shipped vectors in this session. */
  shipped: number;
  /** Every paper is in its index. */
  ready: boolean;
  /**
   * The nearest-neighbour graph of a large space (≥ EXACT_THRESHOLD vectors): rows it covers of all
   * rows. Absent below the threshold (exact search, nothing to build). While covered < total,
   * questions are still answered (graph + exact search over the rest).
   */
  graph?: { covered: number; total: number };
}

export interface EngineStatus {
  /** Lifecycle of the engine as a whole. */
  phase: 'starting' | 'ready' | 'indexing' | 'failed';
  papers: number;
  collections: CollectionInfo[];
  modelId: string;
  /** The models this build offers. */
  models: ModelChoice[];
  /** The "best quality" setting: the second model fused with the default one, and whether it is on. */
  bestQuality: { modelId: string; on: boolean };
  /** vectors/identity.ts key of the active model's vectors, once the model is loaded. */
  vectorKey?: string;
  modelState: 'idle' | 'loading' | 'ready' | 'failed';
  modelError?: string;
  /** True when every paper has a vector and the vector index is built: vector/hybrid search work. */
  semanticReady: boolean;
  /** Papers inside the vector index. */
  indexedVectors: number;
  indexKind: 'exact' | 'hnsw' | null;
  /** Documents embedded by the model in THIS worker (page) session — reloads start at 0. */
  embeddedCount: number;
  /** Vectors stored for the active model. */
  storedVectors: number;
  /** Vectors taken from the build's shipped (precomputed) files in this session. */
  shippedVectors: number;
  backend: 'webgpu' | 'wasm' | 'cpu' | null;
  threads: number;
  crossOriginIsolated: boolean;
  storage: 'indexeddb' | 'memory';
  /** True while waiting for another tab that holds the indexing lock. */
  waitingForLock: boolean;
  /**
   * The background indexing run: 'cancelling' from the moment cancel is asked until the running
   * batch is stored and the run ends; 'pausing' until the running batch is stored, then 'paused'
   * (held at that batch boundary). Optional only so statuses built by older code still type-check.
   */
  indexRun?: 'idle' | 'running' | 'pausing' | 'paused' | 'cancelling';
  /** Every vector space, in run order; the fields above describe the 'primary' one. */
  spaces: SpaceStatus[];
  notices: Notice[];
}

/**
 * Reply to an import preview. The engine parses the file in a short-lived import worker of its own,
 * so other requests (searches) are answered while a big file is read. A newer preview replaces one
 * still being parsed: the older request then fails with code 'cancelled'. Whole-file failures fail
 * with code 'import-failed', a message for people and the parser's reason as `detail`.
 */
export interface ImportPreview {
  /** Opaque handle for the commit; valid until the next preview. */
  token: string;
  format: string;
  fileName: string;
  /**
   * Papers to draw: all of them up to PREVIEW_ROWS (engine/library.ts), else that many, flagged
   * ones first; abstracts cut to PREVIEW_ABSTRACT_CHARS. `paperIds` lists every paper of the file.
   */
  papers: Paper[];
  /** Every paper the commit can add, in file order (the ids to pass to importCommit). */
  paperIds: string[];
  issues: ParseIssue[];
  /** Incoming paper id → reason it duplicates a stored paper (or another incoming one). */
  duplicates: { incomingId: string; existingId: string; reason: string }[];
  /** What the import does with the file (the numbers `npm run cli -- inspect` prints):
   *  entries = papers + merged + skipped, with each merge (into which paper) and skip explained,
   *  and same-title papers kept apart. Lists are capped at 200 items; counts are exact.
   *  Optional only so previews staged by code that predates it still type-check. */
  report?: ImportReport;
  /** Set when the file was an exported bundle. */
  bundle?: { collection: string; vectorKey: string; vectors: number; modelMatches: boolean };
}

/** Reply to an import commit. */
export interface ImportCommitResult {
  added: number;
  skipped: number;
  collection: string;
  /** The papers reached persistent storage (false: kept in this tab only, `note` says why). */
  saved: boolean;
  /** Set when `saved` is false: what the user must know (storage full, lost, memory-only tab). */
  note?: string;
}

export interface ReembedCost {
  modelId: string;
  papers: number;
  /** Papers that already have a vector for that model. */
  reusable: number;
  /** Rough time to embed the papers that cannot be reused, from this device's measured rate (or a default). */
  seconds: number;
  /** Rough time to embed every paper (for "re-embed on this device"). */
  secondsAll: number;
}

export interface SearchResult {
  hits: SearchHit[];
  /** The mode actually used (hybrid falls back to lexical while the model is unavailable). */
  mode: SearchMode;
  /**
   * The semantic tier that ranked (vector/hybrid): 'full' = the transformer's vectors of every paper,
   * 'quick' = the static model's while the full tier is incomplete or still loading.
   */
  tier?: 'full' | 'quick';
  note?: string;
  /**
   * True when even the best hit is far from the question (search/weak-match.ts, calibrated per
   * model): the UI says "No strong match — closest papers:". Absent for keyword ranking or an
   * uncalibrated model.
   */
  weakMatch?: boolean;
  tookMs: number;
  /** Papers the question could list (engine.countMatches): more than `hits` when there are more pages. */
  total?: number;
}

export interface RelatedResult {
  paper: Paper;
  hits: SearchHit[];
}

export interface EmbedProgressEvent {
  kind: 'embed';
  /** Which vector space (tier) is being embedded: 'primary' (the default model), 'quick', 'extra'. */
  space?: 'primary' | 'quick' | 'extra';
  done: number;
  total: number;
  /** Documents per second over this run. */
  rate: number;
  /** Seconds left at the current rate; undefined until measurable. */
  eta?: number;
  /**
   * Where `rate` / `eta` come from (engine/eta.ts): 'measured' over this run's last 30 s, 'prior'
   * = this model's rate stored by an earlier run on this device, 'none' = not measurable yet.
   */
  basis?: 'measured' | 'prior' | 'none';
}

export interface ModelProgressEvent {
  kind: 'model';
  file: string;
  loaded: number;
  total: number;
  /** 'download' (bytes arriving), 'verify' (sha256 check), 'start' (creating the inference session). */
  stage?: 'download' | 'verify' | 'start';
}

/** Progress of a map layout running in the layout worker (the reply to `map` follows it). */
export interface MapProgressEvent {
  kind: 'map';
  phase: LayoutProgress['phase'];
  done: number;
  total: number;
  papers: number;
}

/**
 * The map of the active collections (request `map`): the layout rows plus what the view shows per
 * row (titles, collection, year), and where the layout came from.
 * - 'shipped': the build's seed layout; 'stored': persisted in this browser under the same key;
 * - 'placed': an earlier layout with the papers added since placed from their neighbours (rows
 *   from `map.laidOut` on); 'computed': laid out now in the layout worker.
 */
export interface MapResult {
  map: PaperMap;
  titles: string[];
  collections: string[];
  years: (number | undefined)[];
  source: 'shipped' | 'stored' | 'placed' | 'computed';
  /** Rows placed from neighbours since the last full layout. */
  placed: number;
  /** Enough papers were placed rather than laid out that a re-layout is worth offering. */
  relayoutRecommended: boolean;
  /** Papers in scope left off the map because their vector is not ready yet. */
  missing: number;
  tookMs: number;
}

/**
 * Progress of an import commit (request `importCommit`, whose reply follows the last event):
 * - 'saving': the papers are written to browser storage in ONE transaction — all or nothing, so a
 *   failure leaves nothing half-written; there is no count to show inside it (done = 0);
 * - 'indexing': added to the keyword index in time slices, `done` of `total` papers.
 */
export interface ImportProgressEvent {
  kind: 'import';
  phase: 'saving' | 'indexing';
  done: number;
  total: number;
}

export type EngineEvent =
  | EmbedProgressEvent
  | ImportProgressEvent
  | ModelProgressEvent
  | MapProgressEvent
  | { kind: 'status'; status: EngineStatus }
  | { kind: 'idle' };
