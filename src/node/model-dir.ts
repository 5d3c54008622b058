/**
 * Node only: where model folders live on disk. Existence checks only — the embedder verifies hashes
 * when it loads, fetch-model when it installs.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_DTYPE, getModel, getStaticModel, requiredFiles, type Dtype } from '../core/model/registry.ts';

/** The repository root (this file is `<repo>/src/node/model-dir.ts`). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** `<repo>/public/models`: where fetch-model installs and the static site serves `/models/` from. */
export const PUBLIC_MODELS_DIR = join(REPO_ROOT, 'public', 'models');

/**
 * `<repo>/.cache/models`: model files only build steps use — the distiller's fp32 teacher (133 MB).
 * Never under public/, so never served, precached by the service worker or deployed.
 */
export const BUILD_MODELS_DIR = join(REPO_ROOT, '.cache', 'models');

/** Folders searched for a model, in order: `$ATLAS_MODELS`, `<repo>/public/models`, `<repo>/../shared/models`. */
export function modelSearchDirs(): string[] {
  const dirs: string[] = [];
  if (process.env.ATLAS_MODELS) dirs.push(resolve(process.env.ATLAS_MODELS));
  dirs.push(PUBLIC_MODELS_DIR, resolve(REPO_ROOT, '..', 'shared', 'models'));
  return dirs;
}

/** True when `dir/<modelId>/` holds every file the model needs for `dtype` (presence only). */
export function hasModelFiles(dir: string, modelId: string, dtype: Dtype = APP_DTYPE): boolean {
  const spec = getModel(modelId);
  return requiredFiles(spec, dtype).every((f) => existsSync(join(dir, spec.id, f.path)));
}

/**
 * The first of modelSearchDirs() that holds the model's files, or undefined (then run
 * `npm run fetch-model -- <id>`). Pass the result as LoadOptions.localModelPath.
 */
export function resolveLocalModelDir(modelId: string, dtype: Dtype = APP_DTYPE): string | undefined {
  return modelSearchDirs().find((d) => hasModelFiles(d, modelId, dtype));
}

/** The first of modelSearchDirs() that holds a static model's file (presence only; the loader verifies it). */
export function resolveLocalStaticDir(modelId: string): string | undefined {
  const spec = getStaticModel(modelId);
  return modelSearchDirs().find((d) => existsSync(join(d, spec.id, spec.file.path)));
}
