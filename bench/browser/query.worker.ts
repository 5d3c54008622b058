/**
 * Query latency in the browser: the product's SearchEngine with our embedder in a Worker, over the
 * seed papers and document vectors computed beforehand (in Node, same model and file).
 */
import { loadEmbedder } from '../../src/core/model/embedder.ts';
import { SearchEngine } from '../../src/core/search/engine.ts';
import type { Paper } from '../../src/core/types.ts';
import { measureQueryLatency } from '../lib/query-timing.ts';
import { serve } from './raw-common.ts';

export interface QueryRequest {
  modelId: string;
  numThreads: number;
  papers: Paper[];
  paperIds: string[];
  vectors: Float32Array;
  questions: string[];
}

serve(async (req: QueryRequest) => {
  const model = await loadEmbedder({ modelId: req.modelId, localModelPath: '/models/', device: 'wasm', wasmPaths: '/ort/', numThreads: req.numThreads || undefined });
  const engine = new SearchEngine({ model });
  engine.setPapers(req.papers);
  await engine.setVectors(req.paperIds, req.vectors);
  const latency = await measureQueryLatency(engine, model, req.questions);
  await model.dispose();
  return { ...latency, crossOriginIsolated: self.crossOriginIsolated };
});
