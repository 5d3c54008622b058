/**
 * CLI entry: `npm run cli -- search|related|eval|inspect|index …`. Results go to stdout, everything else
 * (progress, warnings, parse issues) to stderr, so `npm run --silent cli -- … --json` is pipeable.
 *
 * Exit codes: 0 success, 1 runtime failure, 2 usage error (bad flag, missing file or model).
 */
import { readFileSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS, HELP, UsageError, parseCommand, type CliOptions, type Command } from './args.ts';
import { loadCorpus } from './corpus-node.ts';
import { buildEngine, type EngineStats, type Io } from './engine-node.ts';
import { formatEval, parseQueries, runEval } from './eval.ts';
import { inspectFile, inspectJson, inspectText } from './inspect.ts';
import { summaryLine } from '../core/import/report.ts';
import { writeBundle } from '../core/import/bundle.ts';
import { normalizeTitle } from '../core/library/ids.ts';
import type { FusionOptions, SearchEngine } from '../core/search/engine.ts';
import type { Paper, SearchHit } from '../core/types.ts';

export interface RunResult {
  code: number;
  /** Embedding statistics of the run (undefined when no vectors were needed). */
  stats?: EngineStats;
}

export interface RunOptions {
  /** Vector cache root (default: $ATLAS_CACHE_DIR/vectors or <repo>/.cache/vectors). */
  cacheDir?: string;
}

