/**
 * The static model: file format (round trip, damage), StaticEmbedder (vectors are the weighted token
 * sums, normalised; same text → same vector on both sides; cancellation; yields to the event loop),
 * the verified loader, and the installed file's pin.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STATIC_MODEL_ID, getStaticModel } from '../../src/core/model/registry.ts';
import { decodeStaticModel, encodeStaticModel, halfToFloatTable, StaticFormatError, toHalf, type StaticDtype } from '../../src/core/model/static-format.ts';
import { loadStaticEmbedder, StaticEmbedder, staticIdentity, YIELD_EVERY_MS } from '../../src/core/model/static-embedder.ts';
import { resolveLocalStaticDir } from '../../src/node/model-dir.ts';
import { HashMismatchError } from '../../src/core/util/sha256.ts';
import { VECTOR_FORMAT } from '../../src/core/vectors/document-text.ts';
import { loadSeedPapers } from '../../bench/lib/seed.ts';
import { documentText } from '../../src/core/vectors/document-text.ts';

const TOKENIZER = {
  unkToken: '[UNK]',
  continuingSubwordPrefix: '##',
  maxInputCharsPerWord: 100,
  lowercase: true,
  stripAccents: true,
  cleanText: true,
  handleChineseChars: true,
  addedTokens: ['[UNK]', '[CLS]', '[SEP]'],
};
const VOCAB = ['[UNK]', '[CLS]', '[SEP]', 'cat', 'dog', 'sat', '##s', 'the', '.'];
const DIMS = 4;
/** Row i: a distinct direction per token, so sums are checkable by hand. */
const TABLE = Float64Array.from({ length: VOCAB.length * DIMS }, (_, i) => ((i * 37) % 11) - 5);
const WEIGHTS = Float32Array.from([0, 0, 0, 1, 1, 0.5, 0.25, 0.1, 0]);

function tinyModel(dtype: StaticDtype): Uint8Array {
  let rows: Int8Array | Uint16Array | Float32Array;
  let scales = new Float32Array(0);
  if (dtype === 'int8') {
    rows = Int8Array.from(TABLE); // values are small integers: exact in int8 with scale 1
    scales = new Float32Array(VOCAB.length).fill(1);
  } else if (dtype === 'f16') rows = Uint16Array.from(TABLE, toHalf);
  else rows = Float32Array.from(TABLE);
  return encodeStaticModel({ header: { dims: DIMS, vocabSize: VOCAB.length, dtype, tokenizer: TOKENIZER, recipe: { note: 'test' } }, vocab: VOCAB, weights: WEIGHTS, scales, rows });
}

const identity = (dtype: string) => ({ model: 'static/tiny', weights: 'f'.repeat(64), dtype, pooling: 'static', queryPrefix: '', passagePrefix: '', dims: DIMS, textFormat: VECTOR_FORMAT });

