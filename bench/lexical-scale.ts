/**
 * The keyword index at library size, in Node (issue 15 #6 and the keyword half of a reload):
 * `npx tsx bench/lexical-scale.ts [N=100000] [repeats=5]`.
 *
 * Builds N synthetic papers (bench/library-bench.ts syntheticLibrary: seed sentences recombined,
 * two authors each, collection "library"), builds BM25 over them once, encodes the snapshot, then
 * repeats: decode the snapshot, restore it through LexicalCache (match ids, fingerprint, load — what
 * a reload does once the papers are read), and time lay questions (dev-paraphrase.jsonl): lexical
 * top 20, lexical match count, and both with an author + collection filter. Reports medians over
 * repeats (each repeat's figure is the p50 over the questions). Same-run figures compare; absolute
 * ms move with the load of this shared machine.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SearchEngine } from '../src/core/search/engine.ts';
import { decodeLexicalSnapshot, encodeLexicalSnapshot } from '../src/core/search/bm25-snapshot.ts';
import { LexicalCache, lexicalFingerprint } from '../src/core/engine/lexical-cache.ts';
import type { Store } from '../src/core/store/store.ts';
import type { Paper } from '../src/core/types.ts';
import { median, timeRepeats } from './lib/stats.ts';
import { syntheticLibrary } from './library-bench.ts';
import { REPO } from './lib/seed.ts';

const n = Number(process.argv[2] ?? 100_000);
const repeats = Number(process.argv[3] ?? 5);
const papers: Paper[] = syntheticLibrary(n)
  .trimEnd()
  .split('\n')
  .map((line, i) => {
    const r = JSON.parse(line) as { title: string; abstract: string; year: number; author: { family: string; given: string }[] };
    return { id: `p${i}`, title: r.title, abstract: r.abstract, year: r.year, authors: r.author, collection: 'library' } as Paper;
  });
const qfile = join(REPO, '../shared/eval/dev-paraphrase.jsonl');
const questions = existsSync(qfile)
  ? readFileSync(qfile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { query: string }).query)
  : papers.slice(0, 40).map((p) => p.title);
const filters = { author: 'author7' }; // "Author7", "Author70"…"Author799": ~11% of the papers
const collections = ['library'];

/** One timed call, in ms. */
const once = async (f: () => unknown) => (await timeRepeats(f, 1))[0]!;

const t = performance.now();
const built = new SearchEngine();
built.setPapers(papers);
const buildMs = performance.now() - t;
const snap = { ...built.lexicalParts(), fingerprint: lexicalFingerprint(papers) };
const bytes = encodeLexicalSnapshot(snap);
console.log(`${n} papers: BM25 built in ${buildMs.toFixed(0)} ms, snapshot ${(bytes.byteLength / 1e6).toFixed(1)} MB, ${questions.length} questions, ${repeats} repeats`);

const rows: Record<string, number[]> = {};
const put = (k: string, v: number) => (rows[k] ??= []).push(v);
const perQuestion = async (f: (q: string) => unknown) => {
  const xs: number[] = [];
  for (const q of questions) xs.push(await once(() => f(q)));
  return median(xs);
};
for (let r = 0; r < repeats; r++) {
  put('decode snapshot', await once(() => decodeLexicalSnapshot(bytes)));
  const engine = new SearchEngine();
  const store = { getBlob: async () => bytes } as unknown as Store;
  const cache = new LexicalCache(() => store, () => engine);
  let how = '';
  put('restore (decode + match + fingerprint + load)', await once(async () => (how = await cache.restore(papers))));
  if (how !== 'snapshot') throw new Error(`restore ${how}: the snapshot was not used`);
  put('lexical search, top 20 (p50 per question)', await perQuestion((q) => engine.search(q, { mode: 'lexical', k: 20 })));
  put('lexical match count (p50)', await perQuestion((q) => engine.countMatches(q, 'lexical')));
  put('lexical search + author + collection filter (p50)', await perQuestion((q) => engine.search(q, { mode: 'lexical', k: 20, filters, collections })));
  put('lexical match count + author + collection filter (p50)', await perQuestion((q) => engine.countMatches(q, 'lexical', collections, filters)));
}
for (const [k, v] of Object.entries(rows)) console.log(`${k}: ${median(v).toFixed(1)} ms (${v.map((x) => x.toFixed(0)).join(', ')})`);
