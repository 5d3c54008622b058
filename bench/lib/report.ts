/**
 * The benchmark's result document and its human-readable rendering. Pure (no I/O, no timing), so
 * tests/unit/bench-report.test.ts can check it on fixed inputs.
 *
 * Invariants: a figure that was not measured is `null` in JSON and "—" in the table (never 0 or
 * Infinity); every ratio is computed here from the two figures of the same run.
 */
import { ratio, type Summary } from './stats.ts';
import { renderAnnBrowser } from '../ann-browser.ts';

export interface EmbeddingFigures {
  docs: number;
  /** (a) our Node path. */
  node_docs_per_s: number | null;
  /** (b) our browser worker path as the app runs it: cross-origin isolated, the app's thread count. */
  browser_docs_per_s: number | null;
  browser_threads: number | null;
  /** (b) cross-origin isolated with one thread per core (when that differs from the app's count). */
  browser_all_cores_docs_per_s: number | null;
  /** (b) our browser worker path without cross-origin isolation (one thread). */
  browser_1thread_docs_per_s: number | null;
  /** (c) transformers.js pipeline once per abstract. */
  naive_docs_per_s: number | null;
  /** (d) plain onnxruntime-node, best batch size. */
  native_docs_per_s: number | null;
  browser_to_native_ratio: number | null;
  /**
   * (b) ÷ plain onnxruntime-web (best WASM build: plain) on the same token ids, same page kind, same
   * threads: 1 means our worker path costs nothing over the runtime; the target is ≥ 0.95.
   */
  browser_to_wasm_ceiling_ratio?: number | null;
  browser_to_naive_ratio: number | null;
  node_to_native_ratio: number | null;
  /** CPU ms per document (all threads/processes of the path): robust to other load, unlike docs/s. */
  cpu_ms_per_doc?: { node: number | null; browser: number | null; browser_1thread: number | null; naive: number | null; native: number | null };
  /** browser CPU ms/doc ÷ native CPU ms/doc: how much more work the browser does per document. */
  browser_to_native_cpu_ratio?: number | null;
}

/** Combines the measured rates of one model into the reported figures and ratios. */
export function embeddingFigures(x: {
  docs: number;
  node?: number | null;
  browser?: number | null;
  browserThreads?: number | null;
  browserAllCores?: number | null;
  browser1?: number | null;
  naive?: number | null;
  native?: number | null;
  /** Raw onnxruntime-web, plain build, batch 1, the app's thread count. */
  wasmCeiling?: number | null;
  cpu?: { node?: number | null; browser?: number | null; browser1?: number | null; naive?: number | null; native?: number | null };
}): EmbeddingFigures {
  const v = (n: number | null | undefined) => (n == null || !Number.isFinite(n) ? null : n);
  return {
    docs: x.docs,
    node_docs_per_s: v(x.node),
    browser_docs_per_s: v(x.browser),
    browser_threads: v(x.browserThreads),
    browser_all_cores_docs_per_s: v(x.browserAllCores),
    browser_1thread_docs_per_s: v(x.browser1),
    naive_docs_per_s: v(x.naive),
    native_docs_per_s: v(x.native),
    browser_to_native_ratio: ratio(x.browser, x.native),
    browser_to_wasm_ceiling_ratio: ratio(x.browser, x.wasmCeiling),
    browser_to_naive_ratio: ratio(x.browser, x.naive),
    node_to_native_ratio: ratio(x.node, x.native),
    ...(x.cpu
      ? {
          cpu_ms_per_doc: { node: v(x.cpu.node), browser: v(x.cpu.browser), browser_1thread: v(x.cpu.browser1), naive: v(x.cpu.naive), native: v(x.cpu.native) },
          browser_to_native_cpu_ratio: ratio(x.cpu.browser, x.cpu.native),
        }
      : {}),
  };
}

export interface LatencyFigures {
  questions: number;
  lexical_ms: Summary;
  embed_query_ms: Summary;
  hybrid_ms: Summary;
}

export interface IndexImpl {
  build_ms: number;
  query_ms: Summary;
  recall_at_10: number;
  stored_bytes: number;
}

