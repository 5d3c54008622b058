/**
 * Node-only: reads a corpus file for the CLI (`--corpus FILE`). Any import format, or a bundle,
 * whose vectors are returned with their vector identity, so the CLI can skip embedding when it
 * matches the model in use (vectors/identity.ts).
 */
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { isBundle } from '../core/import/bundle.ts';
import type { VectorIdentity } from '../core/vectors/identity.ts';
import type { ParseIssue, Paper } from '../core/types.ts';
import { checkSize } from '../core/import/encoding.ts';
import { ImportError } from '../core/import/errors.ts';
import { parseImport, type ImportFormat, type ImportOptions, type ImportReport } from '../core/import/index.ts';
import { MAX_BUNDLE_BYTES, MAX_TEXT_BYTES } from '../core/import/limits.ts';

export interface CorpusVectors {
  identity: VectorIdentity;
  /** Only papers whose text still matches what was embedded. */
  byPaperId: Map<string, Float32Array>;
}

export interface CorpusFile {
  papers: Paper[];
  issues: ParseIssue[];
  format: ImportFormat;
  /** What the import did (the same report the browser preview shows). */
  report: ImportReport;
  vectors?: CorpusVectors;
}

/**
 * @throws ImportError for unreadable/oversized/invalid files (message names the file and limit),
 *   or the fs error (ENOENT …) when the file cannot be opened.
 */
export async function loadCorpusFile(path: string, opts: ImportOptions = {}): Promise<CorpusFile> {
  const name = basename(path);
  const { size } = await stat(path);
  // Peek at the magic first so an oversized text file is rejected without being read.
  const fh = await open(path, 'r');
  let bytes: Uint8Array;
  try {
    const head = new Uint8Array(8);
    await fh.read(head, 0, 8, 0);
    const bundle = isBundle(head);
    checkSize(name, size, bundle ? (opts.maxBundleBytes ?? MAX_BUNDLE_BYTES) : (opts.maxTextBytes ?? MAX_TEXT_BYTES));
    bytes = new Uint8Array(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(bytes, off, size - off, off);
      if (bytesRead === 0) break;
      off += bytesRead;
    }
    if (off !== size) throw new ImportError('bad-structure', `"${name}" changed while it was being read.`);
  } finally {
    await fh.close();
  }
  // The one import path (parse, in-file merge, report) that the browser preview uses too.
  const res = parseImport(name, bytes, opts);
  const b = res.bundle;
  return {
    papers: res.papers,
    issues: res.issues,
    format: res.format,
    report: res.report,
    vectors: b?.identity ? { identity: b.identity, byPaperId: b.vectors } : undefined,
  };
}
