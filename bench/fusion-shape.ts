/**
 * `npx tsx bench/fusion-shape.ts`: how per-ranker z-scores are combined, measured on dev-queries,
 * dev-paraphrase and the title check for bge + BM25 (α 0.6) and static + BM25 (α 0.3), with
 * leave-one-set-out. Today's fusion sums weighted z-scores; the variants make a paper that one
 * ranker puts far ahead count for more than the other ranker's indifference:
 *   sum           Σ wᵢ zᵢ (today);
 *   exp τ         Σ wᵢ exp(zᵢ / τ) — each ranker's confidence mass, an outlier dominates;
 *   sum+max λ     Σ wᵢ zᵢ + λ maxᵢ (wᵢ zᵢ);
 *   clip          Σ wᵢ max(zᵢ, 0) — below-average evidence ignored.
 * z-scores are the product's (mean / sd over each ranker's best 50 of every paper, BM25 0 where no
 * word matched); every paper is scored exactly (204 papers).
 */
import { buildEngines, evalSets } from './fusion.ts';
import { metrics, type Metrics } from '../src/cli/eval.ts';
import { normalizeTitle } from '../src/core/library/ids.ts';

const f3 = (x: number) => x.toFixed(3).replace(/^0/, '');

function z(vals: number[], depth = 50): number[] {
  const top = [...vals].sort((a, b) => b - a).slice(0, depth);
  const mean = top.reduce((a, x) => a + x, 0) / top.length;
  const sd = Math.sqrt(top.reduce((a, x) => a + (x - mean) ** 2, 0) / top.length);
  return sd > 1e-9 ? vals.map((x) => (x - mean) / sd) : vals.map(() => 0);
}

type Combine = (zs: number[], ws: number[]) => number;
const VARIANTS: [string, Combine][] = [['sum', (zs, ws) => zs.reduce((a, x, i) => a + ws[i] * x, 0)]];
for (const tau of [0.5, 1, 2, 4]) VARIANTS.push([`exp τ${tau}`, (zs, ws) => zs.reduce((a, x, i) => a + ws[i] * Math.exp(x / tau), 0)]);
for (const lam of [0.25, 0.5, 1]) VARIANTS.push([`sum+max λ${lam}`, (zs, ws) => zs.reduce((a, x, i) => a + ws[i] * x, 0) + lam * Math.max(...zs.map((x, i) => ws[i] * x))]);
VARIANTS.push(['clip', (zs, ws) => zs.reduce((a, x, i) => a + ws[i] * Math.max(0, x), 0)]);

async function main() {
  const sets = await evalSets();
  // --best: also the "best quality" pair (bge + MiniLM + BM25, the vector weight shared equally).
  const best = process.argv.includes('--best');
  const engines = await buildEngines(sets, best ? ['bge', 'static', 'minilm'] : ['bge', 'static']);
  const combos: [string[], number][] = [[['bge'], 0.6], [['static'], 0.3]];
  if (best) combos.push([['bge', 'minilm'], 0.6]);
  for (const [spaceNames, baseAlpha] of combos) {
    const m = spaceNames.join(' + ');
    const alphas = m === 'static' ? [0.3, 0.4, 0.5] : [0.5, 0.6, 0.7];
    const table: { name: string; per: Record<string, Metrics>; first: Record<string, number[]> }[] = [];
    for (const alpha of alphas) for (const [vn] of VARIANTS) table.push({ name: `${vn} α${alpha}`, per: {}, first: {} });
    for (const s of sets) {
      const { engine, keys } = engines.get(s.name)!;
      const spaces = spaceNames.map((n) => engine.vectorSpaces.find((x) => x.key === keys[n])!);
      const byNorm = new Map(s.papers.map((p) => [normalizeTitle(p.title), p.id]));
      const labelOf = new Map(s.indexed.map((p, i) => [p.id, i]));
      const ranks: (number | null)[][][] = table.map(() => []);
      for (const q of s.queries) {
        const ids = q.relevant.map((t) => byNorm.get(normalizeTitle(t)));
        const lexHits = await engine.search(q.query, { k: 1000, mode: 'lexical', sentences: false });
        const lex = new Array(s.indexed.length).fill(0);
        for (const h of lexHits) lex[labelOf.get(h.paper.id)!] = h.score;
        const zl = lexHits.length ? z(lex) : lex.map(() => 0);
        const zvs: number[][] = [];
        for (const space of spaces) {
          const qv = await space.queryVector(q.query);
          zvs.push(z(s.indexed.map((p) => space.score(qv, p.id)!)));
        }
        let ti = 0;
        for (const alpha of alphas)
          for (const [, combine] of VARIANTS) {
            const ws = [1 - alpha, ...zvs.map(() => alpha / zvs.length)];
            const order = s.indexed.map((_, i) => ({ i, score: combine([zl[i], ...zvs.map((zv) => zv[i])], ws) })).sort((a, b) => b.score - a.score || a.i - b.i).slice(0, 10);
            const pos = new Map(order.map((h, r) => [s.indexed[h.i].id, r + 1]));
            ranks[ti++].push(ids.map((id) => (id ? (pos.get(id) ?? null) : null)));
          }
      }
      table.forEach((t, ti) => {
        t.per[s.name] = metrics(ranks[ti]);
        // First relevant rank per question (11 = not in the top 10), for the paired comparison.
        t.first[s.name] = ranks[ti].map((r) => Math.min(11, ...r.map((x) => x ?? 11)));
      });
    }
    console.log(`\n## ${m} + BM25 (today α${baseAlpha}, sum)\n`);
    console.log('| combination | dev-queries S@1/S@5/MRR/nDCG | dev-paraphrase | title | mean MRR |');
    console.log('|---|---|---|---|---|');
    const cell = (x: Metrics) => `${f3(x.success_at_1)} / ${f3(x.success_at_5)} / ${f3(x.mrr)} / ${f3(x.ndcg_at_10)}`;
    for (const t of table) console.log(`| ${t.name} | ${sets.map((s) => cell(t.per[s.name])).join(' | ')} | ${f3(sets.reduce((a, s) => a + t.per[s.name].mrr, 0) / sets.length)} |`);
    console.log('\nleave-one-set-out:');
    for (const held of sets) {
      const others = sets.filter((s) => s !== held);
      const score = (t: (typeof table)[number]) => others.reduce((a, s) => a + t.per[s.name].mrr, 0) / others.length;
      const best = [...table].sort((a, b) => score(b) - score(a))[0];
      const x = best.per[held.name];
      console.log(`  held out ${held.name}: chose ${best.name} → S@1 ${f3(x.success_at_1)} S@5 ${f3(x.success_at_5)} MRR ${f3(x.mrr)} nDCG ${f3(x.ndcg_at_10)}`);
    }
    // Paired: questions whose first relevant paper moved up / down against today's sum at α.
    const today = table.find((t) => t.name === `sum α${baseAlpha}`)!;
    console.log(`\npaired against sum α${baseAlpha} (questions whose first relevant rank went up / down, per set):`);
    for (const t of table) {
      if (t === today) continue;
      const cells = sets.map((s) => {
        let up = 0, down = 0;
        t.first[s.name].forEach((r, i) => (r < today.first[s.name][i] ? up++ : r > today.first[s.name][i] ? down++ : 0));
        return `${up}↑ ${down}↓`;
      });
      console.log(`  ${t.name}: ${cells.join(' · ')}`);
    }
  }
  process.exit(0);
}

await main();
