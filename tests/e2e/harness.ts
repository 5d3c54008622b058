/**
 * Reusable helpers for browser end-to-end tests (app, offline, precomputed): launch headless
 * Chromium through playwright-core, open the served app with a fresh or persistent profile, block
 * and record every request that is not to localhost, read the worker's counters, save screenshots.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { EngineStatus } from '../../src/protocol.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const OUTPUT_DIR = fileURLToPath(new URL('../output/', import.meta.url));

/**
 * Headless, no sandbox (containers), and none of Chromium's own network traffic (QUIC, background
 * updates, sync), so every request a test records is the app's. `gpu: true` drops --disable-gpu and
 * enables WebGPU on SwiftShader (no GPU on the test machines).
 */
export function chromiumArgs(opts: { gpu?: boolean; extraArgs?: string[] } = {}): string[] {
  const base = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  const gpu = opts.gpu ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'] : ['--disable-gpu'];
  return [...base, ...gpu, ...(opts.extraArgs ?? [])];
}

/** The served app's URL (set by tests/e2e/global-setup.ts). */
export function appUrl(path = ''): string {
  let base: string | undefined;
  try {
    base = inject('baseUrl');
  } catch {
    base = undefined;
  }
  base ??= process.env.ATLAS_E2E_URL;
  if (!base) throw new Error('No app URL: run through the e2e vitest project (global setup serves dist/)');
  return new URL(path, base).href;
}

export interface AppSession {
  context: BrowserContext;
  page: Page;
  /** Every request to a host other than 127.0.0.1/localhost (all of them were aborted). */
  externalRequests: string[];
  /** Console errors and uncaught page errors. */
  errors: string[];
  profileDir?: string;
  close(): Promise<void>;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Aborts and records any request that leaves the machine. */
export async function guardNetwork(context: BrowserContext, sink: string[]): Promise<void> {
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if ((u.protocol === 'http:' || u.protocol === 'https:' || u.protocol === 'ws:' || u.protocol === 'wss:') && !LOCAL_HOSTS.has(u.hostname)) {
      sink.push(u.href);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
}

function watch(page: Page, errors: string[]) {
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
}

export interface OpenOptions {
  /** Reuse this profile directory (reload persistence). Omit for a fresh throwaway profile. */
  profileDir?: string;
  gpu?: boolean;
  extraArgs?: string[];
  /** Path + query to open, relative to the app URL (default ''). Pass null to not navigate. */
  path?: string | null;
  viewport?: { width: number; height: number };
  offline?: boolean;
}

/** Launches Chromium with a persistent profile (fresh temp dir unless given) and opens the app. */
export async function openApp(opts: OpenOptions = {}): Promise<AppSession> {
  const fresh = !opts.profileDir;
  const profileDir = opts.profileDir ?? mkdtempSync(join(tmpdir(), 'atlas-e2e-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumArgs(opts),
    viewport: opts.viewport ?? { width: 1280, height: 900 },
    acceptDownloads: true,
    offline: opts.offline,
  });
  const externalRequests: string[] = [];
  const errors: string[] = [];
  await guardNetwork(context, externalRequests);
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page, errors);
  if (opts.path !== null) await page.goto(appUrl(opts.path ?? ''));
  return {
    context,
    page,
    externalRequests,
    errors,
    profileDir,
    async close() {
      await context.close();
      if (fresh) rmSync(profileDir, { recursive: true, force: true });
    },
  };
}

/** A plain (non-persistent) browser, for tests that manage their own contexts. */
export function launchBrowser(opts: { gpu?: boolean; extraArgs?: string[] } = {}): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs(opts) });
}

export function makeProfileDir(): string {
  return mkdtempSync(join(tmpdir(), 'atlas-profile-'));
}

/**
 * The worker's status (counters: embeddedCount, storedVectors, backend, threads…), through the app's
 * diagnostic hook (src/ui/App.svelte: window.__atlas). Bounded: a worker that stops answering fails
 * here with that said, instead of hanging the test until vitest's timeout, which reports nothing
 * about where it stopped (tests/e2e/static-site.ts uses this one too).
 */
export async function engineStatus(page: Page, timeoutMs = 120_000): Promise<EngineStatus> {
  await page.waitForFunction(() => !!(window as unknown as { __atlas?: unknown }).__atlas, null, { timeout: Math.min(timeoutMs, 30_000) });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`the engine did not answer a status request within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([page.evaluate(() => (window as unknown as { __atlas: { status(): Promise<EngineStatus> } }).__atlas.status()), silent]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls the worker until `pred(status)` holds; throws with the last status on timeout. */
export async function waitForStatus(page: Page, pred: (s: EngineStatus) => boolean, timeoutMs = 300_000, what = 'condition'): Promise<EngineStatus> {
  const end = Date.now() + timeoutMs;
  let last: EngineStatus | undefined;
  while (Date.now() < end) {
    last = await engineStatus(page);
    if (pred(last)) return last;
    await page.waitForTimeout(500);
  }
  throw new Error(`Timed out waiting for ${what}; last status: ${JSON.stringify(last)}`);
}

export const waitForSemanticReady = (page: Page, timeoutMs = 300_000) =>
  waitForStatus(page, (s) => s.semanticReady && s.phase === 'ready', timeoutMs, 'the semantic index');

/** Types a question, presses Enter and returns the result titles in rank order. */
export async function ask(page: Page, question: string, mode?: 'hybrid' | 'vector' | 'lexical'): Promise<{ titles: string[]; mode: string }> {
  if (mode) await page.locator(`input[name=mode][value=${mode}]`).check({ force: true });
  const input = page.getByTestId('search-input');
  await input.fill(question);
  await input.press('Enter');
  return readResults(page, question);
}

/** Waits for the result list of `question` (the URL carries it) and returns titles + mode used. */
export async function readResults(page: Page, question?: string): Promise<{ titles: string[]; mode: string }> {
  if (question !== undefined) {
    await page.waitForFunction((q) => new URL(location.href).searchParams.get('q') === q, question);
  }
  const summary = page.getByTestId('result-summary');
  await summary.waitFor();
  // Settled: the list on screen answers this question and no newer search is out (no sleeping).
  await page.waitForFunction(
    (q) => {
      const el = document.querySelector('[data-testid=result-summary]');
      return !!el && el.getAttribute('data-pending') === 'false' && (q === null || el.getAttribute('data-question') === q);
    },
    question ?? null,
  );
  const titles = await page.locator('[data-testid=results] li.result h3').allInnerTexts();
  return { titles: titles.map((t) => t.trim()), mode: (await summary.getAttribute('data-mode')) ?? '' };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const file = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
