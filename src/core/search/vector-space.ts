/**
 * One semantic ranker: the document vectors made under ONE vector identity (vectors/identity.ts),
 * the nearest-neighbour index over them, and the model that embeds questions into the same space.
 * A SearchEngine holds any number of them beside its BM25 index — the default model, a quick static
 * tier, a second model for "best quality" — and fuses their rankings (fusion.ts).
 *
 * Invariants: every row was made under `identity` (callers ask identity.ts before adding); rows are
 * L2-normalised; the query model, once set, has the same identity (checked), so a question and the
 * documents are always compared in one space. Index labels are positions in the id list given to
 * setVectors/addVectors, so a caller that persists an HNSW graph persists that id list beside it.
 */
import { ExactIndex, HnswIndex, EXACT_THRESHOLD, type HnswOptions, type VectorIndex } from '../ann/index.ts';
import { identityMismatch, vectorKey, type VectorIdentity, type VectorKey } from '../vectors/identity.ts';
import type { EmbeddingModel, Neighbor } from '../types.ts';

export interface VectorSpaceOptions {
  /** Vector counts below this use exact search only; defaults to ann/'s measured EXACT_THRESHOLD. */
  exactThreshold?: number;
  hnsw?: HnswOptions;
  /** Longest stretch of graph building before the builder yields to queued messages (default GRAPH_SLICE_MS). */
  sliceMs?: number;
  /**
   * Called while the background graph grows, at most every GRAPH_PROGRESS_MS, and once when it
   * covers every row (read `space.graphProgress`). Building a 100k graph takes minutes: without this a
   * progress display would sit still. Must not throw (a throw is swallowed, the build goes on).
   */
  onGraphProgress?: (space: VectorSpace) => void;
  /** Least time between two onGraphProgress calls (default GRAPH_PROGRESS_MS). */
  graphProgressMs?: number;
}

/** How often onGraphProgress fires during a build (a status message each time: keep it rare). */
export const GRAPH_PROGRESS_MS = 1000;

/**
 * Graph building runs in slices of at most this long (plus one insertion) and then yields, so a
 * question that arrives mid-build waits at most about one slice. 10 ms keeps that well inside the
 * 150 ms hybrid-query budget while the per-yield overhead stays small (one task hop per slice).
 */
export const GRAPH_SLICE_MS = 10;
/**
 * Rows inserted between two clock reads inside a slice: one insertion costs ~0.3 ms in Node and
 * 1–3 ms in the browser worker on this shared machine (bench ann-browser), so 2 keeps the overshoot small.
 */
const SLICE_STEP = 2;

/** Gives queued messages (a question) their turn: scheduler.postTask where there is one, else a timer. */
function yieldToEvents(): Promise<void> {
  const sched = (globalThis as { scheduler?: { postTask?: (cb: () => void, o: { priority: string }) => Promise<void> } }).scheduler;
  if (sched?.postTask) return sched.postTask(() => {}, { priority: 'background' });
  return new Promise((r) => setTimeout(r, 0));
}

export class SearchNotReadyError extends Error {
  override name = 'SearchNotReadyError';
}

/** Questions repeat while typing and paging: keep a few recent query vectors per space. */
const QUERY_CACHE = 64;

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * Index layout. Labels [0, covered) live in the HNSW graph, labels [covered, n) in `tail`, an exact
 * index; a search asks both and merges by cosine, so results are exact for everything the graph does
 * not cover yet, and a query never waits for the graph. Below the threshold there is no graph and
 * `tail` holds everything. Past it, a builder moves tail rows into the graph in time-boxed slices
 * (GRAPH_SLICE_MS) that yield between them; new rows join the tail and are picked up the same way.
 */
export class VectorSpace {
  readonly identity: VectorIdentity;
  readonly key: VectorKey;
  private readonly opts: VectorSpaceOptions;
  private model: EmbeddingModel | null = null;
  private ids: string[] = []; // index label → paper id
  private labelOf = new Map<string, number>(); // paper id → index label
  private rows: Float32Array[] = []; // index label → vector
  private queryCache = new Map<string, Float32Array>();
  private tail: ExactIndex;
  private graph: HnswIndex | null = null;
  /** Labels below this are in the graph (or were removed before it reached them). */
  private covered = 0;
  private removed = new Set<number>();
  /** Bumped by setVectors: a builder of an older generation stops at its next slice. */
  private generation = 0;
  private building: Promise<void> | null = null;
  private buildError: Error | null = null;
  private stats = { slices: 0, longestSliceMs: 0 };
  /** Set by dispose(): no builder starts again, and a running one stops at its next slice. */
  private disposed = false;

