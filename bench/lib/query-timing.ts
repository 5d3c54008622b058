/**
 * Query latency, measured the same way in Node and in the browser worker (this module has no Node
 * or DOM imports). SearchEngine caches query vectors by question text, so every timed call uses a
 * question it has not seen; the order is: lexical (no model involved) → hybrid search (embed + BM25
 * + vector + fusion, each question new to the engine) → embedQuery alone (the model has no cache).
 * Hybrid goes first because onnxruntime-web plans memory per input shape: the first question of a
 * given token length is slower than later ones (measured: embed-only p50 209 ms when run first vs
 * hybrid p50 132 ms run after it, in the browser), so the headline hybrid figure is the colder one.
 */
import type { SearchEngine } from '../../src/core/search/engine.ts';
import type { EmbeddingModel } from '../../src/core/types.ts';
import { summarize, type Summary } from './stats.ts';

export interface QueryLatency {
  questions: number;
  lexical_ms: Summary;
  embed_query_ms: Summary;
  hybrid_ms: Summary;
}

async function timeEach(questions: string[], fn: (q: string) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (const q of questions) {
    const t = performance.now();
    await fn(q);
    out.push(performance.now() - t);
  }
  return out;
}

export async function measureQueryLatency(engine: SearchEngine, model: EmbeddingModel, questions: string[]): Promise<QueryLatency> {
  if (questions.length < 2) throw new Error('need at least 2 questions for latency percentiles');
  // Warm-up on a question that is not timed (first-call allocation, JIT).
  await model.embedQuery('warm-up question about nothing in particular');
  await engine.search('warm-up question', { k: 10, mode: 'lexical' });
  const lexical = await timeEach(questions, (q) => engine.search(q, { k: 10, mode: 'lexical' }));
  const hybrid = await timeEach(questions, (q) => engine.search(q, { k: 10, mode: 'hybrid' }));
  const embed = await timeEach(questions, (q) => model.embedQuery(q));
  return { questions: questions.length, lexical_ms: summarize(lexical), embed_query_ms: summarize(embed), hybrid_ms: summarize(hybrid) };
}

/**
 * Distinct benchmark questions: the given ones plus "what is known about <title>" for papers spread
 * over the corpus, until `n` are collected. Titles make realistic, varied question lengths.
 */
export function makeQuestions(base: string[], titles: string[], n: number): string[] {
  const out = [...new Set(base)].slice(0, n);
  for (let i = 0; out.length < n && i < titles.length; i++) {
    const t = titles[Math.floor((i * titles.length) / Math.max(1, n))] ?? titles[i]!;
    const q = `what is known about ${t.toLowerCase()}`;
    if (!out.includes(q)) out.push(q);
  }
  return out;
}
