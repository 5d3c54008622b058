/**
 * `npx tsx bench/fusion.ts [--models=bge,minilm,static]`: the measurements behind the fusion
 * defaults (src/core/search/fusion.ts). For every fusion setting in a grid (method × normalisation
 * depth × vector weight) and every ranker combination (bge + BM25, static + BM25, bge + MiniLM +
 * BM25), ranks dev-queries, dev-paraphrase and the title check through the product's SearchEngine
 * and reports S@1 / S@5 / MRR@10 / nDCG@10, then a leave-one-set-out choice: the setting that is
 * best on two sets (mean MRR@10) scored on the third, so the chosen weights are not tuned to any set.
 *
 * Document vectors come from the CLI's vector cache (.cache/vectors; the first run embeds), and
 * question vectors are memoised here so the grid costs one embedding per question and model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEngine } from '../src/cli/engine-node.ts';
import { loadCorpus } from '../src/cli/corpus-node.ts';
import { metrics, parseQueries, type EvalQuery, type Metrics } from '../src/cli/eval.ts';
import { normalizeTitle } from '../src/core/library/ids.ts';
import { SearchEngine, type FusionOptions, type SearchEngineOptions } from '../src/core/search/engine.ts';
import { REPO_ROOT } from '../src/node/model-dir.ts';
import type { EmbeddingModel, Paper, SearchMode } from '../src/core/types.ts';

const MODELS: Record<string, string> = {
  bge: 'Xenova/bge-small-en-v1.5',
  minilm: 'Xenova/all-MiniLM-L6-v2',
  static: 'static/bge-small-en-v1.5-d256',
};

interface EvalSet {
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

/** A query model whose question vectors are computed once. */
function memo(m: EmbeddingModel): EmbeddingModel {
  const cache = new Map<string, Float32Array>();
  return {
    modelId: m.modelId,
    identity: m.identity,
    dimensions: m.dimensions,
    device: m.device,
    embedDocuments: (t, o) => m.embedDocuments(t, o),
    async embedQuery(q) {
      let v = cache.get(q);
      if (!v) cache.set(q, (v = await m.embedQuery(q)));
      return v;
    },
    dispose: () => m.dispose(),
  };
}

/** One engine per set holding every model's space. */
export async function buildEngines(sets: EvalSet[], models: string[], engineOpts: SearchEngineOptions = {}): Promise<Map<string, { engine: SearchEngine; keys: Record<string, string> }>> {
  const out = new Map<string, { engine: SearchEngine; keys: Record<string, string> }>();
  const quiet = { out: () => {}, err: (s: string) => void process.stderr.write(s) };
  const loaded = new Map<string, EmbeddingModel>();
  for (const s of sets) {
    const engine = new SearchEngine({ exactThreshold: Infinity, ...engineOpts });
    engine.setPapers(s.indexed);
    const keys: Record<string, string> = {};
    for (const name of models) {
      const built = await buildEngine({ papers: s.indexed, needVectors: true, modelId: MODELS[name], cache: true, io: quiet });
      let model = loaded.get(name);
      if (!model) loaded.set(name, (model = memo(built.model!)));
      else await built.model!.dispose();
      const space = engine.useModel(model);
      const dims = model.identity.dims;
      const flat = new Float32Array(s.indexed.length * dims);
      s.indexed.forEach((p, i) => flat.set(built.engine.getVector(p.id)!, i * dims));
      await space.setVectors(s.indexed.map((p) => p.id), flat);
      keys[name] = space.key;
    }
    out.set(s.name, { engine, keys });
  }
  return out;
}

export async function evaluate(
  engine: SearchEngine,
  set: EvalSet,
  mode: SearchMode,
  spaces: string[] | undefined,
  fusion: Partial<FusionOptions>,
): Promise<Metrics> {
  const byNorm = new Map(set.papers.map((p) => [normalizeTitle(p.title), p.id]));
  const ranks: (number | null)[][] = [];
  for (const q of set.queries) {
    const ids = q.relevant.map((t) => byNorm.get(normalizeTitle(t)));
    const hits = await engine.search(q.query, { k: 10, mode, spaces: spaces as never, fusion, sentences: false });
    const pos = new Map(hits.map((h, i) => [h.paper.id, i + 1]));
    ranks.push(ids.map((id) => (id ? (pos.get(id) ?? null) : null)));
  }
  return metrics(ranks);
}

const f3 = (x: number) => x.toFixed(3).replace(/^0/, '');

