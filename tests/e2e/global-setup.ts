/**
 * Builds dist/ (unless it is fresh, or SKIP_BUILD=1) and serves it on 127.0.0.1 with COOP/COEP.
 * Test files read the URL with `inject('baseUrl')` (or `process.env.ATLAS_E2E_URL`).
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { serveStatic } from './static-server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
/**
 * ATLAS_E2E_DIST serves another built site instead (e.g. main's dist/, to see a new test fail on
 * the code before a fix); it is never rebuilt here.
 */
const dist = process.env.ATLAS_E2E_DIST ?? join(root, 'dist');

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** Newest mtime under the app's sources; dist is stale when any is newer than dist/index.html. */
function newestSource(): number {
  let newest = 0;
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'workers', 'seeds', 'sw']) walk(join(root, d));
  for (const f of ['vite.config.ts', 'package.json']) if (existsSync(join(root, f))) newest = Math.max(newest, statSync(join(root, f)).mtimeMs);
  return newest;
}

export default async function setup(project: TestProject) {
  const index = join(dist, 'index.html');
  const stale = !existsSync(index) || statSync(index).mtimeMs < newestSource();
  if ((process.env.SKIP_BUILD === '1' || process.env.ATLAS_E2E_DIST) && existsSync(index)) {
    // reuse whatever is there
  } else if (stale) {
    execSync('npm run build', { cwd: root, stdio: 'inherit' });
  }
  const { server, url } = await serveStatic(dist);
  project.provide('baseUrl', url);
  process.env.ATLAS_E2E_URL = url;
  return async () => {
    await new Promise<void>((r) => server.close(() => r()));
  };
}
