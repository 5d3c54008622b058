/**
 * Command-line parsing: one strict option set per command, so a misspelt or misplaced flag is an
 * error that names it instead of being silently ignored.
 */
import { parseArgs } from 'node:util';
import type { SearchMode } from '../core/types.ts';
import type { FusionMethod } from '../core/search/engine.ts';
import { validateFilters, type SearchFilters } from '../core/search/filters.ts';
import { STORAGE_CODECS, type StorageCodec } from '../core/vectors/quantize.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

export type Command = 'search' | 'related' | 'eval' | 'inspect' | 'index';

export interface CliOptions {
  command: Command;
  /** The question (search) or paper id/title (related). */
  target?: string;
  k: number;
  mode: SearchMode;
  model?: string;
  json: boolean;
  corpus?: string;
  queries?: string;
  /** eval: use every paper's title as a query against abstract-only documents. */
  titleQueries: boolean;
  fusion?: FusionMethod;
  alpha?: number;
  rrfK?: number;
  cache: boolean;
  /** inspect: list every issue, merge and skip in text output (JSON always lists all). */
  all: boolean;
  /** index: the bundle to write. */
  out?: string;
  /** index: the collection name written into the bundle (default: the file's base name). */
  collection?: string;
  /** search: --year-from / --year-to / --author / --venue (src/core/search/filters.ts). */
  filters?: SearchFilters;
  /** eval: rank with document vectors round-tripped through this storage codec (vectors/quantize.ts). */
  storage?: StorageCodec;
}

