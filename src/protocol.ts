/**
 * The one message protocol between the UI (main thread) and the engine worker
 * (workers/engine.worker.ts). The UI never touches the model, the indexes or the store: it sends a
 * request and receives exactly one reply per request id, plus any number of `EngineEvent`s
 * (progress, status changes, notices) at any time.
 *
 * `EngineApi` is the whole contract: one entry per request, its parameters → its result. Request
 * and reply types are derived from it, the worker's handler table must implement every entry
 * (checked by the compiler), and the client's `request()` returns the entry's result type — so
 * adding a request is one line here plus its handler.
 *
 * Everything here must survive structured cloning (no functions, no class instances besides
 * typed arrays / Uint8Array). The data shapes are the engine's own (src/core/engine/api.ts).
 */
import type { Author, Paper, ParseIssue, SearchHit, SearchMode } from './core/types.ts';
import type { ImportReport } from './core/import/report.ts';
import type { SearchFilters } from './core/search/filters.ts';
import type {
  DeviceChoice,
  EngineError,
  EngineEvent,
  EngineStatus,
  ImportCommitResult,
  ImportPreview,
  MapResult,
  ReembedCost,
  RelatedResult,
  SearchResult,
} from './core/engine/api.ts';

export type { Author, ImportReport, Paper, ParseIssue, SearchFilters, SearchHit, SearchMode };
export type {
  CollectionInfo,
  DeviceChoice,
  EmbedProgressEvent,
  EngineError,
  EngineEvent,
  EngineStatus,
  ErrorCode,
  ImportCommitResult,
  ImportPreview,
  ImportProgressEvent,
  MapProgressEvent,
  MapResult,
  ModelChoice,
  ModelProgressEvent,
  Notice,
  ReembedCost,
  RelatedResult,
  SearchResult,
} from './core/engine/api.ts';

/** Parameters of a request that takes none. */
export type NoParams = Record<never, never>;

/** Request name → (parameters) → result. */
export interface EngineApi {
  init(p: { baseUrl: string; modelId?: string; device?: DeviceChoice; useShipped?: boolean; expectStored?: boolean; embedWorker?: boolean }): EngineStatus;
  status(p: NoParams): EngineStatus;
  index(p: NoParams): EngineStatus;
  /** `k` defaults to the engine's DEFAULT_RESULTS. */
  /**
   * `filters`: year range / author / venue (src/core/search/filters.ts); a bad one fails with 'bad-request'.
   * `ids` limits the search to these papers (a selection on the map).
   */
  search(p: { question: string; mode: SearchMode; k?: number; collections?: string[]; filters?: SearchFilters; ids?: string[] }): SearchResult;
  /** `k` defaults to the engine's DEFAULT_RELATED. */
  related(p: { paperId: string; k?: number; collections?: string[] }): RelatedResult;
  importPreview(p: { fileName: string; data: Uint8Array | string }): ImportPreview;
  importCommit(p: { token: string; collection: string; paperIds: string[] }): ImportCommitResult;
  export(p: { collection: string }): { fileName: string; bytes: Uint8Array; mime: string };
  deletePapers(p: { ids: string[] }): { deleted: number };
  deleteCollection(p: { collection: string }): { deleted: number };
  clear(p: NoParams): EngineStatus;
  rebuild(p: NoParams): EngineStatus;
  reembedCost(p: { modelId: string }): ReembedCost;
  setModel(p: { modelId: string }): EngineStatus;
  /** "Best quality": fuse a second model (session.ts BEST_QUALITY_MODEL_ID) with the default one. */
  setBestQuality(p: { on: boolean }): EngineStatus;
  reembed(p: NoParams): EngineStatus;
  cancel(p: NoParams): { cancelled: boolean };
  /** Holds indexing at the next batch boundary; `resume` continues it (or restarts a cancelled one). */
  pause(p: NoParams): EngineStatus;
  resume(p: NoParams): EngineStatus;
  dismissNotice(p: { id: string }): EngineStatus;
  retryModel(p: NoParams): EngineStatus;
  /** The reading list: starred papers, newest star first (stored with the library). */
  readingList(p: NoParams): { papers: Paper[] };
  /** Stars / unstars papers; replies with the whole list. */
  star(p: { paperIds: string[]; starred: boolean }): { papers: Paper[] };
  /**
   * The map of these collections (all when empty): shipped, stored, placed from neighbours or laid
   * out now in the layout worker (then `map` progress events come first). `relayout` forces a fresh layout.
   */
  map(p: { collections?: string[]; relayout?: boolean }): MapResult;
}

export type RequestType = keyof EngineApi;
export type ParamsOf<T extends RequestType> = Parameters<EngineApi[T]>[0];
export type ResultOf<T extends RequestType> = ReturnType<EngineApi[T]>;
/** A request as it travels: its name plus its parameters. */
export type RequestOf<T extends RequestType> = { type: T } & ParamsOf<T>;
export type Request = { [T in RequestType]: RequestOf<T> }[RequestType];

/** What the worker must provide: one handler per request, typed by the map. */
export type Handlers = { [T in RequestType]: (req: RequestOf<T>) => ResultOf<T> | Promise<ResultOf<T>> };

export interface RequestEnvelope {
  id: number;
  req: Request;
}

export type Reply =
  | { id: number; ok: true; result: ResultOf<RequestType> }
  | { id: number; ok: false; error: EngineError };

export interface EventEnvelope {
  event: EngineEvent;
}

export type WorkerMessage = Reply | EventEnvelope;

export function isEvent(m: WorkerMessage): m is EventEnvelope {
  return 'event' in m;
}
