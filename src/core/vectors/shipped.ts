/**
 * Vectors embedded at build time (scripts/precompute.ts) and shipped with the static site, so a first
 * visit is searchable without embedding the bundled corpus in the browser. Format: shipped-format.ts.
 *
 * Trust rule: shipped vectors are a cache, never an authority. They are used only when the manifest
 * describes exactly the model the worker loads (id, ONNX sha256, dtype, pooling, prefixes, dims, text
 * joining rule), the binary has the announced length and sha256, and per paper the id AND text hash
 * match. Any doubt → `{ok: false, reason}` (or the paper is simply left out) and the browser embeds.
 */
import { getModel, type Dtype, type Pooling } from '../model/registry.ts';
import { textHash } from '../library/ids.ts';
import { VECTOR_FORMAT } from './document-text.ts';
import type { Paper } from '../types.ts';
import {
  decodeVectors,
  manifestProblem,
  modelMismatch,
  sha256HexIfAvailable,
  type ShippedFile,
  type ShippedManifest,
  type ShippedModelInfo,
} from './shipped-format.ts';

/**
 * The model the caller is about to use. Only the first three are required; the others default to the
 * registry entry (model/registry.ts) for `modelId` — pass them when the model in use may differ from the registry.
 */
export interface ShippedModelFacts {
  modelId: string;
  /** sha256 of the ONNX file the worker loads (EmbeddingModel.modelHash, or the registry pin). */
  modelSha256: string;
  dtype: string;
  pooling?: Pooling;
  queryPrefix?: string;
  passagePrefix?: string;
  dims?: number;
}

export type ShippedResult =
  | {
      ok: true;
      /** paper id → L2-normalised vector, only for papers whose id and text hash matched. */
      vectors: Map<string, Float32Array>;
      /** hnswlib graph bytes; label i ↔ `hnswPaperIds[i]`. Only when every shipped row matched. */
      hnsw?: Uint8Array;
      hnswPaperIds?: string[];
      /** Papers given vs papers that got a shipped vector. */
      matched: number;
      total: number;
      /** How the binaries were checked: sha256 where WebCrypto exists (secure contexts), else length + norms. */
      integrity: 'sha256' | 'length+norm';
    }
  | { ok: false; reason: string };

