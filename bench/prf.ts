/**
 * `npx tsx bench/prf.ts [--models=bge,static] [--alphas=0.6]`: pseudo-relevance feedback (Rocchio
 * on question vectors over the first fused ranking's head, FusionOptions.prfDocs / prfWeight) on
 * dev-queries, dev-paraphrase and the title check, for each ranker combination, with a
 * leave-one-set-out choice (best mean MRR@10 on two sets, scored on the third).
 */
import { buildEngines, evalSets, evaluate } from './fusion.ts';
import type { FusionOptions } from '../src/core/search/engine.ts';
import type { Metrics } from '../src/cli/eval.ts';

const f3 = (x: number) => x.toFixed(3).replace(/^0/, '');
const arg = (name: string, dflt: string) => (process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt).split(',');

async function main() {
  const models = arg('models', 'bge,static');
  const sets = await evalSets();
  const engines = await buildEngines(sets, models);
  const alphas: Record<string, number[]> = { bge: arg('alphas', '0.6').map(Number), static: arg('static-alphas', '0.3').map(Number) };
  for (const m of models) {
    console.log(`\n## ${m} + BM25\n`);
    console.log('| setting | dev-queries S@1/S@5/MRR/nDCG | dev-paraphrase | title | mean MRR |');
    console.log('|---|---|---|---|---|');
    const settings: { name: string; fusion: Partial<FusionOptions> }[] = [];
    for (const alpha of alphas[m] ?? [0.6]) {
      settings.push({ name: `α${alpha} no PRF`, fusion: { alpha, prfDocs: 0, prfWeight: 0 } });
      for (const docs of [1, 2, 3, 5, 8])
        for (const w of [0.25, 0.5, 1, 2]) settings.push({ name: `α${alpha} PRF ${docs} docs β${w}`, fusion: { alpha, prfDocs: docs, prfWeight: w } });
    }
    const table: { name: string; per: Record<string, Metrics> }[] = [];
    for (const st of settings) {
      const per: Record<string, Metrics> = {};
      for (const s of sets) {
        const { engine, keys } = engines.get(s.name)!;
        per[s.name] = await evaluate(engine, s, 'hybrid', [keys[m]], st.fusion);
      }
      table.push({ name: st.name, per });
      const cell = (x: Metrics) => `${f3(x.success_at_1)} / ${f3(x.success_at_5)} / ${f3(x.mrr)} / ${f3(x.ndcg_at_10)}`;
      const mean = sets.reduce((a, s) => a + per[s.name].mrr, 0) / sets.length;
      console.log(`| ${st.name} | ${sets.map((s) => cell(per[s.name])).join(' | ')} | ${f3(mean)} |`);
    }
    console.log('\nleave-one-set-out (chosen on the other two sets by mean MRR@10):');
    for (const held of sets) {
      const others = sets.filter((s) => s !== held);
      const score = (t: (typeof table)[number]) => others.reduce((a, s) => a + t.per[s.name].mrr, 0) / others.length;
      const best = [...table].sort((a, b) => score(b) - score(a))[0];
      const x = best.per[held.name];
      console.log(`  held out ${held.name}: chose ${best.name} → S@1 ${f3(x.success_at_1)} S@5 ${f3(x.success_at_5)} MRR ${f3(x.mrr)} nDCG ${f3(x.ndcg_at_10)}`);
    }
  }
  process.exit(0);
}

await main();
