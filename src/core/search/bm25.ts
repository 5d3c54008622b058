/**
 * BM25 lexical index over title + abstract. Pure TypeScript, incremental (add/remove one document
 * at a time), so it is ready the moment papers are known — before any model has loaded.
 *
 * Scoring is BM25F-lite: a title token counts `titleWeight` times in both the term frequency and
 * the document length (Robertson et al., "Simple BM25 extension to multiple weighted fields").
 * IDF is computed at query time from live document frequencies, so add/remove never needs a
 * rebuild. Search cost is O(sum of posting-list lengths of the query terms).
 */

export type Stemmer = 'none' | 's' | 'light';

export interface TokenizeOptions {
  /** 'light' (default): plural + -ing/-ed folding. 's': plurals only. 'none': exact words. */
  stemmer?: Stemmer;
  /** Drop common English function words (default true). */
  stopwords?: boolean;
}

// Function words only: content words that happen to be frequent ("learning", "model") are left to IDF.
const STOPWORDS = new Set(
  (
    'a an the and or but nor of for to in on at by with from into onto over under about as than then ' +
    'that this these those which who whom whose what when where why how is are was were be been being ' +
    'it its it\'s we our us they their them he she his her you your i me my do does did done can could ' +
    'should would will shall may might must has have had having not no so such there here also both ' +
    'each either neither all any some more most other via using use used based upon while whereas'
  ).split(/\s+/),
);

/** Plural folding (Harman's S-stemmer): "features"→"feature", "queries"→"query", keeps "loss", "analysis". */
function sStem(w: string): string {
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && !w.endsWith('eies') && !w.endsWith('aies')) return w.slice(0, -3) + 'y';
  if (w.endsWith('es') && !w.endsWith('aes') && !w.endsWith('ees') && !w.endsWith('oes')) {
    // "boxes", "patches", "losses" drop "es"; "images", "features" drop only "s".
    if (/(?:x|ch|sh|ss|zz)es$/.test(w)) return w.slice(0, -2);
    return w.slice(0, -1);
  }
  if (w.endsWith('s') && !w.endsWith('us') && !w.endsWith('ss') && !w.endsWith('is')) return w.slice(0, -1);
  return w;
}

const VOWEL = /[aeiouy]/;

/**
 * Light inflection folding on top of sStem: "-ing" and "-ed" are removed when a vowel remains in
 * the stem ("training"→"train", "masked"→"mask", "learned"→"learn"; "embedding"→"embedd" and
 * "embedded"→"embedd" agree). A trailing "e" is dropped too so "image"/"imaging" meet at "imag".
 * Not a full Porter stemmer: derivational suffixes (-tion, -ive) stay, which keeps precision high.
 */
function lightStem(word: string): string {
  let w = sStem(word);
  if (w.length > 5 && w.endsWith('ing') && VOWEL.test(w.slice(0, -3))) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed') && !w.endsWith('eed') && VOWEL.test(w.slice(0, -2))) w = w.slice(0, -2);
  if (w.length > 4 && w.endsWith('e')) w = w.slice(0, -1);
  return w;
}

/**
 * Lower-case, accent-stripped Unicode word tokens. Hyphenated compounds yield their parts AND the
 * joined form ("pre-training" → pre, training, pretraining) so "pretraining" in a question matches.
 */
const FOLD: Record<string, string> = { ø: 'o', ł: 'l', đ: 'd', ı: 'i', æ: 'ae', œ: 'oe', ß: 'ss' };

export function tokenize(text: string, opts: TokenizeOptions = {}): string[] {
  const stem = opts.stemmer ?? 'light';
  const dropStop = opts.stopwords ?? true;
  const norm = (w: string) => (stem === 'light' ? lightStem(w) : stem === 's' ? sStem(w) : w);
  const out: string[] = [];
  // NFKD strips combining accents (é → e); the letters it leaves alone are folded by hand so that
  // "Øster", "Łukasz" or "Straße" match a question typed without them.
  const lowered = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[øłđıæœß]/g, (c) => FOLD[c] ?? c);
  for (const chunk of lowered.split(/[^\p{L}\p{N}-]+/u)) {
    if (!chunk) continue;
    const parts = chunk.split('-').filter(Boolean);
    for (const p of parts) {
      if (dropStop && STOPWORDS.has(p)) continue;
      out.push(norm(p));
    }
    if (parts.length > 1) out.push(norm(parts.join('')));
  }
  return out;
}