async function main() {
  const arg = process.argv.find((a) => a.startsWith('--models='));
  const models = arg ? arg.slice(9).split(',') : ['bge', 'static', 'minilm'];
  const sets = await evalSets();
  const engines = await buildEngines(sets, models);
  const combos: [string, string[]][] = [];
  if (models.includes('bge')) combos.push(['bge + BM25', ['bge']]);
  if (models.includes('static')) combos.push(['static + BM25', ['static']]);
  if (models.includes('minilm')) combos.push(['MiniLM + BM25', ['minilm']]);
  if (models.includes('bge') && models.includes('minilm')) combos.push(['bge + MiniLM + BM25', ['bge', 'minilm']]);
  if (models.includes('bge') && models.includes('static')) combos.push(['bge + static + BM25', ['bge', 'static']]);

  const settings: { name: string; fusion: Partial<FusionOptions> }[] = [];
  if (process.argv.includes('--fine')) {
    // The chosen normalisation depth, vector weight in steps of 0.05.
    for (let a = 5; a <= 16; a++) settings.push({ name: `zscore top50 α${a / 20}`, fusion: { method: 'zscore', normDepth: 50, alpha: a / 20 } });
  } else for (const alpha of [0.3, 0.4, 0.5, 0.6, 0.7]) settings.push({ name: `convex α${alpha}`, fusion: { method: 'convex', alpha } });
  if (!process.argv.includes('--fine')) settings.push({ name: 'rrf k60', fusion: { method: 'rrf', rrfK: 60 } });
  for (const nd of process.argv.includes('--fine') ? [] : [20, 50, 100, 1000])
    for (const alpha of [0.3, 0.4, 0.5, 0.6, 0.7, 0.8]) settings.push({ name: `zscore top${nd} α${alpha}`, fusion: { method: 'zscore', normDepth: nd, alpha } });

  // Baselines: BM25 alone and each model alone.
  for (const s of sets) {
    const { engine, keys } = engines.get(s.name)!;
    const lex = await evaluate(engine, s, 'lexical', undefined, {});
    console.log(`${s.name} BM25: S@1 ${f3(lex.success_at_1)} S@5 ${f3(lex.success_at_5)} MRR ${f3(lex.mrr)} nDCG ${f3(lex.ndcg_at_10)}`);
    for (const m of models) {
      const v = await evaluate(engine, s, 'vector', [keys[m]], {});
      console.log(`${s.name} ${m} alone: S@1 ${f3(v.success_at_1)} S@5 ${f3(v.success_at_5)} MRR ${f3(v.mrr)} nDCG ${f3(v.ndcg_at_10)}`);
    }
  }

  for (const [combo, ms] of combos) {
    console.log(`\n## ${combo}\n`);
    console.log('| setting | dev-queries S@1/S@5/MRR/nDCG | dev-paraphrase | title | mean MRR |');
    console.log('|---|---|---|---|---|');
    const table: { name: string; per: Record<string, Metrics> }[] = [];
    for (const st of settings) {
      const per: Record<string, Metrics> = {};
      for (const s of sets) {
        const { engine, keys } = engines.get(s.name)!;
        per[s.name] = await evaluate(engine, s, 'hybrid', ms.map((m) => keys[m]), st.fusion);
      }
      table.push({ name: st.name, per });
      const cell = (m: Metrics) => `${f3(m.success_at_1)} / ${f3(m.success_at_5)} / ${f3(m.mrr)} / ${f3(m.ndcg_at_10)}`;
      const mean = sets.reduce((a, s) => a + per[s.name].mrr, 0) / sets.length;
      console.log(`| ${st.name} | ${sets.map((s) => cell(per[s.name])).join(' | ')} | ${f3(mean)} |`);
    }
    // Leave one set out: choose on the other two (mean MRR@10), score on the held-out one.
    console.log('\nleave-one-set-out (chosen on the other two sets by mean MRR@10):');
    for (const held of sets) {
      const others = sets.filter((s) => s !== held);
      const score = (t: (typeof table)[number]) => others.reduce((a, s) => a + t.per[s.name].mrr, 0) / others.length;
      const best = [...table].sort((a, b) => score(b) - score(a))[0];
      const m = best.per[held.name];
      console.log(`  held out ${held.name}: chose ${best.name} → S@1 ${f3(m.success_at_1)} S@5 ${f3(m.success_at_5)} MRR ${f3(m.mrr)} nDCG ${f3(m.ndcg_at_10)}`);
    }
  }
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
