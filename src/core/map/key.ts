/**
 * Persistence key of a map: which vectors it was made from and which papers it shows. A stored
 * layout is used only under an equal key; anything else means "lay out again" (or place the new
 * papers, see place.ts), never "show a stale map".
 *
 * key = map/v{LAYOUT_VERSION}/{vector identity}/{hash of the sorted paper rows}
 * - vector identity: passed in by the caller (e.g. store.ts's modelKey, `${modelId}@${onnx sha256}`),
 *   so a different model or model file gives a different key;
 * - paper rows: `${id}:${textHash}` sorted, so the key ignores order but changes when a paper is
 *   added, removed or its text edited (paper ids come from titles only: library/ids.ts);
 * - LAYOUT_VERSION: changes when layout.ts's algorithm or parameters change.
 */
import { fnv1a64 } from '../library/ids.ts';
import { LAYOUT_VERSION } from './layout.ts';

export interface MapPaperRow {
  id: string;
  /** library/ids.ts textHash(title, abstract): the text the vector was made from. */
  textHash: string;
}

/** Order-independent hash of the paper set (64-bit FNV-1a over the sorted rows). */
export function paperSetHash(rows: readonly MapPaperRow[]): string {
  const keys = rows.map((r) => `${r.id}:${r.textHash}`).sort();
  return fnv1a64(keys.join('\n'));
}

export function mapKey(vectorIdentity: string, rows: readonly MapPaperRow[]): string {
  if (!vectorIdentity) throw new Error('mapKey: empty vector identity');
  return `map/v${LAYOUT_VERSION}/${vectorIdentity}/${paperSetHash(rows)}`;
}
