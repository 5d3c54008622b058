// Tests of the benchmark's statistics and report rendering only — never of timings.
import { describe, expect, it } from 'vitest';
import { median, percentile, ratePerSecond, ratio, recallAtK, summarize } from '../../bench/lib/stats.ts';
import { embeddingFigures, fmt, renderMarkdown, type BenchResults } from '../../bench/lib/report.ts';
import { spreadSample } from '../../bench/lib/seed.ts';

describe('bench statistics', () => {
  it('median and percentiles interpolate between closest ranks and leave the input alone', () => {
    const xs = [5, 1, 4, 2, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 4, 2, 3]);
    expect(median([1, 2, 3, 10])).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95)).toBeCloseTo(10.5);
    expect(percentile([7], 95)).toBe(7);
    expect(() => percentile([], 50)).toThrow(/empty/);
    expect(() => percentile([1], 101)).toThrow(/\[0, 100\]/);
  });

  it('summarize reports n, median, p95, min, max', () => {
    expect(summarize([3, 1, 2])).toEqual({ n: 3, median: 2, p95: 2.9, min: 1, max: 3 });
  });

  it('throughput uses the median duration, so one stalled repeat does not dominate', () => {
    // 10 docs in 1 s, 1 s and a 60 s stall → 10 docs/s.
    expect(ratePerSecond(10, [1000, 60_000, 1000])).toBe(10);
    expect(() => ratePerSecond(0, [1])).toThrow(/positive/);
    expect(() => ratePerSecond(1, [0])).toThrow(/positive/);
  });

  it('ratio is null when a side is missing or zero, never Infinity', () => {
    expect(ratio(5, 10)).toBe(0.5);
    expect(ratio(5, null)).toBeNull();
    expect(ratio(undefined, 3)).toBeNull();
    expect(ratio(5, 0)).toBeNull();
  });

  it('recall@k averages the overlap with the exact neighbours per query', () => {
    expect(recallAtK([[1, 2, 3], [4, 5, 6]], [[1, 2, 3], [4, 5, 6]])).toBe(1);
    expect(recallAtK([[1, 2, 9], [7, 8, 9]], [[1, 2, 3], [4, 5, 6]])).toBeCloseTo(1 / 3);
    expect(() => recallAtK([[1]], [[1], [2]])).toThrow(/1 approximate vs 2 exact/);
  });

  it('spreadSample picks evenly over the whole list, not its head', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    expect(spreadSample(xs, 4)).toEqual([0, 25, 50, 75]);
    expect(spreadSample(xs, 500)).toHaveLength(100);
  });
});

