/**
 * Thrown only when a whole file cannot be imported (too large, binary, empty, no usable structure).
 * Problems with single entries are returned as `ParseIssue`s instead, so the valid rest of a partly
 * bad file can still be offered. `message` is written for the end user.
 */
export class ImportError extends Error {
  /** Machine-readable reason, for UI styling and tests. */
  readonly code: ImportErrorCode;
  constructor(code: ImportErrorCode, message: string) {
    super(message);
    this.name = 'ImportError';
    this.code = code;
  }
}

export type ImportErrorCode =
  | 'too-large'
  | 'empty'
  | 'binary'
  | 'no-entries'
  | 'bad-structure'
  | 'bad-bundle'
  | 'newer-schema';
