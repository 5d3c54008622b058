/**
 * Our browser embedding path, as the app runs it: src/core/model/embedder.ts in a module Worker, WASM
 * device, onnxruntime-web files self-hosted at /ort/, model files at /models/.
 */
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
   * 'default': the app's choice (src/core/model/ort-build.ts: the plain build on a WASM-only load);
   * 'asyncify' / 'plain': that build forced (diagnostics: what the choice is worth).
   */
  wasmBuild?: WasmBuild;
}

export type WasmBuild = 'default' | 'asyncify' | 'plain';

export const PLAIN_WASM = { mjs: '/ort/ort-wasm-simd-threaded.mjs', wasm: '/ort/ort-wasm-simd-threaded.wasm' };
export const ASYNCIFY_WASM = { mjs: '/ort/ort-wasm-simd-threaded.asyncify.mjs', wasm: '/ort/ort-wasm-simd-threaded.asyncify.wasm' };

/** loadEmbedder's wasmPaths for a build: an explicit pair is used as given, the prefix lets the app choose. */
export function benchWasmPaths(build: WasmBuild | undefined): string | { mjs: string; wasm: string } {
  return build === 'plain' ? { ...PLAIN_WASM } : build === 'asyncify' ? { ...ASYNCIFY_WASM } : '/ort/';
}

serve(async (req: OursRequest) => {
  const t0 = performance.now();
  const model = await loadEmbedder({
    modelId: req.modelId,
    localModelPath: '/models/',
    device: req.device ?? 'wasm',
    wasmPaths: benchWasmPaths(req.wasmBuild),
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