describe('bench report', () => {
  const base: BenchResults = {
    version: 1,
    meta: {
      started: '2026-01-02T03:04:05.000Z',
      duration_s: 123,
      mode: 'quick',
      machine: { cpu: 'Test CPU', cores: 2, memGiB: 8, os: 'Linux', node: 'v20.0.0', chromium: 'Chromium 1' },
      load_avg_start: 1,
      load_avg_end: 2,
      embed_docs: 24,
      repeats: { node: 3, browser: 2 },
    },
    embedding: {},
    query: null,
    index: null,
    startup: null,
    quality: {},
    not_measured: [],
  };

  it('computes the browser ratios from the same run and leaves unmeasured ones empty', () => {
    const e = embeddingFigures({ docs: 24, node: 20, browser: 5, browserThreads: 2, browser1: 4, naive: 10, native: 25 });
    expect(e.browser_to_native_ratio).toBeCloseTo(0.2);
    expect(e.browser_to_naive_ratio).toBeCloseTo(0.5);
    expect(e.node_to_native_ratio).toBeCloseTo(0.8);
    // Our worker path against raw onnxruntime-web on the same ids (issue 15 #10).
    expect(embeddingFigures({ docs: 24, browser: 5, wasmCeiling: 5.2 }).browser_to_wasm_ceiling_ratio).toBeCloseTo(5 / 5.2);
    const missing = embeddingFigures({ docs: 24, node: 20, native: 25 });
    expect(missing.browser_docs_per_s).toBeNull();
    expect(missing.browser_to_native_ratio).toBeNull();
    expect(missing.browser_to_naive_ratio).toBeNull();
  });

  it('renders the embedding table with ratios and dashes for missing figures', () => {
    const md = renderMarkdown({
      ...base,
      embedding: {
        'Xenova/all-MiniLM-L6-v2': embeddingFigures({ docs: 24, node: 20, browser: 5, browserThreads: 2, browser1: 4, naive: 10, native: 25, wasmCeiling: 5.2 }),
        'Xenova/e5-small-v2': embeddingFigures({ docs: 24, node: 8, native: 9 }),
      },
      not_measured: ['browser paths: no chromium'],
    });
    expect(md).toContain('| all-MiniLM-L6-v2 | 20.0 | 5.0 (2 thr) | — | 4.0 | 10.0 | 25.0 | 0.20× | 0.96× | 0.50× |');
    expect(md).toContain('| e5-small-v2 | 8.0 | — | — | — | — | 9.0 | — | — |');
    // No CPU figures were given, so no CPU table.
    expect(md).not.toContain('CPU time per document');
    expect(md).toContain('24 seed abstracts');
    expect(md).toContain('Test CPU, 2 cores');
    expect(md).toContain('- browser paths: no chromium');
    expect(md).not.toMatch(/Infinity|NaN/);
  });

  it('renders CPU cost per document with the browser ÷ native ratio', () => {
    const e = embeddingFigures({ docs: 16, browser: 5, native: 20, cpu: { node: 36, browser: 150, browser1: 148, naive: 51, native: 40 } });
    expect(e.browser_to_native_cpu_ratio).toBeCloseTo(3.75);
    const md = renderMarkdown({ ...base, embedding: { 'Xenova/all-MiniLM-L6-v2': e } });
    expect(md).toContain('| all-MiniLM-L6-v2 | 36 | 150 | 148 | 51 | 40 | 3.75× |');
  });

  it('renders index, query, start-up and quality sections', () => {
    const s = (m: number) => ({ n: 10, median: m, p95: m * 2, min: m / 2, max: m * 3 });
    const impl = (b: number, q: number, r: number) => ({ build_ms: b, query_ms: s(q), recall_at_10: r, stored_bytes: 2 * 2 ** 20 });
    const metrics = { recall_at_1: 0.5, recall_at_5: 0.75, recall_at_10: 1, mrr: 0.625 };
    const md = renderMarkdown({
      ...base,
      query: { model: 'Xenova/bge-small-en-v1.5', node: { questions: 20, lexical_ms: s(1), embed_query_ms: s(10), hybrid_ms: s(12) }, browser: null },
      index: {
        params: { M: 16, efConstruction: 100, efSearch: 64 },
        sizes: [{ n: 10_000, queries: 100, wasm_hnsw: impl(20_000, 0.5, 0.97), exact: impl(10, 4, 1), errors: [] }],
      },
      startup: { first_visit: { lexical_ready_ms: 700, semantic_ready_ms: 4000 }, reload: { lexical_ready_ms: 500, semantic_ready_ms: null } },
      quality: { 'Xenova/bge-small-en-v1.5': { queries: 15, lexical: metrics, vector: metrics, hybrid: metrics }, 'Xenova/e5-small-v2': null },
    });
    expect(md).toContain('| Node | 1.0 / 2.0 | 10.0 / 20.0 | 12.0 / 24.0 |');
    expect(md).toContain('| browser worker | — | — | — |');
    expect(md).toContain('| 10,000 | hnswlib-wasm (ours) | 20.00 | 0.500 | 1.000 | 0.970 | 2.0 |');
    expect(md).toContain('| 10,000 | hnswlib-node (native) | — | — | — | — | — |');
    expect(md).toContain('| first visit | 700 | 4000 |');
    expect(md).toContain('| reload | 500 | — |');
    expect(md).toContain('| bge-small-en-v1.5 | hybrid | 0.50 | 0.75 | 1.00 | 0.625 |');
    expect(md).toContain('| e5-small-v2 | — | — | — | — | — |');
  });

  it('says so when start-up was not measured', () => {
    expect(renderMarkdown(base)).toContain('Not measured in this run.');
    expect(fmt(null)).toBe('—');
    expect(fmt(Number.POSITIVE_INFINITY)).toBe('—');
  });
});
