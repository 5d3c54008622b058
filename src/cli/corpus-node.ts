/**
 * Loads the collection the CLI searches: every seed file in the repository's seeds/ folder by
 * default, or one file given with --corpus through the import module's loadCorpusFile (format
 * detection; seed-format text goes to parseSeed; bundles may carry vectors). Both go through the
 * browser's import code: parseImport (parse + in-file merge + report) for a file, mergeEntries
 * across the seed files — so the CLI and the app never disagree on which papers are the same.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSeed } from '../core/import/seed-parser.ts';
import { mergeEntries } from '../core/import/merge.ts';
import { buildReport, type ImportReport } from '../core/import/report.ts';
import type { EntryPlace, Paper, ParseIssue } from '../core/types.ts';
import type { CorpusVectors } from '../node/import-file.ts';
import { UsageError } from './args.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LoadedCorpus {
  papers: Paper[];
  /** Issues prefixed with their file name, for stderr. */
  issues: string[];
  source: string;
  /** Entries, papers, merges and skips of the load (the numbers `inspect` prints). */
  report: ImportReport;
  /** Vectors shipped inside a bundle file; used when they were made by the model in use. */
  vectors?: CorpusVectors;
}

function describe(file: string, i: ParseIssue): string {
  const where = i.line ? `:${i.line}` : i.entry ? ` entry ${i.entry}` : '';
  return `${basename(file)}${where}: ${i.message}${i.excerpt ? ` — ${JSON.stringify(i.excerpt)}` : ''}`;
}

export async function loadCorpus(corpusFile?: string): Promise<LoadedCorpus> {
  const issues: string[] = [];
  if (corpusFile) {
    const file = resolve(corpusFile);
    if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`--corpus: no such file: ${corpusFile}`);
    // Loaded on demand: the import parsers (BibTeX, CSV…) are not needed for the default corpus.
    const { loadCorpusFile } = await import('../node/import-file.ts');
    const { ImportError } = await import('../core/import/errors.ts');
    let res;
    try {
      // Format detection covers seed-format text (parsed by parseSeed), BibTeX, RIS, CSV/TSV,
      // JSON/JSONL and bundles — and a RIS or BibTeX export saved as .txt.
      res = await loadCorpusFile(file, { collection: basename(file) });
    } catch (e) {
      if (e instanceof ImportError) throw new UsageError(`--corpus ${corpusFile}: ${e.message}`);
      throw e;
    }
    for (const i of res.issues) issues.push(describe(file, i));
    for (const m of res.report.merged) issues.push(`${basename(file)}${m.place.line ? `:${m.place.line}` : ''}: ${m.message}`);
    if (res.papers.length === 0) throw new UsageError(`--corpus ${corpusFile}: no papers found${issues.length ? ` (${issues[0]})` : ''}`);
    const v = res.vectors;
    return {
      papers: res.papers,
      issues,
      report: res.report,
      source: `${file} (${res.format})`,
      vectors: v,
    };
  }
  const dir = join(REPO_ROOT, 'seeds');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.txt')).sort() : [];
  if (files.length === 0) throw new Error(`No seed files (*.txt) in ${dir}`);
  const all: Paper[] = [];
  const places: EntryPlace[] = [];
  const parseIssues: ParseIssue[] = [];
  let entries = 0;
  for (const f of files) {
    const file = join(dir, f);
    const res = parseSeed(readFileSync(file, 'utf8'), 'seed');
    for (const i of res.issues) {
      issues.push(describe(file, i));
      parseIssues.push(i);
    }
    res.papers.forEach((p, i) => {
      all.push(p);
      places.push({ ...res.places?.[i], label: f });
    });
    entries += res.entries ?? res.papers.length;
  }
  // Seed papers have titles only: the merge keeps one paper per title, across files too.
  const m = mergeEntries(all, places);
  for (const x of m.merged) issues.push(`${x.place.label ?? ''}: ${x.message}`);
  const report = buildReport({ format: 'text', entries, papers: m.papers, merged: m.merged, sameTitle: m.sameTitle, issues: parseIssues });
  return { papers: m.papers, issues, report, source: dir };
}
