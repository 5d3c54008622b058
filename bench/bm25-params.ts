/**
 * `npx tsx bench/bm25-params.ts`: BM25 k1 / b / title weight measured on dev-queries,
 * dev-paraphrase and the title check — lexical alone, bge + BM25 (default fusion, α 0.6) and
 * static + BM25 (the quick tier, α 0.3) — with leave-one-set-out on each. Each variant indexes the
 * papers as the engine does (title, abstract, authors) and is fused with the unchanged vector
 * rankers by the product's fuse(), every paper scored exactly (204 papers).
 */
import { buildEngines, evalSets } from './fusion.ts';
import { metrics, type Metrics } from '../src/cli/eval.ts';
import { DEFAULT_FUSION, fuse } from '../src/core/search/fusion.ts';
import { Bm25Index } from '../src/core/search/bm25.ts';
import { normalizeTitle } from '../src/core/library/ids.ts';
import { formatAuthor, readAuthors } from '../src/core/library/authors.ts';

const f3 = (x: number) => x.toFixed(3).replace(/^0/, '');
const cell = (x: Metrics) => `${f3(x.success_at_1)} / ${f3(x.success_at_5)} / ${f3(x.mrr)}`;
const RANKERS = [['lexical', 0], ['bge', 0.6], ['static', 0.3]] as const;

async function main() {
  const sets = await evalSets();
  const engines = await buildEngines(sets, ['bge', 'static']);
  // Question vectors' cosines with every paper, per set and model: computed once.
  const cos = new Map<string, Map<number, number>[]>();
  for (const s of sets) {
    const { engine, keys } = engines.get(s.name)!;
    for (const m of ['bge', 'static']) {
      const space = engine.vectorSpaces.find((x) => x.key === keys[m])!;
      const per: Map<number, number>[] = [];
      for (const q of s.queries) {
        const qv = await space.queryVector(q.query);
        per.push(new Map(s.indexed.map((p, i) => [i, space.score(qv, p.id)!])));
      }
      cos.set(`${s.name}/${m}`, per);
    }
  }
  const grid: { k1: number; b: number; titleWeight: number }[] = [];
  for (const k1 of [0.6, 0.9, 1.2, 1.6, 2.0]) for (const b of [0.3, 0.5, 0.75, 0.9]) grid.push({ k1, b, titleWeight: 2 });
  for (const titleWeight of [1, 3, 4]) grid.push({ k1: 1.2, b: 0.75, titleWeight });
  const rows: { name: string; per: Record<string, Record<string, Metrics>> }[] = [];
  console.log('| k1 b title | lexical: dev-queries · paraphrase · title (S@1 / S@5 / MRR) | bge + BM25 | static + BM25 |');
  console.log('|---|---|---|---|');
  for (const g of grid) {
    const per: Record<string, Record<string, Metrics>> = { lexical: {}, bge: {}, static: {} };
    for (const s of sets) {
      const idx = new Bm25Index(g);
      s.indexed.forEach((p, i) => idx.add(i, { title: p.title, body: p.abstract, authors: (readAuthors(p.authors) ?? []).map(formatAuthor).join('; ') }));
      const byNorm = new Map(s.papers.map((p) => [normalizeTitle(p.title), p.id]));
      const ranks: Record<string, (number | null)[][]> = { lexical: [], bge: [], static: [] };
      s.queries.forEach((q, qi) => {
        const ids = q.relevant.map((t) => byNorm.get(normalizeTitle(t)));
        const lexAll = idx.search(q.query, Infinity);
        const lex = new Map(lexAll.map((h) => [h.label, h.score]));
        for (const [m, alpha] of RANKERS) {
          const order = m === 'lexical' ? lexAll.slice(0, 10) : fuse(lex, [cos.get(`${s.name}/${m}`)![qi]], { ...DEFAULT_FUSION, alpha }).slice(0, 10);
          const pos = new Map(order.map((h, i) => [s.indexed[h.label].id, i + 1]));
          ranks[m].push(ids.map((id) => (id ? (pos.get(id) ?? null) : null)));
        }
      });
      for (const [m] of RANKERS) per[m][s.name] = metrics(ranks[m]);
    }
    const name = `${g.k1} ${g.b} ${g.titleWeight}`;
    rows.push({ name, per });
    console.log(`| ${name} | ${RANKERS.map(([m]) => sets.map((s) => cell(per[m][s.name])).join(' · ')).join(' | ')} |`);
  }
  for (const [m] of RANKERS) {
    console.log(`\nleave-one-set-out on ${m} (mean MRR@10 of the other two):`);
    for (const held of sets) {
      const others = sets.filter((s) => s !== held);
      const score = (r: (typeof rows)[number]) => others.reduce((a, s) => a + r.per[m][s.name].mrr, 0) / others.length;
      const best = [...rows].sort((a, b) => score(b) - score(a))[0];
      console.log(`  held out ${held.name}: chose k1 b title = ${best.name} → ${cell(best.per[m][held.name])}`);
    }
  }
  process.exit(0);
}

await main();
