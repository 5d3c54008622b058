/** Where the onnxruntime-web package that transformers.js uses is installed (Node-only). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './model-dir.ts';

/** The onnxruntime-web package directory transformers.js resolves (nested copy wins, as in Node resolution). */
export function ortPackageDir(root = REPO_ROOT): string {
  const candidates = [
    join(root, 'node_modules/@huggingface/transformers/node_modules/onnxruntime-web'),
    join(root, 'node_modules/onnxruntime-web'),
  ];
  const dir = candidates.find((d) => existsSync(join(d, 'package.json')));
  if (!dir) throw new Error(`onnxruntime-web not found (looked in ${candidates.join(', ')}); run npm install`);
  return dir;
}
