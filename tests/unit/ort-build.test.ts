/**
 * The WASM build choice (src/core/model/ort-build.ts): a worker that will only run WASM loads the
 * plain onnxruntime-web build, one that may run WebGPU keeps the asyncify default, and the site
 * self-hosts both so either works offline.
 */
import { describe, expect, it } from 'vitest';
import { ortWasmPaths, PLAIN_ORT_STEM } from '../../src/core/model/ort-build.ts';
import { requiredOrtFiles } from '../../scripts/copy-ort.ts';
import { ortPackageDir } from '../../src/node/ort-package.ts';

describe('onnxruntime-web build per device', () => {
  it('points a WASM-only load at the plain build, keeping the self-hosted prefix', () => {
    expect(ortWasmPaths('https://x.test/app/ort/', ['wasm'])).toEqual({
      mjs: 'https://x.test/app/ort/ort-wasm-simd-threaded.mjs',
      wasm: 'https://x.test/app/ort/ort-wasm-simd-threaded.wasm',
    });
    expect(ortWasmPaths('/ort', ['wasm'])).toEqual({ mjs: '/ort/ort-wasm-simd-threaded.mjs', wasm: '/ort/ort-wasm-simd-threaded.wasm' });
  });

  it('keeps the asyncify default whenever WebGPU may run (also as the first of a fallback list)', () => {
    expect(ortWasmPaths('/ort/', ['webgpu', 'wasm'])).toBe('/ort/');
    expect(ortWasmPaths('/ort/', ['webgpu'])).toBe('/ort/');
  });

  it('leaves Node, explicit file pairs and unset paths alone', () => {
    expect(ortWasmPaths('file:///ort/', ['cpu'])).toBe('file:///ort/');
    const pair = { mjs: '/a.mjs', wasm: '/a.wasm' };
    expect(ortWasmPaths(pair, ['wasm'])).toBe(pair);
    expect(ortWasmPaths(undefined, ['wasm'])).toBeUndefined();
  });

  it('self-hosts both builds (copy-ort), so the plain one is precached with the asyncify one', () => {
    const files = requiredOrtFiles(ortPackageDir());
    expect(files).toContain(`${PLAIN_ORT_STEM}.wasm`);
    expect(files).toContain(`${PLAIN_ORT_STEM}.mjs`);
    expect(files.some((f) => f.includes('.asyncify.') && f.endsWith('.wasm'))).toBe(true);
  });
});
