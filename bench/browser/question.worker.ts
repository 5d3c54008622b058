/**
 * Where a question's embedding time goes in the browser worker (issue 15 item 10b): our embedder's
 * embedQuery per question, the transformers.js tokenizer alone on the same (prefixed) questions, and
 * one cross-thread message hop (this worker ↔ a nested echo worker, the same kind of hop as page ↔
 * engine worker). The runtime alone on the same token ids is measured by raw-*.worker.ts with
 * perFeed; the driver (bench/question-split.ts) puts the parts side by side.
 */
import { AutoTokenizer } from '@huggingface/transformers';
import { loadEmbedder } from '../../src/core/model/embedder.ts';
import { getModel } from '../../src/core/model/registry.ts';
import { benchWasmPaths, type WasmBuild } from './ours.worker.ts';
import { serve } from './raw-common.ts';

export interface QuestionRequest {
  modelId: string;
  numThreads: number;
  questions: string[];
  /** Passes over the questions: the first meets each token length fresh, later ones do not. */
  repeats: number;
  wasmBuild?: WasmBuild;
}

export interface QuestionResponse {
  /** embedQuery ms, pass by pass (questions.length per pass). */
  embedMs: number[][];
  tokenizerMs: number[];
  hopMs: number[];
  tokens: number[];
  loadMs: number;
  crossOriginIsolated: boolean;
}

const ECHO = URL.createObjectURL(new Blob(['onmessage = (e) => postMessage(e.data);'], { type: 'text/javascript' }));

async function hops(n: number): Promise<number[]> {
  const w = new Worker(ECHO);
  const out: number[] = [];
  const once = (payload: unknown) =>
    new Promise<void>((resolve) => {
      w.onmessage = () => resolve();
      w.postMessage(payload);
    });
  await once({ warm: true });
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once({ type: 'search', question: `question number ${i}`, k: 10 });
    out.push(performance.now() - t);
  }
  w.terminate();
  return out;
}

serve(async (req: QuestionRequest): Promise<QuestionResponse> => {
  const spec = getModel(req.modelId);
  const t0 = performance.now();
  const model = await loadEmbedder({
    modelId: req.modelId,
    localModelPath: '/models/',
    device: 'wasm',
    wasmPaths: benchWasmPaths(req.wasmBuild),
    numThreads: req.numThreads || undefined,
  });
  const loadMs = performance.now() - t0;
  await model.embedQuery('warm-up question about nothing in particular');
  const embedMs: number[][] = [];
  for (let r = 0; r < req.repeats; r++) {
    const pass: number[] = [];
    for (const q of req.questions) {
      const s = performance.now();
      await model.embedQuery(q);
      pass.push(performance.now() - s);
    }
    embedMs.push(pass);
  }
  await model.dispose();
  // The tokenizer alone, as the embedder calls it (env still points at /models/).
  const tokenizer = await AutoTokenizer.from_pretrained(spec.id);
  const tokenizerMs: number[] = [];
  const tokens: number[] = [];
  for (const q of req.questions) {
    const s = performance.now();
    const enc = tokenizer([spec.queryPrefix + q], { padding: true, truncation: true, max_length: spec.maxTokens });
    tokenizerMs.push(performance.now() - s);
    tokens.push(enc.input_ids.dims[1] as number);
  }
  return { embedMs, tokenizerMs, hopMs: await hops(req.questions.length), tokens, loadMs, crossOriginIsolated: self.crossOriginIsolated };
});
