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
import { ratePerSecond } from './lib/stats.ts';
import { getModel } from '../src/core/models.ts';

export interface BrowserPathResult {
  docs_per_s: number;
  durations_ms: number[];
  load_ms: number;
  num_threads: number | 'default';
  cross_origin_isolated: boolean;
  min_cosine_vs_reference?: number;
}

export interface BrowserEmbeddingResult {
  threads?: BrowserPathResult;
  single?: BrowserPathResult;
  default_threads?: BrowserPathResult;
  /** Diagnostic: threads, with onnxruntime-web's plain WASM build instead of the asyncify one. */
  plain_wasm_threads?: BrowserPathResult;
  /** Raw onnxruntime-web configurations → docs/s (key: build-bs<batch>-t<threads>). */
  raw?: Record<string, number>;
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
  threads: number;
  log: (s: string) => void;
}

type Job =
  | { key: 'threads' | 'single' | 'default_threads' | 'plain_wasm_threads'; isolated: boolean; numThreads: number; wasmBuild: 'default' | 'plain' }
  | { key: string; raw: string; bs: number; threads: number };

/**
 * Every configuration runs once per round and rounds repeat `repeats` times (A B C A B C …), so a
 * burst of load from other processes on this shared machine hits all configurations alike; each
 * figure is count / median of its rounds.
 */
export async function benchBrowserEmbedding(bb: BrowserBench, modelId: string, texts: string[], o: BrowserEmbedOptions): Promise<BrowserEmbeddingResult> {
  const spec = getModel(modelId);
  const res: BrowserEmbeddingResult = { errors: [] };
  const jobs: Job[] = [
    { key: 'threads', isolated: true, numThreads: o.threads, wasmBuild: 'default' },
    { key: 'single', isolated: false, numThreads: 1, wasmBuild: 'default' },
  ];
  if (o.diagnose) {
    jobs.push({ key: 'default_threads', isolated: true, numThreads: 0, wasmBuild: 'default' });
    jobs.push({ key: 'plain_wasm_threads', isolated: true, numThreads: o.threads, wasmBuild: 'plain' });
    if (o.native) {
      for (const [raw, bs, threads] of [['raw-wasm', 1, o.threads], ['raw-asyncify', 1, o.threads], ['raw-wasm', 1, 1], ['raw-wasm', 8, o.threads]] as const) {
        jobs.push({ key: `${raw.replace('raw-', '')}-bs${bs}-t${threads}`, raw, bs, threads });
      }
    }
  }
  const durations = new Map<string, number[]>();
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
          const a = await bb.run<RawAnswer>(job.raw, { modelUrl, wasmPaths: '/ort/', numThreads: job.threads, batches: batchesFor.get(job.bs), repeats: 1 }, { isolated: job.threads > 1 });
          durations.set(job.key, [...(durations.get(job.key) ?? []), ...a.durations]);
        } else {
          const a = await bb.run<OursAnswer>('ours', { modelId, numThreads: job.numThreads, texts, repeats: 1, wasmBuild: job.wasmBuild }, { isolated: job.isolated });
          durations.set(job.key, [...(durations.get(job.key) ?? []), ...a.durations]);
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
    if ('raw' in job) {
      (res.raw ??= {})[job.key] = rate;
      o.log(`  browser raw onnxruntime-web ${job.key}: ${rate.toFixed(2)} docs/s`);
      continue;
    }
    const a = last.get(job.key)!;
    const r: BrowserPathResult = {
      docs_per_s: rate,
      durations_ms: d,
      load_ms: a.loadMs,
      num_threads: job.numThreads || 'default',
      cross_origin_isolated: a.crossOriginIsolated,
    };
    if (o.reference) r.min_cosine_vs_reference = minCosine(new Float32Array(a.vectors), o.reference, spec.dims);
    res[job.key] = r;
    o.log(`  browser ours ${job.key} (isolated=${a.crossOriginIsolated}, threads=${job.numThreads || 'default'}, wasm=${job.wasmBuild}): ${rate.toFixed(2)} docs/s`);
  }
  return res;
}
