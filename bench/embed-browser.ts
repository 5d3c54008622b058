/**
 * (b) Our browser embedding path in headless Chromium, plus diagnostics that explain its distance
 * from the native ceiling:
 *  - ours, threads: cross-origin isolated page, numThreads = hardwareConcurrency (2 here);
 *  - ours, 1 thread: page without COOP/COEP (SharedArrayBuffer unavailable → one thread);
 *  - ours, default (diagnostic): isolated but numThreads left to onnxruntime-web's default;
 *  - raw onnxruntime-web on Node-tokenised batches: the WASM runtime alone, in its plain build and
 *    in the asyncify build transformers.js loads, at batch 1 and 8.
 */
import type { BrowserBench } from './lib/browser-run.ts';
import { minCosine, type NativeEmbedder } from './embed-node.ts';
import { median, ratePerSecond } from './lib/stats.ts';
import { getModel } from '../src/core/model/registry.ts';
import { wasmThreadCount } from '../src/core/model/threads.ts';
import type { WasmBuild } from './browser/ours.worker.ts';

export interface BrowserPathResult {
  docs_per_s: number;
  /** Browser CPU time (all its processes and threads) per document during the timed runs. */
  cpu_ms_per_doc: number | null;
  durations_ms: number[];
  load_ms: number;
  num_threads: number | 'default';
  cross_origin_isolated: boolean;
  min_cosine_vs_reference?: number;
}

export interface BrowserEmbeddingResult {
  /** As the app runs: cross-origin isolated, numThreads by the app worker's rule (min(4, ceil(cores/2))). */
  app?: BrowserPathResult;
  /** Cross-origin isolated, one thread per core. */
  threads?: BrowserPathResult;
  /** Not isolated (no SharedArrayBuffer): one thread. */
  single?: BrowserPathResult;
  /** Diagnostic: the app's configuration forced onto the asyncify WASM build (what WASM-only devices loaded before ort-build.ts). */
  asyncify_wasm_app?: BrowserPathResult;
  /** Raw onnxruntime-web configurations → docs/s (key: build-bs<batch>-t<threads>). */
  raw?: Record<string, number>;
  raw_cpu_ms_per_doc?: Record<string, number | null>;
  errors: string[];
}

