/**
 * The one message protocol between the UI (main thread) and the engine worker
 * (workers/engine.worker.ts). The UI never touches the model, the indexes or the store: it sends a
 * `Request`, and receives exactly one `Reply` per request id, plus any number of `EngineEvent`s
 * (progress, status changes, notices) at any time.
 *
 * Everything here must survive structured cloning (no functions, no class instances besides
 * typed arrays / Uint8Array).
 */
import type { Author, Paper, ParseIssue, SearchHit, SearchMode } from './core/types.ts';
import type { ImportReport } from './core/import/report.ts';

export type { Author, ImportReport, Paper, ParseIssue, SearchHit, SearchMode };

/** Error codes the UI can branch on. `message` is for people; `detail` is for bug reports. */
export type ErrorCode =
  | 'bad-request'
  | 'not-ready'
  | 'model-load-failed'
  | 'embed-failed'
  | 'cancelled'
  | 'quota-exceeded'
  | 'storage-failed'
  | 'import-failed'
  | 'bundle-invalid'
  | 'not-found'
  | 'busy'
  | 'internal';

export interface EngineError {
  code: ErrorCode;
  message: string;
  detail?: string;
}

export type DeviceChoice = 'auto' | 'webgpu' | 'wasm';

export interface CollectionInfo {
  id: string;
  /** Papers in the collection. */
  size: number;
  /** Papers of the collection that have a vector for the active model. */
  embedded: number;
}

/** A user-visible message raised by the worker (storage fallback, model failure, rebuilds…). */
export interface Notice {
  id: string;
  level: 'info' | 'warning' | 'error';
  message: string;
  /** Optional action the UI may offer next to the message. */
  action?: 'rebuild' | 'retry-model' | 'reembed';
}

export interface EngineStatus {
  /** Lifecycle of the engine as a whole. */
  phase: 'starting' | 'ready' | 'indexing' | 'failed';
  papers: number;
  collections: CollectionInfo[];
  modelId: string;
  /** `${modelId}@${sha256}` once the model is loaded. */
  modelKey?: string;
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
  notices: Notice[];
}

/**
 * Reply to `importPreview`. The engine parses the file in a short-lived import worker of its own,
 * so other requests (searches) are answered while a big file is read. A newer `importPreview`
 * replaces one still being parsed: the older request then fails with code 'cancelled'. Whole-file
 * failures fail with code 'import-failed', a message for people and the parser's reason as `detail`.
 */
export interface ImportPreview {
  /** Opaque handle for `importCommit`; valid until the next preview. */
  token: string;
  format: string;
  fileName: string;
  papers: Paper[];
  issues: ParseIssue[];
  /** Incoming paper id → reason it duplicates a stored paper (or another incoming one). */
  duplicates: { incomingId: string; existingId: string; reason: string }[];
  /** What the import does with the file (the numbers `npm run cli -- inspect` prints):
   *  entries = papers + merged + skipped, with each merge (into which paper) and skip explained,
   *  and same-title papers kept apart. Lists are capped at 200 items; counts are exact.
   *  Optional only so previews staged by code that predates it still type-check. */
  report?: ImportReport;
  /** Set when the file was an exported bundle. */
  bundle?: { collection: string; modelKey: string; vectors: number; modelMatches: boolean };
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

export type Request =
  | { type: 'init'; baseUrl: string; modelId?: string; device?: DeviceChoice; useShipped?: boolean; expectStored?: boolean }
  | { type: 'status' }
  | { type: 'index' }
  | { type: 'search'; question: string; mode: SearchMode; k?: number; collections?: string[] }
  | { type: 'related'; paperId: string; k?: number; collections?: string[] }
  | { type: 'importPreview'; fileName: string; data: Uint8Array | string }
  | { type: 'importCommit'; token: string; collection: string; paperIds: string[] }
  | { type: 'export'; collection: string }
  | { type: 'deletePapers'; ids: string[] }
  | { type: 'deleteCollection'; collection: string }
  | { type: 'clear' }
  | { type: 'rebuild' }
  | { type: 'reembedCost'; modelId: string }
  | { type: 'setModel'; modelId: string }
  | { type: 'reembed' }
  | { type: 'cancel' }
  | { type: 'dismissNotice'; id: string }
  | { type: 'retryModel' };

export interface SearchResult {
  hits: SearchHit[];
  /** The mode actually used (hybrid falls back to lexical while the model is unavailable). */
  mode: SearchMode;
  note?: string;
  tookMs: number;
}

export interface ResultMap {
  init: EngineStatus;
  status: EngineStatus;
  index: EngineStatus;
  search: SearchResult;
  related: { paper: Paper; hits: SearchHit[] };
  importPreview: ImportPreview;
  importCommit: { added: number; skipped: number; collection: string };
  export: { fileName: string; bytes: Uint8Array; mime: string };
  deletePapers: { deleted: number };
  deleteCollection: { deleted: number };
  clear: EngineStatus;
  rebuild: EngineStatus;
  reembedCost: ReembedCost;
  setModel: EngineStatus;
  reembed: EngineStatus;
  cancel: { cancelled: boolean };
  dismissNotice: EngineStatus;
  retryModel: EngineStatus;
}

export type RequestType = Request['type'];
export type RequestOf<T extends RequestType> = Extract<Request, { type: T }>;

export interface RequestEnvelope {
  id: number;
  req: Request;
}

export type Reply =
  | { id: number; ok: true; result: ResultMap[RequestType] }
  | { id: number; ok: false; error: EngineError };

export interface EmbedProgressEvent {
  kind: 'embed';
  done: number;
  total: number;
  /** Documents per second over this run. */
  rate: number;
  /** Seconds left at the current rate; undefined until measurable. */
  eta?: number;
}

export interface ModelProgressEvent {
  kind: 'model';
  file: string;
  loaded: number;
  total: number;
}

export type EngineEvent =
  | EmbedProgressEvent
  | ModelProgressEvent
  | { kind: 'status'; status: EngineStatus }
  | { kind: 'idle' };

export interface EventEnvelope {
  event: EngineEvent;
}

export type WorkerMessage = Reply | EventEnvelope;

export function isEvent(m: WorkerMessage): m is EventEnvelope {
  return 'event' in m;
}
