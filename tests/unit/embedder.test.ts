import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadEmbedder, type Embedder } from '../../src/core/model/embedder.ts';
import { resolveLocalModelDir, REPO_ROOT } from '../../src/node/model-dir.ts';
import { DEFAULT_MODEL_ID, getModel, requiredFiles } from '../../src/core/model/registry.ts';
import { transformerIdentity } from '../../src/core/vectors/identity.ts';
import { HashMismatchError } from '../../src/core/util/sha256.ts';

const D = 384;

/** A few real abstracts from the seed document (title line, abstract line, …; see import/seed-parser.ts for the real parser). */
function seedTexts(n: number): string[] {
  const lines = readFileSync(join(REPO_ROOT, 'seeds', '000_ef7def7f3d293d17.txt'), 'utf8').split(/\r?\n/).slice(2);
  const out: string[] = [];
  for (let i = 0; i + 1 < lines.length && out.length < n; i += 2) out.push(`${lines[i].replace(/^Subscribe/, '')}. ${lines[i + 1]}`);
  return out;
}

function modelDir(id: string): string {
  const dir = resolveLocalModelDir(id);
  if (!dir) throw new Error(`${id} is not installed: run \`npm run fetch-model -- --all\``);
  return dir;
}

const row = (v: Float32Array, i: number) => v.subarray(i * D, (i + 1) * D);
const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);

describe('loadEmbedder (default model, onnxruntime-node)', () => {
  let e: Embedder;
  const texts = seedTexts(10).concat(['short text', 'a']);

  beforeAll(async () => {
    // Loading from a local folder must never touch the network: any fetch fails the test.
    const fetchSpy = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new Error('network used'));
    try {
      e = await loadEmbedder({ modelId: DEFAULT_MODEL_ID, localModelPath: modelDir(DEFAULT_MODEL_ID) });
    } finally {
      expect(fetchSpy).not.toHaveBeenCalled();
      fetchSpy.mockRestore();
    }
  });
  afterAll(() => e?.dispose());

  it('reports its vector identity (pinned weights, dtype, pooling, prefixes, text rule), dims and the Node device', () => {
    const spec = getModel(DEFAULT_MODEL_ID);
    expect(e.identity).toEqual(transformerIdentity(spec, 'q8'));
    expect(e.identity.weights).toBe(spec.onnx.q8!.sha256);
    expect(e.dimensions).toBe(D);
    expect(e.device).toBe('cpu');
  });

  it('gives the same vector for a text whatever the batch order and batch size (within 1e-5)', async () => {
    const before = e.embedCount;
    const a = await e.embedDocuments(texts, { batchSize: 16 });
    const perm = texts.map((_, i) => i).reverse();
    perm.push(perm.splice(3, 1)[0]); // not just a reversal
    const b = await e.embedDocuments(perm.map((i) => texts[i]), { batchSize: 3 });
    expect(e.embedCount - before).toBe(2 * texts.length);
    expect(a.vectors.length).toBe(texts.length * D);
    perm.forEach((orig, j) => {
      expect(maxAbsDiff(row(a.vectors, orig), row(b.vectors, j))).toBeLessThan(1e-5);
    });
    // Rows are in input order: each row equals the text embedded alone.
    const single = await e.embedDocuments([texts[5]]);
    expect(maxAbsDiff(row(a.vectors, 5), single.vectors)).toBeLessThan(1e-5);
    // …and different texts really give different vectors.
    expect(maxAbsDiff(row(a.vectors, 0), row(a.vectors, 1))).toBeGreaterThan(1e-2);
  });

  it('returns L2-normalised Float32 rows', async () => {
    const { vectors } = await e.embedDocuments(texts.slice(0, 4));
    expect(vectors).toBeInstanceOf(Float32Array);
    for (let i = 0; i < 4; i++) expect(norm(row(vectors, i))).toBeCloseTo(1, 5);
    expect(norm(await e.embedQuery('what is masked feature prediction?'))).toBeCloseTo(1, 5);
  });

  it('reports progress per batch and can be cancelled between batches', async () => {
    const seen: number[] = [];
    await e.embedDocuments(texts, { batchSize: 5, onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([5, 10, 12]);

    const ctrl = new AbortController();
    const before = e.embedCount;
    const run = e.embedDocuments(texts, { batchSize: 4, signal: ctrl.signal, onProgress: () => ctrl.abort() });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(e.embedCount - before).toBe(4); // stopped after the first batch
  });

  it('ranks the matching abstract first for a question (query prefix applied)', async () => {
    const docs = seedTexts(8);
    const { vectors } = await e.embedDocuments(docs);
    const q = await e.embedQuery('histograms of oriented gradients as a target for masked video pre-training');
    const scores = docs.map((_, i) => row(vectors, i).reduce((s, x, j) => s + x * q[j], 0));
    expect(scores.indexOf(Math.max(...scores))).toBe(0); // MaskFeat
  });
});

describe('model-specific prefixes and pooling', () => {
  const t = 'Contrastive learning of visual representations';
  it.each([
    ['Xenova/bge-small-en-v1.5', true],
    ['Xenova/e5-small-v2', true],
    ['Xenova/all-MiniLM-L6-v2', false],
  ])('%s: query and passage sides differ = %s', async (id, differ) => {
    const e = await loadEmbedder({ modelId: id, localModelPath: modelDir(id) });
    try {
      const doc = (await e.embedDocuments([t])).vectors;
      const q = await e.embedQuery(t);
      const diff = maxAbsDiff(doc, q);
      if (differ) expect(diff).toBeGreaterThan(1e-3);
      else expect(diff).toBeLessThan(1e-6);
      expect(e.queryCount).toBe(1);
    } finally {
      await e.dispose();
    }
  });
});

describe('model file integrity', () => {
  const id = 'Xenova/all-MiniLM-L6-v2';
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'atlas-model-'));
    const spec = getModel(id);
    for (const f of requiredFiles(spec)) {
      const dst = join(tmp, id, f.path);
      mkdirSync(dirname(dst), { recursive: true });
      copyFileSync(join(modelDir(id), id, f.path), dst);
    }
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('loads an intact copy', async () => {
    const e = await loadEmbedder({ modelId: id, localModelPath: tmp });
    await e.dispose();
  });

  it('rejects a truncated ONNX file naming the file, expected and actual hash', async () => {
    const spec = getModel(id);
    const onnx = join(tmp, id, spec.onnx.q8!.path);
    truncateSync(onnx, 1_000_000);
    const err = await loadEmbedder({ modelId: id, localModelPath: tmp }).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(HashMismatchError);
    const m = (err as Error).message;
    expect(m).toContain('model_quantized.onnx');
    expect(m).toContain(spec.onnx.q8!.sha256);
    expect((err as HashMismatchError).actual).toMatch(/^[0-9a-f]{64}$/);
    expect(m).toContain((err as HashMismatchError).actual);
  });

  it('rejects a corrupted tokenizer and reports a missing file by path', async () => {
    const spec = getModel(id);
    copyFileSync(join(modelDir(id), id, spec.onnx.q8!.path), join(tmp, id, spec.onnx.q8!.path)); // intact weights again
    writeFileSync(join(tmp, id, spec.tokenizer.path), '{"not":"the tokenizer"}');
    await expect(loadEmbedder({ modelId: id, localModelPath: tmp })).rejects.toThrow(/tokenizer\.json.*expected da0e7993/);
    rmSync(join(tmp, id, spec.onnx.q8!.path));
    await expect(loadEmbedder({ modelId: id, localModelPath: tmp })).rejects.toThrow(/missing.*model_quantized\.onnx/);
  });
});
