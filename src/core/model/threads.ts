/**
 * How many WASM threads onnxruntime-web gets. Its own default, min(4, ceil(cores / 2)), leaves a
 * 2-core machine with one thread; there two threads embedded the 12-layer default model 1.8× faster
 * (bge-small 3.9 → 7.0 docs/s, e5-small 3.9 → 6.7; the 6-layer MiniLM lost 11%, 9.1 → 8.1) in the full
 * `npm run bench` of 2026-11-24, so at least two are used wherever there are two cores.
 * Threads need SharedArrayBuffer, i.e. a cross-origin isolated page: one thread otherwise.
 */
export function wasmThreadCount(cores: number | undefined, crossOriginIsolated: boolean): number {
  if (!crossOriginIsolated) return 1;
  const c = cores && cores > 0 ? cores : 2;
  return Math.min(4, Math.max(Math.min(2, c), Math.ceil(c / 2)));
}
