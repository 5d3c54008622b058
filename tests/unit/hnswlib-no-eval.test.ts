/**
 * hnswlib-wasm's embind glue compiles invokers with `new Function`, which the site's CSP (no
 * 'unsafe-eval') refuses: a library past the ANN threshold could not build its HNSW graph in the
 * browser. scripts/hnswlib-no-eval.ts patches the glue at build time. Here the glue runs in a child
 * Node process with code generation from strings disallowed — the original must fail there (so this
 * test can fail), the patched one must work and answer exactly as the original does with eval allowed.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HNSWLIB_GLUE, patchHnswlibGlue } from '../../scripts/hnswlib-no-eval.ts';

const dist = resolve('node_modules/hnswlib-wasm/dist');
const probe = resolve('tests/fixtures/hnswlib-probe.mjs');
let root = '';

function copyGlue(into: string, patch: boolean): void {
  for (const f of readdirSync(dist).filter((f) => f.endsWith('.js'))) {
    copyFileSync(join(dist, f), join(into, f));
    if (patch && HNSWLIB_GLUE.test(join(dist, f))) writeFileSync(join(into, f), patchHnswlibGlue(readFileSync(join(dist, f), 'utf8')));
  }
}

function run(dir: string, noEval: boolean): { ok: boolean; out: string } {
  const args = [...(noEval ? ['--disallow-code-generation-from-strings'] : []), probe, dir];
  try {
    // cwd = the repository, so the probe resolves fake-indexeddb from node_modules.
    const out = execFileSync(process.execPath, args, { cwd: resolve('.'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, out: out.trim().split('\n').filter((l) => l.startsWith('{')).pop() ?? '' };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

describe('hnswlib-wasm glue without eval', () => {
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'hnswlib-no-eval-'));
    for (const [name, patch] of [['orig', false], ['patched', true]] as const) {
      const dir = join(root, name);
      execFileSync('mkdir', ['-p', dir]);
      copyGlue(dir, patch);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('the original glue needs eval (what the browser refused)', () => {
    const r = run(join(root, 'orig'), true);
    expect(r.ok).toBe(false);
    expect(r.out).toMatch(/Code generation from strings disallowed|EvalError/);
  });

  it('the patched glue builds and searches an index with eval disallowed, answering as the original does', () => {
    const reference = run(join(root, 'orig'), false);
    const patched = run(join(root, 'patched'), true);
    expect(reference.ok).toBe(true);
    expect(patched.ok, patched.out).toBe(true);
    const a = JSON.parse(reference.out);
    const b = JSON.parse(patched.out);
    expect(b.count).toBe(200);
    expect(b.neighbors).toHaveLength(5);
    expect(b.neighbors[0]).toBe(17);
    expect(b.neighbors).not.toContain(5);
    expect(b).toEqual(a);
  });

  it('refuses glue it does not recognise instead of shipping a half-patched file', () => {
    expect(() => patchHnswlibGlue('function craftInvokerFunction() {}')).toThrow(/exactly once/);
  });
});
