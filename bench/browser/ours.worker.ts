/**
 * Our browser embedding path, as the app runs it: src/core/model/embedder.ts in a module Worker, WASM
 * device, onnxruntime-web files self-hosted at /ort/, model files at /models/.
 */
import { env } from '@huggingface/transformers';
import { loadEmbedder } from '../../src/core/model/embedder.ts';
import { mark, serve } from './raw-common.ts';

export interface OursRequest {
  modelId: string;
  /** 0 = leave onnxruntime-web's default. */
  numThreads: number;
  texts: string[];
  repeats: number;
  batchSize?: number;
  device?: 'wasm' | 'webgpu' | 'auto';
  /**
   * 'default': the WASM build transformers.js picks (asyncify, needed for WebGPU);
   * 'plain': point its onnxruntime-web at the plain SIMD-threaded build (CPU only) — a diagnostic.
   */
  wasmBuild?: 'default' | 'plain';
}

export const PLAIN_WASM = { mjs: '/ort/ort-wasm-simd-threaded.mjs', wasm: '/ort/ort-wasm-simd-threaded.wasm' };

serve(async (req: OursRequest) => {
  const plain = req.wasmBuild === 'plain';
  if (plain) env.backends.onnx.wasm!.wasmPaths = { ...PLAIN_WASM };
  const t0 = performance.now();
  const model = await loadEmbedder({
    modelId: req.modelId,
    localModelPath: '/models/',
    device: req.device ?? 'wasm',
    wasmPaths: plain ? undefined : '/ort/',
    numThreads: req.numThreads || undefined,
  });
  const loadMs = performance.now() - t0;
  const opts = req.batchSize ? { batchSize: req.batchSize } : undefined;
  await model.embedDocuments(req.texts.slice(0, 2), opts);
  const durations: number[] = [];
  let vectors: Float32Array = new Float32Array(0);
  for (let r = 0; r < req.repeats; r++) {
    await mark('start');
    const s = performance.now();
    vectors = (await model.embedDocuments(req.texts, opts)).vectors;
    durations.push(performance.now() - s);
    await mark('end');
  }
  await model.dispose();
  return {
    loadMs,
    durations,
    vectors,
    device: model.device,
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
});