  constructor(identity: VectorIdentity, opts: VectorSpaceOptions = {}) {
    this.identity = identity;
    this.key = vectorKey(identity);
    this.opts = opts;
    this.tail = new ExactIndex(identity.dims);
  }

  /** The model that embeds questions for this space; it must have this space's identity. */
  setQueryModel(model: EmbeddingModel | null): void {
    if (model) {
      const problem = identityMismatch(model.identity, this.identity);
      if (problem) throw new Error(`Query model does not fit the vector space ${this.key}: ${problem}`);
    }
    this.model = model;
    this.queryCache.clear();
  }

  get queryModel(): EmbeddingModel | null {
    return this.model;
  }

  /** Vectors and a query model are both present: this space can rank. */
  get ready(): boolean {
    return this.model !== null && this.ids.length > 0;
  }

  get size(): number {
    return this.ids.length;
  }

  /** 'hnsw' once a graph exists (it may still be growing: see graphComplete). */
  get kind(): VectorIndex['kind'] | null {
    if (this.ids.length === 0) return null;
    return this.graph ? 'hnsw' : 'exact';
  }

  /** No graph building is pending: below the threshold, or the graph covers every row. */
  get graphComplete(): boolean {
    return this.graph ? this.covered >= this.ids.length : this.ids.length < this.threshold;
  }

  /**
   * Where the graph build stands: rows covered of all rows, or undefined when this space has no
   * graph to build (below the exact threshold). Complete when covered === total.
   */
  get graphProgress(): { covered: number; total: number } | undefined {
    if (!this.graph && this.ids.length < this.threshold) return undefined;
    return { covered: this.graph ? this.covered : 0, total: this.ids.length };
  }

  /** Rows the graph answers for (labels below this); the rest are searched exactly. */
  get graphCoverage(): number {
    return this.graph ? this.covered : 0;
  }

  /** Slices run so far and the longest one (ms): what a question may have waited behind. */
  get buildStats(): { slices: number; longestSliceMs: number } {
    return { ...this.stats };
  }

  /** Resolves once graphComplete (rejects if building failed; search keeps working exactly). */
  async indexed(): Promise<void> {
    while (this.building) await this.building;
    if (this.buildError) throw this.buildError;
  }

  /**
   * The complete graph, worth persisting with its id list (labels 0..n-1 = paperIds), or null while
   * there is none or it does not cover every row yet.
   */
  get vectorIndex(): VectorIndex | null {
    return this.graph && this.graphComplete ? this.graph : null;
  }

  /** Paper ids in index-label order (persist with a serialised graph). */
  get paperIds(): readonly string[] {
    return this.ids;
  }

  has(paperId: string): boolean {
    return this.labelOf.has(paperId);
  }

  getVector(paperId: string): Float32Array | undefined {
    const l = this.labelOf.get(paperId);
    return l === undefined ? undefined : this.rows[l];
  }

  /**
   * Replaces all vectors: `vectors` holds paperIds.length rows. Pass `index` to adopt a graph
   * restored from bytes: it must have been built from the first index.size of these rows, labels
   * 0..m-1 in order (a library that grew since it was saved); the rest are added to it in slices.
   * Returns at once: search works (exactly) while the graph builds; await indexed() for the graph.
   */
  async setVectors(paperIds: string[], vectors: Float32Array, opts: { index?: VectorIndex | Promise<VectorIndex | null> } = {}): Promise<void> {
    this.checkRows(paperIds, vectors);
    const given = opts.index;
    if (given instanceof Promise) {
      // A graph still being restored (seconds for a large library): answer exactly until it is
      // there, then adopt it — or build one if it could not be restored (resolved null / rejected).
      this.replaceRows(paperIds, vectors);
      this.tail.add(this.packRows(0, this.ids.length), range(0, this.ids.length));
      const gen = this.generation;
      this.building = given
        .then((index) => {
          if (gen === this.generation && index) this.adoptGraph(index);
        })
        .catch(() => undefined) // a graph that does not fit is rebuilt below
        .finally(() => {
          if (gen !== this.generation) return;
          this.building = null;
          this.scheduleBuild();
        });
      return;
    }
    if (given) this.checkGraph(given, paperIds.length);
    this.replaceRows(paperIds, vectors);
    if (given) this.adoptGraph(given);
    else this.tail.add(this.packRows(0, this.ids.length), range(0, this.ids.length));
    this.scheduleBuild();
  }

