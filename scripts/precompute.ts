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
 * Cached per paper: the previous manifest's vectors are reused (through the same reconcile routine
 * the worker and the CLI use) for every paper whose text hash is unchanged, when that set has the
 * same vector identity and producer (runtime versions, embedder.ts + document-text.ts source hashes)
 * and its binary's sha256 checks out; only new or changed papers are embedded. `--force` re-embeds.
 *
 * Usage: tsx scripts/precompute.ts [--model <id>]... [--seeds seeds] [--out public/precomputed] [--force]
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSeed } from '../src/core/import/seed-parser.ts';
import { textHash } from '../src/core/library/ids.ts';
import { APP_DTYPE, BEST_QUALITY_MODEL_ID, DEFAULT_MODEL_ID, getModel, type ModelSpec } from '../src/core/model/registry.ts';
import { identityMismatch, transformerIdentity, type VectorIdentity } from '../src/core/vectors/identity.ts';
import { reconcile, type VectorSource } from '../src/core/vectors/reconcile.ts';
import {
  decodeVectors,
  makeShippedSet,
  manifestProblem,
  SHIPPED_FORMAT,
  SHIPPED_VERSION,
  type ShippedManifest,
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
  if (a.models.length === 0) {
    a.models.push(DEFAULT_MODEL_ID);
    // The "best quality" model too, so turning the setting on embeds nothing for the seed corpus;
    // skipped with a note when its files are not installed (npm run fetch-model -- --all).
    const bq = getModel(BEST_QUALITY_MODEL_ID);
    const onnx = bq.onnx[APP_DTYPE];
    if (onnx && existsSync(join(a.modelsDir, bq.id, onnx.path))) a.models.push(bq.id);
    else console.warn(`precompute: ${bq.id} is not in ${a.modelsDir}; no shipped vectors for the "best quality" setting`);
  }
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

const sha256File = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The previous build's vectors of this identity and producer, by paper id, when their file is intact. */
function previousVectors(old: ShippedManifest | undefined, identity: VectorIdentity, producer: Record<string, string>, out: string): VectorSource | undefined {
  if (!old || manifestProblem(old)) return undefined;
  const set = old.sets.find((s) => !identityMismatch(s.identity, identity) && JSON.stringify(s.producer) === JSON.stringify(producer));
  if (!set) return undefined;
  const file = join(out, set.vectors.file);
  if (!existsSync(file) || sha256File(file) !== set.vectors.sha256) return undefined;
  const all = decodeVectors(new Uint8Array(readFileSync(file)));
  const d = identity.dims;
  if (all.length !== old.papers.length * d) return undefined;
  const rows = new Map(old.papers.map((p, i) => [p.id, { textHash: p.textHash, vector: all.slice(i * d, (i + 1) * d) }]));
  return {
    name: 'previous build',
    lookup: (p, h) => {
      const r = rows.get(p.id);
      return r && r.textHash === h ? r.vector : undefined;
    },
  };
}

async function loadModel(spec: ModelSpec, modelsDir: string) {
  // Must precede the first import of transformers.js (embedder.ts): see src/node/ort-web.ts for why.
  const { ORT_WEB_WASM_PATHS } = await import('../src/node/ort-web.ts');
  const { loadEmbedder } = await import('../src/core/model/embedder.ts');
  const model = await loadEmbedder({
    modelId: spec.id,
    dtype: APP_DTYPE,
    localModelPath: modelsDir + '/',
    allowRemote: false,
    device: 'cpu',
    wasmPaths: ORT_WEB_WASM_PATHS,
    // One thread: deterministic, and what the browser runs without cross-origin isolation.
    numThreads: 1,
  });
  const want = transformerIdentity(spec, APP_DTYPE);
  const problem = identityMismatch(model.identity, want);
  if (problem) {
    await model.dispose();
    throw new Error(`loaded ${spec.id} does not match the registry: ${problem}`);
  }
  return model;
}

/** Embeds what the previous build does not already have; returns all rows in `papers` order. */
async function embedSet(spec: ModelSpec, papers: Paper[], modelsDir: string, previous: VectorSource | undefined): Promise<Float32Array> {
  const identity = transformerIdentity(spec, APP_DTYPE);
  const d = identity.dims;
  const flat = new Float32Array(papers.length * d);
  const missing = previous ? papers.filter((p) => !previous.lookup(p, textHash(p.title, p.abstract))) : papers;
  if (missing.length === 0) {
    papers.forEach((p, i) => flat.set(previous!.lookup(p, textHash(p.title, p.abstract))!, i * d));
    console.log(`precompute: ${spec.id}: up to date (${papers.length} papers)`);
    return flat;
  }
  const model = await loadModel(spec, modelsDir);
  try {
    let last = 0;
    const res = await reconcile({
      papers,
      sources: previous ? [previous] : [],
      model,
      onProgress: ({ done, total }) => {
        if (done - last >= 50 || done === total) {
          last = done;
          console.log(`precompute: ${spec.id} ${done}/${total}`);
        }
      },
    });
    console.log(`precompute: ${spec.id}: embedded ${res.embedded}, reused ${papers.length - res.embedded} in ${res.seconds.toFixed(1)} s`);
    papers.forEach((p, i) => flat.set(res.rows.get(p.id)!.vector, i * d));
    return flat;
  } finally {
    await model.dispose();
  }
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
    const identity = transformerIdentity(spec, APP_DTYPE);
    const previous = args.force ? undefined : previousVectors(old, identity, producer, args.out);
    const vectors = await embedSet(spec, papers, args.modelsDir, previous);
    const { set, files } = await makeShippedSet(papers.length, { identity, vectors, producer });
    sets.push(set);
    for (const [f, b] of files) newFiles.set(f, b);
  }

  const manifest: ShippedManifest = { format: SHIPPED_FORMAT, version: SHIPPED_VERSION, papers: rows, sets };
  mkdirSync(args.out, { recursive: true });
  for (const [f, b] of newFiles) writeFileSync(join(args.out, f), b);
  // Manifest last (via rename) so a killed build never leaves a manifest pointing at missing files.
  writeFileSync(manifestPath + '.tmp', JSON.stringify(manifest, null, 1) + '\n');
  renameSync(manifestPath + '.tmp', manifestPath);
  // Old binaries would otherwise be copied to dist/ and precached for nothing.
  const keep = new Set(sets.map((s) => s.vectors.file));
  for (const f of readdirSync(args.out)) if (f.endsWith('.bin') && !keep.has(f)) rmSync(join(args.out, f));
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  precompute(parseArgs(process.argv.slice(2))).then(
    (m) => {
      const bytes = m.sets.reduce((s, x) => s + x.vectors.bytes, 0);
      console.log(`precompute: ${m.papers.length} papers × ${m.sets.length} model(s), ${(bytes / 1024).toFixed(0)} KiB of vectors`);
    },
    (e) => {
      console.error(`precompute failed: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}
