/**
 * Synchronous, dependency-free hashing that gives the same answer in Node and in a worker.
 * Not cryptographic: used for ids and cache keys. Model files are checked with real sha256
 * (see util/sha256.ts), never with this.
 */

/** 64-bit FNV-1a over the UTF-16 code units of `s`, as 16 hex chars. */
export function fnv1a64(s: string): string {
  // Two 32-bit halves because JS bit ops are 32-bit; BigInt would be ~20x slower here.
  let h1 = 0x84222325;
  let h2 = 0xcbf29ce4;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 ^= c;
    // multiply by FNV prime 0x100000001b3 split over the two halves
    const lo = h1 * 0x1b3;
    const hi = h2 * 0x1b3 + h1 * 0x100 + Math.floor(lo / 0x100000000);
    h1 = lo >>> 0;
    h2 = hi >>> 0;
  }
  return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
}

/** Lower-case, strip accents/punctuation, collapse spaces: the form used for ids and duplicate detection. */
export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Stable paper id: derived from the normalised title, so re-importing the same paper gives the same id. */
export function paperId(title: string): string {
  return 'p' + fnv1a64(normalizeTitle(title));
}

/** Hash of the text that is embedded: a vector is reused only while this is unchanged. */
export function textHash(title: string, abstract: string): string {
  return fnv1a64(title + '\u0000' + abstract);
}
