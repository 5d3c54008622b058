/**
 * Picks the abstract sentence that best answers a question, cheaply enough to run for every hit
 * in the browser: BM25 over the abstract's sentences, with the collection's IDF (so "learning"
 * counts little and "spectrogram" a lot) and a bonus for query bigrams that appear in order.
 *
 * Embedding every sentence of every hit with the model was considered and rejected: ~80 extra
 * forward passes per query (≈2–3 s in browser WASM) for a highlight.
 */
import { splitSentences } from '../text/sentences.ts';
import { tokenize } from './bm25.ts';

export interface BestSentence {
  sentence: string;
  /** [start, end) of `sentence` in the abstract; absent when the sentence is the title. */
  range?: [number, number];
  /** 0 when no query term occurs in any sentence (then the contribution sentence is chosen). */
  score: number;
}

/** What the picker needs from the lexical index: its tokenizer and IDF. */
export interface TermStats {
  tokenize(text: string): string[];
  idf(term: string): number;
}

// Sentences that state the contribution: a reasonable answer when no query word occurs at all
// (typical for hits found by the vector ranker through paraphrase).
const CONTRIBUTION = /\b(?:we|this (?:paper|work)|our (?:method|approach|work))\s+(?:propose|present|introduce|develop|show|study|describe)/i;

export function bestSentence(question: string, abstract: string, title: string, stats?: TermStats): BestSentence {
  const sentences = abstract.trim() ? splitSentences(abstract) : [];
  if (sentences.length === 0) return { sentence: title, score: 0 };

  const tok = (s: string) => (stats ? stats.tokenize(s) : tokenize(s));
  const qTerms = [...new Set(tok(question))];
  // BM25's IDF is high for a term no paper contains: a rare word is still informative in a sentence.
  const idf = (t: string) => (stats ? stats.idf(t) : 1);
  const qBigrams = new Set<string>();
  const qt = tok(question);
  for (let i = 1; i < qt.length; i++) qBigrams.add(qt[i - 1] + ' ' + qt[i]);

  const toks = sentences.map((s) => tok(s.text));
  const avg = toks.reduce((a, t) => a + t.length, 0) / toks.length || 1;
  const k1 = 1.2;
  const b = 0.75;

  let best = 0;
  let bestScore = 0;
  let bestRanked = -1;
  sentences.forEach((s, i) => {
    const t = toks[i];
    const tf = new Map<string, number>();
    for (const w of t) tf.set(w, (tf.get(w) ?? 0) + 1);
    let score = 0;
    for (const q of qTerms) {
      const f = tf.get(q);
      if (!f) continue;
      score += (idf(q) * f * (k1 + 1)) / (f + k1 * (1 - b + (b * t.length) / avg));
    }
    for (let j = 1; j < t.length; j++) {
      const bg = t[j - 1] + ' ' + t[j];
      if (qBigrams.has(bg)) score += 0.5 * (idf(t[j - 1]) + idf(t[j])) / 2;
    }
    // Tie-breaker only (far below one matched term): prefer the sentence stating the contribution.
    const ranked = score + (CONTRIBUTION.test(s.text) ? 1e-3 : 0);
    if (ranked > bestRanked) {
      bestRanked = ranked;
      bestScore = score;
      best = i;
    }
  });
  const s = sentences[best];
  return { sentence: s.text, range: [s.start, s.end], score: bestScore };
}
