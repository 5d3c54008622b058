/**
 * Copies the onnxruntime-web runtime files that transformers.js requests at run time into public/ort/,
 * so the site never fetches them from a CDN (transformers.js's default) and works offline.
 *
 * Which files: transformers.js's browser build imports `onnxruntime-web/webgpu`; that bundle serves both
 * the WASM and the WebGPU execution providers from ONE build (the "asyncify" variant) and asks for its
 * `.mjs` glue and `.wasm` binary by file name. Instead of hard-coding names, we read the bundle
 * transformers.js resolves to and copy exactly the `ort-wasm-simd-threaded*.{mjs,wasm}` names it
 * mentions, from the onnxruntime-web copy transformers.js itself uses (nested, if npm nested one),
 * plus the plain build, which a worker without a WebGPU adapter loads (src/core/model/ort-build.ts).
 *
 * Fast no-op when the destination already holds identical files (size + mtime are not trusted; the
 * version stamp file is). Usage: `tsx scripts/copy-ort.ts [--out public/ort]`.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ortPackageDir } from '../src/node/ort-package.ts';
import { PLAIN_ORT_STEM } from '../src/core/model/ort-build.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The bundle file that `import "onnxruntime-web/webgpu"` resolves to in a browser build. */
function webgpuBundle(ortDir: string): string {
  const pkg = JSON.parse(readFileSync(join(ortDir, 'package.json'), 'utf8'));
  const entry = pkg.exports?.['./webgpu']?.import;
  const rel = typeof entry === 'string' ? entry : entry?.default;
  if (!rel) throw new Error(`${ortDir}/package.json has no "./webgpu" import export; transformers.js layout changed?`);
  return join(ortDir, rel);
}

/** Runtime file names the bundle asks for, e.g. ort-wasm-simd-threaded.asyncify.{mjs,wasm}. */
export function requiredOrtFiles(ortDir: string): string[] {
  const src = readFileSync(webgpuBundle(ortDir), 'utf8');
  const names = new Set(src.match(/ort-wasm-simd-threaded[\w.]*?\.(?:mjs|wasm)/g) ?? []);
  // The .mjs glue is embedded in the bundle but is fetched by URL once wasmPaths is set (our case), and
  // the multi-threaded runtime spawns its workers from it: the pair is always needed together.
  for (const n of [...names]) names.add(n.replace(/\.(mjs|wasm)$/, (_, e) => (e === 'mjs' ? '.wasm' : '.mjs')));
  // The plain build too: a worker without a WebGPU adapter loads it instead (src/core/model/ort-build.ts).
  for (const ext of ['mjs', 'wasm']) names.add(`${PLAIN_ORT_STEM}.${ext}`);
  const list = [...names].filter((n) => existsSync(join(ortDir, 'dist', n))).sort();
  if (!list.includes(`${PLAIN_ORT_STEM}.wasm`)) throw new Error(`onnxruntime-web in ${ortDir} has no ${PLAIN_ORT_STEM}.wasm; its layout changed?`);
  if (!list.some((n) => n.endsWith('.wasm'))) throw new Error(`no ORT .wasm referenced by ${webgpuBundle(ortDir)}`);
  return list;
}

export function copyOrt(outDir = join(repo, 'public/ort')): { version: string; files: string[]; copied: boolean } {
  const ortDir = ortPackageDir();
  const version = JSON.parse(readFileSync(join(ortDir, 'package.json'), 'utf8')).version as string;
  const files = requiredOrtFiles(ortDir);
  const stampFile = join(outDir, 'VERSION.json');
  const stamp = JSON.stringify({ version, files }, null, 2) + '\n';
  const upToDate =
    existsSync(stampFile) &&
    readFileSync(stampFile, 'utf8') === stamp &&
    files.every((f) => existsSync(join(outDir, f)) && statSync(join(outDir, f)).size === statSync(join(ortDir, 'dist', f)).size);
  if (upToDate) return { version, files, copied: false };
  // Stale files from another ORT version would be precached and served: start clean.
  if (existsSync(outDir)) for (const f of readdirSync(outDir)) rmSync(join(outDir, f), { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const f of files) copyFileSync(join(ortDir, 'dist', f), join(outDir, f));
  writeFileSync(stampFile, stamp);
  return { version, files, copied: true };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = i > 0 ? resolve(process.argv[i + 1]) : undefined;
  const r = copyOrt(out);
  const sizes = r.files.map((f) => `${f} (${(statSync(join(out ?? join(repo, 'public/ort'), f)).size / 1e6).toFixed(1)} MB)`);
  console.log(`onnxruntime-web ${r.version}: ${r.copied ? 'copied' : 'up to date'} ${sizes.join(', ')}`);
}
