/**
 * The ranking engine shared by the browser worker and the CLI: the papers, a BM25 index over them,
 * any number of semantic rankers (VectorSpace: the document vectors of one vector identity plus the
 * model that embeds questions into that space), and the fusion of their rankings (fusion.ts).
 *
 * Label spaces: BM25 uses one integer label per paper (assigned in setPapers/addPapers); each
 * vector space indexes by paper id (its own labels stay inside it).
 *
 * Failure modes: vector/hybrid search with no ready space (no vectors, or no query model) throws a
 * `SearchNotReadyError` — the caller decides whether to fall back to lexical; the mode is never
 * changed silently. Papers without a vector yet (embedding in progress) still take part in hybrid
 * ranking through their lexical score.
 */
import { Bm25Index, type Bm25Options, type Bm25Parts } from './bm25.ts';
import { bestSentence as pickSentence, type BestSentence, type SentenceMeaning, type TermStats } from './best-sentence.ts';
import { splitSentences } from '../text/sentences.ts';
import { DEFAULT_FUSION, fuse, type FusionOptions } from './fusion.ts';
import { SearchNotReadyError, VectorSpace, type VectorSpaceOptions } from './vector-space.ts';
import { vectorKey, type VectorIdentity, type VectorKey } from '../vectors/identity.ts';
import type { VectorIndex } from '../ann/index.ts';
import type { EmbeddingModel, Paper, SearchHit, SearchMode } from '../types.ts';
import { formatAuthor, readAuthors } from '../library/authors.ts';
import { paperFilter, type SearchFilters } from './filters.ts';

/** Author names as one text for the lexical index (legacy string[] authors are read too). */
export function authorText(p: Paper): string {
  return (readAuthors(p.authors) ?? []).map(formatAuthor).join('; ');
}

export { DEFAULT_FUSION, fuse, fuseScores, type FusionMethod, type FusionOptions } from './fusion.ts';
export { SearchNotReadyError, VectorSpace } from './vector-space.ts';

/** Results a search returns when the caller does not say (UI page size; the CLI's --k default). */
export const DEFAULT_RESULTS = 20;

export interface SearchEngineOptions extends VectorSpaceOptions {
  bm25?: Bm25Options;
  fusion?: Partial<FusionOptions>;
  /** Query model of a first vector space (a shortcut for `useModel`). */
  model?: EmbeddingModel;
}

export interface SearchOptions {
  k?: number;
  mode?: SearchMode;
  /** Restrict to papers whose `collection` is one of these. */
  collections?: string[];
  /** Restrict to these paper ids (a selection on the map); undefined = no limit, [] = nothing. */
  ids?: string[];
  /** Vector spaces to rank with (default: every ready space). */
  spaces?: VectorKey[];
  /** Pick the best sentence per hit (default true); evaluation turns it off since it only ranks. */
  sentences?: boolean;
  /**
   * Fusion options for this search only (over the engine's): the quick static tier ranks with a
   * lower vector weight than the full model (engine/session.ts QUICK_FUSION, measured).
   */
  fusion?: Partial<FusionOptions>;
  /** Year range, author, venue (search/filters.ts), already validated. */
  filters?: SearchFilters;
}

/** Papers whose sentence vectors are kept (≈8 sentences × 256 floats each: ~4 MB at this size). */
const SENTENCE_CACHE = 500;

export class SearchEngine {
  readonly fusion: FusionOptions;
  private readonly opts: SearchEngineOptions;
  private bm25: Bm25Index;

  private papers: (Paper | undefined)[] = []; // by lexical label
  private labelOf = new Map<string, number>(); // paper id → lexical label
  private readonly spaces = new Map<VectorKey, VectorSpace>();
  /** Sentence vectors per model id + paper id, valid while the abstract is the same text. */
  private readonly sentenceCache = new Map<string, { abstract: string; vectors: Float32Array[] }>();

  constructor(opts: SearchEngineOptions = {}) {
    this.opts = opts;
    this.fusion = { ...DEFAULT_FUSION, ...opts.fusion };
    this.bm25 = new Bm25Index(opts.bm25);
    if (opts.model) this.useModel(opts.model);
  }

