/**
 * The text hash of a paper object, memoised. status() runs every few batches over every paper,
 * so hashing each title + abstract anew would cost O(corpus text) per progress tick; a reload of
 * 100k papers would hash ~170 MB of text once more to check stored vectors and the keyword snapshot.
 *
 * Invariant: the memo of `p` is always textHash(p.title, p.abstract). Papers are replaced, never
 * mutated, so object identity is a safe key; `rememberTextHash` is only for a store handing back
 * the hash it saved beside the very record it read (browser/idb-packs.ts).
 */
import type { Paper } from '../types.ts';
import { textHash } from './ids.ts';

const paperHashes = new WeakMap<Paper, string>();

export function paperTextHash(p: Paper): string {
  let h = paperHashes.get(p);
  if (h === undefined) paperHashes.set(p, (h = textHash(p.title, p.abstract)));
  return h;
}

/** Records `hash` as the text hash of `p` (see the invariant above: a stored twin of its text). */
export function rememberTextHash(p: Paper, hash: string): void {
  paperHashes.set(p, hash);
}
