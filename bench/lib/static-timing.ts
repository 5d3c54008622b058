/**
 * Static-model timing, the same code in Node and in the browser worker (no Node or DOM imports):
 * load (fetch/read + sha256 + parse), documents per second on a fresh embedder (its word cache
 * empty: the first texts of a library) and again warm, and one question's embedding, in ms.
 */
import type { StaticEmbedder } from '../../src/core/model/static-embedder.ts';
import { summarize, type Summary } from './stats.ts';

export interface StaticTiming {
  load_ms: number;
  docs: number;
  /** Fresh embedder, first pass over `docs` texts. */
  cold_docs_per_s: number;
  /** Median of the later passes. */
  warm_docs_per_s: number;
  /**
   * Warm documents per CPU-second (all threads of the process; set by the caller from `cpu` marks).
   * On this shared 2-core machine wall-clock rates swing 3× with other people's load; CPU time far less.
   */
  warm_docs_per_cpu_s?: number | null;
  embed_query_ms: Summary;
}

/** Marks around the warm passes, for the caller's CPU-time reading (browser: bench marks; Node: cpuUsage). */
export interface CpuMarks {
  start(): Promise<void>;
  end(): Promise<void>;
}

export async function timeStatic(load: () => Promise<StaticEmbedder>, texts: string[], questions: string[], repeats = 3, cpu?: CpuMarks): Promise<{ timing: StaticTiming; model: StaticEmbedder }> {
  const t0 = performance.now();
  const model = await load();
  const load_ms = performance.now() - t0;
  const rate = async () => {
    const s = performance.now();
    await model.embedDocuments(texts, { batchSize: 256 });
    return texts.length / ((performance.now() - s) / 1000);
  };
  const cold = await rate();
  const warm: number[] = [];
  await cpu?.start();
  for (let i = 0; i < repeats; i++) warm.push(await rate());
  await cpu?.end();
  warm.sort((a, b) => a - b);
  await model.embedQuery('warm-up question');
  const q: number[] = [];
  for (const question of questions) {
    const s = performance.now();
    await model.embedQuery(question);
    q.push(performance.now() - s);
  }
  return {
    timing: { load_ms, docs: texts.length, cold_docs_per_s: cold, warm_docs_per_s: warm[Math.floor(warm.length / 2)]!, embed_query_ms: summarize(q) },
    model,
  };
}
