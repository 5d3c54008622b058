/**
 * Node only: the distiller's teacher forward pass. Every vocabulary token t goes through the
 * full-precision transformer as the three-token sequence `[CLS] t [SEP]` (model2vec's recipe), and the
 * last hidden state of all three positions is returned, so the caller chooses the pooling.
 *
 * Determinism (the distilled file is pinned by sha256): onnxruntime-node runs with ONE intra-op and
 * ONE inter-op thread, sequential execution, and fixed batches in vocabulary order, so every run on
 * the same machine and onnxruntime build computes the same floats. Sequences have no padding (all
 * are three tokens), so no row depends on another. Different CPUs may pick different MLAS kernels
 * (AVX2 vs AVX-512) and differ in the last bits: the distiller then reports a hash mismatch instead
 * of silently pinning other bytes.
 *
 * Integrity: the ONNX bytes are read once, checked against the registry's sha256 and handed to
 * onnxruntime from memory.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import type { ModelFile } from '../../core/model/registry.ts';
import { verifySha256 } from '../../core/util/sha256.ts';

export interface TeacherStates {
  vocabSize: number;
  /** Hidden size of the teacher (384 for bge-small). */
  dims: number;
  /** Row-major [vocabSize][3][dims]: positions 0 = [CLS], 1 = the token, 2 = [SEP]. */
  states: Float32Array;
}

export interface TeacherOptions {
  onnxPath: string;
  onnx: ModelFile;
  vocabSize: number;
  clsId: number;
  sepId: number;
  /** Sequences per forward pass (fixed: part of the determinism contract). */
  batch?: number;
  onProgress?: (done: number, total: number) => void;
}

export const TEACHER_BATCH = 512;

export async function runTeacher(opts: TeacherOptions): Promise<TeacherStates> {
  const bytes = new Uint8Array(await readFile(opts.onnxPath));
  await verifySha256(opts.onnxPath, bytes, opts.onnx.sha256);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  try {
    const V = opts.vocabSize;
    const batch = opts.batch ?? TEACHER_BATCH;
    let dims = 0;
    let states: Float32Array | undefined;
    for (let start = 0; start < V; start += batch) {
      const n = Math.min(batch, V - start);
      const ids = new BigInt64Array(n * 3);
      for (let i = 0; i < n; i++) {
        ids[i * 3] = BigInt(opts.clsId);
        ids[i * 3 + 1] = BigInt(start + i);
        ids[i * 3 + 2] = BigInt(opts.sepId);
      }
      const feeds = {
        input_ids: new ort.Tensor('int64', ids, [n, 3]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n * 3).fill(1n), [n, 3]),
        token_type_ids: new ort.Tensor('int64', new BigInt64Array(n * 3), [n, 3]),
      };
      const out = (await session.run(feeds)).last_hidden_state;
      if (!out) throw new Error('teacher ONNX has no last_hidden_state output');
      const [b, t, d] = out.dims as number[];
      if (b !== n || t !== 3) throw new Error(`teacher returned ${out.dims.join('×')} for a ${n}×3 batch`);
      if (!states) {
        dims = d!;
        states = new Float32Array(V * 3 * dims);
      }
      states.set(out.data as Float32Array, start * 3 * dims);
      opts.onProgress?.(start + n, V);
    }
    return { vocabSize: V, dims, states: states! };
  } finally {
    await session.release();
  }
}
