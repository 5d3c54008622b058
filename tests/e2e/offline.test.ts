/**
 * The built site works offline after one visit, never talks to another origin, stays cross-origin
 * isolated when served by its service worker, replaces an old build's caches on update, and works
 * under a sub-path (BASE_PATH).
 *
 * Uses dist/ built once by global-setup.ts; serves it with its own static server (tests/e2e/static-site.ts)
 * because the update test must swap the deployment under the same origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, execSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import {
  ask,
  foreignRequests,
  launch,
  REPO,
  serveStatic,
  snapshotDist,
  waitAvailableOffline,
  waitForEngine,
  type Browser,
  type StaticServer,
} from './static-site.ts';
import { wasmThreadCount } from '../../src/core/model/threads.ts';

const QUESTION = 'how can a robot learn manipulation skills from videos of people';

/** Every entry of every Cache Storage cache of the page's origin: cache name → request URLs. */
function cacheContents(page: Page): Promise<Record<string, string[]>> {
  return page.evaluate(async () => {
    const out: Record<string, string[]> = {};
    for (const name of await caches.keys()) out[name] = (await (await caches.open(name)).keys()).map((r) => r.url);
    return out;
  });
}

function precacheOf(contents: Record<string, string[]>): string[] {
  const names = Object.keys(contents).filter((n) => n.startsWith('workbox-precache'));
  expect(names, 'exactly one Workbox precache').toHaveLength(1);
  return contents[names[0]];
}

/**
 * A "next deployment": dist/ hard-linked into a temp dir, with index.html changed and its precache
 * revision in sw.js updated, exactly as a rebuild with a changed page would produce.
 */
function nextBuild(from: string): { dir: string; oldRev: string; newRev: string } {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-dist2-'));
  execFileSync('cp', ['-al', from + '/.', dir]);
  const html = readFileSync(join(from, 'index.html'), 'utf8').replace('</head>', '<meta name="atlas-build" content="2" />\n</head>');
  const sw = readFileSync(join(from, 'sw.js'), 'utf8');
  const m = sw.match(/"revision":"([0-9a-f]+)","url":"index\.html"/);
  if (!m) throw new Error('index.html precache entry not found in dist/sw.js');
  const newRev = createHash('md5').update(html).digest('hex');
  // unlink first: the files are hard links to the served build, which must stay untouched
  unlinkSync(join(dir, 'index.html'));
  writeFileSync(join(dir, 'index.html'), html);
  unlinkSync(join(dir, 'sw.js'));
  writeFileSync(join(dir, 'sw.js'), sw.replace(m[0], `"revision":"${newRev}","url":"index.html"`));
  return { dir, oldRev: m[1], newRev };
}

