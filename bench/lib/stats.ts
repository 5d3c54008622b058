/**
 * Small, dependency-free statistics for benchmark samples. Pure functions: they are unit-tested
 * (tests/unit/bench-report.test.ts) because a wrong median silently corrupts every reported number.
 *
 * Invariant: functions never mutate their input arrays.
 */

/** Percentile by linear interpolation between closest ranks (same as numpy's default). `p` in [0, 100]. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) throw new Error('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be in [0, 100], got ${p}`);
  const s = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo);
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

export interface Summary {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    median: percentile(samples, 50),
    p95: percentile(samples, 95),
    min: Math.min(...samples),
    max: Math.max(...samples),
  };
}

/**
 * Throughput from repeated timings of the same batch of `count` items: count / median(seconds).
 * The median of durations (not of rates) keeps one stalled repeat on this shared machine from
 * dominating the result.
 */
export function ratePerSecond(count: number, durationsMs: readonly number[]): number {
  if (count <= 0) throw new Error(`count must be positive, got ${count}`);
  const ms = median(durationsMs);
  if (!(ms > 0)) throw new Error(`median duration must be positive, got ${ms}`);
  return count / (ms / 1000);
}

/** a / b, or null when either side was not measured (or b is 0), so a missing path never prints "Infinity". */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** Recall@k of an approximate result against the exact one: |approx ∩ exact| / |exact|, averaged over queries. */
export function recallAtK(approx: readonly (readonly number[])[], exact: readonly (readonly number[])[]): number {
  if (approx.length !== exact.length) throw new Error(`recall: ${approx.length} approximate vs ${exact.length} exact result lists`);
  if (exact.length === 0) throw new Error('recall of zero queries');
  let sum = 0;
  for (let i = 0; i < exact.length; i++) {
    const truth = new Set(exact[i]);
    if (truth.size === 0) throw new Error(`recall: exact result ${i} is empty`);
    let hit = 0;
    for (const x of approx[i]!) if (truth.has(x)) hit++;
    sum += hit / truth.size;
  }
  return sum / exact.length;
}

/** Times `fn` `repeats` times (after `warmup` untimed calls) and returns the durations in ms. */
export async function timeRepeats(fn: () => unknown | Promise<unknown>, repeats: number, warmup = 0): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}
