/**
 * sha256 checks of model files. Uses WebCrypto (`globalThis.crypto.subtle`), which exists in
 * browsers, Web Workers and Node ≥ 19, so the same check runs everywhere model bytes are used.
 */
import { runtime } from './runtime.ts';

/** Thrown when bytes do not match their pinned sha256 (corrupt, truncated or substituted file). */
export class HashMismatchError extends Error {
  readonly file: string;
  readonly expected: string;
  readonly actual: string;
  constructor(file: string, expected: string, actual: string, bytes?: number) {
    super(
      `sha256 mismatch for ${file}: expected ${expected}, got ${actual}` +
        (bytes === undefined ? '' : ` (${bytes} bytes)`) +
        // The fix differs by who reads it: a developer (Node) re-fetches; a reader in a browser
        // cannot run commands, so they are told what they can do.
        (runtime.isNode
          ? '. The file is corrupt, truncated or not the pinned version; delete it and run `npm run fetch-model`.'
          : '. The downloaded copy is damaged or not the expected version; reload the page to fetch it again. If it keeps happening, the site serves a wrong file.'),
    );
    this.name = 'HashMismatchError';
    this.file = file;
    this.expected = expected;
    this.actual = actual;
  }
}

/** Lower-case hex sha256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const subtle = runtime.subtle;
  if (!subtle) throw new Error('WebCrypto (crypto.subtle) is unavailable: cannot verify model files (needs a secure context in browsers).');
  // digest() wants a BufferSource backed by an ArrayBuffer; a view over a SharedArrayBuffer is copied.
  const src = bytes instanceof Uint8Array && !(bytes.buffer instanceof ArrayBuffer) ? bytes.slice() : bytes;
  const digest = await subtle.digest('SHA-256', src as BufferSource);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Resolves when sha256(bytes) equals `expected` (case-insensitive); otherwise rejects with a
 * HashMismatchError naming `file`, the expected and the actual hash.
 */
export async function verifySha256(file: string, bytes: Uint8Array | ArrayBuffer, expected: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) throw new HashMismatchError(file, expected.toLowerCase(), actual, bytes.byteLength);
}
