/**
 * Query latency in Node (our embedder + the product SearchEngine over all seed papers), and the
 * inputs the browser query benchmark reuses (papers, their vectors, the questions).
 */
import { readFileSync, existsSync } from 'node:fs';
import { loadEmbedder } from '../src/core/model/embedder.ts';
import { SearchEngine } from '../src/core/search/engine.ts';
import { documentText } from '../src/core/vectors/document-text.ts';
import type { Paper } from '../src/core/types.ts';
import { MODELS_DIR } from './embed-node.ts';
import { EVAL_QUERIES } from './quality.ts';
import { makeQuestions, measureQueryLatency, type QueryLatency } from './lib/query-timing.ts';

export interface QuerySetup {
  papers: Paper[];
  paperIds: string[];
  vectors: Float32Array;
  questions: string[];
}

/** Dev questions (only their text: relevance labels are not used here) topped up with title questions. */
export function benchQuestions(papers: Paper[], n: number): string[] {
  const dev = existsSync(EVAL_QUERIES)
    ? readFileSync(EVAL_QUERIES, 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#')).map((l) => (JSON.parse(l) as { query: string }).query)
    : [];
  return makeQuestions(dev, papers.map((p) => p.title), n);
}

export async function benchNodeQuery(modelId: string, papers: Paper[], nQuestions: number): Promise<{ latency: QueryLatency; setup: QuerySetup }> {
  const model = await loadEmbedder({ modelId, localModelPath: MODELS_DIR, device: 'cpu' });
  try {
    const { vectors } = await model.embedDocuments(papers.map(documentText));
    const paperIds = papers.map((p) => p.id);
    const engine = new SearchEngine({ model });
    engine.setPapers(papers);
    await engine.setVectors(paperIds, vectors);
    const questions = benchQuestions(papers, nQuestions);
    const latency = await measureQueryLatency(engine, model, questions);
    return { latency, setup: { papers, paperIds, vectors, questions } };
  } finally {
    await model.dispose();
  }
}
