/**
 * "Will this import fit?" (issue 15 #4): the bytes an import is expected to add to IndexedDB, and the
 * check against `navigator.storage.estimate()` done BEFORE anything is written, so an import that
 * cannot fit is refused with a clear message instead of failing half-way (papers saved, vectors not).
 *
 * The estimate is deliberately on the high side: paper records are counted at their JSON length
 * (Chromium's serialiser stores Latin-1 text at 1 byte per character and compresses the database
 * files with Snappy, so the real cost is lower — measured in `npm run bench -- --only=storage`), and
 * each vector space at its int8 chunk size (dims + 4 bytes per paper, vector-chunks.ts) plus ids and
 * hashes. `estimate()` itself is approximate (browsers pad it), hence the FIT_SHARE margin.
 */
import type { Paper } from '../types.ts';
import { codecBytes } from '../vectors/quantize.ts';

/** What `navigator.storage.estimate()` returns (both may be missing on some browsers). */
export interface StorageEstimateLike {
  usage?: number;
  quota?: number;
}

/** Only this share of the free space is planned for (estimate() is padded and other writes happen). */
export const FIT_SHARE = 0.9;
/** Per paper record: keys, structure and index entries beyond the JSON text. */
const RECORD_OVERHEAD = 64;
/** Per vector in a chunk beyond the codes: its paper id and text hash strings. */
const VECTOR_ID_BYTES = 48;

/** Bytes an import of `papers` may add: the records plus one int8 vector per paper in each space. */
export function importBytes(papers: readonly Paper[], spaceDims: readonly number[]): number {
  let text = 0;
  for (const p of papers) text += JSON.stringify(p).length + RECORD_OVERHEAD;
  const perVector = spaceDims.reduce((a, d) => a + codecBytes('int8', d) + VECTOR_ID_BYTES, 0);
  return text + papers.length * perVector;
}

const mb = (b: number) => `${(b / 1e6).toFixed(b < 1e7 ? 1 : 0)} MB`;

/**
 * The message refusing an import of `need` bytes, or undefined when it fits (or the browser gives no
 * quota, in which case the write itself reports a full disk).
 */
export function quotaProblem(need: number, est: StorageEstimateLike | undefined, papers: number): string | undefined {
  if (!est || typeof est.quota !== 'number' || !(est.quota > 0)) return undefined;
  const used = typeof est.usage === 'number' && est.usage > 0 ? est.usage : 0;
  const free = Math.max(0, est.quota - used);
  if (need <= free * FIT_SHARE) return undefined;
  return (
    `These ${papers} paper(s) need about ${mb(need)} of browser storage, but only ${mb(free)} is free for this site ` +
    `(${mb(used)} used of ${mb(est.quota)}). Nothing was imported and nothing stored was changed. ` +
    'Free space on this device or delete a collection, or import fewer papers.'
  );
}
