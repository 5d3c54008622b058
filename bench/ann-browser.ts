/**
 * `npm run bench -- --only=ann-browser`: the vector index choice measured in a Web Worker of headless
 * Chromium (bench/browser/ann.worker.ts) at 10k / 50k / 100k vectors (quick: 10k). One fresh page per
 * size so one size's heap does not weigh on the next. Same synthetic vectors as the Node index
 * section (mixes of two real seed embeddings plus noise, bench/lib/synthetic.ts).
 */
import type { AnnRequest, AnnResponse } from './browser/ann.worker.ts';
import type { BrowserBench } from './lib/browser-run.ts';
import { summarize, type Summary } from './lib/stats.ts';
import { HNSW_DEFAULTS } from '../src/core/ann/index.ts';

export interface AnnBrowserRow {
  n: number;
  exact_f32: { build_ms: number; query_ms: Summary; mib: number };
  exact_int8: { build_ms: number; query_ms: Summary; recall_at_10: number; mib: number };
  hnsw: { build_ms: number | null; stored_mib: number; serialize_ms: number; restore_ms: number; restored_recall: number; by_ef: { ef: number; query_ms: Summary; recall_at_10: number }[] };
  incremental: { build_ms: number; queries_mid_build: number; wait_ms: Summary | null; slices: number; longest_slice_ms: number };
  js_heap_mib: number | null;
}

export interface AnnBrowserResult {
  params: { M: number; efConstruction: number };
  queries: number;
  rows: AnnBrowserRow[];
  errors: string[];
}

const MIB = 2 ** 20;

export async function benchAnnBrowser(bb: BrowserBench, base: Float32Array, o: { sizes: number[]; queries: number; efs: number[]; log: (s: string) => void }): Promise<AnnBrowserResult> {
  const out: AnnBrowserResult = { params: { M: HNSW_DEFAULTS.M, efConstruction: HNSW_DEFAULTS.efConstruction }, queries: o.queries, rows: [], errors: [] };
  for (const n of o.sizes) {
    const req: AnnRequest = { base, dims: 384, n, queries: o.queries, efs: o.efs, M: HNSW_DEFAULTS.M, efConstruction: HNSW_DEFAULTS.efConstruction, plainBuildMax: 10_000 };
    try {
      const r = await bb.run<AnnResponse>('ann', req, { isolated: true, timeoutMs: 3_600_000 });
      const row: AnnBrowserRow = {
        n,
        exact_f32: { build_ms: r.exact_f32.build_ms, query_ms: summarize(r.exact_f32.query_ms), mib: r.exact_f32.bytes / MIB },
        exact_int8: { build_ms: r.exact_int8.build_ms, query_ms: summarize(r.exact_int8.query_ms), recall_at_10: r.exact_int8.recall_at_10, mib: r.exact_int8.bytes / MIB },
        hnsw: {
          build_ms: r.hnsw_build_ms,
          stored_mib: r.hnsw_bytes / MIB,
          serialize_ms: r.hnsw_serialize_ms,
          restore_ms: r.hnsw_restore_ms,
          restored_recall: r.hnsw_restored_recall,
          by_ef: r.hnsw.map((h) => ({ ef: h.ef, query_ms: summarize(h.query_ms), recall_at_10: h.recall_at_10 })),
        },
        incremental: {
          build_ms: r.incremental.build_ms,
          queries_mid_build: r.incremental.queries_mid_build,
          wait_ms: r.incremental.waits_ms.length ? summarize(r.incremental.waits_ms) : null,
          slices: r.incremental.slices,
          longest_slice_ms: r.incremental.longest_slice_ms,
        },
        js_heap_mib: r.js_heap_mb,
      };
      out.rows.push(row);
      const best = row.hnsw.by_ef.find((h) => h.recall_at_10 >= 0.95);
      o.log(
        `  n=${n}: exact f32 p50 ${row.exact_f32.query_ms.median.toFixed(1)} ms, int8 p50 ${row.exact_int8.query_ms.median.toFixed(1)} ms (recall ${row.exact_int8.recall_at_10.toFixed(3)}), ` +
          `hnsw build ${row.hnsw.build_ms == null ? '—' : (row.hnsw.build_ms / 1000).toFixed(1)} s unsliced, ${best ? `ef ${best.ef} p50 ${best.query_ms.median.toFixed(2)} ms recall ${best.recall_at_10.toFixed(3)}` : 'no ef reached recall 0.95'}, ` +
          `sliced build ${(row.incremental.build_ms / 1000).toFixed(1)} s, wait p95 ${row.incremental.wait_ms?.p95.toFixed(1) ?? '—'} ms`,
      );
    } catch (e) {
      out.errors.push(`n=${n}: ${(e as Error).message.slice(0, 300)}`);
      o.log(`  n=${n}: ${(e as Error).message.slice(0, 300)}`);
    }
  }
  return out;
}

