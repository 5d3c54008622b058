/**
 * `npx tsx bench/evidence.ts`: how often the evidence sentence shown under a hit is the one a reader
 * would pick, on tests/fixtures/evidence-sentences.jsonl (30 question / paper / sentence triples
 * written from the seed abstracts, lay and keyword questions). Reports the share picked right by the
 * lexical picker (BM25 over sentences, boilerplate demoted) and by the picker that also uses meaning
 * (the quick tier's static sentence vectors), overall and per question kind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCorpus } from '../src/cli/corpus-node.ts';
import { loadLocalModel } from '../src/cli/engine-node.ts';
import { SearchEngine } from '../src/core/search/engine.ts';
import { bestSentence } from '../src/core/search/best-sentence.ts';
import { splitSentences } from '../src/core/text/sentences.ts';
import { REPO_ROOT } from '../src/node/model-dir.ts';
import type { EmbeddingModel } from '../src/core/types.ts';

export interface EvidenceCase {
  question: string;
  title: string;
  sentence: string;
  kind: 'lay' | 'keyword';
}

export function evidenceCases(): EvidenceCase[] {
  return readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'evidence-sentences.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EvidenceCase);
}

async function main() {
  const corpus = await loadCorpus();
  const engine = new SearchEngine({ exactThreshold: Infinity });
  engine.setPapers(corpus.papers);
  const cases = evidenceCases();
  const io = { out: () => {}, err: (s: string) => void process.stderr.write(s) };
  const model: EmbeddingModel = await loadLocalModel('static/bge-small-en-v1.5-d256', io);
  const pickers: [string, (q: string, p: (typeof corpus.papers)[number]) => Promise<string>][] = [
    ['lexical', async (q, p) => engine.bestSentence(q, p).sentence],
  ];
  pickers.push(['lexical + static meaning (default weight)', async (q, p) => (await engine.bestSentenceWithMeaning(q, p, model)).sentence]);
  // The weight of meaning against words, for the record (the default is not tuned on these 30).
  for (const w of [0.2, 0.35, 0.65, 1]) {
    pickers.push([
      `meaning weight ${w}`,
      async (q, p) => {
        const query = await model.embedQuery(q);
        const { vectors, dimensions: d } = await model.embedDocuments(splitSentences(p.abstract).map((x) => x.text));
        const sentences = splitSentences(p.abstract).map((_, i) => vectors.slice(i * d, (i + 1) * d));
        return bestSentence(q, p.abstract, p.title, engine.termStats, { query, sentences }, w).sentence;
      },
    ]);
  }
  if (process.argv.includes('--bge')) {
    // For comparison only: the full model's sentence vectors (far too slow per query in the browser).
    const bge = await loadLocalModel('Xenova/bge-small-en-v1.5', io);
    for (const w of [0.35, 0.5])
      pickers.push([`bge meaning weight ${w} (reference)`, async (q, p) => {
        const query = await bge.embedQuery(q);
        const texts = splitSentences(p.abstract).map((x) => x.text);
        const { vectors, dimensions: d } = await bge.embedDocuments(texts);
        return bestSentence(q, p.abstract, p.title, engine.termStats, { query, sentences: texts.map((_, i) => vectors.slice(i * d, (i + 1) * d)) }, w).sentence;
      }]);
  }
  for (const [name, pick] of pickers) {
    const right = { lay: 0, keyword: 0 };
    const total = { lay: 0, keyword: 0 };
    const wrong: string[] = [];
    for (const c of cases) {
      const p = corpus.papers.find((x) => x.title === c.title);
      if (!p) throw new Error(`not in the corpus: ${c.title}`);
      total[c.kind]++;
      const got = await pick(c.question, p);
      if (got === c.sentence) right[c.kind]++;
      else wrong.push(`  ✗ ${c.question}\n      picked: ${got.slice(0, 110)}`);
    }
    const n = cases.length;
    const r = right.lay + right.keyword;
    console.log(`${name}: ${r}/${n} right (${((100 * r) / n).toFixed(0)}%) · lay ${right.lay}/${total.lay} · keyword ${right.keyword}/${total.keyword}`);
    if (process.argv.includes('--verbose')) console.log(wrong.join('\n'));
  }
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
