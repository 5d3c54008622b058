/**
 * Issue 15 item 9: the default model on onnxruntime-web's WebGPU execution provider, here on
 * Chromium's SwiftShader adapter (a CPU emulation of a GPU — no real GPU is available on this
 * machine, so these figures say what runs WHERE and whether it is correct, not how fast a GPU is).
 *
 * - op placement: onnxruntime's verbose session log lists the nodes each execution provider got;
 *   nodes the WebGPU provider cannot run fall back to the CPU (WASM) provider, with a copy per
 *   boundary. Reported per dtype (q8 = the app's file, fp32 = the teacher file, not under public/).
 * - docs/s of raw onnxruntime-web on the same token ids: WASM (plain build, app threads) vs WebGPU
 *   q8 / fp32 at batch 1 and fp32 padded batches (fp32 vectors do not depend on the batch; q8's do,
 *   see embedder.ts).
 * All configurations run in one browser launched with the WebGPU flags, interleaved per round.
 */
import type { BrowserBench } from './lib/browser-run.ts';
import type { NativeEmbedder } from './embed-node.ts';
import type { RawResponse } from './browser/raw-common.ts';
import { getModel, type Dtype } from '../src/core/model/registry.ts';
import { ratePerSecond } from './lib/stats.ts';

export interface Placement {
  /** Nodes per execution provider, as onnxruntime logged them. */
  nodes_by_provider: Record<string, number>;
  /** Op types (with counts) placed on the CPU provider: what WebGPU could not take. */
  cpu_op_types: Record<string, number>;
}

export interface WebGpuResult {
  adapter: string | null;
  docs: number;
  docs_per_s: Record<string, number>;
  placement: Partial<Record<Dtype, Placement>>;
  errors: string[];
}

/** Parses onnxruntime's "Node(s) placed on [EP]. Number of nodes: N" blocks (verbose log). */
export function parsePlacement(lines: string[]): Placement {
  const nodes: Record<string, number> = {};
  const cpuOps: Record<string, number> = {};
  let ep: string | null = null;
  for (const raw of lines.flatMap((l) => l.split('\n'))) {
    const head = /placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(raw);
    if (head) {
      ep = head[1]!;
      nodes[ep] = (nodes[ep] ?? 0) + Number(head[2]);
      continue;
    }
    const all = /All nodes placed on \[(\w+)\]\. Number of nodes: (\d+)/.exec(raw);
    if (all) {
      nodes[all[1]!] = Number(all[2]);
      ep = null;
      continue;
    }
    const node = /\]\s+(\w+) \(([^)]*)\)\s*$/.exec(raw);
    if (node && ep === 'CPUExecutionProvider') cpuOps[node[1]!] = (cpuOps[node[1]!] ?? 0) + 1;
    else if (!node) ep = ep && /VerifyEachNodeIsAssignedToAnEp/.test(raw) ? ep : null;
  }
  return { nodes_by_provider: nodes, cpu_op_types: cpuOps };
}

export async function benchWebGpu(bb: BrowserBench, modelId: string, texts: string[], native: NativeEmbedder, o: { threads: number; rounds: number; fp32Url: string | null; log: (s: string) => void }): Promise<WebGpuResult> {
  const spec = getModel(modelId);
  const res: WebGpuResult = { adapter: null, docs: texts.length, docs_per_s: {}, placement: {}, errors: [] };
  const q8Url = `/models/${spec.id}/${spec.onnx.q8!.path}`;
  const one = native.tokenize(texts, 1).map((b) => ({ ids: Array.from(b.ids, Number), mask: Array.from(b.mask, Number), dims: b.dims }));
  const eight = native.tokenize(texts, 8).map((b) => ({ ids: Array.from(b.ids, Number), mask: Array.from(b.mask, Number), dims: b.dims }));
  type Job = { key: string; worker: string; url: string; dtype: Dtype; gpu: boolean; batches: typeof one };
  const jobs: Job[] = [
    { key: `wasm-q8-bs1-t${o.threads}`, worker: 'raw-wasm', url: q8Url, dtype: 'q8', gpu: false, batches: one },
    { key: 'webgpu-q8-bs1', worker: 'raw-asyncify', url: q8Url, dtype: 'q8', gpu: true, batches: one },
  ];
  if (o.fp32Url) {
    jobs.push(
      { key: 'webgpu-fp32-bs1', worker: 'raw-asyncify', url: o.fp32Url, dtype: 'fp32', gpu: true, batches: one },
      { key: 'webgpu-fp32-bs8', worker: 'raw-asyncify', url: o.fp32Url, dtype: 'fp32', gpu: true, batches: eight },
      { key: `wasm-fp32-bs1-t${o.threads}`, worker: 'raw-wasm', url: o.fp32Url, dtype: 'fp32', gpu: false, batches: one },
    );
  } else res.errors.push('fp32 weights not found (npm run fetch-model -- --all, or ATLAS_MODELS): fp32 not measured');
  const durations = new Map<string, number[]>();
  const failed = new Set<string>();
  for (let round = 0; round < o.rounds; round++) {
    for (const job of jobs) {
      if (failed.has(job.key)) continue;
      const firstGpu = job.gpu && !res.placement[job.dtype];
      try {
        const a = await bb.run<RawResponse>(
          job.worker,
          {
            modelUrl: job.url,
            wasmPaths: '/ort/',
            numThreads: o.threads,
            batches: job.batches,
            repeats: 1,
            captureLog: firstGpu,
            sessionOptions: job.gpu ? { executionProviders: ['webgpu'], ...(firstGpu ? { logSeverityLevel: 0, logVerbosityLevel: 0 } : {}) } : undefined,
          },
          { isolated: true },
        );
        durations.set(job.key, [...(durations.get(job.key) ?? []), ...a.durations]);
        if (firstGpu) res.placement[job.dtype] = parsePlacement(a.log ?? []);
      } catch (e) {
        failed.add(job.key);
        res.errors.push(`${job.key}: ${(e as Error).message.slice(0, 300)}`);
      }
    }
  }
  for (const [k, d] of durations) {
    res.docs_per_s[k] = ratePerSecond(texts.length, d);
    o.log(`  webgpu bench ${k}: ${res.docs_per_s[k]!.toFixed(2)} docs/s`);
  }
  for (const [dt, p] of Object.entries(res.placement)) o.log(`  webgpu placement ${dt}: ${JSON.stringify(p)}`);
  return res;
}
