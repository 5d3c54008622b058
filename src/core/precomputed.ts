/**
 * Vectors embedded at build time (scripts/precompute.ts) and shipped with the static site, so a first
 * visit is searchable without embedding the bundled corpus in the browser.
 * STUB: the static-site work replaces this body; the signature is the contract the worker uses.
 */
import type { Paper } from './types.ts';

export interface ShippedModelFacts {
  modelId: string;
  modelSha256: string;
  dtype: string;
}

export type ShippedResult =
  | { ok: true; vectors: Map<string, Float32Array>; hnsw?: Uint8Array }
  | { ok: false; reason: string };

/**
 * Fetches `${baseUrl}precomputed/manifest.json` and its binaries, checks model id, model sha256, dtype,
 * pooling, prefixes and each paper's text hash against `papers`, and returns only vectors that match.
 * Never throws: any problem is `{ok: false, reason}` and the caller embeds in the browser instead.
 */
export async function loadShippedVectors(
  _baseUrl: string,
  _model: ShippedModelFacts,
  _papers: Paper[],
): Promise<ShippedResult> {
  return { ok: false, reason: 'no precomputed vectors in this build' };
}
