/**
 * The benchmark corpus: the seed abstracts, parsed with the product's own parser, as the exact
 * passage texts the app embeds (documentText). Node-only (reads files).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Paper } from '../../src/core/types.ts';
import { parseSeed } from '../../src/core/import/seed-parser.ts';
import { documentText } from '../../src/core/vectors/document-text.ts';

export const REPO = new URL('../../', import.meta.url).pathname;

/** All papers of seeds/000_*.txt. Throws when no seed file exists (the benchmark has nothing to measure). */
export function loadSeedPapers(): Paper[] {
  const dir = join(REPO, 'seeds');
  const files = readdirSync(dir).filter((f) => /^000_.*\.txt$/.test(f)).sort();
  if (files.length === 0) throw new Error(`no seeds/000_*.txt in ${dir}`);
  const papers: Paper[] = [];
  for (const f of files) papers.push(...parseSeed(readFileSync(join(dir, f), 'utf8')).papers);
  if (papers.length === 0) throw new Error('seed files parsed to zero papers');
  return papers;
}

/**
 * `n` papers spread evenly over the corpus (not the first n), so a quick run sees the same length
 * distribution as the full one. n >= papers.length returns all papers.
 */
export function spreadSample<T>(items: readonly T[], n: number): T[] {
  if (n >= items.length) return [...items];
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.floor((i * items.length) / n)]!);
  return out;
}

export function seedTexts(n?: number): string[] {
  const texts = loadSeedPapers().map(documentText);
  return n === undefined ? texts : spreadSample(texts, n);
}

/**
 * `n` synthetic abstracts made of seed sentences (ten per text, drawn with a fixed LCG), so sizes
 * beyond the seed corpus read like real abstracts. Deterministic: the same n gives the same texts.
 */
export function recombinedTexts(n: number): string[] {
  const sentences = seedTexts().flatMap((t) => t.split(/(?<=\.) /));
  let x = 1;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    for (let k = 0; k < 10; k++) parts.push(sentences[Math.floor(next() * sentences.length)]!);
    out.push(parts.join(' '));
  }
  return out;
}
