/**
 * `inspect <file>`: what an import of the file would do, without importing — the same parse,
 * merge and report (src/core/import) as the browser's import preview, so both show the same
 * numbers. Text output lists TEXT_LIST items per section unless --all; --json lists everything.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { FORMAT_NAMES, type ImportFormat } from '../core/import/index.ts';
import { placeText, summaryLine, type ImportReport } from '../core/import/report.ts';
import { UsageError } from './args.ts';

/** Items per section in text output without --all. */
export const TEXT_LIST = 20;

/** The JSON shape of `inspect --json` (keys documented in the CLI help). */
export function inspectJson(file: string, r: ImportReport) {
  return {
    file: basename(file),
    format: r.format,
    entries: r.counts.entries,
    papers: r.counts.papers,
    withoutAbstract: r.counts.withoutAbstract,
    merged: r.merged.map((m) => ({
      entry: m.place.entry,
      line: m.place.line,
      key: m.place.label,
      title: m.title,
      into: m.into,
      intoEntry: m.intoPlace.entry,
      intoLine: m.intoPlace.line,
      intoTitle: m.intoTitle,
      reason: m.reason,
      message: m.message,
    })),
    skipped: r.skipped,
    sameTitle: r.sameTitle,
    issues: r.issues,
  };
}

/** Terminal output of untrusted text: drop control characters so a title cannot inject escape codes. */
function plain(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]+/g, ' ');
}

export function inspectText(file: string, r: ImportReport, all: boolean): string {
  const name = FORMAT_NAMES[r.format as ImportFormat] ?? r.format;
  const out = [`${basename(file)} (${name}): ${summaryLine(r.counts)}`];
  const section = (title: string, lines: string[], total: number) => {
    if (!total) return;
    out.push('', `${title} (${total}):`);
    const shown = all ? lines : lines.slice(0, TEXT_LIST);
    for (const l of shown) out.push(`  ${plain(l)}`);
    if (total > shown.length) out.push(`  … and ${total - shown.length} more: --all to list them`);
  };
  section('Merged', r.merged.map((m) => m.message), r.counts.merged);
  section('Skipped', r.skipped.map((s) => s.message), r.counts.skipped);
  section('Same title, kept apart', r.sameTitle.map((s) => s.message), r.sameTitle.length);
  section(
    'Other issues',
    r.issues.map((i) => `${placeText(i) ? `${placeText(i)}: ` : ''}${i.message}${i.excerpt ? ` — ${JSON.stringify(i.excerpt)}` : ''}`),
    r.issues.length,
  );
  return out.join('\n') + '\n';
}

/** Reads the file through the Node import path. @throws UsageError for a missing/unreadable file. */
export async function inspectFile(path: string): Promise<ImportReport> {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`inspect: no such file: ${path}`);
  const { loadCorpusFile } = await import('../node/import-file.ts');
  const { ImportError } = await import('../core/import/errors.ts');
  try {
    return (await loadCorpusFile(file, { collection: basename(file), allIssues: true })).report;
  } catch (e) {
    if (e instanceof ImportError) throw new UsageError(`inspect ${path}: ${e.message}`);
    throw e;
  }
}
