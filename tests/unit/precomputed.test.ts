/**
 * loadShippedVectors: shipped vectors are used only when everything about them matches, and every
 * failure is a reason, never an exception. Files are produced with the same writer the build uses
 * (makeShippedSet), served by an in-memory fetch.
 */
import { describe, expect, it } from 'vitest';
import { loadShippedVectors } from '../../src/core/vectors/shipped.ts';
import { transformerIdentity, type VectorIdentity } from '../../src/core/vectors/identity.ts';
import {
  makeShippedSet,
  SHIPPED_FORMAT,
  SHIPPED_VERSION,
  decodeVectors,
  encodeVectors,
  type ShippedManifest,
} from '../../src/core/vectors/shipped-format.ts';
import { getModel, DEFAULT_MODEL_ID } from '../../src/core/model/registry.ts';
import { paperId, textHash } from '../../src/core/library/ids.ts';
import { VECTOR_FORMAT } from '../../src/core/vectors/document-text.ts';
import type { Paper } from '../../src/core/types.ts';

const spec = getModel(DEFAULT_MODEL_ID);
const DIMS = spec.dims;
const BASE = 'http://site.test/atlas/';

function paper(title: string, abstract: string): Paper {
  return { id: paperId(title), title, abstract, collection: 'seed' };
}

const papers = [
  paper('Sparse attention for long documents', 'We study sparse attention. It scales.'),
  paper('Contrastive pretraining of sentence encoders', 'Sentence encoders learn from pairs.'),
  paper('Graph neural networks for molecules', 'Molecules are graphs. We predict properties.'),
];

/** Deterministic unit vectors, distinct per row. */
function unitRows(n: number): Float32Array {
  const v = new Float32Array(n * DIMS);
  for (let r = 0; r < n; r++) {
    let norm = 0;
    for (let j = 0; j < DIMS; j++) {
      const x = Math.sin((r + 1) * (j + 1) * 0.37);
      v[r * DIMS + j] = x;
      norm += x * x;
    }
    for (let j = 0; j < DIMS; j++) v[r * DIMS + j] /= Math.sqrt(norm);
  }
  return v;
}

const facts: VectorIdentity = transformerIdentity(spec, 'q8');

