/**
 * Distiller determinism: the static model file is pinned by sha256, so the teacher pass and the
 * recipe must give the same bytes on every run. The full file (30,522 tokens, ~1 min) is checked
 * against its pin by `npm run distill` in every build and test run (pretest hook); here the same
 * code runs on the first 2,048 vocabulary tokens.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STATIC_MODEL_ID, getModel, getStaticModel, type DistillRecipe } from '../../src/core/model/registry.ts';
import { decodeStaticModel } from '../../src/core/model/static-format.ts';
import { wordPieceConfigFromTokenizerJson, type WordPieceConfig } from '../../src/core/model/wordpiece.ts';
import { runTeacher, type TeacherStates } from '../../src/node/distill/teacher.ts';
import { distill, zipfSifWeights, contentTokens } from '../../src/node/distill/recipe.ts';
import { fitPca, jacobiEigen } from '../../src/node/distill/pca.ts';
import { ensureStaticModel } from '../../src/node/distill/index.ts';
import { BUILD_MODELS_DIR, hasModelFiles, resolveLocalStaticDir } from '../../src/node/model-dir.ts';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const N = 2048;
const teacher = getModel('Xenova/bge-small-en-v1.5');
let dir: string;
let tok: WordPieceConfig;
let first: TeacherStates;

const run = (batch?: number) =>
  runTeacher({ onnxPath: join(dir, teacher.id, teacher.onnx.fp32!.path), onnx: teacher.onnx.fp32!, vocabSize: N, clsId: 101, sepId: 102, batch });

beforeAll(async () => {
  if (!hasModelFiles(BUILD_MODELS_DIR, teacher.id, 'fp32')) throw new Error('run `npm run distill` (or `npm run fetch-model -- bge-small-en-v1.5 --dtype fp32`) first');
  dir = BUILD_MODELS_DIR;
  const full = wordPieceConfigFromTokenizerJson(JSON.parse(readFileSync(join(dir, teacher.id, 'tokenizer.json'), 'utf8')));
  tok = { ...full, vocab: full.vocab.slice(0, N) };
  first = await run();
}, 120_000);

describe('distiller determinism', () => {
  it('the teacher pass gives bit-identical states run to run', async () => {
    const again = await run();
    expect(sha(new Uint8Array(again.states.buffer))).toBe(sha(new Uint8Array(first.states.buffer)));
    expect(first.states.length).toBe(N * 3 * 384);
  }, 120_000);

  it('the recipe gives the same bytes twice, and other bytes for another recipe', () => {
    const recipe: DistillRecipe = { ...getStaticModel(DEFAULT_STATIC_MODEL_ID).recipe, pcaDims: 64 };
    const info = { teacherOnnxSha256: teacher.onnx.fp32!.sha256, teacherTokenizerSha256: teacher.tokenizer.sha256 };
    const a = distill(first, tok, recipe, info);
    const b = distill(first, tok, recipe, info);
    expect(sha(b.bytes)).toBe(sha(a.bytes));
    expect(sha(distill(first, tok, { ...recipe, pcaDims: null, whiten: 0 }, info).bytes)).not.toBe(sha(a.bytes));
    const m = decodeStaticModel(a.bytes);
    expect(m.header).toMatchObject({ dims: 64, vocabSize: N, dtype: 'int8', recipe: { teacher: teacher.id, teacherOnnxSha256: teacher.onnx.fp32!.sha256 } });
  });
});

describe('recipe parts', () => {
  it('Jacobi eigenvectors diagonalise a symmetric matrix', () => {
    const d = 5;
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) a[i * d + j] = a[j * d + i] = Math.sin(i * 3 + j * 7) + (i === j ? 3 : 0);
    const orig = a.slice();
    const { values, vectors } = jacobiEigen(a, d);
    for (let e = 0; e < d; e++) {
      for (let i = 0; i < d; i++) {
        let av = 0;
        for (let j = 0; j < d; j++) av += orig[i * d + j]! * vectors[e * d + j]!;
        expect(av).toBeCloseTo(values[e]! * vectors[e * d + i]!, 9);
      }
    }
  });

  it('PCA orders components by variance and fixes their sign', () => {
    // Points along (1, 2) with a little spread along (2, -1).
    const x = new Float64Array(200 * 2);
    for (let i = 0; i < 200; i++) {
      const t = (i - 100) / 10;
      const s = ((i * 37) % 7) / 20 - 0.15;
      x[i * 2] = t + 2 * s;
      x[i * 2 + 1] = 2 * t - s;
    }
    const p = fitPca(x, 2, [...Array(200).keys()], 2);
    expect(p.variances[0]).toBeGreaterThan(p.variances[1]! * 50);
    expect(p.components[0]).toBeCloseTo(1 / Math.sqrt(5), 2);
    expect(p.components[1]).toBeCloseTo(2 / Math.sqrt(5), 2);
    expect(p.explained).toBeGreaterThan(0.99);
  });

  it('Zipf/SIF weights rise with rank, and special / [unused] tokens weigh 0', () => {
    const keep = contentTokens({ ...tok, vocab: ['[PAD]', '[unused0]', '[UNK]', '[CLS]', 'the', 'of', 'zebra'] } as WordPieceConfig);
    expect(keep).toEqual([false, false, false, false, true, true, true]);
    const w = zipfSifWeights([false, true, true, true], 1e-4);
    expect(w[0]).toBe(0);
    expect(w[1]).toBeLessThan(w[2]!);
    expect(w[2]).toBeLessThan(w[3]!);
  });
});

describe('ensureStaticModel (install like fetch-model: keep, copy from a local folder, or distil)', () => {
  const spec = getStaticModel(DEFAULT_STATIC_MODEL_ID);
  it('keeps an intact file, replaces a corrupt one from a local folder with the pinned bytes', async () => {
    const src = resolveLocalStaticDir(spec.id);
    if (!src) throw new Error('run `npm run distill` first');
    const tmp = mkdtempSync(join(tmpdir(), 'atlas-distill-'));
    try {
      const from = join(tmp, 'from');
      const dest = join(tmp, 'dest');
      mkdirSync(join(from, spec.id), { recursive: true });
      copyFileSync(join(src, spec.id, spec.file.path), join(from, spec.id, spec.file.path));
      mkdirSync(join(dest, spec.id), { recursive: true });
      writeFileSync(join(dest, spec.id, spec.file.path), 'corrupt');
      const r = await ensureStaticModel(spec.id, { destRoot: dest, from });
      expect(r.outcome).toBe('local');
      expect(sha(readFileSync(r.path))).toBe(spec.file.sha256);
      expect((await ensureStaticModel(spec.id, { destRoot: dest, from: null })).outcome).toBe('present');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
