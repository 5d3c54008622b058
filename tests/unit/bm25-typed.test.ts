/**
 * The typed-array Bm25Index against the Map-based index it replaced (kept verbatim below, the
 * reference only): same hits, same order, bit-identical scores — on the seed corpus and a
 * recombined synthetic corpus, through adds, replacements, removals and the compaction of dead
 * postings.
 */
import { describe, expect, it } from 'vitest';
import { BM25_DEFAULTS, Bm25Index, tokenize, type Bm25Doc, type Bm25Options, type LexicalHit } from '../../src/core/search/bm25.ts';
import { loadSeedPapers, recombinedTexts } from '../../bench/lib/seed.ts';

// ---- reference: the former implementation (postings as Map<term, Map<doc, tf>>), unchanged
interface DocEntry {
  len: number;
  terms: string[];
}

/**
 * Defaults: k1/b are the textbook values. On the dev questions (lexical, recall@5) light stemming
 * .967 ≥ plural-only .933 ≥ none .900, and titleWeight 2 ≥ 1; stopword removal made no difference
 * there but keeps best-sentence overlap from matching "the"/"of".
 */


class MapBm25Index {
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


  /** Add a document; re-adding an existing id replaces it. */
  add(docId: number, doc: Bm25Doc): void {
    if (this.docs.has(docId)) this.remove(docId);
    const tf = new Map<string, number>();
    let len = 0;
    const count = (text: string, w: number) => {
      for (const t of tokenize(text, this.opts)) {
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
    return this.searchTerms(new Map(tokenize(query, this.opts).map((t) => [t, 1])), k, filter);
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

// ---- the comparison

const seed = loadSeedPapers();
const docOf = (p: (typeof seed)[number]): Bm25Doc => ({ title: p.title, body: p.abstract, authors: (p.authors ?? []).map(String).join('; ') });

function queries(): string[] {
  const qs = seed.map((p) => p.title);
  for (const p of seed.slice(0, 60)) qs.push(p.abstract.split(/(?<=\.) /)[1] ?? p.abstract.slice(0, 80));
  qs.push('masked autoencoders', 'contrastive learning', 'transformer', 'the of and', 'zzzz unknownword', 'pre-training image');
  return qs;
}

/** Exact equality of hit lists: labels in order and scores as the same doubles (Object.is). */
function same(a: LexicalHit[], b: LexicalHit[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]!.label !== b[i]!.label || !Object.is(a[i]!.score, b[i]!.score)) return false;
  return true;
}

function compare(ref: MapBm25Index, idx: Bm25Index, qs: string[]): number {
  let bad = 0;
  const odd = (l: number) => l % 2 === 1;
  for (const q of qs) {
    if (!same(ref.search(q, Infinity), idx.search(q, Infinity))) bad++;
    if (!same(ref.search(q, 10), idx.search(q, 10))) bad++;
    if (!same(ref.search(q, 5, odd), idx.search(q, 5, odd))) bad++;
    // searchScored (hybrid search): the same k best, and the score of every match beyond them.
    const all = ref.search(q, Infinity, odd);
    const scored = idx.searchScored(q, 7, odd);
    if (!same(all.slice(0, 7), scored.top) || scored.matched !== all.length) bad++;
    const matchedLabels = new Set(all.map((h) => h.label));
    for (const h of all) if (!Object.is(scored.scoreOf(h.label), h.score)) bad++;
    for (let l = 0; l < 40; l++) if (!matchedLabels.has(l) && scored.scoreOf(l) !== undefined) bad++;
    // countMatching (a keyword question's result count): search(Infinity)'s length, unscored.
    if (idx.countMatching(q) !== ref.search(q, Infinity).length || idx.countMatching(q, odd) !== all.length) bad++;
  }
  const w = new Map([[tokenize('learning')[0]!, 1], [tokenize('video')[0]!, 0.35]]);
  if (!same(ref.searchTerms(w, Infinity), idx.searchTerms(w, Infinity))) bad++;
  for (const t of ['learn', 'video', 'nothing-here']) if (!Object.is(ref.idf(t), idx.idf(t))) bad++;
  return bad;
}

describe('typed-array BM25 = the Map-based BM25 it replaced', () => {
  const qs = queries();

  for (const opts of [{}, { titleWeight: 1.5, k1: 0.9, b: 0.4 }, { titleWeight: 1.3, stemmer: 's' as const }] as Bm25Options[]) {
    it(`seed corpus with edits, options ${JSON.stringify(opts)}`, () => {
      const ref = new MapBm25Index(opts);
      const idx = new Bm25Index(opts);
      seed.forEach((p, i) => (ref.add(i, docOf(p)), idx.add(i, docOf(p))));
      expect(idx.size).toBe(seed.length);
      expect(compare(ref, idx, qs)).toBe(0);
      // Replace some, remove some, re-add one removed under its old label.
      for (let i = 0; i < seed.length; i += 7) {
        const d = { title: seed[(i + 3) % seed.length]!.title, body: seed[i]!.abstract };
        ref.add(i, d);
        idx.add(i, d);
      }
      for (let i = 1; i < seed.length; i += 5) (ref.remove(i), idx.remove(i));
      ref.add(6, docOf(seed[0]!));
      idx.add(6, docOf(seed[0]!));
      expect(idx.size).toBe(ref.size);
      expect(compare(ref, idx, qs)).toBe(0);
    });
  }

  it('synthetic 3000-paper corpus, through compaction of dead postings', () => {
    const few = qs.filter((_, i) => i % 4 === 0);
    const texts = recombinedTexts(3000);
    const ref = new MapBm25Index();
    const idx = new Bm25Index();
    texts.forEach((t, i) => {
      const d = { title: t.split('. ')[0]!, body: t };
      ref.add(i, d);
      idx.add(i, d);
    });
    expect(compare(ref, idx, few)).toBe(0);
    // 2000 removals: more dead than live, past the compaction threshold.
    for (let i = 0; i < 2000; i++) (ref.remove(i), idx.remove(i));
    expect(compare(ref, idx, few)).toBe(0);
    for (let i = 0; i < 300; i++) {
      ref.add(i, texts[i + 100]!);
      idx.add(i, texts[i + 100]!);
    }
    expect(idx.size).toBe(1300);
    expect(compare(ref, idx, few)).toBe(0);
  });

  it('a loaded index takes removals, additions and removals of the added like a built one', () => {
    // load() leaves the forward index (what remove() needs) for the first removal to build.
    const ref = new MapBm25Index();
    const built = new Bm25Index();
    seed.forEach((p, i) => (ref.add(i, docOf(p)), built.add(i, docOf(p))));
    const idx = new Bm25Index();
    idx.load(built.parts());
    for (let i = 0; i < 30; i++) idx.add(1000 + i, docOf(seed[(i * 7) % seed.length]!)), ref.add(1000 + i, docOf(seed[(i * 7) % seed.length]!));
    for (let i = 0; i < seed.length; i += 3) (ref.remove(i), idx.remove(i));
    for (let i = 0; i < 30; i += 2) (ref.remove(1000 + i), idx.remove(1000 + i));
    for (let i = 0; i < 20; i++) (ref.add(i * 3, docOf(seed[i + 50]!)), idx.add(i * 3, docOf(seed[i + 50]!)));
    idx.remove(3);
    ref.remove(3);
    expect(idx.size).toBe(ref.size);
    expect(compare(ref, idx, qs.filter((_, i) => i % 3 === 0))).toBe(0);
  });

  it('a filter is asked once per matching document, not once per matching term', () => {
    const idx = new Bm25Index();
    seed.forEach((p, i) => idx.add(i, docOf(p)));
    let calls = 0;
    const odd = (l: number) => (calls++, l % 2 === 1);
    for (const q of ['masked image modeling with vision transformers', 'contrastive video representation learning']) {
      const docs = idx.search(q, Infinity).length;
      calls = 0;
      idx.search(q, 5, odd);
      expect(calls).toBe(docs);
      calls = 0;
      idx.countMatching(q, odd);
      expect(calls).toBe(docs);
    }
  });

  it('parts() → load() gives an index with identical results', () => {
    const idx = new Bm25Index();
    seed.forEach((p, i) => idx.add(i * 3, docOf(p)));
    for (let i = 0; i < 40; i++) idx.remove(i * 3);
    const copy = new Bm25Index();
    copy.load(idx.parts());
    for (const q of qs) expect(same(copy.search(q, Infinity), idx.search(q, Infinity))).toBe(true);
    expect(BM25_DEFAULTS.k1).toBe(1.2);
  });
});
