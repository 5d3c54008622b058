/**
 * Vectors embedded at build time (scripts/precompute.ts) and shipped with the static site, so a first
 * visit is searchable without embedding the bundled corpus in the browser. Format: shipped-format.ts.
 *
 * Trust rule: shipped vectors are a cache, never an authority. They are used only when a set's
 * vector identity equals the model the worker loads (vectors/identity.ts: weights, dtype, pooling,
 * prefixes, dims, text rule), the binary has the announced length and sha256, and per paper the id
 * AND text hash match. Any doubt → `{ok: false, reason}` (or the paper is left out) and the browser embeds.
 */
import { textHash } from '../library/ids.ts';
import { runtime } from '../util/runtime.ts';
import type { Paper } from '../types.ts';
import { identityMismatch, type VectorIdentity } from './identity.ts';
import { decodeVectors, manifestProblem, sha256HexIfAvailable, type ShippedFile, type ShippedManifest } from './shipped-format.ts';

export type ShippedResult =
  | {
      ok: true;
      /** paper id → L2-normalised vector, only for papers whose id and text hash matched. */
      vectors: Map<string, Float32Array>;
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
 * Fetches `${baseUrl}precomputed/manifest.json` and its binary, checks the set's vector identity
 * against `identity` and each paper's text hash against `papers`, and returns only vectors that match.
 * Never throws: any problem is `{ok: false, reason}` and the caller embeds in the browser instead.
 */
export async function loadShippedVectors(
  baseUrl: string,
  identity: VectorIdentity,
  papers: Paper[],
  opts: LoadShippedOptions = {},
): Promise<ShippedResult> {
  try {
    return await load(baseUrl, identity, papers, opts.fetch ?? globalThis.fetch.bind(globalThis));
  } catch (e) {
    return { ok: false, reason: `shipped vectors unusable: ${e instanceof Error ? e.message : String(e)}` };
  }
}

async function fetchBytes(fetchFn: typeof fetch, url: URL, entry: ShippedFile): Promise<Uint8Array | string> {
  const res = await fetchFn(url.href);
  if (!res.ok) return `${entry.file}: HTTP ${res.status}`;
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (bytes.byteLength !== entry.bytes) return `${entry.file} has ${bytes.byteLength} bytes, manifest says ${entry.bytes}`;
  return bytes;
}

async function load(baseUrl: string, want: VectorIdentity, papers: Paper[], fetchFn: typeof fetch): Promise<ShippedResult> {
  // Relative bases ("/atlas/") resolve against the worker's own location; tests pass absolute URLs.
  const dir = new URL('precomputed/', new URL(baseUrl, runtime.href));
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

  const sameModel = manifest.sets.filter((s) => s.identity.model === want.model);
  if (sameModel.length === 0)
    return { ok: false, reason: `no shipped vectors for model ${want.model} (shipped: ${manifest.sets.map((s) => s.identity.model).join(', ') || 'none'})` };
  // Several sets for one model (e.g. q8 and fp32) are fine; report the mismatch of the closest one.
  const set = sameModel.find((s) => !identityMismatch(s.identity, want));
  if (!set) return { ok: false, reason: `shipped vectors do not fit: ${identityMismatch(sameModel[0].identity, want)}` };

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
  if (vectors.size === 0) return { ok: false, reason: `none of the ${papers.length} papers matches a shipped vector (ids or texts changed)` };
  return { ok: true, vectors, matched: vectors.size, total: papers.length, integrity: digest === undefined ? 'length+norm' : 'sha256' };
}
