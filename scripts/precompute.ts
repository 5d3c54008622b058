/**
 * Build step: embeds the bundled corpus (seeds/*.txt) in Node and writes the vectors the static site
 * ships (public/precomputed/, format in src/core/vectors/shipped-format.ts), so a first visit is semantically
 * searchable without embedding 200 abstracts in browser WASM.
 *
 * Same vectors as the browser: the model is loaded from public/models/ — the very folder Vite copies
 * to dist/ — with dtype q8 through the same embedder (src/core/model/embedder.ts) the worker uses, the
 * loaded file's sha256 must equal the registry pin, and inference runs on onnxruntime-web's WASM
 * kernels (src/node/ort-web.ts), which reproduce the browser's vectors exactly; onnxruntime-node's native
 * int8 kernels do not (cosine 0.998, enough to swap results).
 *
 * Cached: when manifest.json already describes this corpus (ids + text hashes in order) and this model
 * (id, sha256, dtype, pooling, prefixes, dims, text format, runtime versions, embedder.ts + text.ts source hashes) and the binary's sha256
 * checks out, nothing is embedded. `--force` re-embeds.
 *
 * Usage: tsx scripts/precompute.ts [--model <id>]... [--seeds seeds] [--out public/precomputed] [--force]
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSeed } from '../src/core/import/seed-parser.ts';
import { textHash } from '../src/core/library/ids.ts';
import { DEFAULT_MODEL_ID, getModel, type ModelSpec } from '../src/core/model/registry.ts';
import { documentText, VECTOR_FORMAT } from '../src/core/vectors/document-text.ts';
import {
  makeShippedSet,
  manifestProblem,
  SHIPPED_FORMAT,
  SHIPPED_VERSION,
  type ShippedManifest,
  type ShippedModelInfo,
  type ShippedSet,
} from '../src/core/vectors/shipped-format.ts';
import type { Paper } from '../src/core/types.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Args {
  models: string[];
  seeds: string;
  out: string;
  modelsDir: string;
  force: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    models: [],
    seeds: join(repo, 'seeds'),
    out: join(repo, 'public/precomputed'),
    modelsDir: join(repo, 'public/models'),
    force: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--model') a.models.push(getModel(v()).id);
    else if (k === '--seeds') a.seeds = resolve(v());
    else if (k === '--out') a.out = resolve(v());
    else if (k === '--models-dir') a.modelsDir = resolve(v());
    else if (k === '--force') a.force = true;
    else throw new Error(`unknown argument ${k}; usage: precompute [--model id]... [--seeds dir] [--out dir] [--models-dir dir] [--force]`);
  }
  if (a.models.length === 0) a.models.push(DEFAULT_MODEL_ID);
  return a;
}

/**
 * The bundled corpus exactly as the worker builds it (workers/engine.worker.ts): every seeds/*.txt in
 * name order, joined with "\n", parsed once with parseSeed's default ("seed") collection. Any other
 * rule would give different papers than the browser and the shipped vectors would simply not match.
 */
export function loadSeedPapers(seedDir: string): Paper[] {
  const files = readdirSync(seedDir).filter((f) => f.endsWith('.txt')).sort();
  if (files.length === 0) throw new Error(`no .txt seed files in ${seedDir}`);
  const text = files.map((f) => readFileSync(join(seedDir, f), 'utf8')).join('\n');
  const { papers, issues } = parseSeed(text);
  if (issues.length) console.warn(`precompute: ${issues.length} seed parse issue(s), e.g. ${issues[0].message}`);
  return papers;
}

function pkgVersion(name: string): string {
  for (const dir of [join(repo, 'node_modules/@huggingface/transformers/node_modules', name), join(repo, 'node_modules', name)]) {
    const f = join(dir, 'package.json');
    if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8')).version;
  }
  return 'unknown';
}

function modelInfo(spec: ModelSpec): ShippedModelInfo {
  const onnx = spec.onnx.q8;
  if (!onnx) throw new Error(`${spec.id} has no q8 ONNX file`);
  return {
    id: spec.id,
    sha256: onnx.sha256,
    dtype: 'q8',
    pooling: spec.pooling,
    queryPrefix: spec.queryPrefix,
    passagePrefix: spec.passagePrefix,
    dims: spec.dims,
  };
}

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** An existing set that needs no work: same corpus rows, same model facts and producer, intact files. */
function reusableSet(old: ShippedManifest | undefined, rows: ShippedManifest['papers'], info: ShippedModelInfo, producer: Record<string, string>, out: string): ShippedSet | undefined {
  if (!old || manifestProblem(old) || old.vectorFormat !== VECTOR_FORMAT) return undefined;
  if (JSON.stringify(old.papers) !== JSON.stringify(rows)) return undefined;
  const set = old.sets.find((s) => JSON.stringify(s.model) === JSON.stringify(info));
  if (!set || JSON.stringify(set.producer) !== JSON.stringify(producer)) return undefined;
  for (const f of [set.vectors, set.hnsw]) {
    if (f && (!existsSync(join(out, f.file)) || sha256File(join(out, f.file)) !== f.sha256)) return undefined;
  }
  return set;
}