interface OursAnswer {
  loadMs: number;
  durations: number[];
  vectors: Float32Array;
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

interface RawAnswer {
  durations: number[];
  numThreadsEffective?: number;
  crossOriginIsolated: boolean;
}

export interface BrowserEmbedOptions {
  repeats: number;
  /** Also run the diagnostic configurations (default threads, raw onnxruntime-web). */
  diagnose: boolean;
  /** Vectors of the same texts from our Node path, to check the browser computes the same thing. */
  reference?: Float32Array;
  native?: NativeEmbedder;
  /** Cores of the machine (navigator.hardwareConcurrency in the page). */
  threads: number;
  /** Also measure one thread per core (when that differs from the app's rule). */
  allCores: boolean;
  /** Diagnostics also try padded batches of 8 in the raw runtime. */
  batching: boolean;
  log: (s: string) => void;
}

/** The app worker's thread rule (workers/engine.worker.ts), which is also onnxruntime-web's default. */
/** The app's thread rule (the worker calls the same function), on a cross-origin isolated page. */
export function appThreadCount(cores: number): number {
  return wasmThreadCount(cores, true);
}

type Job =
  | { key: 'app' | 'threads' | 'single' | 'asyncify_wasm_app'; isolated: boolean; numThreads: number; wasmBuild: WasmBuild }
  | { key: string; raw: string; bs: number; threads: number };

/**
 * Every configuration runs once per round and rounds repeat `repeats` times (A B C A B C …), so a
 * burst of load from other processes on this shared machine hits all configurations alike; each
 * figure is count / median of its rounds.
 */
export async function benchBrowserEmbedding(bb: BrowserBench, modelId: string, texts: string[], o: BrowserEmbedOptions): Promise<BrowserEmbeddingResult> {
  const spec = getModel(modelId);
  const res: BrowserEmbeddingResult = { errors: [] };
  const appThreads = appThreadCount(o.threads);
  const jobs: Job[] = [
    { key: 'app', isolated: true, numThreads: appThreads, wasmBuild: 'default' },
    { key: 'single', isolated: false, numThreads: 1, wasmBuild: 'default' },
  ];
  if (o.allCores && o.threads !== appThreads) jobs.push({ key: 'threads', isolated: true, numThreads: o.threads, wasmBuild: 'default' });
  // The ceiling: plain onnxruntime-web on the same token ids at the app's threads (every model).
  if (o.native && !o.diagnose) jobs.push({ key: `wasm-bs1-t${appThreads}`, raw: 'raw-wasm', bs: 1, threads: appThreads });
  if (o.diagnose) {
    jobs.push({ key: 'asyncify_wasm_app', isolated: true, numThreads: appThreads, wasmBuild: 'asyncify' });
    if (o.native) {
      // Raw runtime at the app's thread count, in both WASM builds; the full run adds all-cores and batching.
      const rawConfigs: [string, number, number][] = [['raw-wasm', 1, appThreads], ['raw-asyncify', 1, appThreads]];
      if (o.batching && o.threads !== appThreads) rawConfigs.push(['raw-wasm', 1, o.threads], ['raw-asyncify', 1, o.threads]);
      if (o.batching) rawConfigs.push(['raw-wasm', 8, appThreads]);
      for (const [raw, bs, threads] of rawConfigs) {
        jobs.push({ key: `${raw.replace('raw-', '')}-bs${bs}-t${threads}`, raw, bs, threads });
      }
    }
  }
  const durations = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const addCpu = (key: string) => {
    if (bb.lastCpuMs !== null) cpu.set(key, [...(cpu.get(key) ?? []), bb.lastCpuMs]);
  };
  const last = new Map<string, OursAnswer>();
  const failed = new Set<string>();
  const modelUrl = `/models/${spec.id}/${spec.onnx.q8!.path}`;
  const batchesFor = new Map<number, unknown>();
  for (let round = 0; round < o.repeats; round++) {
    for (const job of jobs) {
      if (failed.has(job.key)) continue;
      try {
        if ('raw' in job) {
          if (!batchesFor.has(job.bs)) {
            batchesFor.set(job.bs, o.native!.tokenize(texts, job.bs).map((b) => ({ ids: Array.from(b.ids, Number), mask: Array.from(b.mask, Number), dims: b.dims })));
          }
          const a = await bb.run<RawAnswer>(job.raw, { modelUrl, wasmPaths: '/ort/', numThreads: job.threads, batches: batchesFor.get(job.bs), repeats: 1 }, { isolated: true });
          durations.set(job.key, [...(durations.get(job.key) ?? []), ...a.durations]);
          addCpu(job.key);
        } else {
          const a = await bb.run<OursAnswer>('ours', { modelId, numThreads: job.numThreads, texts, repeats: 1, wasmBuild: job.wasmBuild }, { isolated: job.isolated });
          durations.set(job.key, [...(durations.get(job.key) ?? []), ...a.durations]);
          addCpu(job.key);
          last.set(job.key, a);
        }
      } catch (e) {
        failed.add(job.key);
        res.errors.push(`${job.key}: ${(e as Error).message.slice(0, 300)}`);
        o.log(`  browser ${job.key} failed: ${(e as Error).message.slice(0, 200)}`);
      }
    }
  }
  for (const job of jobs) {
    const d = durations.get(job.key);
    if (!d?.length) continue;
    const rate = ratePerSecond(texts.length, d);
    const c = cpu.get(job.key);
    const cpuPerDoc = c?.length ? median(c) / texts.length : null;
    if ('raw' in job) {
      (res.raw ??= {})[job.key] = rate;
      (res.raw_cpu_ms_per_doc ??= {})[job.key] = cpuPerDoc;
      o.log(`  browser raw onnxruntime-web ${job.key}: ${rate.toFixed(2)} docs/s, ${cpuPerDoc?.toFixed(0)} CPU ms/doc`);
      continue;
    }
    const a = last.get(job.key)!;
    const r: BrowserPathResult = {
      docs_per_s: rate,
      cpu_ms_per_doc: cpuPerDoc,
      durations_ms: d,
      load_ms: a.loadMs,
      num_threads: job.numThreads || 'default',
      cross_origin_isolated: a.crossOriginIsolated,
    };
    if (o.reference) r.min_cosine_vs_reference = minCosine(new Float32Array(a.vectors), o.reference, spec.dims);
    res[job.key] = r;
    o.log(`  browser ours ${job.key} (isolated=${a.crossOriginIsolated}, threads=${job.numThreads || 'default'}, wasm=${job.wasmBuild}): ${rate.toFixed(2)} docs/s, ${cpuPerDoc?.toFixed(0)} CPU ms/doc`);
  }
  return res;
}
