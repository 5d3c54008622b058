/**
 * Loads the collection the CLI searches: every seed file in the repository's seeds/ folder by
 * default, or one file given with --corpus through the import module's loadCorpusFile (format
 * detection; seed-format text goes to parseSeed; bundles may carry vectors).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSeed } from '../core/import/seed-parser.ts';
import type { Paper, ParseIssue } from '../core/types.ts';
import type { CorpusVectors } from '../node/import-file.ts';
import { UsageError } from './args.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LoadedCorpus {
  papers: Paper[];
  /** Issues prefixed with their file name, for stderr. */
  issues: string[];
  source: string;
  /** Vectors shipped inside a bundle file; used when they were made by the model in use. */
  vectors?: CorpusVectors;
}

function describe(file: string, i: ParseIssue): string {
  const where = i.line ? `:${i.line}` : i.entry ? ` entry ${i.entry}` : '';
  return `${basename(file)}${where}: ${i.message}${i.excerpt ? ` — ${JSON.stringify(i.excerpt)}` : ''}`;
}

/** Merge papers from several files; a paper id seen twice keeps the first occurrence. */
function merge(into: Map<string, Paper>, papers: Paper[], file: string, issues: string[]) {
  for (const p of papers) {
    if (into.has(p.id)) issues.push(`${basename(file)}: "${p.title}" is already in the corpus; kept the first copy`);
    else into.set(p.id, p);
  }
}

export async function loadCorpus(corpusFile?: string): Promise<LoadedCorpus> {
  const issues: string[] = [];
  const byId = new Map<string, Paper>();
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
    merge(byId, res.papers, file, issues);
    if (byId.size === 0) throw new UsageError(`--corpus ${corpusFile}: no papers found${issues.length ? ` (${issues[0]})` : ''}`);
    const v = res.vectors;
    return {
      papers: [...byId.values()],
      issues,
      source: `${file} (${res.format})`,
      vectors: v,
    };
  }
  const dir = join(REPO_ROOT, 'seeds');
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.txt')).sort() : [];
  if (files.length === 0) throw new Error(`No seed files (*.txt) in ${dir}`);
  for (const f of files) {
    const file = join(dir, f);
    const res = parseSeed(readFileSync(file, 'utf8'), 'seed');
    for (const i of res.issues) issues.push(describe(file, i));
    merge(byId, res.papers, file, issues);
  }
  return { papers: [...byId.values()], issues, source: dir };
}
