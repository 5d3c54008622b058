/**
 * Makes transformers.js in Node run on onnxruntime-web's WASM kernels instead of onnxruntime-node.
 *
 * Why: the shipped vectors must be the vectors the browser would compute. Measured on this project's
 * q8 models, onnxruntime-node (native x64 int8 kernels) and onnxruntime-web (WASM SIMD kernels) differ
 * by up to 0.014 per component (cosine 0.998) — enough to reorder the 5th result of a query — while
 * onnxruntime-web in Node reproduces the browser's vectors bit for bit (max difference 0).
 *
 * How: transformers.js's Node build loads its runtime with `require("onnxruntime-node")`; we answer
 * that require with onnxruntime-web's Node entry (same package copy transformers.js uses in the
 * browser, see copy-ort.ts). Only for build scripts that import this module before transformers.js.
 */
import Module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ortPackageDir } from './ort-package.ts';

const ortDir = ortPackageDir();
const entry = join(ortDir, 'dist/ort.node.min.js');
const M = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = M._resolveFilename;
M._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'onnxruntime-node' ? entry : original.call(this, request, ...rest);
};

/** Where onnxruntime-web finds its .wasm/.mjs in Node (a file: URL prefix). */
export const ORT_WEB_WASM_PATHS = pathToFileURL(join(ortDir, 'dist') + '/').href;