export interface Bm25Options extends TokenizeOptions {
  k1?: number;
  b?: number;
  /** How many times a title token counts relative to an abstract token (1 = plain concatenation). */
  titleWeight?: number;
}

/**
 * A document: plain text, or fields — the title (weighted), the body, and the author names (a field
 * of its own, so "Chen" finds a paper by Xinlei Chen whichever order the source wrote the name in;
 * tokens are order-free and accent-folded like every other field).
 */
export type Bm25Doc = string | { title: string; body: string; authors?: string };

export interface LexicalHit {
  label: number;
  score: number;
}

/**
 * Defaults: k1/b are the textbook values. On the dev questions (lexical, recall@5) light stemming
 * .967 ≥ plural-only .933 ≥ none .900, and titleWeight 2 ≥ 1; stopword removal made no difference
 * there but keeps best-sentence overlap from matching "the"/"of".
 */
/** Scratch states of a slot during one query (`touched`): matched and in scope, or excluded by the filter. */
const SCORED = 1;
const REJECTED = 2;

export const BM25_DEFAULTS = { k1: 1.2, b: 0.75, titleWeight: 2, stemmer: 'light' as Stemmer, stopwords: true };

/**
 * The raw postings of an index, for a snapshot (bm25-snapshot.ts). Documents are dense slots
 * 0..n-1; `offsets[t]..offsets[t+1]` are term t's postings in `slots`/`tfs`.
 */
export interface Bm25Parts {
  opts: Required<Bm25Options>;
  terms: string[];
  offsets: Int32Array;
  slots: Int32Array;
  tfs: Float32Array | Float64Array;
  labels: Int32Array;
  lens: Float64Array;
  totalLen: number;
}

/** Growable typed array: `a` is the buffer, the caller keeps the used length. */
function grow<T extends Int32Array | Float32Array | Float64Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2, 8));
  b.set(a);
  return b;
}

/**
 * Postings live in typed arrays (per term: slot ids and term frequencies, appended as documents
 * arrive) instead of one Map per term — faster to build, a fraction of the memory, and the shape
 * a snapshot stores. A document occupies a slot; removing it marks the slot dead and lowers the
 * live document frequencies, so the statistics (n, df, total length) are exactly those of the
 * live documents. Dead postings are skipped at query time and dropped once they outnumber the
 * live documents (compact). Re-adding a label takes a fresh slot.
 *
 * Scores are bit-identical to the former Map-based index (tests/unit/bm25-typed.test.ts): per
 * document the terms' contributions are summed in query-term order from 0, with the same
 * expression and the same n / df / avg.
 */
export class Bm25Index {
  readonly opts: Required<Bm25Options>;
  private termId = new Map<string, number>();
  private terms: string[] = [];
  /** Per term id: postings (slot, tf), used length, live document frequency. */
  private pSlots: Int32Array[] = [];
  private pTfs: (Float32Array | Float64Array)[] = [];
  private pLen: number[] = [];
  private df: number[] = [];
  /** Per slot: label, length, alive flag, and its term ids (slotTerms[slotTermStart[s]..[s+1]]). */
  private slotLabel = new Int32Array(0);
  private slotLen = new Float64Array(0);
  private slotAlive = new Uint8Array(0);
  private slotTermStart = new Int32Array(1);
  private slotTerms = new Int32Array(0);
  /**
   * Whether slotTerms / slotTermStart are built. They serve remove() only, so load() leaves them
   * unbuilt (two passes over every posting: ~0.2 s of a 100k reload, on the way to keyword search)
   * and the first remove() builds them from the postings, which are the truth either way. While
   * unbuilt, add() writes postings only.
   */
  private forward = true;
  private slotCount = 0;
  private liveSlot = new Map<number, number>(); // label → slot
  private dead = 0;
  private totalLen = 0;
  /** tf as float32 is exact while the title weight is a small integer (sums of integers < 2^24). */
  private readonly TfArray: typeof Float32Array | typeof Float64Array;
  /** Query scratch, grown to slotCount: score and a state per slot (0, SCORED, REJECTED), all 0 between queries. */
  private scratch = new Float64Array(0);
  private touched = new Uint8Array(0);

