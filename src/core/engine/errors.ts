/**
 * Every error code the engine can answer with, in one table (after orama's errors.ts): the UI branches
 * on the code, people read the message. Adding a code is one line here; the compiler then checks
 * every `new AtlasError(code, …)` and every switch over `ErrorCode`.
 *
 * Classification is by class (`instanceof`), never by comparing class-name strings, except for the
 * two errors the platform itself defines by name (DOMException 'QuotaExceededError' and 'AbortError'),
 * which `isQuotaError` / `isAbortError` recognise in one place.
 */
import { ImportError } from '../import/errors.ts';
import { isAbortError } from '../util/abort.ts';

export { abortError, isAbortError } from '../util/abort.ts';

/** Code → what it means (documentation, and the fallback message when none is given). */
export const ERROR_CODES = {
  'bad-request': 'The request was malformed or is not allowed.',
  'not-ready': 'The engine is not ready for this yet.',
  'model-load-failed': 'The embedding model could not be loaded.',
  'embed-failed': 'Embedding failed.',
  cancelled: 'Cancelled.',
  'quota-exceeded': 'Browser storage is full.',
  'storage-failed': 'Browser storage failed.',
  'import-failed': 'The file could not be imported.',
  'bundle-invalid': 'The bundle is not valid.',
  'not-found': 'Not found.',
  busy: 'The engine is busy.',
  internal: 'An unexpected error happened in the engine.',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A failure as the UI receives it: `message` is for people; `detail` is for bug reports. */
export interface EngineError {
  code: ErrorCode;
  message: string;
  detail?: string;
}

/** An error the engine raises on purpose, with a code from the table. */
export class AtlasError extends Error implements EngineError {
  readonly code: ErrorCode;
  readonly detail?: string;
  constructor(code: ErrorCode, message: string = ERROR_CODES[code], detail?: string) {
    super(message);
    this.name = 'AtlasError';
    this.code = code;
    this.detail = detail;
  }
}

/** The platform's "storage is full" (IndexedDB, Cache Storage), however it is wrapped. */
export function isQuotaError(e: unknown): boolean {
  const err = e as { name?: unknown; message?: unknown } | null;
  return !!err && (err.name === 'QuotaExceededError' || (typeof err.message === 'string' && /quota/i.test(err.message)));
}


/** Turns anything thrown into the protocol's structured error. */
export function toEngineError(e: unknown): EngineError {
  if (e instanceof AtlasError) return { code: e.code, message: e.message, detail: e.detail };
  if (e instanceof ImportError) return { code: 'import-failed', message: e.message, detail: e.code };
  if (isQuotaError(e)) return { code: 'quota-exceeded', message: ERROR_CODES['quota-exceeded'], detail: (e as Error).message };
  if (isAbortError(e)) return { code: 'cancelled', message: ERROR_CODES.cancelled };
  const err = e as Error;
  return { code: 'internal', message: err?.message ?? String(e), detail: err?.stack };
}
