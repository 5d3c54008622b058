/**
 * One import preview's CPU-heavy part, as a pure function of its input: decode + parse the file
 * (parseImport, or readBundle for `.atlas` bundles) and find duplicates against the stored papers.
 * It runs inside the short-lived import worker (workers/import.worker.ts), so the engine worker
 * keeps answering searches while a 10k-entry BibTeX file is parsed; it is also the fallback when
 * a nested worker cannot be created. Everything in and out survives structured cloning.
 *
 * Failure modes: whole-file problems throw `ImportError` (src/core/import/errors.ts) exactly as
 * parseImport does; per-entry problems come back as `issues`.
 */
import { parseImport, findDuplicates } from '../src/core/import/index.ts';
import { textHash } from '../src/core/library/ids.ts';
import type { VectorRow } from '../src/core/vectors/reconcile.ts';
import type { ImportPreview } from '../src/core/engine/api.ts';
import type { Paper } from '../src/core/types.ts';
import type { DedupeRef, ImportJob, ImportJobResult } from './import-messages.ts';

function duplicatesOf(existing: DedupeRef[], incoming: Paper[]): ImportPreview['duplicates'] {
  // Full Paper objects are not needed: findDuplicates reads the identity fields and collection only.
  return findDuplicates<DedupeRef>(existing, incoming).map((d) => ({ incomingId: d.paper.id, existingId: d.of.id, reason: d.message ?? d.reason }));
}

/**
 * Parses one file for the import preview — the same parseImport (parse, in-file merge, report)
 * that the CLI's `inspect` and `--corpus` use. @throws ImportError for whole-file failures.
 */
export function runImportJob(job: ImportJob): ImportJobResult {
  const { fileName, data, existing } = job;
  const res = parseImport(fileName, data);
  const b = res.bundle;
  if (b) {
    const vectors = new Map<string, VectorRow>();
    for (const p of res.papers) {
      const v = b.vectors.get(p.id);
      if (v) vectors.set(p.id, { paperId: p.id, textHash: textHash(p.title, p.abstract), vector: v });
    }
    return {
      format: 'bundle',
      fileName,
      papers: res.papers,
      issues: res.issues,
      duplicates: duplicatesOf(existing, res.papers),
      report: res.report,
      bundle: { collection: b.header.collection, identity: b.identity, vectors, starred: b.starred },
    };
  }
  return { format: res.format, fileName, papers: res.papers, issues: res.issues, duplicates: duplicatesOf(existing, res.papers), report: res.report };
}
