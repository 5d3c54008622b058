/**
 * Which onnxruntime-web WASM build a browser worker loads (issue 15: "asyncify vs plain").
 *
 * transformers.js imports `onnxruntime-web/webgpu`, whose default build is the *asyncify* variant:
 * the WebGPU execution provider needs it (asynchronous GPU calls from inside WASM), and it costs the
 * WASM kernels ~20% (issue 15, MiniLM at 2 threads: 10.0 vs 8.4 docs/s; `npm run bench` now reports "app" against "asyncify_wasm_app")
 * in `npm run bench -- --quick` on a quiet machine). A device with no WebGPU adapter never runs the
 * WebGPU provider, so it gets the plain SIMD-threaded build. Both compute the same floats (the shipped
 * vectors are made with the plain build in Node — src/node/ort-web.ts — and match the browser's).
 *
 * Invariant: onnxruntime-web instantiates its WASM once per worker, at the first session. The first
 * load decides the build for the worker's life: a later load asking for WebGPU in a worker that
 * started on the plain build gets no WebGPU provider and falls back to WASM (device 'auto'), or fails
 * with "could not load on any device" (device 'webgpu' forced).
 *
 * Both builds are self-hosted side by side in `<base>ort/` (scripts/copy-ort.ts) and precached by the
 * service worker ('ort/*.{mjs,wasm}'), so either works offline.
 */
import type { Device } from '../types.ts';

/** File stem of onnxruntime-web's plain (non-asyncify) multi-threaded SIMD build. */
export const PLAIN_ORT_STEM = 'ort-wasm-simd-threaded';

export type WasmPaths = string | { wasm?: string; mjs?: string };

/**
 * The `env.backends.onnx.wasm.wasmPaths` to set for a load that will try `devices` in order: a URL
 * prefix (onnxruntime-web then picks its bundle's default, asyncify) when WebGPU may run, the plain
 * build's exact pair when only WASM will. Explicit {wasm, mjs} pairs and Node ('cpu') are left alone.
 */
export function ortWasmPaths(wasmPaths: WasmPaths | undefined, devices: readonly Device[]): WasmPaths | undefined {
  if (typeof wasmPaths !== 'string') return wasmPaths;
  if (devices.length === 0 || devices.some((d) => d !== 'wasm')) return wasmPaths;
  const base = wasmPaths.endsWith('/') ? wasmPaths : wasmPaths + '/';
  return { mjs: `${base}${PLAIN_ORT_STEM}.mjs`, wasm: `${base}${PLAIN_ORT_STEM}.wasm` };
}