  /**
   * Releases this space for good: a running graph builder stops at its next slice and none starts
   * again. Called when the engine holding it is replaced (clear, model switch, a space removed), so an
   * old 100k-row build does not keep a core busy for minutes beside the new one. Searching a disposed
   * space is a caller error (it is empty).
   */
  dispose(): void {
    this.disposed = true;
    this.forgetRows();
    this.queryCache.clear();
  }

  /** Forgets every row and any graph (a running builder stops at its next slice). */
  private forgetRows(): void {
    this.generation++;
    this.ids = [];
    this.labelOf.clear();
    this.rows = [];
    this.removed.clear();
    this.tail = new ExactIndex(this.identity.dims);
    this.graph = null;
    this.covered = 0;
    this.building = null;
    this.buildError = null;
  }

  /** Replaces every row (see forgetRows). */
  private replaceRows(paperIds: string[], vectors: Float32Array): void {
    this.forgetRows();
    this.appendRows(paperIds, vectors);
  }

  private checkGraph(index: VectorIndex, rows: number): asserts index is HnswIndex {
    if (!(index instanceof HnswIndex) || index.size > rows || index.dimensions !== this.identity.dims) {
      throw new Error(`setVectors: restored index holds ${index.size}×${index.dimensions}, expected at most ${rows}×${this.identity.dims}`);
    }
  }

  /** Takes a restored graph covering labels 0..m-1: those rows leave the exact tail. */
  private adoptGraph(index: VectorIndex): void {
    this.checkGraph(index, this.ids.length);
    const d = this.identity.dims;
    this.graph = index;
    this.covered = index.size;
    const keep = range(this.covered, this.ids.length).filter((l) => !this.removed.has(l));
    const rows = new Float32Array(keep.length * d);
    keep.forEach((l, i) => rows.set(this.rows[l], i * d));
    const tail = new ExactIndex(d);
    tail.add(rows, keep);
    this.tail = tail;
    for (const l of this.removed) if (l < this.covered) index.remove(l);
  }

  /** Appends vectors for more papers (e.g. one embedding batch); they are searchable at once. */
  async addVectors(paperIds: string[], vectors: Float32Array): Promise<void> {
    if (paperIds.length === 0) return;
    this.checkRows(paperIds, vectors);
    const from = this.ids.length;
    this.appendRows(paperIds, vectors);
    this.tail.add(this.packRows(from, this.ids.length), range(from, this.ids.length));
    this.scheduleBuild();
  }

  /** Removed papers leave the index at once. */
  removePapers(paperIds: string[]): void {
    for (const id of paperIds) {
      const l = this.labelOf.get(id);
      if (l === undefined) continue;
      this.removed.add(l);
      if (l < this.covered) this.graph?.remove(l);
      else this.tail.remove(l);
    }
  }

  async queryVector(question: string): Promise<Float32Array> {
    const cached = this.queryCache.get(question);
    if (cached) return cached;
    if (!this.model) throw new SearchNotReadyError(`Vector space ${this.identity.model} has no query model loaded`);
    const v = await this.model.embedQuery(question);
    if (v.length !== this.identity.dims) throw new Error(`Query vector has ${v.length} dimensions, space ${this.key} has ${this.identity.dims}`);
    if (this.queryCache.size >= QUERY_CACHE) this.queryCache.delete(this.queryCache.keys().next().value!);
    this.queryCache.set(question, v);
    return v;
  }

  /** Nearest papers to `query` (cosine, highest first) among ids that pass `allow`. */
  search(query: Float32Array, k: number, allow: (paperId: string) => boolean): { id: string; score: number }[] {
    if (this.ids.length === 0) throw new SearchNotReadyError('Vector search needs document vectors, and none are loaded yet');
    const filter = (l: number) => allow(this.ids[l]);
    const fromTail = this.tail.size ? this.tail.search(query, k, filter) : [];
    const fromGraph = this.graph && this.graph.size ? this.graph.search(query, k, filter) : [];
    const merged = fromGraph.length ? mergeTop(fromGraph, fromTail, k) : fromTail;
    return merged.map((n) => ({ id: this.ids[n.label], score: n.score }));
  }

