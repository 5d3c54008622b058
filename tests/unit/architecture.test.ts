/**
 * The layering rule of the code base, checked on every import: src/core is pure and stands on the
 * ground floor. It may not import the protocol, the UI, the workers, Node-only (src/node) or
 * browser-only (src/browser) code, nor Node built-ins statically.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CORE = join(ROOT, 'src/core');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)[^'"\n]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('architecture', () => {
  it('src/core imports nothing from the protocol, UI, workers, src/node, src/browser or node: built-ins', () => {
    const bad: string[] = [];
    for (const f of files(CORE)) {
      const src = readFileSync(f, 'utf8');
      for (const m of src.matchAll(IMPORT)) {
        const spec = m[1] ?? m[2];
        if (spec.startsWith('node:')) bad.push(`${relative(ROOT, f)} → ${spec}`);
        if (!spec.startsWith('.')) continue;
        const target = relative(ROOT, resolve(f, '..', spec));
        if (!target.startsWith('src/core/')) bad.push(`${relative(ROOT, f)} → ${target}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