export interface IndexRow {
  n: number;
  queries: number;
  data_nn_cosine?: { nn1: number; nn10: number };
  wasm_hnsw?: IndexImpl;
  native_hnsw?: IndexImpl;
  exact: IndexImpl;
  errors: string[];
}

export interface StartupFigures {
  first_visit: { lexical_ready_ms: number | null; semantic_ready_ms: number | null };
  reload: { lexical_ready_ms: number | null; semantic_ready_ms: number | null };
  note?: string;
}

export interface QualityFigures {
  queries: number;
  lexical: { recall_at_1: number; recall_at_5: number; recall_at_10: number; mrr: number };
  vector: { recall_at_1: number; recall_at_5: number; recall_at_10: number; mrr: number };
  hybrid: { recall_at_1: number; recall_at_5: number; recall_at_10: number; mrr: number };
}

export interface StaticFigures {
  model: string;
  file_mb: number;
  docs: number;
  node: import('./static-timing.ts').StaticTiming | null;
  browser: import('./static-timing.ts').StaticTiming | null;
  /** Largest |browser − Node| over every component of the documents' vectors (0 = bit-identical). */
  browser_vs_node_max_abs_diff: number | null;
  /** Full-model (q8) documents/s in the browser, from the embedding section, for the ratio. */
  transformer_browser_docs_per_s?: number | null;
}

export interface BenchResults {
  version: 1;
  meta: {
    started: string;
    duration_s: number;
    mode: 'quick' | 'full';
    machine: { cpu: string; cores: number; memGiB: number; os: string; node: string; chromium?: string };
    load_avg_start: number;
    load_avg_end: number;
    /** Abstracts per embedding measurement and repeats (Node / browser). */
    embed_docs: number;
    repeats: { node: number; browser: number };
    /** Wall time of each section, seconds. */
    section_s?: Record<string, number>;
  };
  embedding: Record<string, EmbeddingFigures & { details?: unknown }>;
  query: { model: string; node: LatencyFigures | null; browser: LatencyFigures | null; browser_threads?: number; question_split?: import('../question-split.ts').QuestionSplit | null } | null;
  index: { params: { M: number; efConstruction: number; efSearch: number }; base_model?: string; real_nn_cosine?: { nn1: number; nn10: number }; sizes: IndexRow[] } | null;
  startup: StartupFigures | null;
  quality: Record<string, QualityFigures | null>;
  /** bench/ann-browser.ts: index choice in the browser worker (absent in older runs). */
  ann_browser?: import('../ann-browser.ts').AnnBrowserResult | null;
  /** bench/map-bench.ts (absent in runs made before the map existed). */
  map?: import('../map-bench.ts').MapBenchResult | null;
  /** The static model (quick tier): load, documents/s, question embedding, in Node and the browser worker. */
  static?: StaticFigures | null;
  /** bench/library-bench.ts: a whole library imported through the built app (`--library N`). */
  library?: import('../library-bench.ts').LibraryFigures[];
  /** Sections or paths that could not be measured, with the reason. */
  not_measured: string[];
}

// ------------------------------------------------------------------------------------------------
// Rendering

const DASH = '—';

export function fmt(x: number | null | undefined, digits = 1): string {
  if (x == null || !Number.isFinite(x)) return DASH;
  return x.toFixed(digits);
}