  /** Exact cosine of `query` with one paper's vector, or undefined when it has none here. */
  score(query: Float32Array, paperId: string): number | undefined {
    const row = this.getVector(paperId);
    return row ? dot(query, row) : undefined;
  }

  private get threshold(): number {
    return this.opts.exactThreshold ?? EXACT_THRESHOLD;
  }

  /** Starts the slice builder if the graph has rows to take and none is running. */
  private scheduleBuild(): void {
    if (this.disposed || this.building || this.graphComplete) return;
    const gen = this.generation;
    this.building = this.buildSlices(gen)
      .catch((e: unknown) => {
        // Search stays exact over the tail; indexed() reports why the graph is missing.
        if (gen === this.generation) this.buildError = e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        if (gen !== this.generation) return;
        this.building = null;
        // Rows added while the last slice yielded: pick them up.
        if (!this.buildError) this.scheduleBuild();
      });
  }

  private async buildSlices(gen: number): Promise<void> {
    const d = this.identity.dims;
    if (!this.graph) {
      const graph = await HnswIndex.create(d, { ...this.opts.hnsw, capacity: Math.max(1024, Math.ceil(this.ids.length * 1.25)) });
      if (gen !== this.generation) return;
      this.graph = graph;
    }
    const sliceMs = this.opts.sliceMs ?? GRAPH_SLICE_MS;
    const graph = this.graph;
    let reported = performance.now();
    while (gen === this.generation && this.covered < this.ids.length) {
      // Yield first: the caller that scheduled the build (setVectors/addVectors) returns at once.
      await yieldToEvents();
      if (gen !== this.generation) return;
      const t0 = performance.now();
      do {
        const end = Math.min(this.ids.length, this.covered + SLICE_STEP);
        const labels: number[] = [];
        for (let l = this.covered; l < end; l++) if (!this.removed.has(l)) labels.push(l);
        const batch = new Float32Array(labels.length * d);
        labels.forEach((l, i) => batch.set(this.rows[l], i * d));
        graph.add(batch, labels);
        // The graph answers for these rows from now on: they leave the exact tail.
        for (const l of labels) this.tail.remove(l);
        this.covered = end;
      } while (this.covered < this.ids.length && performance.now() - t0 < sliceMs);
      this.stats.slices++;
      this.stats.longestSliceMs = Math.max(this.stats.longestSliceMs, performance.now() - t0);
      if (this.tail.size === 0) this.tail = new ExactIndex(d); // release the grown buffer
      const now = performance.now();
      if (this.covered >= this.ids.length || now - reported >= (this.opts.graphProgressMs ?? GRAPH_PROGRESS_MS)) {
        reported = now;
        this.reportGraph();
      }
    }
  }

  private reportGraph(): void {
    try {
      this.opts.onGraphProgress?.(this);
    } catch {
      // A progress display failing must not stop the index.
    }
  }

  private checkRows(paperIds: string[], vectors: Float32Array): void {
    if (vectors.length !== paperIds.length * this.identity.dims) {
      throw new Error(`${vectors.length} floats for ${paperIds.length} vectors of ${this.identity.dims} dimensions (space ${this.identity.model})`);
    }
  }

  private appendRows(paperIds: string[], vectors: Float32Array): void {
    const d = this.identity.dims;
    paperIds.forEach((id, i) => {
      if (this.labelOf.has(id)) throw new Error(`Duplicate vector for paper ${id}`);
      this.labelOf.set(id, this.ids.length);
      this.ids.push(id);
      // Copy: the caller's buffer may be a view into a batch it reuses.
      this.rows.push(vectors.slice(i * d, (i + 1) * d));
    });
  }

  private packRows(from: number, to: number): Float32Array {
    const d = this.identity.dims;
    const out = new Float32Array((to - from) * d);
    for (let i = from; i < to; i++) out.set(this.rows[i], (i - from) * d);
    return out;
  }
}

/** Top k of two lists each sorted by descending score (labels are disjoint: graph vs tail). */
function mergeTop(a: Neighbor[], b: Neighbor[], k: number): Neighbor[] {
  const out: Neighbor[] = [];
  let i = 0;
  let j = 0;
  while (out.length < k && (i < a.length || j < b.length)) {
    if (j >= b.length || (i < a.length && a[i].score >= b[j].score)) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
