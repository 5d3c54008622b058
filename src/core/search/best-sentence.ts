/**
 * Picks the abstract sentence that best answers a question, cheaply enough to run for every hit
 * in the browser. Up to two signals, each rescaled to 0–1 within the abstract:
 *   - words: BM25 over the abstract's sentences, with the collection's IDF (so "learning" counts
 *     little and "spectrogram" a lot) and a bonus for query bigrams that appear in order;
 *   - meaning (when the caller passes sentence vectors): cosine of the question with each sentence
 *     in the quick tier's static model — ~0.02 ms a sentence, so the ~150 sentences of 20 hits cost a
 *     few ms, where the transformer would need ~150 forward passes (seconds in browser WASM).
 * Sentences that are not content — links, "code is available at …", "best viewed in color", very
 * short fragments — lose to any content sentence (they are chosen only if nothing else exists).
 * Measured on tests/fixtures/evidence-sentences.jsonl by `npx tsx bench/evidence.ts` (README): words
 * alone 23/30 right; adding static-model meaning at weight 0.2–1 gave 17–22/30 (bge: 21–22/30), so
 * search passes no sentence vectors and the meaning path stays a measured option.
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

/** Question and sentence vectors (L2-normalised, one per splitSentences span) from one model. */
export interface SentenceMeaning {
  query: Float32Array;
  sentences: Float32Array[];
}

// Not an answer to anything: links, availability notes ("Code is available at …"), viewing hints.
const LINK = /https?:\/\/|www\.|github\.com/i;
const AVAILABILITY =
  /\b(?:code|models?|data(?:sets?)?|project page|source code|implementation|weights|demo|slides?)\b.{0,60}\b(?:available|released|public|provided|open[- ]sourced?)\b/i;
const VIEWING = /\bbest viewed\b/i;
/** Fewer words than this is a fragment ("Code is public.", "Oral presentation."), not evidence. */
const MIN_WORDS = 6;
/** An availability phrase in a sentence this long is content ("… when only uncurated data are available"). */
const NOTE_MAX_WORDS = 20;

/** True for sentences that should never be shown as evidence while a content sentence exists. */
export function isBoilerplate(text: string): boolean {
  const words = text.split(/\s+/).filter(Boolean).length;
  return LINK.test(text) || VIEWING.test(text) || words < MIN_WORDS || (words < NOTE_MAX_WORDS && AVAILABILITY.test(text));
}

/** Equal weights for words and meaning: chosen a priori, not tuned on the 30 labelled triples. */
const MEANING_WEIGHT = 0.5;

export function bestSentence(
  question: string,
  abstract: string,
  title: string,
  stats?: TermStats,
  meaning?: SentenceMeaning,
  meaningWeight = MEANING_WEIGHT,
): BestSentence {
  const sentences = abstract.trim() ? splitSentences(abstract) : [];
  if (sentences.length === 0) return { sentence: title, score: 0 };
  if (meaning && meaning.sentences.length !== sentences.length) throw new Error(`bestSentence: ${meaning.sentences.length} sentence vectors for ${sentences.length} sentences`);

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

  const lexical = sentences.map((s, i) => {
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
    return score;
  });
  const maxLex = Math.max(0, ...lexical);
  const cos = meaning ? meaning.sentences.map((v) => dot(meaning.query, v)) : undefined;
  const [cmin, cmax] = cos ? [Math.min(...cos), Math.max(...cos)] : [0, 0];

  let best = 0;
  let bestRanked = -Infinity;
  sentences.forEach((s, i) => {
    let ranked = maxLex > 0 ? (1 - (cos ? meaningWeight : 0)) * (lexical[i] / maxLex) : 0;
    if (cos && cmax > cmin) ranked += meaningWeight * ((cos[i] - cmin) / (cmax - cmin));
    // Below every content sentence (ranked is at most 1), still ordered among themselves.
    if (isBoilerplate(s.text)) ranked -= 2;
    // Tie-breaker only (far below one matched term): prefer the sentence stating the contribution.
    ranked += CONTRIBUTION.test(s.text) ? 1e-3 : 0;
    if (ranked > bestRanked) {
      bestRanked = ranked;
      best = i;
    }
  });
  const s = sentences[best];
  return { sentence: s.text, range: [s.start, s.end], score: lexical[best] };
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
