/**
 * The ranking engine shared by the browser worker and the CLI: papers, a BM25 index, a vector
 * index over document vectors, optionally an embedding model for queries, and the fusion of both.
 *
 * Label spaces: BM25 uses one integer label per paper (assigned in setPapers/addPapers); the vector
 * index uses its own labels = position in the `paperIds` lists given to setVectors/addVectors, so a
 * caller that persists an HNSW graph only needs to persist that id list alongside it.
 *
 * Failure modes: vector/hybrid search without any vectors, or without a model for the query, throws
 * a `SearchNotReadyError` (the caller decides whether to fall back to lexical — we never silently
 * change the mode). Papers that have no vector yet (embedding in progress) still take part in
 * hybrid ranking through their lexical score.
 */
import { Bm25Index, type Bm25Options } from './bm25.ts';
import { ExactIndex, HnswIndex, EXACT_THRESHOLD, type VectorIndex } from '../ann/index.ts';
import { bestSentence as pickSentence, type BestSentence } from './best-sentence.ts';
import type { EmbeddingModel, Paper, SearchHit, SearchMode } from '../types.ts';
import { DEFAULT_FUSION, fuseScores, type FusionOptions } from './fusion.ts';

export { DEFAULT_FUSION, fuseScores, type FusionMethod, type FusionOptions } from './fusion.ts';

export interface SearchEngineOptions {
  bm25?: Bm25Options;
  fusion?: Partial<FusionOptions>;
  /** Vector counts below this use exact search; defaults to ann.ts's measured EXACT_THRESHOLD. */
  exactThreshold?: number;
  hnsw?: { M?: number; efConstruction?: number; efSearch?: number };
  /** Query embedder: a model, or a loader called once on the first vector query. */
  model?: EmbeddingModel | (() => Promise<EmbeddingModel>);
}

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
  /** Restrict to papers whose `collection` is one of these. */
  collections?: string[];
  /** Pick the best sentence per hit (default true); evaluation turns it off since it only ranks. */
  sentences?: boolean;
}

