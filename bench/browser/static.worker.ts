/**
 * The static model in a browser Worker: load from /models/ (fetch + sha256 + parse), throughput and
 * question latency (bench/lib/static-timing.ts), and the vectors of `vectorTexts`, so the driver can
 * compare them with Node's (tests/e2e/static-browser.test.ts, `npm run bench`).
 */
import { loadStaticEmbedder } from '../../src/core/model/static-embedder.ts';
import { timeStatic, type StaticTiming } from '../lib/static-timing.ts';
import { mark, serve } from './raw-common.ts';

export interface StaticRequest {
  modelId: string;
  texts: string[];
  questions: string[];
  /** Texts whose vectors are returned (documents) and questions whose query vectors are returned. */
  vectorTexts: string[];
  vectorQuestions: string[];
  repeats?: number;
}

export interface StaticResponse {
  timing: StaticTiming;
  vectors: Float32Array;
  queryVectors: Float32Array;
  identity: unknown;
}

serve(async (req: StaticRequest): Promise<StaticResponse> => {
  const { timing, model } = await timeStatic(() => loadStaticEmbedder({ modelId: req.modelId, localModelPath: '/models/' }), req.texts, req.questions, req.repeats ?? 3, {
    start: () => mark('start'),
    end: () => mark('end'),
  });
  const { vectors } = await model.embedDocuments(req.vectorTexts);
  const d = model.dimensions;
  const queryVectors = new Float32Array(req.vectorQuestions.length * d);
  for (let i = 0; i < req.vectorQuestions.length; i++) queryVectors.set(await model.embedQuery(req.vectorQuestions[i]!), i * d);
  return { timing, vectors, queryVectors, identity: model.identity };
});