  constructor(opts: Bm25Options = {}) {
    this.opts = { ...BM25_DEFAULTS, ...opts };
    const w = this.opts.titleWeight;
    this.TfArray = Number.isInteger(w) && w >= 0 && w < 1024 ? Float32Array : Float64Array;
  }

  get size(): number {
    return this.liveSlot.size;
  }

  has(docId: number): boolean {
    return this.liveSlot.has(docId);
  }

  tokenize(text: string): string[] {
    return tokenize(text, this.opts);
  }

  /** Add a document; re-adding an existing id replaces it. */
  add(docId: number, doc: Bm25Doc): void {
    if (this.liveSlot.has(docId)) this.remove(docId);
    const tf = new Map<string, number>();
    let len = 0;
    const count = (text: string, w: number) => {
      for (const t of this.tokenize(text)) {
        tf.set(t, (tf.get(t) ?? 0) + w);
        len += w;
      }
    };
    if (typeof doc === 'string') count(doc, 1);
    else {
      count(doc.title, this.opts.titleWeight);
      count(doc.body, 1);
      if (doc.authors) count(doc.authors, 1);
    }
    const slot = this.newSlot(docId, len, tf.size);
    const forward = this.forward;
    let at = forward ? this.slotTermStart[slot]! : 0;
    for (const [t, f] of tf) {
      let id = this.termId.get(t);
      if (id === undefined) {
        id = this.terms.length;
        this.termId.set(t, id);
        this.terms.push(t);
        this.pSlots.push(new Int32Array(4));
        this.pTfs.push(new this.TfArray(4));
        this.pLen.push(0);
        this.df.push(0);
      }
      const n = this.pLen[id]!;
      if (n === this.pSlots[id]!.length) {
        this.pSlots[id] = grow(this.pSlots[id]!, n + 1);
        this.pTfs[id] = grow(this.pTfs[id]!, n + 1);
      }
      this.pSlots[id]![n] = slot;
      this.pTfs[id]![n] = f;
      this.pLen[id] = n + 1;
      this.df[id]!++;
      if (forward) this.slotTerms[at++] = id;
    }
    this.totalLen += len;
  }

  private newSlot(label: number, len: number, nTerms: number): number {
    const s = this.slotCount++;
    this.slotLabel = grow(this.slotLabel, s + 1);
    this.slotLen = grow(this.slotLen, s + 1);
    this.slotAlive = grow(this.slotAlive, s + 1);
    if (this.forward) {
      this.slotTermStart = grow(this.slotTermStart, s + 2);
      const start = this.slotTermStart[s]!;
      this.slotTerms = grow(this.slotTerms, start + nTerms);
      this.slotTermStart[s + 1] = start + nTerms;
    }
    this.slotLabel[s] = label;
    this.slotLen[s] = len;
    this.slotAlive[s] = 1;
    this.liveSlot.set(label, s);
    return s;
  }

  /** Remove a document; unknown ids are ignored. */
  remove(docId: number): void {
    const s = this.liveSlot.get(docId);
    if (s === undefined) return;
    if (!this.forward) this.buildForward();
    for (let i = this.slotTermStart[s]!; i < this.slotTermStart[s + 1]!; i++) this.df[this.slotTerms[i]!]!--;
    this.slotAlive[s] = 0;
    this.liveSlot.delete(docId);
    this.totalLen -= this.slotLen[s]!;
    if (++this.dead > 1024 && this.dead > this.liveSlot.size) this.compact();
  }

