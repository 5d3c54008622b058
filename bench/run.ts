/**
 * Benchmark suite entry: `npm run bench [-- --quick] [-- --only=embedding,query,index,ann-browser,startup,quality,map]`.
 *
 * Reports numbers, never fails on timing: a section that cannot run (module missing, browser
 * unavailable) is listed under "Not measured" with its reason, and the run still writes
 * bench/results/<timestamp>.json, latest.json and latest.md and prints the table.
 *
 * Sections run one after another (never in parallel) so they do not compete for the 2 cores; the
 * load average at start and end is recorded because other processes on a shared machine do.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { MODELS, DEFAULT_MODEL_ID } from '../src/core/model/registry.ts';
import { documentText } from '../src/core/vectors/document-text.ts';
import { loadSeedPapers, spreadSample, REPO } from './lib/seed.ts';
import { machineInfo } from './lib/machine.ts';
import { embeddingFigures, renderMarkdown, type BenchResults } from './lib/report.ts';

interface Config {
  quick: boolean;
  /** Only some sections or models were asked for. */
  partial: boolean;
  sections: Set<string>;
  models: string[];
  embedDocs: number;
  nodeRepeats: number;
  browserRepeats: number;
  browserThreads: number;
  /** Models whose browser path also gets the diagnostic configurations. */
  diagnoseModels: string[];
  questions: number;
  indexSizes: number[];
  indexQueries: number;
  annSizes: number[];
  /** Library sizes for the library section (`--library 5000[,50000,…]`). */
  librarySizes: number[];
  /** Seconds over which the full model's rate and the query latency are measured. */
  libraryWindowS: number;
  /** Library section: documents in the embedding worker (true), on the engine worker (false), or both in turn. */
  libraryEmbedWorker: boolean[];
}

const ALL_SECTIONS = ['embedding', 'query', 'static', 'index', 'ann-browser', 'startup', 'quality', 'map'];
/** Sections run only when asked for (`--only=library` or `--library N`). */
const OPT_IN_SECTIONS = ['library'];

class UsageError extends Error {}

function parseArgs(argv: string[]): Config {
  argv = [...argv];
  const quick = argv.includes('--quick');
  // `--library 5000` (or `--library=5000,50000`): the library section alone, unless --only says more.
  const libIdx = argv.findIndex((a) => a === '--library' || a.startsWith('--library='));
  const libArg = libIdx < 0 ? undefined : argv[libIdx]!.includes('=') ? argv[libIdx]!.slice(10) : argv[libIdx + 1];
  if (libIdx >= 0 && !argv[libIdx]!.includes('=')) argv = argv.filter((_, i) => i !== libIdx + 1);
  const librarySizes = (libArg ?? '5000').split(',').map((x) => Number(x));
  if (librarySizes.some((x) => !Number.isInteger(x) || x < 1 || x > 200_000)) throw new UsageError(`--library takes paper counts from 1 to 200000, e.g. --library 5000 (got "${libArg}")`);
  if (quick && librarySizes.some((x) => x > 10_000)) throw new UsageError('--library above 10000 papers is full mode only (drop --quick)');
  const only = argv.find((a) => a.startsWith('--only='))?.slice(7) ?? (libIdx >= 0 ? 'library' : undefined);
  const sections = new Set(only ? only.split(',') : ALL_SECTIONS);
  const known = [...ALL_SECTIONS, ...OPT_IN_SECTIONS];
  for (const s of sections) if (!known.includes(s)) throw new UsageError(`unknown section "${s}" (known: ${known.join(', ')})`);
  const modelsArg = argv.find((a) => a.startsWith('--models='))?.slice(9);
  const models = modelsArg
    ? modelsArg.split(',').map((m) => {
        const found = MODELS.find((x) => x.id === m || x.id.endsWith('/' + m));
        if (!found) throw new UsageError(`unknown model "${m}" (known: ${MODELS.map((x) => x.id).join(', ')})`);
        return found.id;
      })
    : MODELS.map((m) => m.id);
  const ewArg = argv.find((a) => a.startsWith('--embedworker='))?.slice(14) ?? '1';
  const libraryEmbedWorker = ewArg === 'both' ? [false, true] : ewArg === '0' ? [false] : ewArg === '1' ? [true] : undefined;
  if (!libraryEmbedWorker) throw new UsageError(`--embedworker takes 0, 1 or both (got "${ewArg}")`);
  const unknown = argv.filter((a) => a.startsWith('--') && !/^--(quick|only=|models=|library|embedworker=)/.test(a));
  if (unknown.length) throw new UsageError(`unknown option(s): ${unknown.join(' ')} (use --quick, --only=…, --models=…, --library N, --embedworker=0|1|both)`);
  return {
    quick,
    partial: !!only || !!modelsArg,
    sections,
    models,
    // Quick: 16 abstracts spread over the corpus (same length mix as all 204), fewer repeats.
    embedDocs: quick ? 16 : Infinity,
    nodeRepeats: quick ? 2 : 3,
    browserRepeats: 2,
    browserThreads: Math.max(1, os.cpus().length),
    // Diagnostics on the fastest model only: they explain the runtime, which every model shares.
    diagnoseModels: ['Xenova/all-MiniLM-L6-v2'],
    questions: quick ? 20 : 40,
    // Full mode's 100k build takes minutes in WASM (see README); quick stays well under 5 minutes total.
    indexSizes: quick ? [2_000, 10_000] : [10_000, 100_000],
    indexQueries: quick ? 50 : 200,
    // The browser index section: the sizes issue 15 asks about (a 100k HNSW build is minutes in WASM).
    annSizes: quick ? [10_000] : [10_000, 50_000, 100_000],
    librarySizes,
    libraryWindowS: quick ? 30 : 60,
    libraryEmbedWorker,
  };
}

