/**
 * `npx tsx bench/rm3.ts [--models=bge,static]`: RM3-style query expansion of the BM25 ranker from
 * the first hybrid ranking's head (pseudo-relevance feedback on the lexical side; bench/prf.ts does
 * it on the vector side). Relevance model P(t|R) = mean over the head papers of tf(t, d) / |d|
 * (title counted twice, as the index does), optionally × IDF; the best `terms` terms, weights
 * normalised to 1, are mixed with the question's own terms (each 1 / |q|) as (1 − λ)·q + λ·R, and
 * the weighted BM25 (Bm25Index.searchTerms) is fused with the unchanged vector ranker by the
 * product's fuse(). λ = 0 reproduces today's hybrid. Leave-one-set-out over the three sets.
 */
import { buildEngines, evalSets } from './fusion.ts';
import { metrics, type Metrics } from '../src/cli/eval.ts';
import { DEFAULT_FUSION, fuse } from '../src/core/search/fusion.ts';
import { normalizeTitle } from '../src/core/library/ids.ts';
import type { Bm25Index } from '../src/core/search/bm25.ts';

const f3 = (x: number) => x.toFixed(3).replace(/^0/, '');

async function main() {
  const names = (process.argv.find((a) => a.startsWith('--models='))?.slice(9) ?? 'bge,static').split(',');
  const sets = await evalSets();
  const engines = await buildEngines(sets, names);
  for (const name of names) {
    const alpha = name === 'static' ? 0.3 : 0.6;
    const variants: { name: string; docs: number; terms: number; lambda: number; idf: boolean }[] = [{ name: 'none', docs: 0, terms: 0, lambda: 0, idf: false }];
    for (const docs of [3, 5, 10])
      for (const terms of [10, 30])
        for (const lambda of [0.2, 0.4])
          for (const idf of [false, true]) variants.push({ name: `${docs} docs ${terms} terms λ${lambda}${idf ? ' ×idf' : ''}`, docs, terms, lambda, idf });
    const table = variants.map((v) => ({ name: v.name, per: {} as Record<string, Metrics> }));
    for (const s of sets) {
      const { engine, keys } = engines.get(s.name)!;
      const bm25 = engine.termStats as Bm25Index;
      const space = engine.vectorSpaces.find((x) => x.key === keys[name])!;
      const byNorm = new Map(s.papers.map((p) => [normalizeTitle(p.title), p.id]));
      const docTf = s.indexed.map((p) => {
        const tf = new Map<string, number>();
        let len = 0;
        const add = (text: string, w: number) => {
          for (const t of bm25.tokenize(text)) {
            tf.set(t, (tf.get(t) ?? 0) + w);
            len += w;
          }
        };
        add(p.title, 2);
        add(p.abstract, 1);
        return { tf, len: len || 1 };
      });
      const ranks: (number | null)[][][] = variants.map(() => []);
      for (const q of s.queries) {
        const ids = q.relevant.map((t) => byNorm.get(normalizeTitle(t)));
        const qv = await space.queryVector(q.query);
        const vec = new Map(s.indexed.map((p, i) => [i, space.score(qv, p.id)!]));
        const qTerms = [...new Set(bm25.tokenize(q.query))];
        const first = fuse(new Map(bm25.searchTerms(new Map(qTerms.map((t) => [t, 1])), Infinity).map((h) => [h.label, h.score])), [vec], { ...DEFAULT_FUSION, alpha });
        variants.forEach((v, vi) => {
          const w = new Map(qTerms.map((t) => [t, (1 - v.lambda) / Math.max(1, qTerms.length)]));
          if (v.docs > 0) {
            const rel = new Map<string, number>();
            for (const h of first.slice(0, v.docs)) for (const [t, f] of docTf[h.label].tf) rel.set(t, (rel.get(t) ?? 0) + f / docTf[h.label].len / v.docs);
            const scored = [...rel].map(([t, p]) => [t, v.idf ? p * bm25.idf(t) : p] as [string, number]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, v.terms);
            const sum = scored.reduce((a, [, x]) => a + x, 0) || 1;
            for (const [t, x] of scored) w.set(t, (w.get(t) ?? 0) + (v.lambda * x) / sum);
          }
          const lex = new Map(bm25.searchTerms(w, Infinity).map((h) => [h.label, h.score]));
          const order = fuse(lex, [vec], { ...DEFAULT_FUSION, alpha }).slice(0, 10);
          const pos = new Map(order.map((h, i) => [s.indexed[h.label].id, i + 1]));
          ranks[vi].push(ids.map((id) => (id ? (pos.get(id) ?? null) : null)));
        });
      }
      variants.forEach((_, vi) => (table[vi].per[s.name] = metrics(ranks[vi])));
    }
    console.log(`\n## ${name} + BM25 (α${alpha})\n`);
    console.log('| expansion | dev-queries S@1/S@5/MRR/nDCG | dev-paraphrase | title | mean MRR |');
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
  }
  process.exit(0);
}

await main();