  // ---------------------------------------------------------------- papers (lexical side)

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
      this.bm25.add(label, { title: p.title, body: p.abstract, authors: authorText(p) });
    }
  }

  /** Options of the lexical index (a snapshot made under other options is not used). */
  get lexicalOptions(): Required<Bm25Options> {
    return this.bm25.opts;
  }

  /**
   * The lexical index with the paper of each document (labels renumbered 0..n-1, document i is
   * paper ids[i]) — what a snapshot stores (engine/lexical-cache.ts).
   */
  lexicalParts(): { parts: Bm25Parts; ids: string[] } {
    const parts = this.bm25.parts();
    const ids = Array.from(parts.labels, (l) => this.papers[l]!.id);
    parts.labels = Int32Array.from(ids, (_, i) => i);
    return { parts, ids };
  }

  /**
   * setPapers with a ready lexical index instead of re-tokenizing: `ordered` must be exactly the
   * papers of `ids`, in their order (the caller checked the fingerprint). Throws — leaving the engine empty, to be
   * filled by setPapers — when a paper is missing or the parts are damaged.
   */
  setPapersIndexed(ordered: Paper[], index: { parts: Bm25Parts; ids: string[] }): void {
    // `ordered[i]` is the paper of `index.ids[i]` (the caller matched them to check the snapshot's
    // fingerprint): no second Map of every paper here, ~50 ms at 100k.
    this.papers = [];
    this.labelOf.clear();
    this.bm25.clear();
    if (ordered.length !== index.ids.length || index.parts.labels.length !== index.ids.length) throw new Error('lexical index: other papers');
    try {
      index.ids.forEach((id, i) => {
        const p = ordered[i];
        if (!p || p.id !== id || this.labelOf.has(id) || index.parts.labels[i] !== i) throw new Error('lexical index: other papers');
        this.labelOf.set(id, i);
        this.papers[i] = p;
      });
      this.bm25.load(index.parts);
    } catch (e) {
      this.papers = [];
      this.labelOf.clear();
      this.bm25.clear();
      throw e;
    }
  }

  /**
   * How many papers a question can list: for keywords, the papers sharing at least one query term;
   * for semantic / hybrid ranking every paper in scope is ranked, so all of them.
   */
  countMatches(question: string, mode: SearchMode, collections?: string[], filters?: SearchFilters, ids?: string[]): number {
    const lex = this.lexFilter(collections, undefined, filters, ids);
    if (mode === 'lexical') return question.trim() ? this.bm25.countMatching(question, lex) : 0;
    let n = 0;
    for (const l of this.labelOf.values()) if (lex(l)) n++;
    return n;
  }

  /** Remove papers: they disappear from lexical, vector and related results at once. */
  removePapers(ids: string[]): void {
    for (const id of ids) {
      const label = this.labelOf.get(id);
      if (label === undefined) continue;
      this.bm25.remove(label);
      this.papers[label] = undefined;
      this.labelOf.delete(id);
    }
    for (const s of this.spaces.values()) s.removePapers(ids);
  }

  getPaper(id: string): Paper | undefined {
    const l = this.labelOf.get(id);
    return l === undefined ? undefined : this.papers[l];
  }

  get paperCount(): number {
    return this.labelOf.size;
  }

  // ---------------------------------------------------------------- vector spaces

  /** The space of an identity, created empty on first use. */
  space(identity: VectorIdentity): VectorSpace {
    const key = vectorKey(identity);
    let s = this.spaces.get(key);
    if (!s) this.spaces.set(key, (s = new VectorSpace(identity, this.opts)));
    return s;
  }

  /** The space of an identity if it exists (no side effect). */
  findSpace(identity: VectorIdentity): VectorSpace | undefined {
    return this.spaces.get(vectorKey(identity));
  }

  /** The space of `model`'s identity, with `model` as its query model. */
  useModel(model: EmbeddingModel): VectorSpace {
    const s = this.space(model.identity);
    s.setQueryModel(model);
    return s;
  }

  /**
   * Takes over `from`'s papers and keyword index (no re-tokenising: 100k abstracts take tens of
   * seconds) and moves the spaces of `keys` over with their graphs (no copy, no rebuild) — what a
   * model switch keeps, since neither depends on the primary model. `from` is left without them
   * (its later dispose() no longer touches the moved spaces) and must not be searched again.
   * Both engines must have been made with the same options (session.newEngine()).
   */
  adoptFrom(from: SearchEngine, keys: readonly VectorKey[]): void {
    this.bm25 = from.bm25;
    this.papers = from.papers;
    this.labelOf = from.labelOf;
    from.bm25 = new Bm25Index(from.opts.bm25);
    from.papers = [];
    from.labelOf = new Map();
    for (const k of keys) {
      const space = from.spaces.get(k);
      if (!space) continue;
      from.spaces.delete(k);
      this.spaces.set(k, space);
    }
  }

  /** Removes a space and stops its background graph build (VectorSpace.dispose). */
  dropSpace(key: VectorKey): void {
    this.spaces.get(key)?.dispose();
    this.spaces.delete(key);
  }

  /**
   * This engine is being replaced: every space's background work stops. Spaces whose rows were
   * copied into a new engine are unaffected (setVectors copies rows; see session.setModel).
   */
  dispose(): void {
    for (const s of this.spaces.values()) s.dispose();
    this.spaces.clear();
  }

  get vectorSpaces(): VectorSpace[] {
    return [...this.spaces.values()];
  }

  /** The first space added: the one the single-model conveniences below act on. */
  get primary(): VectorSpace | undefined {
    return this.spaces.values().next().value;
  }

  private requirePrimary(): VectorSpace {
    const s = this.primary;
    if (!s) throw new SearchNotReadyError('No vector space: load a model first (useModel)');
    return s;
  }

  /** Single-model convenience: replace the primary space's vectors. */
  setVectors(paperIds: string[], vectors: Float32Array, opts: { index?: VectorIndex } = {}): Promise<void> {
    return this.requirePrimary().setVectors(paperIds, vectors, opts);
  }

  /** Single-model convenience: append to the primary space. */
  addVectors(paperIds: string[], vectors: Float32Array): Promise<void> {
    return this.requirePrimary().addVectors(paperIds, vectors);
  }

  /** A paper's vector in the primary space. */
  getVector(paperId: string): Float32Array | undefined {
    return this.primary?.getVector(paperId);
  }

  /** Vectors in the primary space. */
  get vectorCount(): number {
    return this.primary?.size ?? 0;
  }

  vectorIndexKind(): VectorIndex['kind'] | null {
    return this.primary?.kind ?? null;
  }

  private rankingSpaces(keys?: VectorKey[]): VectorSpace[] {
    const list = keys ? keys.map((k) => this.spaces.get(k)).filter((s): s is VectorSpace => !!s) : [...this.spaces.values()];
    const ready = list.filter((s) => s.ready);
    if (ready.length === 0) throw new SearchNotReadyError('Vector search needs document vectors and a query model, and none are loaded yet');
    return ready;
  }

  // ---------------------------------------------------------------- queries

  /** Lexical-label filter for live papers in the allowed collections (and `ids`, when given) that pass the fielded filters. */
  private lexFilter(collections?: string[], exclude?: string, filters?: SearchFilters, ids?: string[]): (label: number) => boolean {
    const allowed = collections && collections.length ? new Set(collections) : null;
    const fielded = paperFilter(filters);
    const only = ids ? new Set(ids) : null;
    return (label) => {
      const p = this.papers[label];
      if (!p || p.id === exclude) return false;
      if (only && !only.has(p.id)) return false;
      return (!allowed || allowed.has(p.collection ?? '')) && fielded(p);
    };
  }

  /** One space's top `k` as lexical label → cosine. */
  private vectorHits(space: VectorSpace, qv: Float32Array, k: number, lex: (label: number) => boolean): Map<number, number> {
    const allow = (id: string) => {
      const l = this.labelOf.get(id);
      return l !== undefined && lex(l);
    };
    const out = new Map<number, number>();
    for (const h of space.search(qv, k, allow)) out.set(this.labelOf.get(h.id)!, h.score);
    return out;
  }

  /**
   * Ranked papers for a question. Lexical works without a model; vector and hybrid need a ready
   * vector space (else SearchNotReadyError). Scores: BM25 (lexical), cosine (vector with one space),
   * fused score otherwise — comparable within one result list only.
   */
  async search(question: string, opts: SearchOptions = {}): Promise<SearchHit[]> {
    const k = opts.k ?? DEFAULT_RESULTS;
    const fusion: FusionOptions = opts.fusion ? { ...this.fusion, ...opts.fusion } : this.fusion;
    const mode = opts.mode ?? 'hybrid';
    if (!question.trim() || k <= 0) return [];
    const lex = this.lexFilter(opts.collections, undefined, opts.filters, opts.ids);
    let ranked: { label: number; score: number }[];
    const lexRanks = new Map<number, number>();
    const vecRanks = new Map<number, number>();

    if (mode === 'lexical') {
      ranked = this.bm25.search(question, k, lex);
      ranked.forEach((h, i) => lexRanks.set(h.label, i + 1));
    } else {
      const spaces = this.rankingSpaces(opts.spaces);
      const qvs = await Promise.all(spaces.map((s) => s.queryVector(question)));
      const depth = mode === 'vector' && spaces.length === 1 ? k : Math.max(fusion.depth, k);
      const vecHits = spaces.map((s, i) => this.vectorHits(s, qvs[i], depth, lex));
      // The rank shown for "found by the semantic ranker" is the first space's.
      [...vecHits[0].keys()].forEach((l, i) => vecRanks.set(l, i + 1));
      if (mode === 'vector') {
        ranked =
          spaces.length === 1
            ? [...vecHits[0]].map(([label, score]) => ({ label, score }))
            : fuse(new Map(), vecHits, { ...fusion, alpha: 1 }).slice(0, k);
      } else {
        const lexical = this.bm25.searchScored(question, depth, lex);
        lexical.top.forEach((h, i) => lexRanks.set(h.label, i + 1));
        const fused = this.hybridRank(lexical, spaces, qvs, vecHits, fusion);
        if (fusion.prfDocs > 0 && fusion.prfWeight > 0) {
          // Pseudo-relevance feedback (off by default: measured by bench/prf.ts, it lowered mean
          // MRR@10 at every setting tried): a second pass with each space's question vector moved
          // towards the first pass's head.
          const head = fused.slice(0, fusion.prfDocs).map((h) => this.papers[h.label]!.id);
          const moved = spaces.map((s, i) => feedbackQuery(s, qvs[i], head, fusion.prfWeight));
          const vecHits2 = spaces.map((s, i) => this.vectorHits(s, moved[i], depth, lex));
          ranked = this.hybridRank(lexical, spaces, moved, vecHits2, fusion).slice(0, k);
        } else ranked = fused.slice(0, k);
      }
    }
    const noSentence = { sentence: '', range: undefined };
    // Cosine in the first space, for the weak-match signal (exact: fused candidates were all scored).
    const firstSpace = mode === 'lexical' ? undefined : this.rankingSpaces(opts.spaces)[0];
    const firstQv = firstSpace ? await firstSpace.queryVector(question) : undefined;
    // Evidence by words (best-sentence.ts); picking by meaning too was measured and did not help
    // (bestSentencesWithMeaning, README "Evidence sentences"), so search does not pay for it.
    const bests = opts.sentences === false ? undefined : ranked.map((h) => this.bestSentence(question, this.papers[h.label]!));
    return ranked.map((h, i) => {
      const paper = this.papers[h.label]!;
      const best = bests ? bests[i] : noSentence;
      return {
        paper,
        score: h.score,
        sentence: best.sentence,
        sentenceRange: best.range,
        lexicalRank: lexRanks.get(h.label),
        vectorRank: vecRanks.get(h.label),
        cosine: firstSpace ? firstSpace.score(firstQv!, paper.id) : undefined,
      };
    });
  }

  /**
   * Hybrid fusion of BM25 (`lexAll`: every matching paper, best first) with each space's hits for
   * its question vector. For the score-based fusions every candidate gets exact scores from every
   * ranker, so a paper found by one ranker is not scored 0 by another merely because it fell outside
   * that ranker's top `depth`. Mutates `vecHits` (adds the exact scores). `lexical`: the `depth`
   * best lexical hits and every matching document's score (Bm25Index.searchScored).
   */
  private hybridRank(
    lexical: { top: { label: number; score: number }[]; scoreOf: (label: number) => number | undefined },
    spaces: VectorSpace[],
    qvs: Float32Array[],
    vecHits: Map<number, number>[],
    fusion: FusionOptions,
  ): { label: number; score: number }[] {
    const lexMap = new Map(lexical.top.map((h) => [h.label, h.score]));
    if (fusion.method !== 'rrf') {
      for (const hits of vecHits) {
        for (const l of hits.keys()) {
          const score = lexical.scoreOf(l);
          if (score !== undefined) lexMap.set(l, score);
        }
      }
      const candidates = new Set<number>(lexMap.keys());
      for (const hits of vecHits) for (const l of hits.keys()) candidates.add(l);
      spaces.forEach((s, i) => {
        for (const l of candidates) {
          if (vecHits[i].has(l)) continue;
          const score = s.score(qvs[i], this.papers[l]!.id);
          if (score !== undefined) vecHits[i].set(l, score);
        }
      });
    }
    return fuse(lexMap, vecHits, fusion);
  }

  /**
   * Nearest papers to a paper's own stored vector, excluding itself, in the first space (or the one
   * named) that holds a vector for it. Throws when the paper is unknown or has no vector yet. The
   * sentence shown is the one closest to the source's title.
   */
  related(paperId: string, k = 5, opts: { collections?: string[]; space?: VectorKey } = {}): SearchHit[] {
    const source = this.getPaper(paperId);
    if (!source) throw new Error(`Unknown paper id "${paperId}"`);
    const candidates = opts.space ? [this.spaces.get(opts.space)].filter((s): s is VectorSpace => !!s) : [...this.spaces.values()];
    const space = candidates.find((s) => s.has(paperId));
    const v = space?.getVector(paperId);
    if (!space || !v) throw new SearchNotReadyError(`Paper "${source.title}" has no vector yet`);
    const hits = this.vectorHits(space, v, k, this.lexFilter(opts.collections, paperId));
    let rank = 0;
    return [...hits].map(([label, score]) => {
      const paper = this.papers[label]!;
      const best = this.bestSentence(source.title, paper);
      return { paper, score, sentence: best.sentence, sentenceRange: best.range, vectorRank: ++rank };
    });
  }

  /**
   * Evidence sentences chosen by words and meaning: `model` embeds the question and every sentence of
   * each paper's abstract (cached per paper). Measured by bench/evidence.ts and not used by search:
   * with the static model (or even bge) it picked fewer labelled sentences right than words alone. A model failure falls back to words only — evidence is
   * a highlight, never a reason for a search to fail.
   */
  async bestSentencesWithMeaning(question: string, papers: Pick<Paper, 'id' | 'title' | 'abstract'>[], model: EmbeddingModel): Promise<BestSentence[]> {
    try {
      const query = await model.embedQuery(question);
      const missing = papers.filter((p) => p.abstract.trim() && this.sentenceCache.get(model.modelId + '\u0000' + p.id)?.abstract !== p.abstract);
      if (missing.length) {
        const spans = missing.map((p) => splitSentences(p.abstract).map((x) => x.text));
        const { vectors, dimensions: d } = await model.embedDocuments(spans.flat());
        let row = 0;
        missing.forEach((p, i) => {
          const vs = spans[i].map(() => vectors.slice(d * row, d * ++row));
          const key = model.modelId + '\u0000' + p.id;
          this.sentenceCache.delete(key);
          if (this.sentenceCache.size >= SENTENCE_CACHE) this.sentenceCache.delete(this.sentenceCache.keys().next().value!);
          this.sentenceCache.set(key, { abstract: p.abstract, vectors: vs });
        });
      }
      return papers.map((p) => {
        const cached = p.abstract.trim() ? this.sentenceCache.get(model.modelId + '\u0000' + p.id) : undefined;
        const meaning: SentenceMeaning | undefined = cached ? { query, sentences: cached.vectors } : undefined;
        return pickSentence(question, p.abstract, p.title, this.bm25, meaning);
      });
    } catch {
      return papers.map((p) => this.bestSentence(question, p));
    }
  }

  /** The lexical index's tokenizer and IDF, for the sentence picker outside search (benchmarks). */
  get termStats(): TermStats {
    return this.bm25;
  }

  /** Single-paper form of bestSentencesWithMeaning (benchmarks, tests). */
  async bestSentenceWithMeaning(question: string, paper: Pick<Paper, 'id' | 'title' | 'abstract'>, model: EmbeddingModel): Promise<BestSentence> {
    return (await this.bestSentencesWithMeaning(question, [paper], model))[0];
  }

  /** Abstract sentence that best answers `question` (title when there is no abstract), by shared words. */
  bestSentence(question: string, paper: Pick<Paper, 'title' | 'abstract'> | string): BestSentence {
    const abstract = typeof paper === 'string' ? paper : paper.abstract;
    const title = typeof paper === 'string' ? '' : paper.title;
    return pickSentence(question, abstract, title, this.bm25);
  }
}

/**
 * Rocchio feedback in one vector space: the question vector plus `weight` × the mean of the head
 * papers' vectors (those this space has), L2-normalised. With no head vector the question is kept.
 */
export function feedbackQuery(space: VectorSpace, q: Float32Array, headIds: string[], weight: number): Float32Array {
  const out = Float32Array.from(q);
  const rows = headIds.map((id) => space.getVector(id)).filter((v): v is Float32Array => !!v);
  if (rows.length === 0) return out;
  for (const r of rows) for (let j = 0; j < out.length; j++) out[j] += (weight * r[j]) / rows.length;
  let n = 0;
  for (let j = 0; j < out.length; j++) n += out[j] * out[j];
  n = Math.sqrt(n);
  if (n > 0) for (let j = 0; j < out.length; j++) out[j] /= n;
  return out;
}