async function embedSet(spec: ModelSpec, papers: Paper[], modelsDir: string): Promise<Float32Array> {
  // Must precede the first import of transformers.js (embedder.ts): see src/node/ort-web.ts for why.
  const { ORT_WEB_WASM_PATHS } = await import('../src/node/ort-web.ts');
  const { loadEmbedder } = await import('../src/core/model/embedder.ts');
  const model = await loadEmbedder({
    modelId: spec.id,
    dtype: 'q8',
    localModelPath: modelsDir + '/',
    allowRemote: false,
    device: 'cpu',
    wasmPaths: ORT_WEB_WASM_PATHS,
    // One thread: deterministic, and what the browser runs without cross-origin isolation.
    numThreads: 1,
  });
  try {
    const want = spec.onnx.q8!.sha256;
    if (model.modelHash !== want) throw new Error(`loaded ${spec.id} has sha256 ${model.modelHash}, registry pins ${want}`);
    let last = 0;
    const t0 = performance.now();
    const { vectors, dimensions } = await model.embedDocuments(papers.map(documentText), {
      batchSize: 16,
      onProgress: ({ done, total }) => {
        if (done - last >= 50 || done === total) {
          last = done;
          console.log(`precompute: ${spec.id} ${done}/${total}`);
        }
      },
    });
    if (dimensions !== spec.dims) throw new Error(`${spec.id} produced ${dimensions}-d vectors, registry says ${spec.dims}`);
    console.log(`precompute: embedded ${papers.length} papers in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return vectors;
  } finally {
    await model.dispose();
  }
}

async function buildHnsw(vectors: Float32Array, dims: number, n: number) {
  await import('../src/node/hnswlib.ts');
  const { HnswIndex, HNSW_DEFAULTS } = await import('../src/core/ann/index.ts');
  const index = await HnswIndex.create(dims, { capacity: n });
  index.add(vectors, Array.from({ length: n }, (_, i) => i));
  return { bytes: await index.serialize(), M: HNSW_DEFAULTS.M, efConstruction: HNSW_DEFAULTS.efConstruction };
}

export async function precompute(args: Args): Promise<ShippedManifest> {
  const papers = loadSeedPapers(args.seeds);
  const rows = papers.map((p) => ({ id: p.id, textHash: textHash(p.title, p.abstract) }));
  const manifestPath = join(args.out, 'manifest.json');
  let old: ShippedManifest | undefined;
  try {
    old = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : undefined;
  } catch {
    old = undefined;
  }
  // Part of the cache key: a change in the runtime or in how the embedder batches/pools/truncates
  // changes vectors without changing the model file, so such a change must re-embed.
  const producer = {
    '@huggingface/transformers': pkgVersion('@huggingface/transformers'),
    // The runtime that computes the vectors: onnxruntime-web's WASM kernels, as in the browser.
    runtime: `onnxruntime-web ${pkgVersion('onnxruntime-web')} (wasm, Node)`,
    embedder: sha256File(join(repo, 'src/core/model/embedder.ts')).slice(0, 16),
    text: sha256File(join(repo, 'src/core/vectors/document-text.ts')).slice(0, 16),
  };

  const sets: ShippedSet[] = [];
  const newFiles = new Map<string, Uint8Array>();
  for (const id of args.models) {
    const spec = getModel(id);
    const info = modelInfo(spec);
    const cached = args.force ? undefined : reusableSet(old, rows, info, producer, args.out);
    if (cached) {
      console.log(`precompute: ${id}: up to date (${rows.length} papers)`);
      sets.push(cached);
      continue;
    }
    const vectors = await embedSet(spec, papers, args.modelsDir);
    const { EXACT_THRESHOLD } = await import('../src/core/ann/index.ts');
    // Below the threshold the worker searches exactly and builds no graph, so none is shipped.
    const hnsw = papers.length >= EXACT_THRESHOLD ? await buildHnsw(vectors, spec.dims, papers.length) : undefined;
    const { set, files } = await makeShippedSet(papers.length, { model: info, vectors, hnsw, producer });
    sets.push(set);
    for (const [f, b] of files) newFiles.set(f, b);
  }

  const manifest: ShippedManifest = { format: SHIPPED_FORMAT, version: SHIPPED_VERSION, vectorFormat: VECTOR_FORMAT, papers: rows, sets };
  mkdirSync(args.out, { recursive: true });
  for (const [f, b] of newFiles) writeFileSync(join(args.out, f), b);
  // Manifest last (via rename) so a killed build never leaves a manifest pointing at missing files.
  writeFileSync(manifestPath + '.tmp', JSON.stringify(manifest, null, 1) + '\n');
  renameSync(manifestPath + '.tmp', manifestPath);
  // Old binaries would otherwise be copied to dist/ and precached for nothing.
  const keep = new Set(sets.flatMap((s) => [s.vectors.file, s.hnsw?.file].filter(Boolean)));
  for (const f of readdirSync(args.out)) if (f.endsWith('.bin') && !keep.has(f)) rmSync(join(args.out, f));
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  precompute(parseArgs(process.argv.slice(2))).then(
    (m) => {
      const bytes = m.sets.reduce((s, x) => s + x.vectors.bytes + (x.hnsw?.bytes ?? 0), 0);
      console.log(`precompute: ${m.papers.length} papers × ${m.sets.length} model(s), ${(bytes / 1024).toFixed(0)} KiB of vectors`);
    },
    (e) => {
      console.error(`precompute failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}