/** The expected vector: Σ weight × row over the text's tokens, L2-normalised. */
function expected(ids: number[]): number[] {
  const v = new Array(DIMS).fill(0);
  for (const id of ids) for (let k = 0; k < DIMS; k++) v[k] += WEIGHTS[id]! * TABLE[id * DIMS + k]!;
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

describe('static model file format', () => {
  for (const dtype of ['int8', 'f16', 'f32'] as const) {
    it(`round-trips ${dtype}`, () => {
      const d = decodeStaticModel(tinyModel(dtype));
      expect(d.header).toMatchObject({ version: 1, dims: DIMS, vocabSize: VOCAB.length, dtype, tokenizer: TOKENIZER, recipe: { note: 'test' } });
      expect(d.vocab).toEqual(VOCAB);
      expect([...d.weights]).toEqual([...WEIGHTS]);
      expect(d.rows.length).toBe(VOCAB.length * DIMS);
    });
  }

  it('is a pure function of its input (same bytes twice, different bytes for a different table)', () => {
    const a = tinyModel('int8');
    expect(tinyModel('int8')).toEqual(a);
    expect(tinyModel('f16')).not.toEqual(a);
  });

  it('rejects foreign, truncated and inconsistent files with a specific error', () => {
    const good = tinyModel('int8');
    expect(() => decodeStaticModel(new TextEncoder().encode('PK\u0003\u0004 a zip file'))).toThrow(/bad magic/);
    expect(() => decodeStaticModel(good.slice(0, good.byteLength - 10))).toThrow(/truncated \(section rows\)/);
    expect(() => decodeStaticModel(good.slice(0, 20))).toThrow(/truncated \(header\)/);
    const bad = good.slice();
    const text = new TextDecoder().decode(bad.subarray(8, 60));
    const at = text.indexOf('"version":1');
    bad[8 + at + 10] = '7'.charCodeAt(0);
    expect(() => decodeStaticModel(bad)).toThrow(StaticFormatError);
    expect(() => decodeStaticModel(bad)).toThrow(/format 7 is not supported/);
    expect(() => encodeStaticModel({ header: { dims: DIMS, vocabSize: 2, dtype: 'f32', tokenizer: TOKENIZER, recipe: {} }, vocab: ['a\nb', 'c'], weights: new Float32Array(2), scales: new Float32Array(0), rows: new Float32Array(8) })).toThrow(/newline/);
  });

  it('converts floats to IEEE half and back', () => {
    const t = halfToFloatTable();
    for (const x of [0, 1, -2.5, 0.333251953125, 65504, 6.103515625e-5, 5.960464477539063e-8]) expect(t[toHalf(x)]).toBe(x);
    expect(t[toHalf(1 / 3)]).toBeCloseTo(1 / 3, 3);
    expect(t[toHalf(1e6)]).toBe(Infinity);
  });
});

describe('StaticEmbedder', () => {
  for (const dtype of ['int8', 'f16', 'f32'] as const) {
    it(`${dtype}: a text's vector is its tokens' weighted row sum, normalised; [UNK] and zero-weight tokens add nothing`, async () => {
      const e = new StaticEmbedder(decodeStaticModel(tinyModel(dtype)), identity(dtype));
      // "The cats sat." → the cat ##s sat . ; "zebra" → [UNK]
      const v = await e.embedQuery('The cats sat. zebra');
      const want = expected([7, 3, 6, 5, 8]);
      want.forEach((x, k) => expect(v[k]).toBeCloseTo(x, 6));
      expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    });
  }

  it('documents and questions share one space: the same text gives the same vector on both sides', async () => {
    const e = new StaticEmbedder(decodeStaticModel(tinyModel('int8')), identity('int8'));
    const { vectors, dimensions } = await e.embedDocuments(['dog sat', 'the cat', 'dog sat']);
    expect(dimensions).toBe(DIMS);
    expect([...vectors.subarray(0, 4)]).toEqual([...(await e.embedQuery('dog sat'))]);
    expect([...vectors.subarray(8, 12)]).toEqual([...vectors.subarray(0, 4)]);
    expect(e.embedCount).toBe(3);
  });

  it('gives a zero vector (never NaN) to a text without any known token', async () => {
    const e = new StaticEmbedder(decodeStaticModel(tinyModel('f32')), identity('f32'));
    expect([...(await e.embedQuery('zebra !!!'))].every((x) => x === 0)).toBe(true);
  });

  it('stops at a batch boundary when aborted, with an AbortError', async () => {
    const e = new StaticEmbedder(decodeStaticModel(tinyModel('f32')), identity('f32'));
    const ctrl = new AbortController();
    const p = e.embedDocuments(Array(10).fill('dog'), { batchSize: 2, onProgress: ({ done }) => done >= 4 && ctrl.abort(), signal: ctrl.signal });
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(e.embedCount).toBe(4);
  });

  it('yields to the event loop once a stretch of work passes YIELD_EVERY_MS, so a worker still answers', async () => {
    let clock = 0;
    // Each reading of the clock advances it past the threshold: every batch boundary is a yield point.
    const e = new StaticEmbedder(decodeStaticModel(tinyModel('f32')), identity('f32'), { now: () => (clock += YIELD_EVERY_MS) });
    const seen: number[] = [];
    let done = 0;
    const run = e.embedDocuments(Array(8).fill('dog sat'), { batchSize: 2, onProgress: (p) => (done = p.done) });
    setTimeout(() => seen.push(done), 0);
    await run;
    // The timer ran while embedDocuments was between batches (not before it started, not after it ended).
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeGreaterThan(0);
    expect(seen[0]).toBeLessThan(8);
    // With a clock that never advances it never yields: the timer only fires afterwards.
    const still = new StaticEmbedder(decodeStaticModel(tinyModel('f32')), identity('f32'), { now: () => 0 });
    const seen2: number[] = [];
    let done2 = 0;
    const run2 = still.embedDocuments(Array(8).fill('dog sat'), { batchSize: 2, onProgress: (p) => (done2 = p.done) });
    setTimeout(() => seen2.push(done2), 0);
    await run2;
    expect(seen2).toEqual([]);
  });

  it('rejects an identity whose dimension does not fit the file', () => {
    expect(() => new StaticEmbedder(decodeStaticModel(tinyModel('f32')), { ...identity('f32'), dims: 8 })).toThrow(/file has 4 dims, identity says 8/);
  });
});

describe('the installed static model', () => {
  const spec = getStaticModel(DEFAULT_STATIC_MODEL_ID);
  let dir: string;
  let tmp: string | undefined;
  beforeAll(() => {
    const d = resolveLocalStaticDir(spec.id);
    if (!d) throw new Error('run `npm run distill` first');
    dir = d;
  });
  afterEach(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
    tmp = undefined;
  });

  it('has the pinned sha256 and size, and loads with the static identity', async () => {
    const bytes = readFileSync(join(dir, spec.id, spec.file.path));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(spec.file.sha256);
    expect(bytes.byteLength).toBe(spec.file.bytes);
    expect(bytes.byteLength).toBeLessThanOrEqual(16_000_000);
    const e = await loadStaticEmbedder({ modelId: spec.id, localModelPath: dir });
    expect(e.identity).toEqual(staticIdentity(spec));
    expect(e.identity).toMatchObject({ model: spec.id, weights: spec.file.sha256, dtype: 'int8', pooling: 'static', dims: 256 });
    expect(e.dimensions).toBe(256);
  });

  it('ranks a paper\'s own abstract in the top 5 for most seed titles (it carries meaning, not noise)', async () => {
    const e = await loadStaticEmbedder({ modelId: spec.id, localModelPath: dir });
    const papers = loadSeedPapers();
    const { vectors } = await e.embedDocuments(papers.map((p) => documentText({ title: '', abstract: p.abstract })));
    let top5 = 0;
    for (let i = 0; i < papers.length; i++) {
      const q = await e.embedQuery(papers[i]!.title);
      const scores = papers.map((_, j) => q.reduce((s, x, k) => s + x * vectors[j * 256 + k]!, 0));
      const rank = scores.filter((s) => s > scores[i]!).length;
      if (rank < 5) top5++;
    }
    // Measured 0.72; a random table would give ~5/204.
    expect(top5 / papers.length).toBeGreaterThan(0.6);
  });

  it('refuses a corrupt or substituted file, naming both hashes', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'atlas-static-'));
    mkdirSync(join(tmp, spec.id), { recursive: true });
    const dst = join(tmp, spec.id, spec.file.path);
    copyFileSync(join(dir, spec.id, spec.file.path), dst);
    const b = readFileSync(dst);
    b[b.byteLength - 1] ^= 1;
    writeFileSync(dst, b);
    const err = await loadStaticEmbedder({ modelId: spec.id, localModelPath: tmp }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HashMismatchError);
    expect((err as Error).message).toContain(spec.file.sha256);
  });

  it('says how to make a missing file', async () => {
    tmp = mkdtempSync(join(tmpdir(), 'atlas-static-'));
    expect(existsSync(join(tmp, spec.id))).toBe(false);
    await expect(loadStaticEmbedder({ modelId: spec.id, localModelPath: tmp })).rejects.toThrow(/Static model file missing: .*npm run distill/);
  });

});
