/**
 * `npx tsx bench/static-recipe.ts [--quick]`: the measurements behind the static model's recipe
 * (src/node/distill/recipe.ts, registry STATIC_MODELS). For each variant — pooling, PCA dims, token
 * weighting, storage type — distils a table from the teacher states, embeds the seed corpus with
 * StaticEmbedder and runs the CLI's evaluation (runEval, the same code as `npm run cli -- eval`) on
 * dev-queries, dev-paraphrase and the title check, static alone (vector) and static + BM25 (hybrid,
 * the engine's default fusion). Teacher states are cached in .cache/distill/ (≈140 MB, ~1 min to make).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getModel, type DistillRecipe } from '../src/core/model/registry.ts';
import { StaticEmbedder } from '../src/core/model/static-embedder.ts';
import { decodeStaticModel } from '../src/core/model/static-format.ts';
import { wordPieceConfigFromTokenizerJson, type WordPieceConfig } from '../src/core/model/wordpiece.ts';
import { SearchEngine, type FusionOptions } from '../src/core/search/engine.ts';
import { documentText, VECTOR_FORMAT } from '../src/core/vectors/document-text.ts';
import { distill } from '../src/node/distill/recipe.ts';
import { runTeacher, type TeacherStates } from '../src/node/distill/teacher.ts';
import { BUILD_MODELS_DIR, REPO_ROOT } from '../src/node/model-dir.ts';
import { loadCorpus } from '../src/cli/corpus-node.ts';
import { parseQueries, runEval, type EvalQuery } from '../src/cli/eval.ts';
import type { Paper } from '../src/core/types.ts';

const TEACHER = 'Xenova/bge-small-en-v1.5';

export async function teacherStates(): Promise<{ states: TeacherStates; tok: WordPieceConfig }> {
  const spec = getModel(TEACHER);
  const dir = join(BUILD_MODELS_DIR, spec.id);
  const tok = wordPieceConfigFromTokenizerJson(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')));
  const cacheDir = join(REPO_ROOT, '.cache', 'distill');
  const cache = join(cacheDir, `teacher-${spec.onnx.fp32!.sha256.slice(0, 12)}.f32`);
  const V = tok.vocab.length;
  if (existsSync(cache)) {
    const b = readFileSync(cache);
    return { states: { vocabSize: V, dims: spec.dims, states: new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) }, tok };
  }
  const states = await runTeacher({
    onnxPath: join(dir, spec.onnx.fp32!.path),
    onnx: spec.onnx.fp32!,
    vocabSize: V,
    clsId: tok.vocab.indexOf('[CLS]'),
    sepId: tok.vocab.indexOf('[SEP]'),
    onProgress: (d, t) => process.stderr.write(`\rteacher ${d}/${t}`),
  });
  process.stderr.write('\n');
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(cache, new Uint8Array(states.states.buffer));
  return { states, tok };
}

export interface SetScores {
  vector: { r1: number; mrr: number };
  hybrid: { r1: number; mrr: number };
  lexical: { r1: number; mrr: number };
}

export interface EvalSet {
  name: string;
  indexed: Paper[];
  papers: Paper[];
  queries: EvalQuery[];
}

export async function evalSets(): Promise<EvalSet[]> {
  const corpus = await loadCorpus();
  const shared = join(REPO_ROOT, '..', 'shared', 'eval');
  const file = (f: string) => parseQueries(readFileSync(join(shared, f), 'utf8'), f);
  return [
    { name: 'dev-queries', indexed: corpus.papers, papers: corpus.papers, queries: file('dev-queries.jsonl') },
    { name: 'dev-paraphrase', indexed: corpus.papers, papers: corpus.papers, queries: file('dev-paraphrase.jsonl') },
    {
      name: 'title',
      indexed: corpus.papers.map((p) => ({ ...p, title: '' })),
      papers: corpus.papers,
      queries: corpus.papers.map((p) => ({ query: p.title, relevant: [p.title] })),
    },
  ];
}

export async function scoreModel(model: StaticEmbedder, sets: EvalSet[], fusion?: Partial<FusionOptions>): Promise<Record<string, SetScores>> {
  const out: Record<string, SetScores> = {};
  for (const s of sets) {
    const engine = new SearchEngine({ fusion, exactThreshold: Infinity });
    engine.setPapers(s.indexed);
    engine.useModel(model);
    const { vectors } = await model.embedDocuments(s.indexed.map(documentText));
    await engine.setVectors(s.indexed.map((p) => p.id), vectors);
    const r = await runEval(engine, s.papers, s.queries, { k: 10, model: model.modelId, warn: () => {} });
    const pick = (m: { recall_at_1: number; mrr: number }) => ({ r1: m.recall_at_1, mrr: m.mrr });
    out[s.name] = { vector: pick(r.vector), hybrid: pick(r.hybrid), lexical: pick(r.lexical) };
  }
  return out;
}

export function embedderFor(bytes: Uint8Array, name: string, dims: number, dtype: string): StaticEmbedder {
  return new StaticEmbedder(decodeStaticModel(bytes), {
    model: `static/${name}`,
    weights: 'experiment',
    dtype,
    pooling: 'static',
    queryPrefix: '',
    passagePrefix: '',
    dims,
    textFormat: VECTOR_FORMAT,
  });
}

async function main() {
  const quick = process.argv.includes('--quick');
  const { states, tok } = await teacherStates();
  const sets = await evalSets();
  const base: DistillRecipe = { teacher: TEACHER, pooling: 'mean', pcaDims: 256, whiten: 0.5, sif: 1e-4, dtype: 'int8' };
  const variants: [string, Partial<DistillRecipe>][] = [
    ['chosen: mean, PCA 256, whiten 0.5, SIF 1e-4, int8', {}],
    ['f16', { dtype: 'f16' }],
    ['f32', { dtype: 'f32' }],
    ['pooling cls', { pooling: 'cls' }],
    ['pooling token', { pooling: 'token' }],
    ['no PCA, no whitening', { pcaDims: null, whiten: 0 }],
    ['PCA 256, no whitening (model2vec)', { whiten: 0 }],
    ['whiten 1', { whiten: 1 }],
    ['PCA 384', { pcaDims: 384 }],
    ['PCA 128', { pcaDims: 128 }],
    ['no weights', { sif: null }],
    ['SIF 1e-3', { sif: 1e-3 }],
    ['SIF 1e-5', { sif: 1e-5 }],
  ];
  const list = quick ? variants.slice(0, 3) : variants;
  const rows: string[] = [];
  const f = (x: number) => x.toFixed(3);
  let lexical: Record<string, SetScores> | undefined;
  for (const [name, v] of list) {
    const recipe = { ...base, ...v };
    const t0 = performance.now();
    const res = distill(states, tok, recipe, { teacherOnnxSha256: '-', teacherTokenizerSha256: '-' });
    const secs = (performance.now() - t0) / 1000;
    const model = embedderFor(res.bytes, name, res.dims, recipe.dtype);
    const scores = await scoreModel(model, sets);
    const low = await scoreModel(model, sets, { alpha: 0.4 });
    lexical ??= scores;
    const cell = (s: string) => `${f(scores[s]!.vector.mrr)} / ${f(scores[s]!.hybrid.mrr)} / ${f(low[s]!.hybrid.mrr)}`;
    rows.push(`| ${name} | ${(res.bytes.byteLength / 1e6).toFixed(1)} MB | ${res.explained.toFixed(3)} | ${cell('dev-queries')} | ${cell('dev-paraphrase')} | ${cell('title')} | ${secs.toFixed(1)} s |`);
    console.error(rows.at(-1));
  }
  const lex = (s: string) => f(lexical![s]!.lexical.mrr);
  console.log(`MRR@10, static alone / static + BM25 (convex, alpha 0.5) / static + BM25 (alpha 0.4) (BM25 alone: dev-queries ${lex('dev-queries')}, dev-paraphrase ${lex('dev-paraphrase')}, title ${lex('title')})\n`);
  console.log('| variant | file | PCA var. | dev-queries | dev-paraphrase | title | distil |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
