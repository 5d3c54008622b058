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
import type { EmbeddingModel } from '../types.ts';

export interface VectorSpaceOptions {
  /** Vector counts below this use exact search; defaults to ann/'s measured EXACT_THRESHOLD. */
  exactThreshold?: number;
  hnsw?: HnswOptions;
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

export class VectorSpace {
  readonly identity: VectorIdentity;
  readonly key: VectorKey;
  private readonly opts: VectorSpaceOptions;
  private model: EmbeddingModel | null = null;
  private index: VectorIndex | null = null;
  private ids: string[] = []; // index label → paper id
  private labelOf = new Map<string, number>(); // paper id → index label
  private rows: Float32Array[] = []; // index label → vector
  private queryCache = new Map<string, Float32Array>();

  constructor(identity: VectorIdentity, opts: VectorSpaceOptions = {}) {
    this.identity = identity;
    this.key = vectorKey(identity);
    this.opts = opts;
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

  get kind(): VectorIndex['kind'] | null {
    return this.index?.kind ?? null;
  }

  /** The index (an HNSW graph is worth persisting). */
  get vectorIndex(): VectorIndex | null {
    return this.index;
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
   * restored from bytes: it must have been built from exactly these rows, labels 0..n-1 in order.
   */
  async setVectors(paperIds: string[], vectors: Float32Array, opts: { index?: VectorIndex } = {}): Promise<void> {
    this.checkRows(paperIds, vectors);
    this.ids = [];
    this.labelOf.clear();
    this.rows = [];
    this.index = null;
    if (paperIds.length === 0) return;
    if (opts.index) {
      if (opts.index.size !== paperIds.length || opts.index.dimensions !== this.identity.dims) {
        throw new Error(`setVectors: restored index holds ${opts.index.size}×${opts.index.dimensions}, expected ${paperIds.length}×${this.identity.dims}`);
      }
      this.index = opts.index;
    }
    this.appendRows(paperIds, vectors);
    if (!this.index) this.index = await this.buildIndex();
  }

  /** Appends vectors for more papers (e.g. one embedding batch); switches to HNSW past the threshold. */
  async addVectors(paperIds: string[], vectors: Float32Array): Promise<void> {
    if (paperIds.length === 0) return;
    this.checkRows(paperIds, vectors);
    const from = this.ids.length;
    this.appendRows(paperIds, vectors);
    const threshold = this.opts.exactThreshold ?? EXACT_THRESHOLD;
    if (!this.index || (this.index.kind === 'exact' && this.ids.length >= threshold)) {
      this.index = await this.buildIndex();
    } else {
      this.index.add(this.packRows(from), range(from, this.ids.length));
    }
  }

  /** Removed papers leave the index at once (or are filtered out where the index cannot remove). */
  removePapers(paperIds: string[]): void {
    for (const id of paperIds) {
      const l = this.labelOf.get(id);
      if (l === undefined) continue;
      this.index?.remove?.(l);
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
    if (!this.index || this.ids.length === 0) throw new SearchNotReadyError('Vector search needs document vectors, and none are loaded yet');
    return this.index.search(query, k, (l) => allow(this.ids[l])).map((n) => ({ id: this.ids[n.label], score: n.score }));
  }

  /** Exact cosine of `query` with one paper's vector, or undefined when it has none here. */
  score(query: Float32Array, paperId: string): number | undefined {
    const row = this.getVector(paperId);
    return row ? dot(query, row) : undefined;
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

  private packRows(from: number): Float32Array {
    const d = this.identity.dims;
    const out = new Float32Array((this.ids.length - from) * d);
    for (let i = from; i < this.ids.length; i++) out.set(this.rows[i], (i - from) * d);
    return out;
  }

  private async buildIndex(): Promise<VectorIndex> {
    const n = this.ids.length;
    const d = this.identity.dims;
    const threshold = this.opts.exactThreshold ?? EXACT_THRESHOLD;
    const index: VectorIndex = n < threshold ? new ExactIndex(d) : await HnswIndex.create(d, { ...this.opts.hnsw, capacity: n * 2 });
    if (n > 0) index.add(this.packRows(0), range(0, n));
    return index;
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