async function site(opts: { mutate?: (m: ShippedManifest, files: Map<string, Uint8Array>) => void } = {}) {
  const vectors = unitRows(papers.length);
  const { set, files } = await makeShippedSet(papers.length, { identity: facts, vectors });
  const manifest: ShippedManifest = {
    format: SHIPPED_FORMAT,
    version: SHIPPED_VERSION,
    papers: papers.map((p) => ({ id: p.id, textHash: textHash(p.title, p.abstract) })),
    sets: [set],
  };
  opts.mutate?.(manifest, files);
  const requested: string[] = [];
  const fetchFn = (async (url: string) => {
    requested.push(url);
    const name = url.slice((BASE + 'precomputed/').length);
    if (name === 'manifest.json') return new Response(JSON.stringify(manifest));
    const body = files.get(name);
    return body ? new Response(body as Uint8Array<ArrayBuffer>) : new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { vectors, manifest, files, fetchFn, requested };
}

describe('shipped vector binary format', () => {
  it('round-trips Float32 rows through little-endian bytes', () => {
    const v = unitRows(2);
    const bytes = encodeVectors(v);
    expect(bytes.byteLength).toBe(v.byteLength);
    // little-endian: the first float's lowest byte comes first
    expect(new DataView(bytes.buffer, bytes.byteOffset).getFloat32(0, true)).toBe(v[0]);
    expect(decodeVectors(bytes)).toEqual(v);
  });

  it('names files by model and content hash', async () => {
    const { manifest } = await site();
    expect(manifest.sets[0].vectors.file).toMatch(/^vectors\.Xenova--bge-small-en-v1\.5\.q8\.[0-9a-f]{12}\.bin$/);
    expect(manifest.sets[0].vectors.bytes).toBe(papers.length * DIMS * 4);
  });
});

describe('loadShippedVectors', () => {
  it('returns the vectors of every matching paper, checked by sha256', async () => {
    const { vectors, fetchFn, requested } = await site();
    const r = await loadShippedVectors(BASE, facts, papers, { fetch: fetchFn });
    if (!r.ok) throw new Error(r.reason);
    expect(r.matched).toBe(3);
    expect(r.total).toBe(3);
    expect(r.integrity).toBe('sha256');
    expect([...r.vectors.keys()].sort()).toEqual(papers.map((p) => p.id).sort());
    expect(r.vectors.get(papers[1].id)).toEqual(vectors.slice(DIMS, 2 * DIMS));
    expect(requested[0]).toBe(BASE + 'precomputed/manifest.json');
  });

  it('leaves out a paper whose text changed, and keeps the others', async () => {
    const { fetchFn } = await site();
    const edited = [papers[0], { ...papers[1], abstract: papers[1].abstract + ' Revised.' }, papers[2]];
    const r = await loadShippedVectors(BASE, facts, edited, { fetch: fetchFn });
    if (!r.ok) throw new Error(r.reason);
    expect(r.matched).toBe(2);
    expect(r.vectors.has(papers[1].id)).toBe(false);
  });

  it('refuses when no paper matches', async () => {
    const { fetchFn } = await site();
    const r = await loadShippedVectors(BASE, facts, [paper('Unrelated', 'Nothing shipped.')], { fetch: fetchFn });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('none of the 1 papers') });
  });

  it.each([
    ['weights sha256', { weights: 'f'.repeat(64) }, /weights=/],
    ['dtype', { dtype: 'fp32' }, /dtype=/],
    ['query prefix', { queryPrefix: 'query: ' }, /queryPrefix=/],
    ['passage prefix', { passagePrefix: 'passage: ' }, /passagePrefix=/],
    ['pooling', { pooling: 'mean' as const }, /pooling=/],
    ['dims', { dims: 768 }, /dims=/],
    ['text joining rule (VECTOR_FORMAT)', { textFormat: VECTOR_FORMAT + 1 }, /textFormat=/],
  ])('refuses a different %s', async (_name, change, reason) => {
    const { fetchFn } = await site();
    const r = await loadShippedVectors(BASE, { ...facts, ...change }, papers, { fetch: fetchFn });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('refuses a different model id', async () => {
    const { fetchFn } = await site();
    const other = getModel('Xenova/all-MiniLM-L6-v2');
    const r = await loadShippedVectors(BASE, transformerIdentity(other, 'q8'), papers, { fetch: fetchFn });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('no shipped vectors for model Xenova/all-MiniLM-L6-v2') });
  });

  it('refuses a binary whose bytes do not match the manifest sha256', async () => {
    const { fetchFn } = await site({
      mutate: (_m, files) => {
        const [name, bytes] = [...files][0];
        const copy = bytes.slice();
        copy[100] ^= 0x01; // one flipped bit in the mantissa of one float: still a plausible vector
        files.set(name, copy);
      },
    });
    const r = await loadShippedVectors(BASE, facts, papers, { fetch: fetchFn });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/sha256 [0-9a-f]{64} does not match the manifest/);
  });

  it('refuses a truncated binary', async () => {
    const { fetchFn } = await site({
      mutate: (_m, files) => {
        const [name, bytes] = [...files][0];
        files.set(name, bytes.slice(0, bytes.byteLength - 4));
      },
    });
    const r = await loadShippedVectors(BASE, facts, papers, { fetch: fetchFn });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/has \d+ bytes, manifest says \d+/);
  });

  it('refuses a manifest whose byte count does not fit rows × dims', async () => {
    const { fetchFn } = await site({ mutate: (m) => void (m.sets[0].vectors.bytes += 4) });
    const r = await loadShippedVectors(BASE, facts, papers, { fetch: fetchFn });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('rows × 384 dims need') });
  });

  it('refuses vectors the build made under another text rule than this app uses', async () => {
    const { fetchFn } = await site({ mutate: (m) => void (m.sets[0].identity.textFormat = VECTOR_FORMAT + 1) });
    const r = await loadShippedVectors(BASE, facts, papers, { fetch: fetchFn });
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('textFormat=') });
  });

  it('refuses unknown formats and unsafe file names', async () => {
    const bad = await site({ mutate: (m) => void ((m as { version: number }).version = 99) });
    const r1 = await loadShippedVectors(BASE, facts, papers, { fetch: bad.fetchFn });
    expect(r1).toEqual({ ok: false, reason: expect.stringContaining('version 99') });
    const unsafe = await site({ mutate: (m) => void (m.sets[0].vectors.file = '../../secret.bin') });
    const r2 = await loadShippedVectors(BASE, facts, papers, { fetch: unsafe.fetchFn });
    expect(r2).toEqual({ ok: false, reason: expect.stringContaining('unsafe file') });
  });

  it('reports a missing build artefact, bad JSON and network errors without throwing', async () => {
    const notFound = (async () => new Response('', { status: 404 })) as unknown as typeof fetch;
    expect(await loadShippedVectors(BASE, facts, papers, { fetch: notFound })).toEqual({
      ok: false,
      reason: expect.stringContaining('ships no precomputed vectors'),
    });
    const garbage = (async () => new Response('<html>')) as unknown as typeof fetch;
    expect(await loadShippedVectors(BASE, facts, papers, { fetch: garbage })).toEqual({
      ok: false,
      reason: 'precomputed/manifest.json is not valid JSON',
    });
    const offline = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    expect(await loadShippedVectors(BASE, facts, papers, { fetch: offline })).toEqual({
      ok: false,
      reason: 'shipped vectors unusable: Failed to fetch',
    });
  });


});
