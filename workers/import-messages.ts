/**
 * Messages between the engine worker and the short-lived import worker (workers/import.worker.ts).
 * Internal to the engine side: the UI still talks to the engine only through src/protocol.ts.
 * Kept free of parser imports so the import worker can start before the parsers are loaded.
 */
import type { ImportPreview } from '../src/core/engine/api.ts';
import type { Paper } from '../src/core/types.ts';
import type { VectorIdentity } from '../src/core/vectors/identity.ts';
import type { VectorRow } from '../src/core/vectors/reconcile.ts';

/**
 * What findDuplicates needs to know about a stored paper: the identity fields (DOI, title, first
 * author, year — see src/core/import/dedupe.ts). Abstracts are left out: they are most of a
 * library's bytes and play no part in duplicate detection. Only the first author is needed.
 */
export type DedupeRef = Pick<Paper, 'id' | 'title' | 'doi' | 'collection' | 'authors' | 'year'>;

export interface ImportJob {
  fileName: string;
  data: Uint8Array | string;
  existing: DedupeRef[];
}

/** The preview minus what only the engine knows (token, whether a bundle matches the loaded model). */
export interface ImportJobResult {
  format: string;
  fileName: string;
  papers: Paper[];
  issues: ImportPreview['issues'];
  duplicates: ImportPreview['duplicates'];
  report: NonNullable<ImportPreview['report']>;
  /** Set for bundles: header facts and the usable vectors (already checked against each paper's text hash). */
  bundle?: {
    collection: string;
    /** Identity of the bundle's vectors (absent: papers only, or vectors unusable). */
    identity?: VectorIdentity;
    vectors: Map<string, VectorRow>;
    /** Papers that were on the exporter's reading list (starred again when imported). */
    starred: string[];
  };
}

/** Thin shape of a thrown error that crosses the worker boundary (class instances do not). */
export interface SerializedError {
  name: string;
  message: string;
  /** ImportError's machine-readable code. */
  code?: string;
  stack?: string;
}

export type ImportJobReply = { ok: true; result: ImportJobResult } | { ok: false; error: SerializedError };

export function serializeError(e: unknown): SerializedError {
  const err = e as Error & { code?: unknown };
  return {
    name: typeof err?.name === 'string' ? err.name : 'Error',
    message: typeof err?.message === 'string' ? err.message : String(e),
    code: typeof err?.code === 'string' ? err.code : undefined,
    stack: typeof err?.stack === 'string' ? err.stack : undefined,
  };
}