export interface LoadShippedOptions {
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/**
 * Fetches `${baseUrl}precomputed/manifest.json` and its binaries, checks model id, model sha256, dtype,
 * pooling, prefixes and each paper's text hash against `papers`, and returns only vectors that match.
 * Never throws: any problem is `{ok: false, reason}` and the caller embeds in the browser instead.
 */
export async function loadShippedVectors(
  baseUrl: string,
  model: ShippedModelFacts,
  papers: Paper[],
  opts: LoadShippedOptions = {},
): Promise<ShippedResult> {
  try {
    return await load(baseUrl, model, papers, opts.fetch ?? globalThis.fetch.bind(globalThis));
  } catch (e) {
    return { ok: false, reason: `shipped vectors unusable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function expectedModel(f: ShippedModelFacts): ShippedModelInfo | string {
  let spec;
  try {
    spec = getModel(f.modelId);
  } catch {
    spec = undefined;
  }
  const pooling = f.pooling ?? spec?.pooling;
  const queryPrefix = f.queryPrefix ?? spec?.queryPrefix;
  const passagePrefix = f.passagePrefix ?? spec?.passagePrefix;
  const dims = f.dims ?? spec?.dims;
  if (pooling === undefined || queryPrefix === undefined || passagePrefix === undefined || dims === undefined)
    return `model ${f.modelId} is not in the registry and its pooling/prefixes/dims were not given`;
  return { id: f.modelId, sha256: f.modelSha256, dtype: f.dtype as Dtype, pooling, queryPrefix, passagePrefix, dims };
}

async function fetchBytes(fetchFn: typeof fetch, url: URL, entry: ShippedFile): Promise<Uint8Array | string> {
  const res = await fetchFn(url.href);
  if (!res.ok) return `${entry.file}: HTTP ${res.status}`;
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength !== entry.bytes) return `${entry.file} has ${bytes.byteLength} bytes, manifest says ${entry.bytes}`;
  return bytes;
}

async function load(baseUrl: string, facts: ShippedModelFacts, papers: Paper[], fetchFn: typeof fetch): Promise<ShippedResult> {
  const want = expectedModel(facts);
  if (typeof want === 'string') return { ok: false, reason: want };

  // Relative bases ("/atlas/") resolve against the worker's own location; tests pass absolute URLs.
  const here = (globalThis as { location?: { href: string } }).location?.href;
  const dir = new URL('precomputed/', new URL(baseUrl, here));
  const res = await fetchFn(new URL('manifest.json', dir).href);
  if (res.status === 404) return { ok: false, reason: 'this build ships no precomputed vectors (manifest.json: 404)' };
  if (!res.ok) return { ok: false, reason: `precomputed/manifest.json: HTTP ${res.status}` };
  let manifest: ShippedManifest;
  try {
    manifest = JSON.parse(await res.text());
  } catch {
    return { ok: false, reason: 'precomputed/manifest.json is not valid JSON' };
  }
  const problem = manifestProblem(manifest);
  if (problem) return { ok: false, reason: problem };
  if (manifest.vectorFormat !== VECTOR_FORMAT)
    return { ok: false, reason: `shipped vectors use text format ${manifest.vectorFormat}, this app uses ${VECTOR_FORMAT}` };

  const sameId = manifest.sets.filter((s) => s.model.id === want.id);
  if (sameId.length === 0)
    return { ok: false, reason: `no shipped vectors for model ${want.id} (shipped: ${manifest.sets.map((s) => s.model.id).join(', ') || 'none'})` };
  // Several sets for one id (e.g. q8 and fp32) are fine; report the mismatch of the closest one.
  const set = sameId.find((s) => !modelMismatch(s.model, want));
  if (!set) return { ok: false, reason: modelMismatch(sameId[0].model, want)! };

  const count = manifest.papers.length;
  const expectedBytes = count * want.dims * 4;
  if (set.vectors.bytes !== expectedBytes)
    return { ok: false, reason: `manifest announces ${set.vectors.bytes} vector bytes, ${count} rows × ${want.dims} dims need ${expectedBytes}` };

  const bytes = await fetchBytes(fetchFn, new URL(set.vectors.file, dir), set.vectors);
  if (typeof bytes === 'string') return { ok: false, reason: bytes };
  const digest = await sha256HexIfAvailable(bytes);
  if (digest !== undefined && digest !== set.vectors.sha256)
    return { ok: false, reason: `${set.vectors.file} sha256 ${digest} does not match the manifest (${set.vectors.sha256})` };
  const all = decodeVectors(bytes);

  // Norm check: rows are written normalised, so anything else means a writer bug or corruption that
  // slipped past a missing sha256 (insecure contexts have no WebCrypto).
  for (let r = 0; r < count; r++) {
    let n = 0;
    for (let j = r * want.dims; j < (r + 1) * want.dims; j++) n += all[j] * all[j];
    if (!(Math.abs(n - 1) < 1e-3)) return { ok: false, reason: `shipped vector row ${r} is not unit length (|v|²=${n})` };
  }

  const rowById = new Map<string, number>();
  manifest.papers.forEach((p, i) => rowById.set(p.id, i));
  const vectors = new Map<string, Float32Array>();
  for (const p of papers) {
    const row = rowById.get(p.id);
    if (row === undefined || manifest.papers[row].textHash !== textHash(p.title, p.abstract)) continue;
    vectors.set(p.id, all.slice(row * want.dims, (row + 1) * want.dims));
  }
  if (vectors.size === 0)
    return { ok: false, reason: `none of the ${papers.length} papers matches a shipped vector (ids or texts changed)` };

  const result: ShippedResult = {
    ok: true,
    vectors,
    matched: vectors.size,
    total: papers.length,
    integrity: digest === undefined ? 'length+norm' : 'sha256',
  };
  // The graph holds every shipped row: usable only if all of them are current and present.
  if (set.hnsw && vectors.size === count) {
    const g = await fetchBytes(fetchFn, new URL(set.hnsw.file, dir), set.hnsw);
    const gDigest = typeof g === 'string' ? undefined : await sha256HexIfAvailable(g);
    if (typeof g !== 'string' && (gDigest === undefined || gDigest === set.hnsw.sha256)) {
      result.hnsw = g;
      result.hnswPaperIds = manifest.papers.map((p) => p.id);
    }
  }
  return result;
}