function fmtRatio(x: number | null | undefined): string {
  return x == null || !Number.isFinite(x) ? DASH : `${x.toFixed(2)}×`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

const short = (id: string) => id.split('/').pop()!;

export function renderMarkdown(r: BenchResults): string {
  const m = r.meta;
  const out: string[] = [];
  out.push(
    `Run ${m.started.slice(0, 16).replace('T', ' ')} UTC, ${m.mode} mode, ${m.duration_s.toFixed(0)} s — ${m.machine.cpu}, ${m.machine.cores} cores, ` +
      `${m.machine.memGiB} GiB, Node ${m.machine.node}${m.machine.chromium ? `, ${m.machine.chromium}` : ''}; ` +
      `load average ${m.load_avg_start.toFixed(1)} → ${m.load_avg_end.toFixed(1)}.` +
      (m.section_s ? ` Sections (s): ${Object.entries(m.section_s).map(([k, v]) => `${k} ${v}`).join(', ')}.` : ''),
  );

  const emb = Object.entries(r.embedding);
  if (emb.length) {
    out.push('', `### Embedding throughput (documents/s, ${m.embed_docs} seed abstracts, median of ${m.repeats.node} Node / ${m.repeats.browser} browser repeats)`, '');
    out.push(
      table(
        ['model', '(a) ours, Node', '(b) ours, browser WASM, isolated (app)', '(b) isolated, all cores', '(b) not isolated, 1 thread', '(c) naive pipeline', '(d) onnxruntime-node', '(b)/(d)', '(b)/raw onnxruntime-web', '(b)/(c)'],
        emb.map(([id, e]) => [
          short(id),
          fmt(e.node_docs_per_s),
          e.browser_docs_per_s == null ? DASH : `${fmt(e.browser_docs_per_s)}${e.browser_threads ? ` (${e.browser_threads} thr)` : ''}`,
          fmt(e.browser_all_cores_docs_per_s),
          fmt(e.browser_1thread_docs_per_s),
          fmt(e.naive_docs_per_s),
          fmt(e.native_docs_per_s),
          fmtRatio(e.browser_to_native_ratio),
          fmtRatio(e.browser_to_wasm_ceiling_ratio),
          fmtRatio(e.browser_to_naive_ratio),
        ]),
      ),
    );
  }

  const cpuRows = emb.filter(([, e]) => e.cpu_ms_per_doc);
  if (cpuRows.length) {
    out.push('', '### CPU time per document (ms, all threads; less sensitive to other load than docs/s)', '');
    out.push(
      table(
        ['model', '(a) Node', '(b) browser, isolated (app)', '(b) browser, not isolated', '(c) naive', '(d) native', '(b) ÷ (d)'],
        cpuRows.map(([id, e]) => {
          const c = e.cpu_ms_per_doc!;
          return [short(id), fmt(c.node, 0), fmt(c.browser, 0), fmt(c.browser_1thread, 0), fmt(c.naive, 0), fmt(c.native, 0), fmtRatio(e.browser_to_native_cpu_ratio)];
        }),
      ),
    );
  }

  if (r.query) {
    const q = r.query;
    const cell = (s: Summary | undefined) => (s ? `${fmt(s.median)} / ${fmt(s.p95)}` : DASH);
    out.push('', `### Query latency (${short(q.model)}, ms, p50 / p95 over ${q.node?.questions ?? q.browser?.questions ?? 0} questions, 204 papers)`, '');
    out.push(
      table(
        ['path', 'lexical only', 'embed question', 'embed + hybrid search'],
        [
          ['Node', cell(q.node?.lexical_ms), cell(q.node?.embed_query_ms), cell(q.node?.hybrid_ms)],
          [`browser worker${q.browser_threads ? ` (${q.browser_threads} thr)` : ''}`, cell(q.browser?.lexical_ms), cell(q.browser?.embed_query_ms), cell(q.browser?.hybrid_ms)],
        ],
      ),
    );
    const sp = q.question_split;
    if (sp) {
      out.push('', `Where one question's embedding goes in the browser (p50 ms, ${sp.questions} questions, ${fmt(sp.mean_tokens)} tokens on average; fresh = first time the session sees the length):`, '');
      out.push(table(['configuration', 'fresh', 'warm'], Object.keys(sp.warm_ms).map((k) => [k, fmt(sp.fresh_ms[k]), fmt(sp.warm_ms[k])])));
      out.push('', `Tokenizer ${fmt(sp.tokenizer_ms, 2)} ms, one message hop ${fmt(sp.hop_ms, 2)} ms; browser_to_wasm_ceiling_ratio (questions) ${fmtRatio(sp.browser_to_wasm_ceiling_ratio)}.`);
    }
  }

  if (r.index) {
    const p = r.index.params;
    out.push('', `### Vector index (384-d, M=${p.M}, efConstruction=${p.efConstruction}, efSearch=${p.efSearch}, k=10)`, '');
    const rows: string[][] = [];
    for (const s of r.index.sizes) {
      const impls: [string, IndexImpl | undefined][] = [
        ['hnswlib-wasm (ours)', s.wasm_hnsw],
        ['hnswlib-node (native)', s.native_hnsw],
        ['exact (brute force)', s.exact],
      ];
      for (const [name, x] of impls) {
        rows.push([
          s.n.toLocaleString('en-US'),
          name,
          x ? fmt(x.build_ms / 1000, 2) : DASH,
          x ? fmt(x.query_ms.median, 3) : DASH,
          x ? fmt(x.query_ms.p95, 3) : DASH,
          x ? fmt(x.recall_at_10, 3) : DASH,
          x ? fmt(x.stored_bytes / 2 ** 20, 1) : DASH,
        ]);
      }
    }
    out.push(table(['vectors', 'index', 'build s', 'query p50 ms', 'query p95 ms', 'recall@10', 'stored MiB'], rows));
    const nn = r.index.sizes
      .filter((s) => s.data_nn_cosine)
      .map((s) => `${fmt(s.data_nn_cosine!.nn1, 2)}/${fmt(s.data_nn_cosine!.nn10, 2)} at ${s.n.toLocaleString('en-US')}`);
    out.push(
      '',
      `Vectors: each a mix of two real ${r.index.base_model ? short(r.index.base_model) + ' ' : ''}embeddings of seed abstracts plus noise; ` +
        `mean cosine to the 1st/10th nearest neighbour ${nn.join(', ') || DASH}` +
        (r.index.real_nn_cosine ? ` (real seed vectors: ${fmt(r.index.real_nn_cosine.nn1, 2)}/${fmt(r.index.real_nn_cosine.nn10, 2)})` : '') +
        '. Query times are single-threaded, in Node.',
    );
  }

  if (r.ann_browser) out.push(...renderAnnBrowser(r.ann_browser));

  out.push('', '### Start-up (headless Chromium)', '');
  if (r.static) {
    const s = r.static;
    out.push('', `### Quick tier: static model ${s.model} (${fmt(s.file_mb)} MB, ${s.docs} recombined seed abstracts)`, '');
    const row = (name: string, t: import('./static-timing.ts').StaticTiming | null) => [
      name,
      fmt(t?.load_ms, 0),
      fmt(t?.cold_docs_per_s, 0),
      fmt(t?.warm_docs_per_s, 0),
      fmt(t?.warm_docs_per_cpu_s, 0),
      fmt(t?.embed_query_ms.median, 3),
      fmt(t?.embed_query_ms.p95, 3),
    ];
    out.push(table(['where', 'load (read + sha256 + parse), ms', 'docs/s, fresh', 'docs/s, warm', 'docs per CPU-s, warm', 'question p50, ms', 'question p95, ms'], [row('Node', s.node), row('browser worker', s.browser)]));
    out.push(
      '',
      `Browser vs Node vectors: max |diff| ${s.browser_vs_node_max_abs_diff ?? DASH}.` +
        (s.transformer_browser_docs_per_s && s.browser ? ` Against the full model in the browser: ${fmt(s.browser.warm_docs_per_s / s.transformer_browser_docs_per_s, 0)}× the documents/s.` : ''),
    );
  }

  if (r.startup) {
    const s = r.startup;
    out.push(
      table(
        ['visit', 'lexical search ready (ms)', 'semantic search ready (ms)'],
        [
          ['first visit', fmt(s.first_visit.lexical_ready_ms, 0), fmt(s.first_visit.semantic_ready_ms, 0)],
          ['reload', fmt(s.reload.lexical_ready_ms, 0), fmt(s.reload.semantic_ready_ms, 0)],
        ],
      ),
    );
    if (s.note) out.push('', s.note);
  } else {
    out.push('Not measured in this run.');
  }

  const qual = Object.entries(r.quality);
  if (qual.length) {
    out.push('', '### Quality (CLI `eval`, dev queries)', '');
    const rows: string[][] = [];
    for (const [id, q] of qual) {
      if (!q) {
        rows.push([short(id), DASH, DASH, DASH, DASH, DASH]);
        continue;
      }
      for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
        const x = q[mode];
        rows.push([short(id), mode, fmt(x.recall_at_1, 2), fmt(x.recall_at_5, 2), fmt(x.recall_at_10, 2), fmt(x.mrr, 3)]);
      }
    }
    out.push(table(['model', 'mode', 'recall@1', 'recall@5', 'recall@10', 'MRR'], rows));
  }

  if (r.map) {
    const mp = r.map;
    out.push('', `### Map (headless Chromium, ${mp.renderer})`, '');
    const rows = mp.layout.map((l) => [`layout ${l.n} papers (worker)`, `${(l.wall_ms / 1000).toFixed(1)} s`, `${l.clusters} clusters; main thread max frame gap ${l.main_thread.max_gap_ms.toFixed(0)} ms, ${l.main_thread.long_tasks} long tasks`]);
    if (mp.pan_zoom) rows.push([`pan/zoom ${mp.pan_zoom.n} points`, `${fmt(mp.pan_zoom.fps.median, 1)} fps`, `median of ${mp.pan_zoom.runs} × ${mp.pan_zoom.seconds_per_run} s; ${fmt(mp.pan_zoom.drawn_per_moving_frame.median, 0)} points per moving frame (all at rest)`]);
    if (mp.persisted_first_paint) rows.push([`first paint, persisted ${mp.persisted_first_paint.n}-point map`, `${fmt(mp.persisted_first_paint.paint_ms, 0)} ms`, `IndexedDB read ${fmt(mp.persisted_first_paint.read_ms, 0)} ms of it`]);
    out.push(table(['measure', 'value', 'notes'], rows));
  }

  if (r.library?.length) {
    out.push('', '### Library import (built app, headless Chromium, `--library N`)', '');
    const ms = (x: number | null) => (x == null ? DASH : `${(x / 1000).toFixed(1)} s`);
    const pc = (p: { p50: number | null; p95: number | null; n: number }) => `${fmt(p.p50, 0)} / ${fmt(p.p95, 0)} ms (n ${p.n})`;
    const rows: string[][] = [];
    for (const l of r.library) {
      const c = `${l.papers}`;
      rows.push(
        [c, 'file', `${l.file_mb.toFixed(1)} MB JSON Lines`],
        [c, 'file chosen → preview', ms(l.preview_ms)],
        [c, 'Import → keyword ready', `${ms(l.commit_to_keyword_ms)} (from file chosen ${ms(l.file_to_keyword_ms)})`],
        [c, 'Import → quick-tier semantic ready', `${ms(l.commit_to_quick_semantic_ms)} (from file chosen ${ms(l.file_to_quick_semantic_ms)})`],
        [c, 'full model rate', `${fmt(l.full_docs_per_s, 1)} docs/s (${l.full_embedded_in_window} in ${l.full_window_s.toFixed(0)} s)`],
        [c, 'hybrid query while embedding, round trip p50 / p95', pc(l.query_round_trip_ms)],
        [c, 'same, worker tookMs p50 / p95', `${pc(l.query_worker_ms)}; tiers ${JSON.stringify(l.query_tiers)}`],
        [c, 'longest main-thread task', `${l.longest_task_ms.toFixed(0)} ms (${l.long_tasks} long tasks)`],
        [c, 'worker memory', `${fmt(l.worker_memory_mb, 0)} MB (${l.memory_source})`],
        [c, 'IndexedDB', `${fmt(l.indexeddb_mb, 1)} MB`],
        [c, 'IndexedDB made of (MB)', l.indexeddb_parts ? Object.entries(l.indexeddb_parts).map(([k, v]) => `${k} ${v.toFixed(1)}`).join('; ') : DASH],
        [c, 'reload → keyword / semantic ready', `${ms(l.reload_keyword_ms)} / ${ms(l.reload_semantic_ms)} (${l.reload_semantic_tier ?? DASH} tier)`],
      );
    }
    out.push(table(['papers', 'measure', 'value'], rows));
    for (const l of r.library) out.push('', `${l.papers}: ${l.note} Load average ${l.load_avg[0].toFixed(1)} → ${l.load_avg[1].toFixed(1)}.`);
  }

  if (r.not_measured.length) {
    out.push('', '### Not measured', '', ...r.not_measured.map((s) => `- ${s}`));
  }
  return out.join('\n') + '\n';
}
