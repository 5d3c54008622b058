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

interface DocEntry {
  len: number;
  terms: string[];
}

/**
 * Defaults: k1/b are the textbook values. On the dev questions (lexical, recall@5) light stemming
 * .967 ≥ plural-only .933 ≥ none .900, and titleWeight 2 ≥ 1; stopword removal made no difference
 * there but keeps best-sentence overlap from matching "the"/"of".
 */
export const BM25_DEFAULTS = { k1: 1.2, b: 0.75, titleWeight: 2, stemmer: 'light' as Stemmer, stopwords: true };

export class Bm25Index {
  readonly opts: Required<Bm25Options>;
  private postings = new Map<string, Map<number, number>>();
  private docs = new Map<number, DocEntry>();
  private totalLen = 0;

  constructor(opts: Bm25Options = {}) {
    this.opts = { ...BM25_DEFAULTS, ...opts };
  }

  get size(): number {
    return this.docs.size;
  }

  has(docId: number): boolean {
    return this.docs.has(docId);
  }

  tokenize(text: string): string[] {
    return tokenize(text, this.opts);
  }

  /** Add a document; re-adding an existing id replaces it. */
  add(docId: number, doc: Bm25Doc): void {
    if (this.docs.has(docId)) this.remove(docId);
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
    for (const [t, f] of tf) {
      let p = this.postings.get(t);
      if (!p) this.postings.set(t, (p = new Map()));
      p.set(docId, f);
    }
    this.docs.set(docId, { len, terms: [...tf.keys()] });
    this.totalLen += len;
  }

  /** Remove a document; unknown ids are ignored. */
  remove(docId: number): void {
    const d = this.docs.get(docId);
    if (!d) return;
    for (const t of d.terms) {
      const p = this.postings.get(t);
      p?.delete(docId);
      if (p && p.size === 0) this.postings.delete(t);
    }
    this.docs.delete(docId);
    this.totalLen -= d.len;
  }

  clear(): void {
    this.postings.clear();
    this.docs.clear();
    this.totalLen = 0;
  }

  /** Robertson–Spärck Jones IDF with the +1 that keeps it positive for very common terms. */
  idf(term: string): number {
    const n = this.docs.size;
    const df = this.postings.get(term)?.size ?? 0;
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
   * BM25 of a weighted query: Σ weight(t) × BM25(t, doc) over the given (already tokenized) terms.
   * `search` is this with weight 1 per distinct query term; query expansion (bench/rm3.ts) passes
   * expansion terms with smaller weights.
   */
  searchTerms(weights: Map<string, number>, k: number, filter?: (label: number) => boolean): LexicalHit[] {
    if (weights.size === 0 || this.docs.size === 0 || k <= 0) return [];
    const { k1, b } = this.opts;
    const avg = this.totalLen / this.docs.size || 1;
    const scores = new Map<number, number>();
    for (const [t, w] of weights) {
      const p = this.postings.get(t);
      if (!p || !(w > 0)) continue;
      const idf = this.idf(t);
      for (const [doc, f] of p) {
        if (filter && !filter(doc)) continue;
        const len = this.docs.get(doc)!.len;
        const s = (w * idf * f * (k1 + 1)) / (f + k1 * (1 - b + (b * len) / avg));
        scores.set(doc, (scores.get(doc) ?? 0) + s);
      }
    }
    const hits = [...scores].map(([label, score]) => ({ label, score }));
    hits.sort((x, y) => y.score - x.score || x.label - y.label);
    return Number.isFinite(k) ? hits.slice(0, k) : hits;
  }
}
