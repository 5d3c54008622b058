/**
 * `npx tsx bench/multivector.ts [--models=bge,static]`: multi-vector documents measured against the
 * shipped single whole-abstract vector. Each abstract is also embedded sentence by sentence, and a
 * paper's "sentence" score for a question is its best sentence cosine (max-sim). Variants, each fused
 * with BM25 by the product's fuse() (z-scores over the top 50):
 *   doc        — today's ranker (whole-abstract cosine);
 *   max        — max(doc, best sentence);
 *   mix γ      — (1 − γ)·doc + γ·best sentence, one ranker;
 *   3-ranker   — doc and best-sentence as two vector rankers sharing the vector weight.
 * Reported on dev-queries, dev-paraphrase and the title check with leave-one-set-out. Every paper is
 * scored exactly by every ranker (204 papers), so "doc" reproduces the engine's hybrid to within the
 * candidate-floor detail. Costs (sentences embedded, time) are printed per model.
 * `--title`: the extra vector is the title's alone instead of the sentences' (only where the indexed
 * paper has a title: the title check indexes abstracts only, so it is unchanged there).
 */
import { buildEngines, evalSets } from './fusion.ts';
import { loadLocalModel } from '../src/cli/engine-node.ts';
import { metrics, type Metrics } from '../src/cli/eval.ts';
import { fuse, type FusionOptions, DEFAULT_FUSION } from '../src/core/search/fusion.ts';
import { splitSentences } from '../src/core/text/sentences.ts';
import { normalizeTitle } from '../src/core/library/ids.ts';
import { dot } from '../src/core/search/vector-space.ts';
import type { EmbeddingModel } from '../src/core/types.ts';

const f3 = (x: number) => x.toFixed(3).replace(/^0/, '');
const MODELS: Record<string, string> = { bge: 'Xenova/bge-small-en-v1.5', static: 'static/bge-small-en-v1.5-d256', minilm: 'Xenova/all-MiniLM-L6-v2' };

async function main() {
  const names = (process.argv.find((a) => a.startsWith('--models='))?.slice(9) ?? 'bge,static').split(',');
  const sets = await evalSets();
  const engines = await buildEngines(sets, names);
  const io = { out: () => {}, err: (s: string) => void process.stderr.write(s) };
  const corpus = sets[0].papers;
  const titleMode = process.argv.includes('--title');
  for (const name of names) {
    const model: EmbeddingModel = await loadLocalModel(MODELS[name], io);
    // Sentence vectors per paper id (the same abstract in every set).
    const t0 = performance.now();
    const sentVecs = new Map<string, Float32Array[]>();
    let nSent = 0;
    for (const p of corpus) {
      const spans = titleMode ? [p.title].filter((t) => t.trim()) : splitSentences(p.abstract).map((s) => s.text).filter((s) => s.trim());
      if (!spans.length) continue;
      const { vectors, dimensions: d } = await model.embedDocuments(spans);
      sentVecs.set(p.id, spans.map((_, i) => vectors.slice(i * d, (i + 1) * d)));
      nSent += spans.length;
    }
    const ms = performance.now() - t0;
    console.log(`\n## ${name}: ${nSent} sentences of ${corpus.length} abstracts embedded in ${(ms / 1000).toFixed(1)} s (${(ms / nSent).toFixed(2)} ms/sentence)\n`);
    const alpha0 = name === 'static' ? 0.3 : 0.6;
    const variants: { name: string; alpha: number; run: (doc: Map<number, number>, sent: Map<number, number>) => Map<number, number>[] }[] = [];
    for (const alpha of name === 'static' ? [0.3, 0.4, 0.5] : [0.5, 0.6, 0.7]) {
      variants.push({ name: `doc α${alpha}`, alpha, run: (d) => [d] });
      variants.push({ name: `max α${alpha}`, alpha, run: (d, s) => [new Map([...d].map(([l, x]) => [l, Math.max(x, s.get(l) ?? x)]))] });
      for (const g of [0.25, 0.5, 0.75])
        variants.push({ name: `mix γ${g} α${alpha}`, alpha, run: (d, s) => [new Map([...d].map(([l, x]) => [l, (1 - g) * x + g * (s.get(l) ?? x)]))] });
      variants.push({ name: `3-ranker α${alpha}`, alpha, run: (d, s) => [d, s] });
    }
    const table: { name: string; per: Record<string, Metrics> }[] = variants.map((v) => ({ name: v.name, per: {} }));
    for (const s of sets) {
      const { engine, keys } = engines.get(s.name)!;
      const space = engine.vectorSpaces.find((x) => x.key === keys[name])!;
      const byNorm = new Map(s.papers.map((p) => [normalizeTitle(p.title), p.id]));
      const labelOf = new Map(s.indexed.map((p, i) => [p.id, i]));
      const ranks: (number | null)[][][] = variants.map(() => []);
      for (const q of s.queries) {
        const ids = q.relevant.map((t) => byNorm.get(normalizeTitle(t)));
        const lexHits = await engine.search(q.query, { k: 1000, mode: 'lexical', sentences: false });
        const lex = new Map(lexHits.map((h) => [labelOf.get(h.paper.id)!, h.score]));
        const qv = await space.queryVector(q.query);
        const doc = new Map<number, number>();
        const sent = new Map<number, number>();
        s.indexed.forEach((p, i) => {
          doc.set(i, space.score(qv, p.id)!);
          const sv = titleMode && !p.title.trim() ? undefined : sentVecs.get(p.id);
          if (sv) sent.set(i, Math.max(...sv.map((v) => dot(qv, v))));
        });
        variants.forEach((v, vi) => {
          const opts: FusionOptions = { ...DEFAULT_FUSION, alpha: v.alpha };
          const order = fuse(lex, v.run(doc, sent), opts).slice(0, 10);
          const pos = new Map(order.map((h, i) => [s.indexed[h.label].id, i + 1]));
          ranks[vi].push(ids.map((id) => (id ? (pos.get(id) ?? null) : null)));
        });
      }
      variants.forEach((_, vi) => (table[vi].per[s.name] = metrics(ranks[vi])));
    }
    console.log('| variant | dev-queries S@1/S@5/MRR/nDCG | dev-paraphrase | title | mean MRR |');
    console.log('|---|---|---|---|---|');
    const cell = (x: Metrics) => `${f3(x.success_at_1)} / ${f3(x.success_at_5)} / ${f3(x.mrr)} / ${f3(x.ndcg_at_10)}`;
    for (const t of table) console.log(`| ${t.name} | ${sets.map((s) => cell(t.per[s.name])).join(' | ')} | ${f3(sets.reduce((a, s) => a + t.per[s.name].mrr, 0) / sets.length)} |`);
    console.log(`\nleave-one-set-out (default α${alpha0} row is the reference):`);
    for (const held of sets) {
      const others = sets.filter((s) => s !== held);
      const score = (t: (typeof table)[number]) => others.reduce((a, s) => a + t.per[s.name].mrr, 0) / others.length;
      const best = [...table].sort((a, b) => score(b) - score(a))[0];
      const x = best.per[held.name];
      console.log(`  held out ${held.name}: chose ${best.name} → S@1 ${f3(x.success_at_1)} S@5 ${f3(x.success_at_5)} MRR ${f3(x.mrr)} nDCG ${f3(x.ndcg_at_10)}`);
    }
    await model.dispose();
  }
  process.exit(0);
}

await main();
