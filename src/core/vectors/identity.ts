/**
 * The one rule for "may this stored vector be reused?": a vector is only ever used by code whose
 * model would produce the very same vector for the same text. Everything that decides it — the
 * weights' bytes, the dtype they run at, how token states are pooled, the prefixes, the dimension and
 * the rule that turns a paper into text — is one {@link VectorIdentity}, and every place that stores,
 * ships, bundles, caches or reuses vectors asks this module (IndexedDB keys, the Node vector cache,
 * the shipped manifest, `.atlas` bundles, the CLI, the build's precompute step).
 *
 * Invariant: two identities with the same {@link vectorKey} describe the same function text → vector;
 * any field that could change a vector is part of the key. A vector made under another identity is
 * never used, it is re-made.
 */
import { fnv1a64 } from '../library/ids.ts';
import type { Dtype, ModelSpec } from '../model/registry.ts';
import { VECTOR_FORMAT } from './document-text.ts';

export interface VectorIdentity {
  /** Registry id of the model ("Xenova/bge-small-en-v1.5", or a static model's id). */
  model: string;
  /** sha256 of the weights file that ran (the ONNX file, or a static model's token table). */
  weights: string;
  /** Precision the weights ran at ('q8', 'fp32', or a static table's storage type). */
  dtype: string;
  /** How a text's token states become one vector ('cls', 'mean', 'static'). */
  pooling: string;
  queryPrefix: string;
  passagePrefix: string;
  dims: number;
  /** VECTOR_FORMAT of vectors/document-text.ts: how a paper became the embedded text. */
  textFormat: number;
}

/** Storage key of an identity. Stable across releases: it is written into IndexedDB and onto disk. */
export type VectorKey = string;

const FIELDS: readonly (keyof VectorIdentity)[] = ['model', 'weights', 'dtype', 'pooling', 'queryPrefix', 'passagePrefix', 'dims', 'textFormat'];

/**
 * `<model>@<weights sha256>/<dtype>/<pooling>/d<dims>/f<textFormat>/p<hash of the prefixes>`: readable
 * in a database viewer, and no two identities that differ in any field share it.
 */
export function vectorKey(id: VectorIdentity): VectorKey {
  const prefixes = fnv1a64(`${id.queryPrefix}\u0000${id.passagePrefix}`);
  return `${id.model}@${id.weights}/${id.dtype}/${id.pooling}/d${id.dims}/f${id.textFormat}/p${prefixes}`;
}

/**
 * The first field in which `got` (read from storage, a manifest or a file, so untrusted and possibly
 * partial) differs from `want`, as a sentence; undefined when every field is equal.
 */
export function identityMismatch(got: Partial<VectorIdentity> | undefined, want: VectorIdentity): string | undefined {
  if (!got || typeof got !== 'object') return 'the vectors carry no description of the model that made them';
  for (const k of FIELDS) {
    const a = got[k];
    const b = want[k];
    const same = k === 'weights' && typeof a === 'string' ? a.toLowerCase() === String(b).toLowerCase() : a === b;
    if (!same) return `the vectors were made with ${k}=${JSON.stringify(a)}, the model in use has ${JSON.stringify(b)}`;
  }
  return undefined;
}

export function sameIdentity(a: Partial<VectorIdentity> | undefined, b: VectorIdentity): boolean {
  return identityMismatch(a, b) === undefined;
}

/** Identity of a registry transformer model run at `dtype` under today's text rule. */
export function transformerIdentity(spec: ModelSpec, dtype: Dtype): VectorIdentity {
  const file = spec.onnx[dtype];
  if (!file) throw new Error(`Model ${spec.id} has no ${dtype} ONNX file in the registry`);
  return {
    model: spec.id,
    weights: file.sha256,
    dtype,
    pooling: spec.pooling,
    queryPrefix: spec.queryPrefix,
    passagePrefix: spec.passagePrefix,
    dims: spec.dims,
    textFormat: VECTOR_FORMAT,
  };
}

/** Only the fields of an identity, in a fixed order (for manifests, bundle headers, JSON output). */
export function identityFields(id: VectorIdentity): VectorIdentity {
  const out = {} as Record<string, unknown>;
  for (const k of FIELDS) out[k] = id[k];
  return out as unknown as VectorIdentity;
}
