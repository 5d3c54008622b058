/**
 * `npx tsx bench/related.ts`: a small check of "related papers". Ground truth: papers relevant to
 * the same dev question (dev-queries + dev-paraphrase; 22 ordered pairs A → B) plus the one sequel
 * pair in the seeds (CroCo ↔ CroCo v2). For each pair, the rank of B among A's related papers
 * (SearchEngine.related, the app's code) per model: hit@5, hit@10 and MRR@10.
 */
import { buildEngines, evalSets } from './fusion.ts';
import { normalizeTitle } from '../src/core/library/ids.ts';
import { DEFAULT_FUSION, fuse } from '../src/core/search/fusion.ts';

async function main() {
  const sets = (await evalSets()).filter((s) => s.name !== 'title');
  const models = ['bge', 'minilm', 'static'];
  const engines = await buildEngines(sets, models);
  const { engine, keys } = engines.get('dev-queries')!;
  const papers = sets[0].papers;
  const id = (t: string) => papers.find((p) => normalizeTitle(p.title) === normalizeTitle(t))?.id;
  const pairs: [string, string][] = [];
  for (const s of sets)
    for (const q of s.queries) {
      const ids = q.relevant.map(id).filter((x): x is string => !!x);
      for (const a of ids) for (const b of ids) if (a !== b) pairs.push([a, b]);
    }
  const croco = id('CroCo: Self-Supervised Pre-training for 3D Vision Tasks by Cross-View Completion');
  const croco2 = id('CroCo v2: Improved Cross-view Completion Pre-training for Stereo Matching and Optical Flow');
  if (croco && croco2) pairs.push([croco, croco2], [croco2, croco]);
  for (const m of models) {
    let h5 = 0;
    let h10 = 0;
    let mrr = 0;
    for (const [a, b] of pairs) {
      const hits = engine.related(a, 10, { space: keys[m] as never });
      const r = hits.findIndex((h) => h.paper.id === b) + 1;
      if (r && r <= 5) h5++;
      if (r) h10++;
      if (r) mrr += 1 / r;
    }
    const n = pairs.length;
    console.log(`${m}: ${n} pairs · hit@5 ${(h5 / n).toFixed(3)} · hit@10 ${(h10 / n).toFixed(3)} · MRR@10 ${(mrr / n).toFixed(3)}`);
  }
  // Two models fused (z-scores of each space's cosines to A's own vector, equal weight), as search fuses them.
  const spaces = ['bge', 'minilm'].map((m) => engine.vectorSpaces.find((s) => s.key === keys[m])!);
  let h5 = 0;
  let h10 = 0;
  let mrr = 0;
  for (const [a, b] of pairs) {
    const maps = spaces.map((sp) => {
      const v = sp.getVector(a)!;
      const m = new Map<number, number>();
      papers.forEach((p, i) => {
        if (p.id !== a) m.set(i, sp.score(v, p.id)!);
      });
      return m;
    });
    const ranked = fuse(new Map(), maps, { ...DEFAULT_FUSION, alpha: 1 }).slice(0, 10);
    const r = ranked.findIndex((h) => papers[h.label]!.id === b) + 1;
    if (r && r <= 5) h5++;
    if (r) h10++;
    if (r) mrr += 1 / r;
  }
  const n = pairs.length;
  console.log(`bge + MiniLM fused: ${n} pairs · hit@5 ${(h5 / n).toFixed(3)} · hit@10 ${(h10 / n).toFixed(3)} · MRR@10 ${(mrr / n).toFixed(3)}`);
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