  /** Builds slotTerms / slotTermStart from the postings (every slot, dead ones included). */
  private buildForward(): void {
    const n = this.slotCount;
    const start = new Int32Array(n + 1);
    for (let t = 0; t < this.terms.length; t++) {
      const ps = this.pSlots[t]!;
      for (let i = 0, m = this.pLen[t]!; i < m; i++) start[ps[i]! + 1]!++;
    }
    for (let s = 0; s < n; s++) start[s + 1] = start[s]! + start[s + 1]!;
    const terms = new Int32Array(start[n]!);
    const fill = start.slice(0, n);
    for (let t = 0; t < this.terms.length; t++) {
      const ps = this.pSlots[t]!;
      for (let i = 0, m = this.pLen[t]!; i < m; i++) terms[fill[ps[i]!]!++] = t;
    }
    this.slotTermStart = start;
    this.slotTerms = terms;
    this.forward = true;
  }

  /** Rebuilds the arrays without dead slots; statistics do not change, so neither do scores. */
  private compact(): void {
    const total = this.totalLen;
    this.load(this.parts());
    this.totalLen = total;
  }

  clear(): void {
    this.termId.clear();
    this.terms = [];
    this.pSlots = [];
    this.pTfs = [];
    this.pLen = [];
    this.df = [];
    this.slotLabel = new Int32Array(0);
    this.slotLen = new Float64Array(0);
    this.slotAlive = new Uint8Array(0);
    this.slotTermStart = new Int32Array(1);
    this.slotTerms = new Int32Array(0);
    this.forward = true;
    this.slotCount = 0;
    this.liveSlot.clear();
    this.dead = 0;
    this.totalLen = 0;
  }

  /** Live postings in dense form (dead slots dropped, live slots renumbered in order). */
  parts(): Bm25Parts {
    const remap = new Int32Array(this.slotCount).fill(-1);
    const labels = new Int32Array(this.liveSlot.size);
    const lens = new Float64Array(this.liveSlot.size);
    let n = 0;
    for (let s = 0; s < this.slotCount; s++) {
      if (!this.slotAlive[s]) continue;
      remap[s] = n;
      labels[n] = this.slotLabel[s]!;
      lens[n] = this.slotLen[s]!;
      n++;
    }
    let total = 0;
    for (let t = 0; t < this.terms.length; t++) total += this.df[t]!;
    const terms: string[] = [];
    const offsets = new Int32Array(this.terms.length + 1);
    const slots = new Int32Array(total);
    const tfs = new this.TfArray(total);
    let at = 0;
    for (let t = 0; t < this.terms.length; t++) {
      if (this.df[t] === 0) continue;
      const ps = this.pSlots[t]!;
      const pt = this.pTfs[t]!;
      for (let i = 0; i < this.pLen[t]!; i++) {
        const r = remap[ps[i]!]!;
        if (r < 0) continue;
        slots[at] = r;
        tfs[at] = pt[i]!;
        at++;
      }
      terms.push(this.terms[t]!);
      offsets[terms.length] = at;
    }
    return { opts: { ...this.opts }, terms, offsets: offsets.slice(0, terms.length + 1), slots, tfs, labels, lens, totalLen: this.totalLen };
  }

