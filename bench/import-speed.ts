/**
 * Import parse speed per format: `npx tsx bench/import-speed.ts [--runs 5]`.
 * Parses each real export in ../shared/fixtures/real-exports (when present) and a synthetic
 * 10 000-entry Zotero-style BibTeX file (generated here: publisher/file/keywords fields, {{caps}}
 * titles, author lists, abstracts with `--`, `\%`, TeX quotes, and 1 in 10 with accents or math),
 * through parseImport — the whole import path (decode, parse, merge, report). Prints the median
 * of --runs runs (timings on this shared 2-core machine are noisy: compare medians and ratios).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseImport } from '../src/core/import/index.ts';

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 5;
const DIR = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'real-exports');

export function syntheticBibtex(n: number): string {
  const words = 'model data learning network signal memory neural semantic retrieval cortex task sample'.split(' ');
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = (k: number) => words[(i * 7 + k * 3) % words.length];
    const latex = i % 10 === 0 ? ` with na{\\"\\i}ve Caf{\\'e} estimates of $\\alpha_{${i}}$` : '';
    const abstract = `We study ${w(1)} ${w(2)} in ${i} settings --- results improved by 10--20\\% over \`\`baselines''${latex}. ` + `The ${w(3)} ${w(4)} of each ${w(5)} was measured. `.repeat(18);
    out.push(`@article{key${i}_${w(0)},
	title = {{{${w(0).toUpperCase()}}}: {A} study of ${w(1)} ${w(2)} number ${i}},
	volume = {${i % 50}},
	issn = {1234-5678},
	url = {https://example.org/paper/${i}},
	doi = {10.5555/synthetic.${i}},
	abstract = {${abstract}},
	language = {en},
	number = {${i % 12}},
	urldate = {2024-01-01},
	journal = {Journal of ${w(6)} ${w(7)}},
	publisher = {Elsevier},
	author = {M{\\"u}ller, Anna and Lee, Bo and van der Berg, Jan and Garc{\\'\\i}a, Pilar},
	year = {${1990 + (i % 35)}},
	keywords = {${w(1)}, ${w(2)}, ${w(3)}},
	pages = {${i}--${i + 10}},
	file = {Full Text PDF:/Users/someone/Zotero/storage/ABCD${i}/paper.pdf:application/pdf},
}
`);
  }
  return out.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(name: string, bytes: Uint8Array): number {
  const ms: number[] = [];
  let papers = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    papers = parseImport(name, bytes, { maxTextBytes: 64 * 1024 * 1024 }).papers.length;
    ms.push(performance.now() - t);
  }
  const m = median(ms);
  console.log(`${name.padEnd(32)} ${(bytes.length / 1e6).toFixed(2).padStart(6)} MB ${String(papers).padStart(6)} papers  median ${m.toFixed(0).padStart(6)} ms  (${((m / bytes.length) * 1e6).toFixed(0)} ms/MB, ${runs} runs)`);
  return m;
}

const results: Record<string, number> = {};
if (existsSync(DIR)) {
  for (const f of ['khalid-zotero-export.ris', 'khalid-zotero-export.csv', 'khalid-zotero-export.bib', 'el3ssar-zotero.bib', 'crcox-jabref-2014.bib', 'crcox-zotero-native-2014.bib']) {
    results[f] = time(f, new Uint8Array(readFileSync(join(DIR, f))));
  }
  console.log(`BibTeX / RIS, same 467-item library: ${(results['khalid-zotero-export.bib']! / results['khalid-zotero-export.ris']!).toFixed(1)}×`);
} else console.log(`(real exports not found at ${DIR}; synthetic only)`);
const synth = new TextEncoder().encode(syntheticBibtex(10_000));
time('synthetic-10k.bib', synth);
