/**
 * `npx tsx bench/weak-match.ts`: calibrates the weak-match thresholds (src/core/search/weak-match.ts).
 * For each model: the best cosine among the top 20 hybrid hits (what the app computes) for the
 * on-topic questions (dev-queries + dev-paraphrase) and the off-topic ones
 * (tests/fixtures/off-topic-queries.txt), the threshold calibrateThreshold picks, how many of each
 * it flags, and leave-one-out: each question judged by a threshold calibrated without it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEngines, evalSets } from './fusion.ts';
import { calibrateThreshold, matchStrength } from '../src/core/search/weak-match.ts';
import { REPO_ROOT } from '../src/node/model-dir.ts';

const MODELS: Record<string, string> = {
  bge: 'Xenova/bge-small-en-v1.5',
  minilm: 'Xenova/all-MiniLM-L6-v2',
  static: 'static/bge-small-en-v1.5-d256',
};

export function offTopicQueries(): string[] {
  return readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'off-topic-queries.txt'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

async function main() {
  const sets = (await evalSets()).filter((s) => s.name !== 'title');
  const engines = await buildEngines(sets, Object.keys(MODELS));
  const { engine, keys } = engines.get('dev-queries')!; // same papers as dev-paraphrase
  const onQ = sets.flatMap((s) => s.queries.map((q) => q.query));
  const offQ = offTopicQueries();
  const f = (x: number) => x.toFixed(3);
  for (const [name, id] of Object.entries(MODELS)) {
    const strength = async (q: string) => matchStrength(await engine.search(q, { k: 20, mode: 'hybrid', spaces: [keys[name]] as never, sentences: false }))!;
    const on: number[] = [];
    for (const q of onQ) on.push(await strength(q));
    const off: number[] = [];
    for (const q of offQ) off.push(await strength(q));
    const c = calibrateThreshold(on, off);
    // Leave-one-out: a question's verdict from a threshold calibrated without it.
    let onWrong = 0;
    let offRight = 0;
    on.forEach((x, i) => {
      if (x < calibrateThreshold(on.filter((_, j) => j !== i), off).threshold) onWrong++;
    });
    off.forEach((x, i) => {
      if (x < calibrateThreshold(on, off.filter((_, j) => j !== i)).threshold) offRight++;
    });
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    console.log(
      `${id}: threshold ${f(c.threshold)} · on-topic flagged ${Math.round(c.onTopicFlagged * on.length)}/${on.length}, off-topic flagged ${Math.round(c.offTopicFlagged * off.length)}/${off.length}` +
        ` · leave-one-out: on-topic flagged ${onWrong}/${on.length}, off-topic flagged ${offRight}/${off.length}` +
        ` · on-topic min ${f(sorted(on)[0])}, off-topic max ${f(sorted(off).at(-1)!)}`,
    );
    const worstOn = onQ.map((q, i) => [on[i], q] as const).sort((a, b) => a[0] - b[0]).slice(0, 3);
    const bestOff = offQ.map((q, i) => [off[i], q] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
    console.log(`  weakest on-topic: ${worstOn.map(([x, q]) => `${f(x)} "${q.slice(0, 50)}"`).join('; ')}`);
    console.log(`  strongest off-topic: ${bestOff.map(([x, q]) => `${f(x)} "${q}"`).join('; ')}`);
  }
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
