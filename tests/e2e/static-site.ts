/**
 * Helpers for the static-site e2e tests (offline.test.ts, precomputed.test.ts): a tiny static file
 * server that behaves like a plain static host — optional COOP/COEP headers, ETag/304 revalidation,
 * a switchable document root (to roll out a "new build" on the same origin) and path blocking (to
 * simulate a build without precomputed files) — plus a Chromium launcher with a fresh profile and
 * a recorder of every request the browser makes (pages, workers and the service worker).
 */
import { createServer, type Server } from 'node:http';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { TYPES } from './static-server.ts';
import { CHROMIUM, chromiumArgs, engineStatus as harnessStatus } from './harness.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const DIST = join(REPO, 'dist');

export interface StaticServer {
  url: string;
  /** Serve another directory from now on (same origin: a new deployment). */
  setRoot(dir: string): void;
  /** Paths (after the base) answered with 404, e.g. /^precomputed\//. */
  block: RegExp[];
  /** Request paths served, in order, with status. */
  log: { path: string; status: number }[];
  close(): Promise<void>;
}

export async function serveStatic(root: string, opts: { isolation?: boolean; base?: string } = {}): Promise<StaticServer> {
  let dir = root;
  const base = opts.base ?? '/';
  const block: RegExp[] = [];
  const log: StaticServer['log'] = [];
  const server: Server = createServer((req, res) => {
    const send = (status: number, body = '') => {
      log.push({ path: req.url ?? '', status });
      res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body);
    };
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!path.startsWith(base)) return send(404, 'outside base');
    let rel = path.slice(base.length);
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    rel = normalize(rel).replace(/^(\.\.(\/|$))+/, '');
    if (block.some((r) => r.test(rel))) return send(404, 'blocked');
    const file = join(dir, rel);
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) return send(404, 'not found');
    const st = statSync(file);
    const etag = `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      ETag: etag,
      'Last-Modified': st.mtime.toUTCString(),
      'Cache-Control': 'no-cache',
    };
    if (opts.isolation !== false) {
      headers['Cross-Origin-Opener-Policy'] = 'same-origin';
      headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
    }
    if (req.headers['if-none-match'] === etag) {
      log.push({ path: rel, status: 304 });
      return res.writeHead(304, headers).end();
    }
    log.push({ path: rel, status: 200 });
    res.writeHead(200, { ...headers, 'Content-Length': String(st.size) });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}${base}`,
    setRoot: (d) => (dir = d),
    block,
    log,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Every URL requested by any page, worker or service worker of the context. */
  requests: string[];
  close(): Promise<void>;
}

/** Chromium with a fresh persistent profile (so the service worker and IndexedDB survive reloads). */
export async function launch(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'atlas-static-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(),
  });
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (d) => void d.accept());
  return {
    context,
    page,
    requests,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Requests that left 127.0.0.1 (data:/blob: URLs are in-memory, not network). */
export function foreignRequests(urls: string[]): string[] {
  return urls.filter((u) => !/^(data|blob|chrome-extension|about):/.test(u) && new URL(u).hostname !== '127.0.0.1');
}

export interface Status {
  semanticReady: boolean;
  embeddedCount: number;
  shippedVectors: number;
  storedVectors: number;
  papers: number;
  backend: string | null;
  threads: number;
  crossOriginIsolated: boolean;
  modelState: string;
  phase: string;
}

/** The worker's counters (harness.ts engineStatus: bounded, 60 s here). */
export async function engineStatus(page: Page, timeoutMs = 60_000): Promise<Status> {
  return (await harnessStatus(page, timeoutMs)) as unknown as Status;
}

/**
 * Polls the engine until `pred` holds (the model load + any embedding can take minutes here). The
 * default stays below the tests' 600 s timeout so that a stall fails with the last status.
 */
export async function waitForEngine(page: Page, pred: (s: Status) => boolean, what: string, timeoutMs = 300_000): Promise<Status> {
  const until = Date.now() + timeoutMs;
  let last: Status | undefined;
  while (Date.now() < until) {
    try {
      last = await engineStatus(page);
    } catch (e) {
      const text = await page.evaluate(() => document.body?.innerText.slice(0, 600) ?? '').catch(() => '(page unreadable)');
      throw new Error(`while waiting for ${what}: ${(e as Error).message}; last status ${JSON.stringify(last)}; page: ${text}`);
    }
    if (pred(last)) return last;
    if (last.modelState === 'failed') throw new Error(`model failed while waiting for ${what}: ${JSON.stringify(last)}`);
    await page.waitForTimeout(500);
  }
  throw new Error(`timed out waiting for ${what}; last status ${JSON.stringify(last)}`);
}

/** Types a question in the given mode and returns the ranked paper ids shown. */
export async function ask(page: Page, question: string, mode: 'vector' | 'hybrid' | 'lexical', k = 5): Promise<string[]> {
  await page.locator(`input[name="mode"][value="${mode}"]`).check();
  const input = page.getByTestId('search-input');
  // Clear first: an empty question removes the result list, so the list we read next is this question's.
  await input.fill('');
  await input.press('Enter');
  await page.locator('[data-testid="result-summary"]').waitFor({ state: 'detached' });
  await input.fill(question);
  await input.press('Enter');
  await page.waitForFunction(
    (m) => {
      const s = document.querySelector('[data-testid="result-summary"]');
      return !!s && s.getAttribute('data-mode') === m && document.querySelectorAll('[data-testid="results"] li.result').length > 0;
    },
    mode,
  );
  const ids = await page.locator('[data-testid="results"] li.result').evaluateAll((els) => els.map((e) => e.getAttribute('data-paper-id') ?? ''));
  return ids.slice(0, k);
}

/** Waits until OfflineStatus says every precached file is in Cache Storage. */
export async function waitAvailableOffline(page: Page, timeoutMs = 300_000) {
  await page.locator('[data-offline-state="offline"]').waitFor({ timeout: timeoutMs });
}

/**
 * A private, immutable view of dist/ for one test file: hard links (no copying of the ~120 MB), so a
 * concurrent `npm run build` — which deletes and rewrites dist/ — cannot change files under a running
 * test. Remove the returned directory when done.
 */
export function snapshotDist(): string {
  if (!existsSync(join(DIST, 'sw.js'))) throw new Error('dist/sw.js missing: global-setup must build the site (npm run build)');
  const dir = mkdtempSync(join(tmpdir(), 'atlas-dist-'));
  execFileSync('cp', ['-al', DIST + '/.', dir]);
  return dir;
}