const log = (s: string) => console.error(s);

async function main() {
  const cfg = parseArgs(process.argv.slice(2));
  const started = new Date();
  const t0 = performance.now();
  const machine = machineInfo();
  const notMeasured: string[] = [];
  const papers = loadSeedPapers();
  const texts = spreadSample(papers, cfg.embedDocs).map(documentText);
  log(`bench: ${cfg.quick ? 'quick' : 'full'} mode, ${papers.length} seed papers, ${texts.length} per embedding measurement, sections ${[...cfg.sections].join(',')}`);

  const results: BenchResults = {
    version: 1,
    meta: {
      started: started.toISOString(),
      duration_s: 0,
      mode: cfg.quick ? 'quick' : 'full',
      machine: { cpu: machine.cpu, cores: machine.cores, memGiB: machine.memGiB, os: machine.os, node: machine.node, chromium: machine.chromium },
      load_avg_start: machine.load1,
      load_avg_end: 0,
      embed_docs: texts.length,
      repeats: { node: cfg.nodeRepeats, browser: cfg.browserRepeats },
    },
    embedding: {},
    query: null,
    index: null,
    startup: null,
    quality: {},
    not_measured: notMeasured,
  };

  // Browser harness: one build, one Chromium, shared by the embedding and query sections.
  const needBrowser = cfg.sections.has('embedding') || cfg.sections.has('query') || cfg.sections.has('static');
  let bb: import('./lib/browser-run.ts').BrowserBench | undefined;
  if (needBrowser) {
    try {
      const { buildBrowserBench } = await import('./lib/build-browser.ts');
      const built = await buildBrowserBench();
      for (const s of built.skipped) notMeasured.push(`browser worker ${s}`);
      const { startBrowserBench } = await import('./lib/browser-run.ts');
      bb = await startBrowserBench();
    } catch (e) {
      notMeasured.push(`browser paths: ${(e as Error).message.slice(0, 300)}`);
    }
  }

  const sectionS: Record<string, number> = {};
  const timed = async (name: string, fn: () => Promise<void>) => {
    if (!cfg.sections.has(name)) return;
    const s = performance.now();
    await fn();
    sectionS[name] = Math.round((performance.now() - s) / 1000);
  };
  try {
    await timed('embedding', () => embeddingSection(cfg, texts, results, bb));
    await timed('query', () => querySection(cfg, papers, results, bb));
    await timed('static', () => staticSection(cfg, results, bb));
  } finally {
    await bb?.close();
  }
  await timed('index', () => indexSection(cfg, papers, results));
  await timed('ann-browser', () => annBrowserSection(cfg, papers, results));
  await timed('startup', () => startupSection(cfg, results));
  await timed('quality', () => qualitySection(cfg, results));
  await timed('map', () => mapSection(cfg, results));
  await timed('library', () => librarySection(cfg, results));
  results.meta.section_s = sectionS;

  results.meta.duration_s = (performance.now() - t0) / 1000;
  results.meta.load_avg_end = os.loadavg()[0]!;
  const md = renderMarkdown(results);
  const dir = join(REPO, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  const json = JSON.stringify(results, (_k, v) => (v instanceof Float32Array ? undefined : v), 2);
  // A partial run (--only / --models) must not replace the latest complete table the README quotes.
  const latest = cfg.partial ? 'latest-partial' : 'latest';
  writeFileSync(join(dir, `${stamp}.json`), json);
  writeFileSync(join(dir, `${latest}.json`), json);
  writeFileSync(join(dir, `${latest}.md`), md);
  console.log(md);
  log(`bench: done in ${results.meta.duration_s.toFixed(0)} s → bench/results/${stamp}.json, ${latest}.json, ${latest}.md`);
}

async function embeddingSection(cfg: Config, texts: string[], results: BenchResults, bb: import('./lib/browser-run.ts').BrowserBench | undefined) {
  const { benchNodeEmbedding, NativeEmbedder } = await import('./embed-node.ts');
  const { benchBrowserEmbedding, appThreadCount } = await import('./embed-browser.ts');
  for (const modelId of cfg.models) {
    log(`embedding: ${modelId}`);
    // q8 in padded batches was always slower per document here (DynamicQuantizeLinear + padding): quick mode skips it.
    const node = await benchNodeEmbedding(modelId, texts, { repeats: cfg.nodeRepeats, batchSizes: cfg.quick ? [1] : [1, 8], log });
    for (const e of node.result.errors) results.not_measured.push(`embedding ${modelId} ${e}`);
    let browser: Awaited<ReturnType<typeof benchBrowserEmbedding>> | undefined;
    if (bb) {
      const diagnose = cfg.diagnoseModels.includes(modelId);
      // Every model: its token ids feed the raw onnxruntime-web ceiling (browser_to_wasm_ceiling_ratio).
      const native = await NativeEmbedder.load(modelId);
      browser = await benchBrowserEmbedding(bb, modelId, texts, {
        repeats: cfg.browserRepeats,
        diagnose,
        reference: node.oursVectors,
        native,
        threads: cfg.browserThreads,
        allCores: !cfg.quick || diagnose,
        batching: !cfg.quick,
        log,
      });
      await native?.dispose();
      for (const e of browser.errors) results.not_measured.push(`embedding ${modelId} browser ${e}`);
    }
    results.embedding[modelId] = {
      ...embeddingFigures({
        docs: texts.length,
        node: node.result.ours?.docs_per_s,
        browser: browser?.app?.docs_per_s,
        browserThreads: browser?.app ? appThreadCount(cfg.browserThreads) : null,
        browserAllCores: browser?.threads?.docs_per_s,
        browser1: browser?.single?.docs_per_s,
        naive: node.result.naive?.docs_per_s,
        native: node.result.native?.docs_per_s,
        wasmCeiling: browser?.raw?.[`wasm-bs1-t${appThreadCount(cfg.browserThreads)}`],
        cpu: {
          node: node.result.ours?.cpu_ms_per_doc,
          browser: browser?.app?.cpu_ms_per_doc,
          browser1: browser?.single?.cpu_ms_per_doc,
          naive: node.result.naive?.cpu_ms_per_doc,
          native: node.result.native?.cpu_ms_per_doc,
        },
      }),
      details: { node: node.result, browser },
    };
  }
}

async function querySection(cfg: Config, papers: import('../src/core/types.ts').Paper[], results: BenchResults, bb: import('./lib/browser-run.ts').BrowserBench | undefined) {
  const modelId = DEFAULT_MODEL_ID;
  log(`query latency: ${modelId}`);
  try {
    const { benchNodeQuery } = await import('./query-bench.ts');
    const { appThreadCount } = await import('./embed-browser.ts');
    const { latency, setup } = await benchNodeQuery(modelId, papers, cfg.questions);
    results.query = { model: modelId, node: latency, browser: null };
    log(`  node: hybrid p50 ${latency.hybrid_ms.median.toFixed(1)} ms, lexical p50 ${latency.lexical_ms.median.toFixed(2)} ms`);
    if (bb) {
      try {
        const b = await bb.run<import('./lib/query-timing.ts').QueryLatency>(
          'query',
          { modelId, numThreads: appThreadCount(cfg.browserThreads), papers: setup.papers, paperIds: setup.paperIds, vectors: setup.vectors, questions: setup.questions },
          { isolated: true },
        );
        results.query.browser = b;
        results.query.browser_threads = appThreadCount(cfg.browserThreads);
        log(`  browser: hybrid p50 ${b.hybrid_ms.median.toFixed(1)} ms, lexical p50 ${b.lexical_ms.median.toFixed(2)} ms`);
        const { benchQuestionSplit } = await import('./question-split.ts');
        const { NativeEmbedder } = await import('./embed-node.ts');
        const native = await NativeEmbedder.load(modelId);
        try {
          results.query.question_split = await benchQuestionSplit(bb, modelId, setup.questions, native, { threads: appThreadCount(cfg.browserThreads), rounds: cfg.quick ? 1 : 2, log });
        } finally {
          await native.dispose();
        }
      } catch (e) {
        results.not_measured.push(`query latency, browser: ${(e as Error).message.slice(0, 300)}`);
      }
    }
  } catch (e) {
    results.not_measured.push(`query latency: ${(e as Error).message.slice(0, 300)}`);
  }
}

/** The quick tier: static model speed in Node and in the browser worker, and their vectors compared. */
async function staticSection(cfg: Config, results: BenchResults, bb: import('./lib/browser-run.ts').BrowserBench | undefined) {
  const { DEFAULT_STATIC_MODEL_ID, getStaticModel } = await import('../src/core/model/registry.ts');
  const { loadStaticEmbedder } = await import('../src/core/model/static-embedder.ts');
  const { resolveLocalStaticDir } = await import('../src/node/model-dir.ts');
  const { timeStatic } = await import('./lib/static-timing.ts');
  const { recombinedTexts } = await import('./lib/seed.ts');
  const spec = getStaticModel(DEFAULT_STATIC_MODEL_ID);
  log(`static: ${spec.id}`);
  const dir = resolveLocalStaticDir(spec.id);
  if (!dir) {
    results.not_measured.push(`static: ${spec.id} is not installed (npm run distill)`);
    return;
  }
  const texts = recombinedTexts(cfg.quick ? 1000 : 5000);
  const questions = loadSeedPapers().slice(0, cfg.questions).map((p) => p.title);
  const sample = texts.slice(0, 200);
  let cpu0 = process.cpuUsage();
  let nodeCpuMs = 0;
  const nodeMarks = {
    start: async () => void (cpu0 = process.cpuUsage()),
    end: async () => {
      const u = process.cpuUsage(cpu0);
      nodeCpuMs = (u.user + u.system) / 1000;
    },
  };
  const node = await timeStatic(() => loadStaticEmbedder({ modelId: spec.id, localModelPath: dir }), texts, questions, 3, nodeMarks);
  node.timing.warm_docs_per_cpu_s = nodeCpuMs > 0 ? (3 * texts.length) / (nodeCpuMs / 1000) : null;
  const nodeVectors = (await node.model.embedDocuments(sample)).vectors;
  const fig: import('./lib/report.ts').StaticFigures = {
    model: spec.id,
    file_mb: spec.file.bytes / 1e6,
    docs: texts.length,
    node: node.timing,
    browser: null,
    browser_vs_node_max_abs_diff: null,
    transformer_browser_docs_per_s: results.embedding[DEFAULT_MODEL_ID]?.browser_docs_per_s ?? null,
  };
  log(`  node: ${node.timing.warm_docs_per_s.toFixed(0)} docs/s warm (${node.timing.warm_docs_per_cpu_s?.toFixed(0)} per CPU-s), question p50 ${node.timing.embed_query_ms.median.toFixed(3)} ms`);
  if (bb) {
    try {
      const b = await bb.run<import('./browser/static.worker.ts').StaticResponse>(
        'static',
        { modelId: spec.id, texts, questions, vectorTexts: sample, vectorQuestions: [] },
        { isolated: true },
      );
      fig.browser = b.timing;
      fig.browser.warm_docs_per_cpu_s = bb.lastCpuMs ? (3 * texts.length) / (bb.lastCpuMs / 1000) : null;
      const bv = Float32Array.from(b.vectors);
      let diff = bv.length === nodeVectors.length ? 0 : Infinity;
      for (let i = 0; i < nodeVectors.length && diff !== Infinity; i++) diff = Math.max(diff, Math.abs(bv[i]! - nodeVectors[i]!));
      fig.browser_vs_node_max_abs_diff = diff;
      log(`  browser: ${b.timing.warm_docs_per_s.toFixed(0)} docs/s warm (${b.timing.cold_docs_per_s.toFixed(0)} fresh, ${fig.browser.warm_docs_per_cpu_s?.toFixed(0)} warm per CPU-s), question p50 ${b.timing.embed_query_ms.median.toFixed(3)} ms, load ${b.timing.load_ms.toFixed(0)} ms, max |diff| vs Node ${diff}`);
    } catch (e) {
      results.not_measured.push(`static, browser: ${(e as Error).message.slice(0, 300)}`);
    }
  }
  results.static = fig;
}

const INDEX_BASE_MODEL = 'Xenova/all-MiniLM-L6-v2';

async function indexSection(cfg: Config, papers: import('../src/core/types.ts').Paper[], results: BenchResults) {
  log(`index: sizes ${cfg.indexSizes.join(', ')}`);
  try {
    const { benchIndex, INDEX_PARAMS, neighbourCosines } = await import('./index-bench.ts');
    // Always the same basis (MiniLM vectors of all seed abstracts), whatever the default model is, so
    // index figures stay comparable across runs; e5's vectors, for one, are far more anisotropic.
    const { NativeEmbedder } = await import('./embed-node.ts');
    const nat = await NativeEmbedder.load(INDEX_BASE_MODEL);
    const base = await nat.embed(papers.map(documentText), 1);
    await nat.dispose();
    const sizes = await benchIndex(base, 384, { sizes: cfg.indexSizes, queries: cfg.indexQueries, ...INDEX_PARAMS, log });
    results.index = { params: { ...INDEX_PARAMS }, base_model: INDEX_BASE_MODEL, real_nn_cosine: neighbourCosines(base, 384), sizes };
    for (const s of sizes) for (const e of s.errors) results.not_measured.push(`index n=${s.n} ${e}`);
  } catch (e) {
    results.not_measured.push(`index: ${(e as Error).message.slice(0, 300)}`);
  }
}

async function annBrowserSection(cfg: Config, papers: import('../src/core/types.ts').Paper[], results: BenchResults) {
  log(`ann-browser: sizes ${cfg.annSizes.join(', ')}`);
  let bb: import('./lib/browser-run.ts').BrowserBench | undefined;
  try {
    const { buildBrowserBench } = await import('./lib/build-browser.ts');
    await buildBrowserBench(['ann']);
    const { startBrowserBench } = await import('./lib/browser-run.ts');
    bb = await startBrowserBench();
    // Same basis as the Node index section (MiniLM vectors of the seed abstracts).
    const { NativeEmbedder } = await import('./embed-node.ts');
    const nat = await NativeEmbedder.load(INDEX_BASE_MODEL);
    const base = await nat.embed(papers.map(documentText), 1);
    await nat.dispose();
    const { benchAnnBrowser } = await import('./ann-browser.ts');
    results.ann_browser = await benchAnnBrowser(bb, base, { sizes: cfg.annSizes, queries: cfg.indexQueries, efs: [16, 32, 64, 128], log });
    for (const e of results.ann_browser.errors) results.not_measured.push(`ann-browser ${e}`);
  } catch (e) {
    results.not_measured.push(`ann-browser: ${(e as Error).message.slice(0, 300)}`);
  } finally {
    await bb?.close();
  }
}

async function startupSection(_cfg: Config, results: BenchResults) {
  log('startup');
  try {
    const { benchStartup } = await import('./startup.ts');
    results.startup = await benchStartup(log, _cfg.quick ? 1 : 3, 3);
  } catch (e) {
    results.not_measured.push(`start-up: ${(e as Error).message.slice(0, 300)}`);
  }
}

async function librarySection(cfg: Config, results: BenchResults) {
  const { benchLibrary } = await import('./library-bench.ts');
  results.library = [];
  for (const n of cfg.librarySizes) {
    for (const embedWorker of cfg.libraryEmbedWorker) {
      log(`library: ${n} papers`);
      try {
        results.library.push(await benchLibrary(n, { log, windowS: cfg.libraryWindowS, embedWorker }));
      } catch (e) {
        results.not_measured.push(`library ${n}${embedWorker ? '' : ' (embedworker=0)'}: ${(e as Error).message.slice(0, 300)}`);
      }
    }
  }
}

async function mapSection(cfg: Config, results: BenchResults) {
  log('map');
  try {
    const { benchMap } = await import('./map-bench.ts');
    results.map = await benchMap({ quick: cfg.quick, log });
    for (const e of results.map.errors) results.not_measured.push(`map: ${e}`);
  } catch (e) {
    results.map = null;
    results.not_measured.push(`map: ${(e as Error).message.slice(0, 300)}`);
  }
}

async function qualitySection(cfg: Config, results: BenchResults) {
  const { benchQuality } = await import('./quality.ts');
  for (const modelId of cfg.models) {
    log(`quality: ${modelId}`);
    try {
      const q = await benchQuality(modelId);
      results.quality[modelId] = q;
      log(`  hybrid recall@10 ${q.hybrid.recall_at_10.toFixed(2)}, MRR ${q.hybrid.mrr.toFixed(3)} (${q.duration_s.toFixed(0)} s)`);
    } catch (e) {
      results.quality[modelId] = null;
      results.not_measured.push(`quality ${modelId}: ${(e as Error).message.slice(0, 300)}`);
    }
  }
}

main().catch((e) => {
  // A crash of the harness itself or a bad option (never a slow number) is the only failure exit.
  console.error(e instanceof UsageError ? `bench: ${e.message}` : e);
  process.exit(1);
});
