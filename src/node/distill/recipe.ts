/**
 * model2vec's recipe (MinishLab/model2vec, model2vec/distill/), re-implemented deterministically:
 *
 *   1. teacher states of `[CLS] t [SEP]` for every vocabulary token t (teacher.ts), pooled per
 *      `recipe.pooling`: 'cls' (position 0, how bge pools sentences), 'token' (position 1) or 'mean'
 *      (all three, model2vec's default);
 *   2. PCA to `recipe.pcaDims`, fitted on the real tokens (not [unused…] ones, which model2vec
 *      removes too) — centring also removes the direction every token shares — then partial
 *      whitening (component j divided by variance_j^(whiten/2); not in model2vec, measured here);
 *   3. Zipf/SIF weights w = a / (a + p), p ∝ 1 / (rank + 2) with rank the token's position in the
 *      vocabulary among real tokens (WordPiece vocabularies are roughly frequency ordered);
 *      special tokens, [UNK] and [unused…] get weight 0 (they carry no meaning of the text);
 *   4. quantisation: int8 with one scale per row (max |x| / 127), f16, or f32.
 *
 * Every step runs in float64 in a fixed order, so the same teacher states give the same bytes.
 */
import type { DistillRecipe } from '../../core/model/registry.ts';
import { encodeStaticModel, toHalf, type StaticDtype } from '../../core/model/static-format.ts';
import type { WordPieceConfig } from '../../core/model/wordpiece.ts';
import { fitPca, projectPca } from './pca.ts';
import type { TeacherStates } from './teacher.ts';

const UNUSED = /^\[unused\d+\]$/;

export interface DistillInfo {
  /** sha256 of the teacher's ONNX file and tokenizer.json: recorded in the header. */
  teacherOnnxSha256: string;
  teacherTokenizerSha256: string;
}

export interface DistillResult {
  bytes: Uint8Array;
  dims: number;
  /** Share of variance kept by PCA (1 without PCA). */
  explained: number;
}

/** One pooled row per token, float64, V×d. */
export function poolStates(t: TeacherStates, pooling: DistillRecipe['pooling']): Float64Array {
  const { vocabSize: V, dims: d, states } = t;
  const out = new Float64Array(V * d);
  for (let i = 0; i < V; i++) {
    const base = i * 3 * d;
    for (let k = 0; k < d; k++) {
      out[i * d + k] =
        pooling === 'cls'
          ? states[base + k]!
          : pooling === 'token'
            ? states[base + d + k]!
            : (states[base + k]! + states[base + d + k]! + states[base + 2 * d + k]!) / 3;
    }
  }
  return out;
}

/** Tokens that can carry meaning: not an added/special token, not [UNK], not [unused…]. */
export function contentTokens(tok: WordPieceConfig): boolean[] {
  const special = new Set([...tok.addedTokens, tok.unkToken]);
  return tok.vocab.map((t) => !special.has(t) && !UNUSED.test(t));
}

/** Zipf/SIF weights by vocabulary rank among content tokens (0 for the others). */
export function zipfSifWeights(keep: readonly boolean[], sif: number | null): Float32Array {
  const w = new Float32Array(keep.length);
  const n = keep.filter(Boolean).length;
  let norm = 0;
  for (let r = 0; r < n; r++) norm += 1 / (r + 2);
  let rank = 0;
  keep.forEach((k, i) => {
    if (!k) return;
    const p = 1 / (rank + 2) / norm;
    w[i] = sif === null ? 1 : sif / (sif + p);
    rank++;
  });
  return w;
}

export interface TableParts {
  dims: number;
  explained: number;
  /** V×dims float64 rows (after PCA). */
  table: Float64Array;
  weights: Float32Array;
}

/** Steps 1–3: pooled, reduced rows and their weights. */
export function distillTable(t: TeacherStates, tok: WordPieceConfig, recipe: DistillRecipe): TableParts {
  if (tok.vocab.length !== t.vocabSize) throw new Error(`tokenizer has ${tok.vocab.length} tokens, teacher states ${t.vocabSize}`);
  const pooled = poolStates(t, recipe.pooling);
  const keep = contentTokens(tok);
  let table = pooled;
  let dims = t.dims;
  let explained = 1;
  if (recipe.pcaDims !== null) {
    const use = keep.flatMap((k, i) => (k ? [i] : []));
    const pca = fitPca(pooled, t.dims, use, recipe.pcaDims);
    table = projectPca(pca, pooled, t.dims);
    dims = recipe.pcaDims;
    explained = pca.explained;
    if (recipe.whiten !== 0) {
      const div = Array.from(pca.variances, (v) => Math.pow(v, recipe.whiten / 2));
      for (let r = 0; r < t.vocabSize; r++) for (let c = 0; c < dims; c++) table[r * dims + c] /= div[c]!;
    }
  } else if (recipe.whiten !== 0) {
    throw new Error('recipe: whitening needs PCA (pcaDims)');
  }
  return { dims, explained, table, weights: zipfSifWeights(keep, recipe.sif) };
}

/** Step 4: the quantised arrays of the file. */
export function quantize(table: Float64Array, V: number, dims: number, dtype: StaticDtype): { rows: Int8Array | Uint16Array | Float32Array; scales: Float32Array } {
  if (dtype === 'f32') return { rows: Float32Array.from(table), scales: new Float32Array(0) };
  if (dtype === 'f16') {
    const rows = new Uint16Array(table.length);
    for (let i = 0; i < table.length; i++) rows[i] = toHalf(table[i]!);
    return { rows, scales: new Float32Array(0) };
  }
  const rows = new Int8Array(table.length);
  const scales = new Float32Array(V);
  for (let r = 0; r < V; r++) {
    let max = 0;
    for (let k = 0; k < dims; k++) max = Math.max(max, Math.abs(table[r * dims + k]!));
    // The scale is stored as f32: quantise against that exact value so decoding inverts it.
    const scale = Math.fround(max / 127);
    scales[r] = scale;
    if (scale === 0) continue;
    for (let k = 0; k < dims; k++) rows[r * dims + k] = Math.max(-127, Math.min(127, Math.round(table[r * dims + k]! / scale)));
  }
  return { rows, scales };
}

/** The whole recipe: teacher states + tokenizer → the static model file's bytes. */
export function distill(t: TeacherStates, tok: WordPieceConfig, recipe: DistillRecipe, info: DistillInfo): DistillResult {
  const parts = distillTable(t, tok, recipe);
  const { rows, scales } = quantize(parts.table, t.vocabSize, parts.dims, recipe.dtype);
  const { vocab, ...tokenizer } = tok;
  const bytes = encodeStaticModel({
    header: {
      dims: parts.dims,
      vocabSize: t.vocabSize,
      dtype: recipe.dtype,
      tokenizer,
      recipe: { ...recipe, teacherOnnxSha256: info.teacherOnnxSha256, teacherTokenizerSha256: info.teacherTokenizerSha256, explainedVariance: Number(parts.explained.toFixed(6)) },
    },
    vocab: [...vocab],
    weights: parts.weights,
    scales,
    rows,
  });
  return { bytes, dims: parts.dims, explained: parts.explained };
}