const COMMON = {
  k: { type: 'string' },
  model: { type: 'string' },
  json: { type: 'boolean' },
  corpus: { type: 'string' },
  'no-cache': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const FUSION = {
  fusion: { type: 'string' },
  alpha: { type: 'string' },
  'rrf-k': { type: 'string' },
} as const;

const SPECS = {
  search: { ...COMMON, ...FUSION, mode: { type: 'string' }, 'year-from': { type: 'string' }, 'year-to': { type: 'string' }, author: { type: 'string' }, venue: { type: 'string' } },
  related: { ...COMMON },
  eval: { ...COMMON, ...FUSION, queries: { type: 'string' }, 'title-queries': { type: 'boolean' }, storage: { type: 'string' } },
  inspect: { json: { type: 'boolean' }, all: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  index: {
    out: { type: 'string', short: 'o' },
    model: { type: 'string' },
    collection: { type: 'string' },
    'no-cache': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
} as const;

export const COMMANDS = Object.keys(SPECS) as Command[];

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new UsageError(`--${name} must be an integer from 1 to 10000, got "${v}"`);
  return n;
}

function unit(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new UsageError(`--${name} must be a number from 0 to 1, got "${v}"`);
  return n;
}

/** Parses argv after the command name. Returns null when help was requested. */
export function parseCommand(command: Command, argv: string[]): CliOptions | null {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: SPECS[command], allowPositionals: true, strict: true });
  } catch (e) {
    // Node's message ("Unknown option '--foo'…") is clear; prefix the command for context.
    throw new UsageError(`${command}: ${(e as Error).message}`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return null;
  const pos = parsed.positionals;

  const opts: CliOptions = {
    command,
    k: positiveInt('k', v.k as string | undefined, command === 'related' ? 5 : 10),
    mode: 'hybrid',
    model: v.model as string | undefined,
    json: Boolean(v.json),
    corpus: v.corpus as string | undefined,
    cache: !v['no-cache'],
    titleQueries: Boolean(v['title-queries']),
    all: Boolean(v.all),
  };
  if (command === 'inspect') {
    if (pos.length !== 1) throw new UsageError(`inspect: expected one file, e.g. inspect library.bib${pos.length ? ` (got ${pos.length} arguments)` : ''}`);
    opts.target = pos[0];
    return opts;
  }
  if (command === 'index') {
    if (pos.length !== 1) throw new UsageError(`index: expected one file, e.g. index library.bib -o library.atlas${pos.length ? ` (got ${pos.length} arguments)` : ''}`);
    opts.target = pos[0];
    const out = v.out as string | undefined;
    if (!out) throw new UsageError('index: missing -o <library.atlas> (where to write the bundle)');
    if (!out.endsWith('.atlas')) throw new UsageError(`index: the output must end in .atlas (the app imports it as a bundle), got "${out}"`);
    opts.out = out;
    const coll = (v.collection as string | undefined)?.trim();
    if (v.collection !== undefined && !coll) throw new UsageError('index: --collection must not be empty');
    opts.collection = coll;
    return opts;
  }
  if (command === 'search' || command === 'related') {
    if (pos.length === 0) {
      throw new UsageError(command === 'search' ? 'search: missing the question, e.g. search "masked autoencoders for video"' : 'related: missing the paper id or exact title');
    }
    if (pos.length > 1) throw new UsageError(`${command}: expected one quoted argument, got ${pos.length} (${pos.map((p) => JSON.stringify(p)).join(' ')}); put the text in quotes`);
    opts.target = pos[0];
  } else if (pos.length) {
    throw new UsageError(`eval: unexpected argument ${JSON.stringify(pos[0])}`);
  }
  if (command === 'search' && v.mode !== undefined) {
    if (v.mode !== 'hybrid' && v.mode !== 'vector' && v.mode !== 'lexical') {
      throw new UsageError(`--mode must be hybrid, vector or lexical, got "${v.mode}"`);
    }
    opts.mode = v.mode;
  }
  if (command === 'search') {
    const year = (name: string): number | undefined => {
      const raw = v[name] as string | undefined;
      if (raw === undefined) return undefined;
      if (!/^\d{4}$/.test(raw.trim())) throw new UsageError(`--${name} must be a four-digit year, got "${raw}"`);
      return Number(raw.trim());
    };
    try {
      opts.filters = validateFilters({ yearFrom: year('year-from'), yearTo: year('year-to'), author: v.author as string | undefined, venue: v.venue as string | undefined });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw new UsageError(`search: ${(e as Error).message.replace('yearFrom', '--year-from').replace('yearTo', '--year-to')}`);
    }
  }
  if (command === 'eval') {
    if (!v.queries === !opts.titleQueries) throw new UsageError('eval: give either --queries <file.jsonl> or --title-queries');
    opts.queries = v.queries as string | undefined;
    const st = v.storage as string | undefined;
    if (st !== undefined && !STORAGE_CODECS.includes(st as StorageCodec)) throw new UsageError(`eval: --storage must be one of ${STORAGE_CODECS.join(', ')}, got "${st}"`);
    opts.storage = st as StorageCodec | undefined;
  }
  if (v.fusion !== undefined) {
    if (v.fusion !== 'rrf' && v.fusion !== 'convex' && v.fusion !== 'zscore') throw new UsageError(`--fusion must be zscore, convex or rrf, got "${v.fusion}"`);
    opts.fusion = v.fusion;
  }
  opts.alpha = unit('alpha', v.alpha as string | undefined);
  if (v['rrf-k'] !== undefined) opts.rrfK = positiveInt('rrf-k', v['rrf-k'] as string, 60);
  return opts;
}

export const HELP = `Abstract Atlas — search paper abstracts from the command line.

Usage:
  npm run cli -- search "<question>" [--k 10] [--mode hybrid|vector|lexical] [--model <id>] [--json]
                 [--year-from 2019] [--year-to 2023] [--author "Chen"] [--venue "NeurIPS"]
  npm run cli -- related "<paper id or exact title>" [--k 5] [--model <id>] [--json]
  npm run cli -- eval --queries <file.jsonl> [--k 10] [--model <id>] [--storage f32|f16|int8] [--json]
  npm run cli -- eval --title-queries [--k 10] [--model <id>] [--storage f32|f16|int8] [--json]
  npm run cli -- inspect <file> [--json] [--all]
  npm run cli -- index <file> -o <library.atlas> [--model <id>] [--collection <name>] [--no-cache]

Options (all commands):
  --corpus <file>   search this collection instead of the seeds/ folder: seed-format .txt, or an
                    import format (BibTeX, RIS, CSV/TSV, JSON/JSONL)
  --model <id>      embedding model (default: the registry's default); install with
                    npm run fetch-model -- <id>. A static model (the quick tier, e.g.
                    static/bge-small-en-v1.5-d256) is made with npm run distill
  --json            machine-readable output on stdout (progress always goes to stderr)
  --no-cache        do not read or write the on-disk vector cache (.cache/vectors, or
                    $ATLAS_CACHE_DIR/vectors)
  -h, --help        this text

eval reads JSON lines {"query": "...", "relevant": ["<exact title>", ...]} and reports, for
lexical, vector and hybrid ranking: success@1/5/10 (share of questions with a relevant paper in
the top n), nDCG@10 (binary gains), MRR@k (1/rank of the first relevant paper, 0 beyond --k) and
recall@1/5/10 (share of a query's relevant papers found in the top n, averaged over queries).
--title-queries instead asks every paper's title against abstract-only documents (titles
hidden): a larger, automatic check of paraphrase matching, used next to the hand-written set.

inspect reads an import file (BibTeX, RIS, CSV/TSV, JSON/JSONL, text, .atlas) exactly as the
app's import does, without importing: entries, papers, papers without abstract, merged entries
(which paper each went into, and why), skipped entries (and why) and every other issue.
entries = papers + merged + skipped. Text output lists 20 of each (--all: every one); --json
lists everything: {"format","entries","papers","withoutAbstract","merged":[…],"skipped":[…],
"sameTitle":[…],"issues":[…]}.

index embeds every paper of an import file (BibTeX, RIS, CSV/TSV, JSON/JSONL) at native speed
(onnxruntime-node on all cores) and writes an .atlas bundle: papers + vectors under the model's
vector identity. The app imports it with zero re-embedding. Progress goes to stderr; the vector
cache is saved every 30 s, so a killed run resumes where it stopped. Only the CPU is used.

Tuning (search, eval): --fusion zscore|convex|rrf, --alpha <0..1> (zscore, convex: weight of the vector score),
--rrf-k <n> (RRF constant). Defaults are the measured ones (README, "Ranking").
Models: Xenova/bge-small-en-v1.5, Xenova/all-MiniLM-L6-v2, Xenova/e5-small-v2.
`;
