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
import { isBundle, readBundle } from '../src/core/import/bundle.ts';
import { textHash } from '../src/core/library/ids.ts';
import type { VectorRow } from '../src/core/vectors/reconcile.ts';
import type { ImportPreview } from '../src/core/engine/api.ts';
import type { Paper } from '../src/core/types.ts';
import type { DedupeRef, ImportJob, ImportJobResult } from './import-messages.ts';

function duplicatesOf(existing: DedupeRef[], incoming: Paper[]): ImportPreview['duplicates'] {
  // Full Paper objects are not needed: findDuplicates reads id, title, doi and collection only.
  const refs: Paper[] = existing.map((p) => ({ ...p, abstract: '' }));
  return findDuplicates(refs, incoming).map((d) => ({ incomingId: d.paper.id, existingId: d.of.id, reason: d.message ?? d.reason }));
}

/** Parses one file for the import preview. @throws ImportError for whole-file failures. */
export function runImportJob(job: ImportJob): ImportJobResult {
  const { fileName, data, existing } = job;
  if (data instanceof Uint8Array && isBundle(data)) {
    const b = readBundle(data);
    const vectors = new Map<string, VectorRow>();
    for (const p of b.papers) {
      const v = b.vectors.get(p.id);
      if (v) vectors.set(p.id, { paperId: p.id, textHash: textHash(p.title, p.abstract), vector: v });
    }
    return {
      format: 'bundle',
      fileName,
      papers: b.papers,
      issues: b.issues,
      duplicates: duplicatesOf(existing, b.papers),
      bundle: { collection: b.header.collection, identity: b.identity, vectors },
    };
  }
  const res = parseImport(fileName, data);
  return { format: res.format, fileName, papers: res.papers, issues: res.issues, duplicates: duplicatesOf(existing, res.papers) };
}
