/**
 * Where a question's embedding time goes in the browser worker (issue 15 item 10b), and how close
 * our path is to plain onnxruntime-web on the same token ids ("ceiling ratio"). Every configuration
 * runs once per round, rounds repeat (A B C … A B C), so load from other processes on this shared
 * machine hits all of them alike; compare ratios within one run, not absolute ms across runs.
 *
 * Parts, each a p50 over the questions:
 *  - ours: embedQuery in a module worker as the app loads it (WASM-only: the plain build) and forced
 *    onto the asyncify build (what it loaded before src/core/model/ort-build.ts);
 *  - raw: plain onnxruntime-web session.run on the Node-tokenised ids (same prefix, no padding);
 *  - tokenizer: transformers.js tokenizer alone on the prefixed question;
 *  - hop: one cross-thread postMessage round trip (page ↔ engine worker costs the same kind).
 * "fresh" is the first pass (each token length new to the session), "warm" a later pass.
 */
import type { BrowserBench } from './lib/browser-run.ts';
import type { NativeEmbedder } from './embed-node.ts';
import type { QuestionRequest, QuestionResponse } from './browser/question.worker.ts';
import type { RawResponse } from './browser/raw-common.ts';
import type { WasmBuild } from './browser/ours.worker.ts';
import { getModel } from '../src/core/model/registry.ts';
import { median } from './lib/stats.ts';

export interface QuestionSplit {
  questions: number;
  threads: number;
  mean_tokens: number;
  /** p50 ms by configuration, first pass and later pass. */
  fresh_ms: Record<string, number>;
  warm_ms: Record<string, number>;
  tokenizer_ms: number;
  hop_ms: number;
  /** raw plain-build p50 / ours (as the app loads) p50, warm pass: 1 = at the runtime's ceiling. */
  browser_to_wasm_ceiling_ratio: number | null;
  errors: string[];
}

type Job = { key: string; kind: 'ours'; build: WasmBuild; threads: number } | { key: string; kind: 'raw'; worker: string; threads: number; sessionOptions?: Record<string, unknown> };

export async function benchQuestionSplit(bb: BrowserBench, modelId: string, questions: string[], native: NativeEmbedder, o: { threads: number; rounds: number; log: (s: string) => void; extraRaw?: boolean }): Promise<QuestionSplit> {
  const spec = getModel(modelId);
  const t = o.threads;
  const jobs: Job[] = [
    { key: `ours-app-t${t}`, kind: 'ours', build: 'default', threads: t },
    { key: `ours-asyncify-t${t}`, kind: 'ours', build: 'asyncify', threads: t },
    { key: `raw-asyncify-t${t}`, kind: 'raw', worker: 'raw-asyncify', threads: t },
    { key: `raw-plain-t${t}`, kind: 'raw', worker: 'raw-wasm', threads: t },
  ];
  if (t !== 1) jobs.push({ key: 'ours-app-t1', kind: 'ours', build: 'default', threads: 1 }, { key: 'raw-plain-t1', kind: 'raw', worker: 'raw-wasm', threads: 1 });
  if (o.extraRaw) jobs.push({ key: `raw-plain-t${t}-arena`, kind: 'raw', worker: 'raw-wasm', threads: t, sessionOptions: { enableCpuMemArena: true, enableMemPattern: true } });
  const feeds = native.tokenizeEach(questions, spec.queryPrefix).map((b) => ({ ids: Array.from(b.ids, Number), mask: Array.from(b.mask, Number), dims: b.dims }));
  const modelUrl = `/models/${spec.id}/${spec.onnx.q8!.path}`;
  const fresh = new Map<string, number[]>();
  const warm = new Map<string, number[]>();
  const tok: number[] = [];
  const hop: number[] = [];
  const errors: string[] = [];
  const failed = new Set<string>();
  const push = (m: Map<string, number[]>, k: string, v: number[]) => m.set(k, [...(m.get(k) ?? []), ...v]);
  for (let round = 0; round < o.rounds; round++) {
    for (const job of jobs) {
      if (failed.has(job.key)) continue;
      try {
        if (job.kind === 'ours') {
          const req: QuestionRequest = { modelId, numThreads: job.threads, questions, repeats: 2, wasmBuild: job.build };
          const a = await bb.run<QuestionResponse>('question', req, { isolated: true });
          push(fresh, job.key, a.embedMs[0]!);
          push(warm, job.key, a.embedMs[1]!);
          tok.push(...a.tokenizerMs);
          hop.push(...a.hopMs);
        } else {
          const a = await bb.run<RawResponse>(job.worker, { modelUrl, wasmPaths: '/ort/', numThreads: job.threads, batches: feeds, repeats: 2, perFeed: true, sessionOptions: job.sessionOptions }, { isolated: true });
          const f = a.feedMs!;
          push(fresh, job.key, f.slice(0, feeds.length));
          push(warm, job.key, f.slice(feeds.length));
        }
      } catch (e) {
        failed.add(job.key);
        errors.push(`${job.key}: ${(e as Error).message.slice(0, 300)}`);
      }
    }
  }
  const p50 = (m: Map<string, number[]>) => Object.fromEntries([...m].map(([k, v]) => [k, median(v)]));
  const res: QuestionSplit = {
    questions: questions.length,
    threads: t,
    mean_tokens: feeds.reduce((s, f) => s + f.dims[1], 0) / feeds.length,
    fresh_ms: p50(fresh),
    warm_ms: p50(warm),
    tokenizer_ms: tok.length ? median(tok) : NaN,
    hop_ms: hop.length ? median(hop) : NaN,
    browser_to_wasm_ceiling_ratio: null,
    errors,
  };
  const ours = res.warm_ms[`ours-app-t${t}`];
  const raw = res.warm_ms[`raw-plain-t${t}`];
  if (ours && raw) res.browser_to_wasm_ceiling_ratio = raw / ours;
  for (const k of Object.keys(res.warm_ms)) o.log(`  question ${k}: p50 fresh ${res.fresh_ms[k]!.toFixed(1)} ms, warm ${res.warm_ms[k]!.toFixed(1)} ms`);
  o.log(`  question tokenizer p50 ${res.tokenizer_ms.toFixed(2)} ms, hop p50 ${res.hop_ms.toFixed(2)} ms, ${res.mean_tokens.toFixed(1)} tokens, ceiling ratio ${res.browser_to_wasm_ceiling_ratio?.toFixed(2)}`);
  return res;
}