/** Terminal output of untrusted text: drop control characters so a title cannot inject escape codes. */
function plain(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function fusionFrom(o: CliOptions): Partial<FusionOptions> {
  const f: Partial<FusionOptions> = {};
  if (o.fusion) f.method = o.fusion;
  if (o.alpha !== undefined) f.alpha = o.alpha;
  if (o.rrfK !== undefined) f.rrfK = o.rrfK;
  return f;
}

function formatHits(hits: SearchHit[], header: string): string {
  if (hits.length === 0) return `${header}\n(no results)\n`;
  const lines = [header];
  hits.forEach((h, i) => {
    lines.push(`${String(i + 1).padStart(2)}. ${h.score.toFixed(3)}  ${plain(h.paper.title)}  [${h.paper.id}]`);
    if (h.sentence) lines.push(`           ${plain(h.sentence)}`);
  });
  return lines.join('\n') + '\n';
}

function hitJson(h: SearchHit) {
  return { id: h.paper.id, title: h.paper.title, score: Math.round(h.score * 1e6) / 1e6, sentence: h.sentence };
}

/** Paper by id, exact title, or (failing those) normalised title. */
function findPaper(papers: Paper[], target: string): Paper {
  const t = target.trim();
  const hit =
    papers.find((p) => p.id === t) ??
    papers.find((p) => p.title === t) ??
    papers.find((p) => normalizeTitle(p.title) === normalizeTitle(t));
  if (hit) return hit;
  const words = normalizeTitle(t).split(' ').filter((w) => w.length > 2);
  const close = papers
    .map((p) => ({ p, n: words.filter((w) => normalizeTitle(p.title).includes(w)).length }))
    .filter((x) => x.n > 0)
    .sort((a, b) => b.n - a.n)
    .slice(0, 3)
    .map((x) => `  ${x.p.id}  ${plain(x.p.title)}`);
  throw new UsageError(`No paper with id or title "${plain(t)}".${close.length ? `\nDid you mean:\n${close.join('\n')}` : ''}`);
}

async function runCommand(o: CliOptions, io: Io, ro: RunOptions): Promise<RunResult> {
  if (o.command === 'inspect') {
    const report = await inspectFile(o.target!);
    io.out(o.json ? JSON.stringify(inspectJson(o.target!, report), null, 2) + '\n' : inspectText(o.target!, report, o.all));
    return { code: 0 };
  }
  if (o.command === 'index') return indexToBundle(o, io, ro);
  if (o.command === 'eval' && o.queries && !existsSync(o.queries)) throw new UsageError(`--queries: no such file: ${o.queries}`);
  const corpus = await loadCorpus(o.corpus);
  // --title-queries: documents lose their titles (same ids), and the titles become the questions.
  const indexed = o.titleQueries ? corpus.papers.map((p) => ({ ...p, title: '' })) : corpus.papers;
  const c = corpus.report.counts;
  if (corpus.issues.length || c.merged || c.skipped) {
    // What the load did, then the first notes; `inspect` lists them all.
    io.err(`corpus: ${summaryLine(c)}\n`);
    for (const i of corpus.issues.slice(0, 10)) io.err(`  ${plain(i)}\n`);
    if (corpus.issues.length > 10) io.err(`  … and ${corpus.issues.length - 10} more notes: npm run cli -- inspect ${o.corpus ?? '<file>'} --all to list them\n`);
  }
  const needVectors = !(o.command === 'search' && o.mode === 'lexical');
  // Resolve the related target before loading a model: a typo should fail fast.
  const source = o.command === 'related' ? findPaper(corpus.papers, o.target!) : undefined;
  const built = await buildEngine({
    papers: indexed,
    needVectors,
    modelId: o.model,
    cache: o.cache,
    cacheDir: ro.cacheDir,
    fusion: fusionFrom(o),
    vectors: corpus.vectors,
    storage: o.storage,
    io,
  });
  const engine: SearchEngine = built.engine;
  const stats = needVectors ? built.stats : undefined;
  const model = needVectors ? built.modelId : null;

  try {
    if (o.command === 'search') {
      const hits = await engine.search(o.target!, { k: o.k, mode: o.mode, filters: o.filters });
      if (o.json) io.out(JSON.stringify({ model, mode: o.mode, results: hits.map(hitJson) }, null, 2) + '\n');
      else io.out(formatHits(hits, `${o.mode} search · ${model ?? 'no model'} · ${corpus.papers.length} papers`));
    } else if (o.command === 'related') {
      const hits = engine.related(source!.id, o.k);
      if (o.json) {
        io.out(JSON.stringify({ model, paper: { id: source!.id, title: source!.title }, results: hits.map(hitJson) }, null, 2) + '\n');
      } else {
        io.out(formatHits(hits, `Related to: ${plain(source!.title)} [${source!.id}] · ${model}`));
      }
    } else {
      const queries = o.queries
        ? parseQueries(readFileSync(o.queries, 'utf8'), o.queries)
        : corpus.papers.map((p) => ({ query: p.title, relevant: [p.title] }));
      const report = await runEval(engine, corpus.papers, queries, {
        k: o.k,
        model: built.modelId,
        warn: (m) => io.err(`warning: ${plain(m)}\n`),
      });
      io.out(o.json ? JSON.stringify(report, null, 2) + '\n' : formatEval(report));
    }
  } finally {
    await built.model?.dispose();
  }
  return { code: 0, stats };
}

/**
 * `index <file> -o <library.atlas>`: the import's papers + native-speed vectors as a bundle.
 * Checks the input before embedding (a missing file or one with no papers costs nothing), and
 * writes through a temporary file renamed into place, so a killed run never leaves a torn bundle.
 */
async function indexToBundle(o: CliOptions, io: Io, ro: RunOptions): Promise<RunResult> {
  const file = o.target!;
  if (!existsSync(file)) throw new UsageError(`index: no such file: ${file}`);
  const corpus = await loadCorpus(file);
  const c = corpus.report.counts;
  io.err(`${file}: ${summaryLine(c)}\n`);
  for (const i of corpus.issues.slice(0, 10)) io.err(`  ${plain(i)}\n`);
  if (corpus.issues.length > 10) io.err(`  … and ${corpus.issues.length - 10} more notes: npm run cli -- inspect ${file} --all\n`);
  if (corpus.papers.length === 0) throw new UsageError(`index: ${file} holds no papers to index`);
  const built = await buildEngine({
    papers: corpus.papers,
    needVectors: true,
    modelId: o.model,
    cache: o.cache,
    cacheDir: ro.cacheDir,
    vectors: corpus.vectors,
    checkpointMs: 30_000,
    io,
  });
  try {
    const collection = o.collection ?? basename(file).replace(/\.[^.]+$/, '');
    const bytes = writeBundle({ collection, papers: corpus.papers, identity: built.model!.identity, vectors: built.vectors! });
    mkdirSync(dirname(resolve(o.out!)), { recursive: true });
    const tmp = `${o.out}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, o.out!);
    io.err(
      `wrote ${o.out}: ${corpus.papers.length} papers, ${built.modelId} vectors (${built.stats.embedded} embedded now, ${built.stats.cached} from the cache), ${(bytes.length / 1e6).toFixed(1)} MB\n`,
    );
    return { code: 0, stats: built.stats };
  } finally {
    await built.model?.dispose();
  }
}

/** Runs the CLI on `argv` (without node/script). Never exits the process; returns the exit code. */
export async function run(argv: string[], io: Io, ro: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...rest] = argv;
  if (!cmd) {
    io.err(HELP);
    return { code: 2 };
  }
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(HELP);
    return { code: 0 };
  }
  if (!COMMANDS.includes(cmd as Command)) {
    io.err(`Unknown command "${plain(cmd)}". Commands: ${COMMANDS.join(', ')}. See --help.\n`);
    return { code: 2 };
  }
  try {
    const opts = parseCommand(cmd as Command, rest);
    if (!opts) {
      io.out(HELP);
      return { code: 0 };
    }
    return await runCommand(opts, io, ro);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message}\n`);
      return { code: 2 };
    }
    const err = e as Error;
    io.err(`error: ${err.message}\n`);
    if (process.env.ATLAS_DEBUG) io.err(`${err.stack}\n`);
    return { code: 1 };
  }
}

export async function main(argv = process.argv.slice(2)): Promise<number> {
  const io: Io = {
    out: (s) => void process.stdout.write(s),
    err: (s) => void process.stderr.write(s),
    errIsTTY: Boolean(process.stderr.isTTY),
  };
  const { code } = await run(argv, io);
  return code;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => {
    process.exitCode = code;
  });
}
