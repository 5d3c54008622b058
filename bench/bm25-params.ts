/**
 * `npx tsx bench/bm25-params.ts`: BM25 k1 / b / title weight measured on dev-queries,
 * dev-paraphrase and the title check — lexical alone, bge + BM25 (default fusion) and static + BM25
 * (the quick tier's fusion) — with leave-one-set-out on the bge hybrid's mean MRR@10.
 */
import { buildEngines, evalSets, evaluate } from './fusion.ts';
import type { Metrics } from '../src/cli/eval.ts';

const f3 = (x: number) => x.toFixed(3).replace(/^0/, '');
const cell = (x: Metrics) => `${f3(x.success_at_1)} / ${f3(x.success_at_5)} / ${f3(x.mrr)}`;

async function main() {
  const sets = await evalSets();
  const rows: { name: string; per: Record<string, Record<string, Metrics>> }[] = [];
  console.log('| k1 b title | lexical dq / para / title (S@1/S@5/MRR) | bge hybrid | static hybrid α0.3 |');
  console.log('|---|---|---|---|');
  for (const k1 of [0.9, 1.2, 1.6, 2.0])
    for (const b of [0.4, 0.6, 0.75, 0.9])
      for (const titleWeight of [1, 2, 3]) {
        const engines = await buildEngines(sets, ['bge', 'static'], { bm25: { k1, b, titleWeight } });
        const per: Record<string, Record<string, Metrics>> = { lexical: {}, bge: {}, static: {} };
        for (const s of sets) {
          const { engine, keys } = engines.get(s.name)!;
          per.lexical[s.name] = await evaluate(engine, s, 'lexical', undefined, {});
          per.bge[s.name] = await evaluate(engine, s, 'hybrid', [keys.bge], {});
          per.static[s.name] = await evaluate(engine, s, 'hybrid', [keys.static], { alpha: 0.3 });
        }
        const name = `${k1} ${b} ${titleWeight}`;
        rows.push({ name, per });
        console.log(`| ${name} | ${['lexical', 'bge', 'static'].map((m) => sets.map((s) => cell(per[m][s.name])).join(' · ')).join(' | ')} |`);
      }
  for (const m of ['lexical', 'bge', 'static']) {
    console.log(`\nleave-one-set-out on ${m} (mean MRR@10 of the other two):`);
    for (const held of sets) {
      const others = sets.filter((s) => s !== held);
      const score = (r: (typeof rows)[number]) => others.reduce((a, s) => a + r.per[m][s.name].mrr, 0) / others.length;
      const best = [...rows].sort((a, b) => score(b) - score(a))[0];
      console.log(`  held out ${held.name}: chose ${best.name} → ${cell(best.per[m][held.name])}`);
    }
  }
  process.exit(0);
}

await main();