  /**
   * Replaces the contents with `parts` (from parts() or a decoded snapshot). The caller checks
   * the options match (bm25-snapshot.ts); structural invariants are checked here, so damaged
   * parts throw instead of giving wrong scores later.
   */
  load(p: Bm25Parts): void {
    const nDocs = p.labels.length;
    const nPost = p.slots.length;
    if (p.lens.length !== nDocs || p.tfs.length !== nPost || p.offsets.length !== p.terms.length + 1 || p.offsets[0] !== 0 || p.offsets[p.terms.length] !== nPost || !Number.isFinite(p.totalLen)) {
      throw new Error('BM25 parts: inconsistent lengths');
    }
    for (let i = 0; i < nPost; i++) {
      const s = p.slots[i]!;
      if (!(s >= 0 && s < nDocs)) throw new Error('BM25 parts: posting out of range');
    }
    for (let t = 0; t < p.terms.length; t++) if (!(p.offsets[t + 1]! > p.offsets[t]!)) throw new Error('BM25 parts: bad term table');
    this.clear();
    this.slotLabel = p.labels.slice();
    this.slotLen = p.lens.slice();
    this.slotAlive = new Uint8Array(nDocs).fill(1);
    // The forward index (slotTerms) is built by the first remove(), if any.
    this.forward = false;
    this.slotCount = nDocs;
    for (let s = 0; s < nDocs; s++) {
      if (this.liveSlot.has(p.labels[s]!)) {
        this.clear();
        throw new Error('BM25 parts: duplicate label');
      }
      this.liveSlot.set(p.labels[s]!, s);
    }
    for (let t = 0; t < p.terms.length; t++) {
      const a = p.offsets[t]!;
      const b = p.offsets[t + 1]!;
      if (this.termId.has(p.terms[t]!)) {
        this.clear();
        throw new Error('BM25 parts: duplicate term');
      }
      this.termId.set(p.terms[t]!, t);
      this.terms.push(p.terms[t]!);
      // Views, not copies (a reload of 100k papers made ~10^5 small arrays here): safe because a
      // term's postings are only ever appended, and a view is exactly full, so the first append
      // grows it into a fresh array (add()); nothing writes below a list's length.
      this.pSlots.push(p.slots.subarray(a, b));
      if (p.tfs instanceof this.TfArray) this.pTfs.push(p.tfs.subarray(a, b));
      else {
        const tf = new this.TfArray(b - a);
        tf.set(p.tfs.subarray(a, b));
        this.pTfs.push(tf);
      }
      this.pLen.push(b - a);
      this.df.push(b - a);
    }
    this.totalLen = p.totalLen;
  }

  /** Robertson–Spärck Jones IDF with the +1 that keeps it positive for very common terms. */
  idf(term: string): number {
    const n = this.liveSlot.size;
    const id = this.termId.get(term);
    const df = id === undefined ? 0 : this.df[id]!;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  }

  /**
   * Top-k documents by BM25, highest first; ties broken by smaller label so results are
   * deterministic. `k = Infinity` returns every document that matches at least one term.
   * `filter(label) === false` excludes a document (scores still use whole-index statistics).
   */
  search(query: string, k: number, filter?: (label: number) => boolean): LexicalHit[] {
    return this.searchTerms(new Map(this.tokenize(query).map((t) => [t, 1])), k, filter);
  }

  /**
   * How many documents search(query, Infinity, filter) would return, without scoring or sorting
   * them: the result count of a keyword question, which at 100k papers cost twice the search itself
   * when it was a full search (every match scored and sorted to be counted).
   */
  countMatching(query: string, filter?: (label: number) => boolean): number {
    const terms = new Set(this.tokenize(query));
    if (terms.size === 0 || this.liveSlot.size === 0) return 0;
    this.ensureScratch();
    const touched = this.touched;
    const alive = this.slotAlive;
    const labels = this.slotLabel;
    const seenSlots: number[] = [];
    let n = 0;
    for (const t of terms) {
      const id = this.termId.get(t);
      if (id === undefined || this.df[id] === 0) continue;
      const ps = this.pSlots[id]!;
      for (let i = 0, m = this.pLen[id]!; i < m; i++) {
        const s = ps[i]!;
        if (touched[s] || !alive[s]) continue;
        const pass = !filter || filter(labels[s]!);
        touched[s] = pass ? SCORED : REJECTED;
        seenSlots.push(s);
        if (pass) n++;
      }
    }
    for (let i = 0; i < seenSlots.length; i++) touched[seenSlots[i]!] = 0;
    return n;
  }

  private ensureScratch(): void {
    if (this.scratch.length < this.slotCount) {
      this.scratch = new Float64Array(this.slotCount);
      this.touched = new Uint8Array(this.slotCount);
    }
  }