describe('offline static site', () => {
  let server: StaticServer;
  let b: Browser;
  let site: string;
  const cleanup: string[] = [];

  beforeAll(async () => {
    site = snapshotDist();
    cleanup.push(site);
    server = await serveStatic(site);
    b = await launch();
  });

  afterAll(async () => {
    await b?.close();
    await server?.close();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  it('after one visit, answers questions with the network cut, from no other origin', async () => {
    const { page, context, requests } = b;
    await page.goto(server.url);
    await waitAvailableOffline(page);
    const first = await waitForEngine(page, (s) => s.semanticReady, 'semantic index on first visit');
    expect(first.crossOriginIsolated).toBe(true);
    expect(await page.evaluate(() => !!navigator.serviceWorker.controller)).toBe(true);
    const firstVisit = [...requests];

    // Cut everything: the browser is offline AND any request that still reaches the network layer fails.
    const reachedNetwork: string[] = [];
    let cut = true;
    await context.setOffline(true);
    await context.route('**/*', (route) => {
      if (!cut) return route.fallback();
      reachedNetwork.push(route.request().url());
      return route.abort('internetdisconnected');
    });
    requests.length = 0;
    await page.reload();
    const offline = await waitForEngine(page, (s) => s.semanticReady && s.modelState === 'ready', 'semantic index offline');
    // Served from the service worker's cache, the page keeps COOP/COEP → still isolated (threads possible).
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(offline.crossOriginIsolated).toBe(true);
    expect(offline.embeddedCount).toBe(0);
    const ids = await ask(page, QUESTION, 'hybrid');
    expect(ids).toHaveLength(5);
    const semantic = await ask(page, QUESTION, 'vector');
    expect(semantic).toHaveLength(5);
    await page.locator('[data-offline-state="offline"]').waitFor();

    expect(reachedNetwork, 'requests that were not answered by the service worker').toEqual([]);
    expect(foreignRequests([...firstVisit, ...requests]), 'requests to other origins').toEqual([]);
    expect(firstVisit.length).toBeGreaterThan(5); // the recorder does see traffic

    // The route stays and lets everything through: removing it (context.unroute, also unrouteAll
    // with 'ignoreErrors') never returned in about 1 run of 3 under load here, past the test's
    // 600 s timeout (the CI failure of 2026-12-03).
    cut = false;
    await context.setOffline(false);
  }, 600_000);

  it('a new build replaces the old precache after "update ready — reload", re-downloading only what changed', async () => {
    const { page, requests } = b;
    const before = precacheOf(await cacheContents(page));
    const next = nextBuild(site);
    cleanup.push(next.dir);
    expect(before.some((u) => u.endsWith(`index.html?__WB_REVISION__=${next.oldRev}`))).toBe(true);
    const modelEntry = before.find((u) => u.includes('/onnx/model_quantized.onnx'));
    expect(modelEntry).toBeDefined();

    server.setRoot(next.dir);
    requests.length = 0;
    const servedFrom = server.log.length;
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    await page.locator('[data-update-ready="true"]').waitFor({ timeout: 120_000 });
    // The old build keeps running until the user accepts.
    expect(await page.locator('meta[name="atlas-build"]').count()).toBe(0);

    await Promise.all([page.waitForEvent('load', { timeout: 120_000 }), page.getByRole('button', { name: 'reload' }).click()]);
    await page.locator('meta[name="atlas-build"]').waitFor({ state: 'attached' });
    await waitAvailableOffline(page);

    const after = precacheOf(await cacheContents(page));
    expect(after.some((u) => u.endsWith(`index.html?__WB_REVISION__=${next.newRev}`))).toBe(true);
    expect(after.some((u) => u.includes(`__WB_REVISION__=${next.oldRev}`))).toBe(false);
    expect(after).toContain(modelEntry); // unchanged entries are kept, not re-keyed
    expect(after.length).toBe(before.length);
    // Unchanged large files were not fetched again by the new service worker.
    const refetched = server.log.slice(servedFrom).filter((l) => l.status === 200 && /\.(onnx|wasm|bin)$/.test(l.path));
    expect(refetched).toEqual([]);
    expect(foreignRequests(requests)).toEqual([]);
    await waitForEngine(page, (s) => s.semanticReady, 'semantic index after update');
  }, 600_000);
});

describe('sub-path deployment (BASE_PATH)', () => {
  let out: string;
  let server: StaticServer;
  let b: Browser;

  beforeAll(async () => {
    // One extra Vite build (a few seconds; models/ORT/vectors are copied, not recomputed).
    out = mkdtempSync(join(tmpdir(), 'atlas-sub-'));
    execSync(`npx vite build --outDir ${out} --emptyOutDir --logLevel warn`, { cwd: REPO, env: { ...process.env, NODE_ENV: 'production', BASE_PATH: '/deep/atlas/' }, stdio: 'inherit' });
    server = await serveStatic(out, { base: '/deep/atlas/' });
    b = await launch();
  });

  afterAll(async () => {
    await b?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('fetches everything under the base path and works', async () => {
    const { page } = b;
    await page.goto(server.url);
    await waitAvailableOffline(page);
    const s = await waitForEngine(page, (x) => x.semanticReady, 'semantic index under a sub-path');
    expect(s.shippedVectors).toBeGreaterThan(0);
    expect(await ask(page, QUESTION, 'vector')).toHaveLength(5);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.scope);
    expect(scope).toBe(server.url);
    const manifest = await (await fetch(server.url + 'manifest.webmanifest')).json();
    expect(manifest.start_url).toBe('/deep/atlas/');
    expect(manifest.scope).toBe('/deep/atlas/');
    // (Chromium's automatic /favicon.ico probe is the browser's, not the app's.)
    expect(server.log.filter((l) => l.status === 404 && !l.path.endsWith('/favicon.ico')), 'requests outside the base path or missing files').toEqual([]);
  }, 600_000);
});

describe('host that cannot send COOP/COEP (e.g. GitHub Pages)', () => {
  let server: StaticServer;
  let b: Browser;
  let site: string;

  beforeAll(async () => {
    site = snapshotDist();
    server = await serveStatic(site, { isolation: false });
    b = await launch();
  });

  afterAll(async () => {
    await b?.close();
    await server?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it('runs single-threaded on the first visit, and isolated once the service worker serves the page', async () => {
    const { page } = b;
    await page.goto(server.url);
    const first = await waitForEngine(page, (s) => s.semanticReady, 'semantic index without isolation headers');
    expect(first.crossOriginIsolated).toBe(false);
    expect(first.threads).toBe(1);
    expect(await page.getByTestId('status-line').textContent()).toContain('not cross-origin isolated');
    await waitAvailableOffline(page);

    await page.reload();
    const second = await waitForEngine(page, (s) => s.semanticReady, 'semantic index on the second visit');
    // The service worker added COOP/COEP to the responses it served.
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(second.crossOriginIsolated).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(second.threads).toBe(wasmThreadCount(cores, true));
    expect(second.embeddedCount).toBe(0);
    expect(await ask(page, QUESTION, 'vector')).toHaveLength(5);
  }, 600_000);
});
