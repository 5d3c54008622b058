/**
 * Node only: installs a static model file (registry STATIC_MODELS) into public/models/<id>/, the
 * way fetch-model installs transformer files — an intact file already there is kept; else a local
 * folder (../shared/models) that has the pinned bytes; else it is distilled from its teacher (whose
 * fp32 ONNX fetch-model installs first). Whatever the source, the bytes that land match the sha256
 * pinned in the registry, or nothing lands and the error says why.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { getModel, getStaticModel, type StaticModelSpec } from '../../core/model/registry.ts';
import { wordPieceConfigFromTokenizerJson } from '../../core/model/wordpiece.ts';
import { sha256Hex, verifySha256 } from '../../core/util/sha256.ts';
import { fetchModel } from '../model-fetch.ts';
import { BUILD_MODELS_DIR, PUBLIC_MODELS_DIR } from '../model-dir.ts';
import { defaultLocalSource } from '../model-fetch.ts';
import { distill } from './recipe.ts';
import { runTeacher } from './teacher.ts';

export class DistillError extends Error {
  override name = 'DistillError';
}

export interface EnsureStaticOptions {
  destRoot?: string;
  /** Local folder with `<id>/<file>` (default ../shared/models when present); null: none. */
  from?: string | null;
  /** Distil even when a source has the file (checks determinism against the pin). */
  force?: boolean;
  log?: (line: string) => void;
}

export type StaticOutcome = 'present' | 'local' | 'distilled';

/** Distils a static model's bytes from its teacher (no file written). */
export async function distillStaticBytes(spec: StaticModelSpec, log: (l: string) => void = () => {}): Promise<Uint8Array> {
  const teacher = getModel(spec.recipe.teacher);
  const onnx = teacher.onnx.fp32;
  if (!onnx) throw new DistillError(`teacher ${teacher.id} has no fp32 ONNX in the registry`);
  // The teacher lands outside public/: it is a build input, never served or deployed.
  const report = await fetchModel(teacher.id, { dtype: 'fp32', destRoot: BUILD_MODELS_DIR, log });
  const tokBytes = new Uint8Array(await readFile(join(report.dir, teacher.tokenizer.path)));
  await verifySha256(join(report.dir, teacher.tokenizer.path), tokBytes, teacher.tokenizer.sha256);
  const tok = wordPieceConfigFromTokenizerJson(JSON.parse(new TextDecoder().decode(tokBytes)));
  const t0 = Date.now();
  let last = 0;
  const states = await runTeacher({
    onnxPath: join(report.dir, onnx.path),
    onnx,
    vocabSize: tok.vocab.length,
    clsId: tok.vocab.indexOf('[CLS]'),
    sepId: tok.vocab.indexOf('[SEP]'),
    onProgress: (done, total) => {
      if (done - last >= 5120 || done === total) {
        last = done;
        log(`teacher ${teacher.id} (fp32, 1 thread): ${done}/${total} tokens, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      }
    },
  });
  log(`PCA, weights, ${spec.recipe.dtype} quantisation…`);
  const res = distill(states, tok, spec.recipe, { teacherOnnxSha256: onnx.sha256, teacherTokenizerSha256: teacher.tokenizer.sha256 });
  log(`distilled ${spec.id}: ${res.dims} dims, PCA keeps ${(100 * res.explained).toFixed(1)}% of the variance, ${(res.bytes.byteLength / 1e6).toFixed(1)} MB, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return res.bytes;
}

async function writeAtomic(dst: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(dst), { recursive: true });
  const tmp = `${dst}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, dst);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function ensureStaticModel(id: string, opts: EnsureStaticOptions = {}): Promise<{ path: string; outcome: StaticOutcome }> {
  const spec = getStaticModel(id);
  const log = opts.log ?? (() => {});
  const dst = join(opts.destRoot ?? PUBLIC_MODELS_DIR, spec.id, spec.file.path);
  if (!opts.force && existsSync(dst)) {
    const actual = await sha256Hex(await readFile(dst));
    if (actual === spec.file.sha256) return { path: dst, outcome: 'present' };
    log(`${spec.id}: ${dst} has sha256 ${actual} ≠ pinned ${spec.file.sha256}; replacing it`);
  }
  const from = opts.from === undefined ? defaultLocalSource() : opts.from;
  if (!opts.force && from) {
    const src = join(from, spec.id, spec.file.path);
    if (existsSync(src)) {
      const bytes = new Uint8Array(await readFile(src));
      if ((await sha256Hex(bytes)) === spec.file.sha256) {
        await writeAtomic(dst, bytes);
        return { path: dst, outcome: 'local' };
      }
      log(`warning: ${src} does not have the pinned sha256; distilling instead`);
    }
  }
  const bytes = await distillStaticBytes(spec, log);
  const actual = await sha256Hex(bytes);
  if (actual !== spec.file.sha256) {
    throw new DistillError(
      `distilled ${spec.id} has sha256 ${actual}, the registry pins ${spec.file.sha256}. Either the recipe or the ` +
        `teacher changed (then pin the new hash in src/core/model/registry.ts), or this machine's onnxruntime ` +
        `computes the teacher's floats differently (another CPU kernel); nothing was written. ` +
        '`npm run distill -- --out <file>` writes the bytes anyway for inspection.',
    );
  }
  await writeAtomic(dst, bytes);
  return { path: dst, outcome: 'distilled' };
}
