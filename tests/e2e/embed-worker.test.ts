/**
 * The embedding worker (workers/embed.worker.ts) cannot start — its script is missing from the
 * deployment (a partial upload, a blocked file) — and the app goes on: documents embed on the
 * engine's own thread instead, the user is told so once in a notice (not only in the console), and
 * an import is still embedded by the full model.
 *
 * Served from a copy of dist/ without the worker's script (Playwright's routing does not see a
 * worker started by another worker), with service workers blocked so no cache answers for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, chromiumArgs, guardNetwork, makeProfileDir, waitForStatus } from './harness.ts';
import { DIST, serveStatic, type StaticServer } from './static-site.ts';

const BIB = `@article{kelpA, title = {Kelp Canopy Recovery after Marine Heatwaves}, year = {2023},
  abstract = {Satellite surveys of kelp canopies over a decade show partial recovery after heatwaves where urchin grazing was low.}}
@article{kelpB, title = {Acoustic Monitoring of Seagrass Meadows}, year = {2021},
  abstract = {Passive hydrophones record the sound of photosynthesis bubbles, giving a cheap daily measure of seagrass productivity.}}
`;

const NOTICE = /same background thread that answers questions/;

let dir: string;
let server: StaticServer;
let profile: string;
let context: BrowserContext;
let page: Page;
const external: string[] = [];
const missing: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'atlas-noembed-'));
  execFileSync('cp', ['-al', DIST + '/.', dir]);
  const scripts = readdirSync(join(dir, 'assets')).filter((f) => /^embed\.worker-.*\.js$/.test(f));
  expect(scripts, 'the build has one embedding-worker script').toHaveLength(1);
  unlinkSync(join(dir, 'assets', scripts[0]!)); // a hard link: dist/ keeps its file
  server = await serveStatic(dir, { isolation: true });
  profile = makeProfileDir();
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: chromiumArgs(), serviceWorkers: 'block' });
  await guardNetwork(context, external);
  page = context.pages()[0] ?? (await context.newPage());
  await page.goto(server.url + '?device=wasm');
}, 120_000);

afterAll(async () => {
  await context?.close();
  await server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('embedding worker unavailable', () => {
  it('says so once in a notice, and imported papers are still embedded by the full model', async () => {
    const notices = page.locator('[data-notice-level]');
    await expect.poll(() => notices.allInnerTexts(), { timeout: 180_000 }).toEqual(expect.arrayContaining([expect.stringMatching(NOTICE)]));
    missing.push(...server.log.filter((l) => /embed\.worker-/.test(l.path) && l.status === 404).map((l) => l.path));
    expect(missing.length, 'the page did ask for the missing worker script').toBeGreaterThan(0);
    await waitForStatus(page, (s) => s.semanticReady && s.phase === 'ready', 300_000, 'the bundled papers');

    await page.getByTestId('import-file').setInputFiles({ name: 'kelp.bib', mimeType: 'text/plain', buffer: Buffer.from(BIB) });
    await page.getByTestId('import-preview').waitFor({ timeout: 60_000 });
    await page.getByTestId('import-collection').fill('kelp');
    await page.getByTestId('import-commit').click();
    const st = await waitForStatus(page, (s) => s.collections.some((c) => c.id === 'kelp' && c.embedded === 2) && s.semanticReady && s.phase === 'ready', 300_000, 'the imported papers embedded');
    expect(st.spaces.find((x) => x.role === 'primary')?.embedded).toBeGreaterThanOrEqual(2);
    // Told once, not once per batch.
    const told = (await notices.allInnerTexts()).filter((t) => NOTICE.test(t));
    expect(told).toHaveLength(1);
    // The reason is the real one (the script is missing), not a generic "crashed … out of memory?".
    expect(told[0]).toMatch(/did not start \(its script could not be loaded\)/);
    // Service workers are blocked in this browser: the status line says so plainly, no script error text.
    expect(await page.locator('[data-offline-state]').innerText()).toBe('offline use unavailable');
    expect(external).toEqual([]);
  }, 600_000);
});
