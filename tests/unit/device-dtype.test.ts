/**
 * Precision per device (registry dtypeForDevice, used by loadEmbedder when no dtype is forced):
 * q8 on WASM and Node's CPU, fp32 on WebGPU where an fp32 file is pinned (the q8 graph's integer ops
 * fall off onnxruntime-web's WebGPU provider onto the CPU; bench/webgpu-bench.ts).
 */
import { describe, expect, it } from 'vitest';
import { APP_DTYPE, DEFAULT_MODEL_ID, dtypeForDevice, getModel, MODELS } from '../../src/core/model/registry.ts';
import { loadEmbedder } from '../../src/core/model/embedder.ts';
import { resolveLocalModelDir } from '../../src/node/model-dir.ts';

describe('dtype per device', () => {
  it('runs q8 on WASM and CPU, fp32 on WebGPU for every registry model with an fp32 file', () => {
    for (const m of MODELS) {
      expect(dtypeForDevice(m, 'wasm')).toBe('q8');
      expect(dtypeForDevice(m, 'cpu')).toBe('q8');
      expect(dtypeForDevice(m, 'webgpu')).toBe(m.onnx.fp32 ? 'fp32' : 'q8');
    }
    expect(APP_DTYPE).toBe('q8');
  });

  it('keeps q8 on WebGPU for a model without pinned fp32 weights', () => {
    const spec = getModel(DEFAULT_MODEL_ID);
    const q8Only = { ...spec, onnx: { q8: spec.onnx.q8 } };
    expect(dtypeForDevice(q8Only, 'webgpu')).toBe('q8');
  });

  it('loads the device\'s dtype when none is forced (Node CPU: q8, in the vector identity)', async () => {
    const dir = resolveLocalModelDir(DEFAULT_MODEL_ID);
    if (!dir) throw new Error('run `npm run fetch-model` first');
    const model = await loadEmbedder({ modelId: DEFAULT_MODEL_ID, localModelPath: dir, device: 'cpu' });
    try {
      expect(model.dtype).toBe('q8');
      expect(model.identity.dtype).toBe('q8');
    } finally {
      await model.dispose();
    }
  }, 120_000);
});