  /**
   * The k best hits (as search) and the score of every matching document, for fusion: hybrid
   * search needs the lexical score of the semantic ranker's candidates too, which may lie beyond
   * the k best. Same scores as search(); `scoreOf` is undefined for a document that matched no term
   * (or that `filter` excludes).
   */
  searchScored(query: string, k: number, filter?: (label: number) => boolean): { top: LexicalHit[]; matched: number; scoreOf: (label: number) => number | undefined } {
    let bySlot: Float64Array = new Float64Array(0);
    let matched = 0;
    const top = this.searchTerms(new Map(this.tokenize(query).map((t) => [t, 1])), k, filter, (scores, n) => ((bySlot = scores), (matched = n)));
    const scoreOf = (label: number) => {
      const slot = this.liveSlot.get(label);
      const v = slot === undefined ? NaN : (bySlot[slot] ?? NaN);
      return Number.isNaN(v) ? undefined : v;
    };
    return { top, matched, scoreOf };
  }

  /**
   * BM25 of a weighted query: Σ weight(t) × BM25(t, doc) over the given (already tokenized) terms.
   * `search` is this with weight 1 per distinct query term; query expansion (bench/rm3.ts) passes
   * expansion terms with smaller weights.
   */
  searchTerms(weights: Map<string, number>, k: number, filter?: (label: number) => boolean, all?: (bySlot: Float64Array, matched: number) => void): LexicalHit[] {
    if (weights.size === 0 || this.liveSlot.size === 0 || k <= 0) {
      all?.(new Float64Array(0), 0);
      return [];
    }
    const { k1, b } = this.opts;
    const avg = this.totalLen / this.liveSlot.size || 1;
    this.ensureScratch();
    const scores = this.scratch;
    const touched = this.touched;
    const hit: number[] = [];
    const rejected: number[] = [];
    // Hoisted: this loop runs once per posting (hundreds of thousands for a lay question at 100k).
    const alive = this.slotAlive;
    const labels = this.slotLabel;
    const lens = this.slotLen;
    for (const [t, w] of weights) {
      const id = this.termId.get(t);
      if (id === undefined || this.df[id] === 0 || !(w > 0)) continue;
      const idf = this.idf(t);
      const ps = this.pSlots[id]!;
      const pt = this.pTfs[id]!;
      for (let i = 0, n = this.pLen[id]!; i < n; i++) {
        const s = ps[i]!;
        const seen = touched[s]!;
        if (seen === REJECTED || !alive[s]) continue;
        if (seen === 0) {
          // The filter runs once per document, not once per posting: a fielded filter (author
          // words) costs microseconds, and a lay question has several postings per document.
          if (filter && !filter(labels[s]!)) {
            touched[s] = REJECTED;
            rejected.push(s);
            continue;
          }
          touched[s] = SCORED;
          scores[s] = 0;
          hit.push(s);
        }
        const f = pt[i]!;
        const len = lens[s]!;
        scores[s] = scores[s]! + (w * idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * len) / avg));
      }
    }
    for (let i = 0; i < rejected.length; i++) touched[rejected[i]!] = 0;
    if (all) {
      // A copy by slot (NaN: no match), so the scores outlive this scratch buffer's next use.
      const bySlot = new Float64Array(this.slotCount).fill(NaN);
      for (let i = 0; i < hit.length; i++) bySlot[hit[i]!] = scores[hit[i]!]!;
      all(bySlot, hit.length);
    }
    // Only the k best are sorted: a common word matches most of a 100k library, and sorting every
    // match cost more than scoring (Node, 100k papers: p50 111 ms a lay question before). Whatever
    // ranks in the k best scores at least the k-th best score, so the order is exactly a full sort's.
    let threshold = -Infinity;
    if (Number.isFinite(k) && hit.length > k) {
      const vals = new Float64Array(hit.length);
      for (let i = 0; i < hit.length; i++) vals[i] = scores[hit[i]!]!;
      vals.sort();
      threshold = vals[hit.length - k]!;
    }
    const hits: LexicalHit[] = [];
    for (let i = 0; i < hit.length; i++) {
      const s = hit[i]!;
      if (scores[s]! >= threshold) hits.push({ label: this.slotLabel[s]!, score: scores[s]! });
      touched[s] = 0;
    }
    hits.sort((x, y) => y.score - x.score || x.label - y.label);
    return Number.isFinite(k) && hits.length > k ? hits.slice(0, k) : hits;
  }
}