const f = (x: number | null | undefined, d = 1) => (x == null || !Number.isFinite(x) ? '—' : x.toFixed(d));

export function renderAnnBrowser(r: AnnBrowserResult): string[] {
  const out: string[] = ['', `### Vector index in the browser worker (headless Chromium, 384-d, k=10, ${r.queries} queries, HNSW M=${r.params.M} efConstruction=${r.params.efConstruction})`, ''];
  const head = ['vectors', 'index', 'build s', 'query p50 ms', 'query p95 ms', 'recall@10', 'memory MiB'];
  const rows: string[][] = [];
  for (const s of r.rows) {
    const n = s.n.toLocaleString('en-US');
    rows.push([n, 'exact f32', f(s.exact_f32.build_ms / 1000, 2), f(s.exact_f32.query_ms.median, 2), f(s.exact_f32.query_ms.p95, 2), '1.000', f(s.exact_f32.mib)]);
    rows.push([n, 'exact int8 (per-vector scale)', f(s.exact_int8.build_ms / 1000, 2), f(s.exact_int8.query_ms.median, 2), f(s.exact_int8.query_ms.p95, 2), f(s.exact_int8.recall_at_10, 3), f(s.exact_int8.mib)]);
    for (const h of s.hnsw.by_ef) {
      rows.push([n, `HNSW ef=${h.ef}`, f(s.incremental.build_ms / 1000, 1), f(h.query_ms.median, 2), f(h.query_ms.p95, 2), f(h.recall_at_10, 3), f(s.hnsw.stored_mib)]);
    }
  }
  out.push(`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((c) => `| ${c.join(' | ')} |`));
  out.push('', '| vectors | graph bytes → restore ms | save ms | restored recall | unsliced build s | sliced build s (product path) | slices | longest slice ms | questions mid-build | wait p50 / p95 ms | JS heap MiB |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of r.rows) {
    const w = s.incremental.wait_ms;
    out.push(
      `| ${s.n.toLocaleString('en-US')} | ${f(s.hnsw.stored_mib)} MiB → ${f(s.hnsw.restore_ms, 0)} | ${f(s.hnsw.serialize_ms, 0)} | ${f(s.hnsw.restored_recall, 3)} | ${s.hnsw.build_ms == null ? '—' : f(s.hnsw.build_ms / 1000, 1)} | ${f(s.incremental.build_ms / 1000, 1)} | ${s.incremental.slices} | ${f(s.incremental.longest_slice_ms, 1)} | ${s.incremental.queries_mid_build} | ${w ? `${f(w.median)} / ${f(w.p95)}` : '—'} | ${f(s.js_heap_mib, 0)} |`,
    );
  }
  out.push(
    '',
    'HNSW build s = the product path (VectorSpace, sliced, questions arriving); "unsliced" = one loop of add() calls, the reference for the slicing overhead. ' +
      'Memory: exact = the flat vector buffer (f32: 4 B/dim; int8: 1 B/dim + a 4-byte scale); HNSW = its serialised graph (vectors + links, ≈ what it holds in the WASM heap). ' +
      'Wait = how long a question posted every 20 ms while VectorSpace builds its graph in slices waited past its timer, including its own search (exact over the uncovered rows + graph over the covered ones). ' +
      (r.errors.length ? `Errors: ${r.errors.join('; ')}` : ''),
  );
  return out;
}