export class SearchNotReadyError extends Error {
  override name = 'SearchNotReadyError';
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export class SearchEngine {
  readonly fusion: FusionOptions;
  private readonly opts: SearchEngineOptions;
  private bm25: Bm25Index;

  private papers: (Paper | undefined)[] = []; // by lexical label
  private labelOf = new Map<string, number>(); // paper id → lexical label

  private index: VectorIndex | null = null;
  private vecIds: string[] = []; // vector label → paper id
  private vecLabelOf = new Map<string, number>(); // paper id → vector label
  private vectors: Float32Array[] = []; // vector label → row
  private dims = 0;

  private model: EmbeddingModel | null = null;
  private modelLoader: (() => Promise<EmbeddingModel>) | null = null;
  private queryCache = new Map<string, Float32Array>();

  constructor(opts: SearchEngineOptions = {}) {
    this.opts = opts;
    this.fusion = { ...DEFAULT_FUSION, ...opts.fusion };
    this.bm25 = new Bm25Index(opts.bm25);
    if (typeof opts.model === 'function') this.modelLoader = opts.model;
    else if (opts.model) this.model = opts.model;
  }

  /** Replace all papers (lexical index rebuilt). Vectors of papers that remain are kept. */
  setPapers(papers: Paper[]): void {
    this.papers = [];
    this.labelOf.clear();
    this.bm25.clear();
    this.addPapers(papers);
  }

  /** Add or replace papers by id; the lexical index is updated incrementally. */
  addPapers(papers: Paper[]): void {
    for (const p of papers) {
      let label = this.labelOf.get(p.id);
      if (label === undefined) {
        label = this.papers.length;
        this.labelOf.set(p.id, label);
      }
      this.papers[label] = p;
      this.bm25.add(label, { title: p.title, body: p.abstract });
    }
  }

  /** Remove papers: they disappear from lexical, vector and related results at once. */
  removePapers(ids: string[]): void {
    for (const id of ids) {
      const label = this.labelOf.get(id);
      if (label === undefined) continue;
      this.bm25.remove(label);
      this.papers[label] = undefined;
      this.labelOf.delete(id);
      const vl = this.vecLabelOf.get(id);
      if (vl !== undefined && this.index?.remove) this.index.remove(vl);
      // Without remove() support the vector stays in the graph and is filtered out at query time.
    }
  }

  getPaper(id: string): Paper | undefined {
    const l = this.labelOf.get(id);
    return l === undefined ? undefined : this.papers[l];
  }

  get paperCount(): number {
    return this.labelOf.size;
  }

  get vectorCount(): number {
    return this.vecIds.length;
  }

  /** 'exact' or 'hnsw' once vectors are set, else null. */
  vectorIndexKind(): VectorIndex['kind'] | null {
    return this.index?.kind ?? null;
  }

  setModel(model: EmbeddingModel | null): void {
    this.model = model;
    this.modelLoader = null;
    this.queryCache.clear();
  }

  /**
   * Replace all document vectors. `vectors` is paperIds.length rows of L2-normalised Float32.
   * Pass `index` to adopt a graph restored from bytes: it must have been built from exactly these
   * rows with labels 0..n-1 in `paperIds` order (its size is checked).
   */
  async setVectors(paperIds: string[], vectors: Float32Array, opts: { index?: VectorIndex } = {}): Promise<void> {
    const dims = this.checkRows(paperIds, vectors);
    this.vecIds = [];
    this.vecLabelOf.clear();
    this.vectors = [];
    this.index = null;
    this.dims = dims;
    if (paperIds.length === 0) return;
    if (opts.index) {
      if (opts.index.size !== paperIds.length || opts.index.dimensions !== dims) {
        throw new Error(
          `setVectors: restored index holds ${opts.index.size}×${opts.index.dimensions}, expected ${paperIds.length}×${dims}`,
        );
      }
      this.index = opts.index;
    }
    this.appendRows(paperIds, vectors, dims);
    if (!this.index) this.index = await this.buildIndex(dims, 0);
  }

  /**
   * Like setVectors, adopting a graph saved by serializeVectors() instead of rebuilding it.
   * Returns false (engine left without vectors; call setVectors) when the bytes are damaged or do
   * not match these rows — never a half-restored state.
   */
  async restoreVectors(paperIds: string[], vectors: Float32Array, bytes: Uint8Array): Promise<boolean> {
    const dims = this.checkRows(paperIds, vectors);
    let index: VectorIndex;
    try {
      index = await HnswIndex.restore(bytes, dims, { efSearch: this.opts.hnsw?.efSearch });
    } catch {
      try {
        index = ExactIndex.restore(bytes, dims);
      } catch {
        await this.setVectors([], new Float32Array(0));
        return false;
      }
    }
    if (index.size !== paperIds.length || index.dimensions !== dims) {
      await this.setVectors([], new Float32Array(0));
      return false;
    }
    await this.setVectors(paperIds, vectors, { index });
    return true;
  }

  /**
   * Bytes worth persisting for a fast reload: the HNSW graph. Undefined for exact search, whose
   * "index" is just the vectors the caller stores anyway (rebuilding it is a memcpy).
   */
  async serializeVectors(): Promise<Uint8Array | undefined> {
    return this.index?.kind === 'hnsw' ? this.index.serialize() : undefined;
  }

  /** Append vectors for more papers (e.g. one embedding batch); switches to HNSW past the threshold. */
  async addVectors(paperIds: string[], vectors: Float32Array): Promise<void> {
    if (paperIds.length === 0) return;
    const dims = this.checkRows(paperIds, vectors);
    if (this.dims && dims !== this.dims) throw new Error(`addVectors: got ${dims}-d vectors, index holds ${this.dims}-d`);
    this.dims = dims;
    const from = this.vecIds.length;
    this.appendRows(paperIds, vectors, dims);
    const threshold = this.opts.exactThreshold ?? EXACT_THRESHOLD;
    if (!this.index || (this.index.kind === 'exact' && this.vecIds.length >= threshold)) {
      this.index = await this.buildIndex(dims, 0);
    } else {
      this.index.add(this.packRows(from), range(from, this.vecIds.length));
    }
  }

  /** The index, e.g. to serialise an HNSW graph for persistence. */
  get vectorIndex(): VectorIndex | null {
    return this.index;
  }

  /** Ids in vector-label order (persist with the serialised index). */
  get vectorPaperIds(): readonly string[] {
    return this.vecIds;
  }

  getVector(paperId: string): Float32Array | undefined {
    const vl = this.vecLabelOf.get(paperId);
    return vl === undefined ? undefined : this.vectors[vl];
  }

  private checkRows(paperIds: string[], vectors: Float32Array): number {
    if (paperIds.length === 0) return this.dims;
    const dims = vectors.length / paperIds.length;
    if (!Number.isInteger(dims) || dims <= 0) {
      throw new Error(`Vector buffer of length ${vectors.length} is not ${paperIds.length} equal rows`);
    }
    return dims;
  }

  private appendRows(paperIds: string[], vectors: Float32Array, dims: number): void {
    paperIds.forEach((id, i) => {
      if (this.vecLabelOf.has(id)) throw new Error(`Duplicate vector for paper ${id}`);
      this.vecLabelOf.set(id, this.vecIds.length);
      this.vecIds.push(id);
      // Copy: the caller's buffer may be a view into a batch it reuses.
      this.vectors.push(vectors.slice(i * dims, (i + 1) * dims));
    });
  }

  private packRows(from: number): Float32Array {
    const out = new Float32Array((this.vecIds.length - from) * this.dims);
    for (let i = from; i < this.vecIds.length; i++) out.set(this.vectors[i], (i - from) * this.dims);
    return out;
  }

  private async buildIndex(dims: number, from: number): Promise<VectorIndex> {
    const n = this.vecIds.length;
    const threshold = this.opts.exactThreshold ?? EXACT_THRESHOLD;
    const index: VectorIndex =
      n < threshold ? new ExactIndex(dims) : await HnswIndex.create(dims, { ...this.opts.hnsw, capacity: n * 2 });
    if (n > from) index.add(this.packRows(from), range(from, n));
    return index;
  }

  private async queryVector(question: string): Promise<Float32Array> {
    const cached = this.queryCache.get(question);
    if (cached) return cached;
    if (!this.model && this.modelLoader) {
      const load = this.modelLoader;
      this.modelLoader = null;
      this.model = await load();
    }
    if (!this.model) throw new SearchNotReadyError('Vector search needs an embedding model, and none is loaded');
    const v = await this.model.embedQuery(question);
    if (this.dims && v.length !== this.dims) {
      throw new Error(`Query vector has ${v.length} dimensions but document vectors have ${this.dims}: different models?`);
    }
    if (this.queryCache.size >= 64) this.queryCache.delete(this.queryCache.keys().next().value!);
    this.queryCache.set(question, v);
    return v;
  }

  /** Lexical-label filter for live papers in the allowed collections. */
  private lexFilter(collections?: string[], exclude?: string): (label: number) => boolean {
    const allowed = collections && collections.length ? new Set(collections) : null;
    return (label) => {
      const p = this.papers[label];
      if (!p || p.id === exclude) return false;
      return !allowed || allowed.has(p.collection ?? '');
    };
  }

  private vecFilter(lex: (label: number) => boolean): (vl: number) => boolean {
    return (vl) => {
      const l = this.labelOf.get(this.vecIds[vl]);
      return l !== undefined && lex(l);
    };
  }

  private vectorHits(qv: Float32Array, k: number, lex: (label: number) => boolean): Map<number, number> {
    if (!this.index || this.vecIds.length === 0) {
      throw new SearchNotReadyError('Vector search needs document vectors, and none are loaded yet');
    }
    const out = new Map<number, number>();
    for (const n of this.index.search(qv, k, this.vecFilter(lex))) {
      out.set(this.labelOf.get(this.vecIds[n.label])!, n.score);
    }
    return out;
  }

  /**
   * Ranked papers for a question. Lexical works without a model; vector and hybrid need document
   * vectors and a query model (else SearchNotReadyError). Scores: BM25 (lexical), cosine (vector),
   * fused score (hybrid) — comparable within one result list only.
   */
  async search(question: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const k = opts.k ?? 10;
    const mode = opts.mode ?? 'hybrid';
    if (!question.trim() || k <= 0) return [];
    const lex = this.lexFilter(opts.collections);
    let ranked: { label: number; score: number }[];
    let lexRanks = new Map<number, number>();
    let vecRanks = new Map<number, number>();

    if (mode === 'lexical') {
      ranked = this.bm25.search(question, k, lex);
      ranked.forEach((h, i) => lexRanks.set(h.label, i + 1));
    } else {
      const qv = await this.queryVector(question);
      if (mode === 'vector') {
        const v = this.vectorHits(qv, k, lex);
        ranked = [...v].map(([label, score]) => ({ label, score }));
        ranked.forEach((h, i) => vecRanks.set(h.label, i + 1));
      } else {
        const depth = Math.max(this.fusion.depth, k);
        const lexAll = this.bm25.search(question, Infinity, lex);
        const lexHits = lexAll.slice(0, depth);
        const vecHits = this.vectorHits(qv, depth, lex);
        lexHits.forEach((h, i) => lexRanks.set(h.label, i + 1));
        [...vecHits.keys()].forEach((l, i) => vecRanks.set(l, i + 1));
        const lexMap = new Map(lexHits.map((h) => [h.label, h.score]));
        if (this.fusion.method === 'convex') {
          // Exact scores for every candidate, so a paper found by one ranker is not scored 0 by
          // the other merely because it fell outside that ranker's top `depth`.
          const all = new Map(lexAll.map((h) => [h.label, h.score]));
          for (const l of vecHits.keys()) if (all.has(l)) lexMap.set(l, all.get(l)!);
          for (const l of lexMap.keys()) {
            if (vecHits.has(l)) continue;
            const row = this.getVector(this.papers[l]!.id);
            if (row) vecHits.set(l, dot(qv, row));
          }
        }
        ranked = fuseScores(lexMap, vecHits, this.fusion).slice(0, k);
      }
    }
    const noSentence = { sentence: '', range: undefined };
    return ranked.map((h) => {
      const paper = this.papers[h.label]!;
      const best = opts.sentences === false ? noSentence : this.bestSentence(question, paper);
      return {
        paper,
        score: h.score,
        sentence: best.sentence,
        sentenceRange: best.range,
        lexicalRank: lexRanks.get(h.label),
        vectorRank: vecRanks.get(h.label),
      };
    });
  }

  /**
   * Nearest papers to a paper's own stored vector, excluding itself. Throws when the paper is
   * unknown or has no vector yet. The sentence shown is the one closest to the source's title.
   */
  related(paperId: string, k = 5, opts: { collections?: string[] } = {}): SearchHit[] {
    const source = this.getPaper(paperId);
    if (!source) throw new Error(`Unknown paper id "${paperId}"`);
    const v = this.getVector(paperId);
    if (!v || !this.index) throw new SearchNotReadyError(`Paper "${source.title}" has no vector yet`);
    const lex = this.lexFilter(opts.collections, paperId);
    const hits = this.vectorHits(v, k, lex);
    let rank = 0;
    return [...hits].map(([label, score]) => {
      const paper = this.papers[label]!;
      const best = this.bestSentence(source.title, paper);
      return { paper, score, sentence: best.sentence, sentenceRange: best.range, vectorRank: ++rank };
    });
  }

  /** Abstract sentence that best answers `question` (title when there is no abstract). */
  bestSentence(question: string, paper: Pick<Paper, 'title' | 'abstract'> | string): BestSentence {
    const abstract = typeof paper === 'string' ? paper : paper.abstract;
    const title = typeof paper === 'string' ? '' : paper.title;
    return pickSentence(question, abstract, title, this.bm25);
  }
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}
