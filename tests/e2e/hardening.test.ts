/**
 * Issue 14, the browser side of the hostile tour's remaining holes:
 * - #13 Content-Security-Policy: the app fully works under its policy (model, worker, search,
 *   import), no violation is reported, and an injected inline script / handler / eval is refused.
 *   The first visit is governed by the <meta> tag; after a reload the service worker serves the
 *   page and its workers with the header policy (a host like GitHub Pages sends none).
 *
 * ATLAS_DIST=<dir> runs the CSP part against another build (e.g. main's dist/, to see it fail).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { HEADER_POLICY, META_POLICY } from '../../src/browser/csp.ts';
import { ask, DIST, engineStatus, foreignRequests, launch, serveStatic, waitAvailableOffline, waitForEngine, type Browser, type StaticServer } from './static-site.ts';

const BIB = `@article{otter22, title = {Otter Vocalisations in Kelp Forests}, author = {Lee, Ann}, year = {2022},
  abstract = {Hydrophone recordings of sea otters reveal seven call types used while foraging in kelp canopies.}}
@article{lichen19, title = {Lichen Growth on Basalt Lava Flows}, author = {Chen, Bo}, year = {2019},
  abstract = {Crustose lichens colonise fresh basalt within a decade; growth rates were measured on dated flows.}}
`;

/** Every CSP report: console lines of pages and workers, and the page's securitypolicyviolation events. */
function cspConsole(b: Browser): string[] {
  const out: string[] = [];
  b.context.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) out.push(m.text());
  });
  return out;
}

async function violations(b: Browser): Promise<string[]> {
  return b.page.evaluate(() => ((window as unknown as { __csp?: string[] }).__csp ?? []).slice());
}

describe('#13 Content-Security-Policy', () => {
  let dir: string;
  let server: StaticServer;
  let b: Browser;
  let consoleCsp: string[];

  beforeAll(async () => {
    const src = process.env.ATLAS_DIST ?? DIST;
    dir = mkdtempSync(join(tmpdir(), 'atlas-csp-'));
    execFileSync('cp', ['-al', src + '/.', dir]);
    // Like GitHub Pages: COOP/COEP are sent here (so threads work), but no CSP header.
    server = await serveStatic(dir, { isolation: true });
    b = await launch();
    consoleCsp = cspConsole(b);
    await b.context.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample}`));
    });
  }, 120_000);

  afterAll(async () => {
    await b?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the built page carries the meta policy', () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    expect(meta).toBe(META_POLICY);
    // Before any script: a policy met after a script does not cover it.
    expect(html.indexOf('http-equiv="Content-Security-Policy"')).toBeLessThan(html.indexOf('<script'));
  });

  it('first visit (meta policy): model, worker, hybrid search and an import all work, zero violations', async () => {
    const { page } = b;
    await page.goto(server.url + '?device=wasm');
    const s = await waitForEngine(page, (x) => x.semanticReady && x.phase === 'ready', 'the semantic index');
    expect(s.backend).toBe('wasm');
    const ids = await ask(page, 'masked image modeling for video pre-training', 'hybrid');
    expect(ids.length).toBeGreaterThan(0);

    await page.getByTestId('import-file').setInputFiles({ name: 'field.bib', mimeType: 'text/plain', buffer: Buffer.from(BIB) });
    await page.getByTestId('import-preview').waitFor({ timeout: 60_000 });
    await page.getByTestId('import-commit').click();
    await page.getByTestId('import-preview').waitFor({ state: 'detached', timeout: 300_000 });
    await expect.poll(async () => (await engineStatus(page)).papers, { timeout: 60_000 }).toBe(s.papers + 2);
    const hit = await ask(page, 'sea otter calls in kelp', 'lexical', 1);
    expect(hit[0]).toBeTruthy();

    expect(await violations(b)).toEqual([]);
    expect(consoleCsp).toEqual([]);
    expect(foreignRequests(b.requests)).toEqual([]);
  }, 600_000);

  // (eval is not tried here: code run through the DevTools protocol may eval whatever the policy
  // says. The unit test tests/unit/csp.test.ts checks the policy allows no 'unsafe-eval'.)
  it('an injected inline script and inline handler are refused', async () => {
    const { page } = b;
    const ran = await page.evaluate(async () => {
      const w = window as unknown as Record<string, unknown>;
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1';
      document.head.append(s);
      const img = document.createElement('img');
      img.setAttribute('onerror', 'window.__handler = 1');
      img.src = 'data:,x';
      document.body.append(img);
      await new Promise((r) => setTimeout(r, 300));
      img.remove();
      return { script: w.__injected === 1, handler: w.__handler === 1 };
    });
    expect(ran).toEqual({ script: false, handler: false });
    const v = await violations(b);
    expect(v.some((x) => x.startsWith('script-src-elem inline'))).toBe(true);
    expect(v.some((x) => x.startsWith('script-src-attr inline'))).toBe(true);
    await page.evaluate(() => ((window as unknown as { __csp: string[] }).__csp.length = 0));
    consoleCsp.length = 0;
  }, 60_000);

  it('reload through the service worker: the header policy is served, the app still works, zero violations', async () => {
    const { page } = b;
    await waitAvailableOffline(page);
    await page.reload();
    // The app shell and the engine worker's script as the service worker serves them (from its cache).
    const workerFile = readdirSync(join(dir, 'assets')).find((f) => /^engine\.worker-.*\.js$/.test(f));
    expect(workerFile).toBeTruthy();
    const served = await page.evaluate(async (worker) => {
      const get = async (u: string) => (await fetch(new URL(u, location.href))).headers.get('content-security-policy');
      return { controlled: !!navigator.serviceWorker.controller, shell: await get('index.html'), worker: await get(worker) };
    }, `assets/${workerFile}`);
    expect(served).toEqual({ controlled: true, shell: HEADER_POLICY, worker: HEADER_POLICY });
    await waitForEngine(page, (x) => x.semanticReady && x.phase === 'ready', 'the semantic index after reload');
    const ids = await ask(page, 'sea otter calls in kelp', 'hybrid', 3);
    expect(ids.length).toBeGreaterThan(0);
    expect(await violations(b)).toEqual([]);
    expect(consoleCsp).toEqual([]);
  }, 600_000);
});
