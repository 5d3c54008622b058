/**
 * Runs one bundled benchmark worker inside a headless Chromium page and returns its answer.
 * Two servers serve the same files: one cross-origin isolated (COOP/COEP → SharedArrayBuffer →
 * WASM threads possible) and one not (onnxruntime-web then runs single-threaded).
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { browserCpuMs, launch, type Browser } from './chromium.ts';
import { serveStatic, type StaticServer } from './server.ts';
import { REPO } from './seed.ts';
import { BUILD_DIR } from './build-browser.ts';

export interface BrowserBench {
  browser: Browser;
  isolated: StaticServer;
  plain: StaticServer;
  /** Runs `/<worker>.js` with `request` on a fresh page of the chosen server; rejects with the worker's error. */
  run<T>(worker: string, request: unknown, opts: { isolated: boolean; timeoutMs?: number }): Promise<T>;
  /** Browser CPU ms spent between the worker's 'start' and 'end' marks during the last run(). */
  lastCpuMs: number | null;
  close(): Promise<void>;
}

/**
 * `gpu`: Chromium with the SwiftShader WebGPU adapter (bench/lib/chromium.ts GPU_ARGS) instead of
 * --disable-gpu. `mounts`: extra folders to serve (e.g. the fp32 weights, which are not in public/).
 */
export async function startBrowserBench(opts: { gpu?: boolean; mounts?: Record<string, string> } = {}): Promise<BrowserBench> {
  const mounts = {
    '/': BUILD_DIR,
    '/ort/': join(REPO, 'node_modules/onnxruntime-web/dist'),
    '/models/': join(REPO, 'public/models'),
    ...opts.mounts,
  };
  const isolated = await serveStatic(mounts, true);
  const plain = await serveStatic(mounts, false);
  const browser = await launch({ gpu: opts.gpu });
  const run = async <T>(worker: string, request: unknown, opts: { isolated: boolean; timeoutMs?: number }): Promise<T> => {
    const page: Page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    let cpuStart = 0;
    let cpuTotal = 0;
    let marks = 0;
    await page.exposeFunction('__benchMark', (label: string) => {
      const now = browserCpuMs(browser.profileDir);
      if (label === 'start') cpuStart = now;
      else {
        cpuTotal += now - cpuStart;
        marks++;
      }
    });
    bench.lastCpuMs = null;
    try {
      await page.goto(`${opts.isolated ? isolated.url : plain.url}/index.html`);
      page.setDefaultTimeout(opts.timeoutMs ?? 600_000);
      const answer = await page.evaluate(
        ([name, req, timeoutMs]) =>
          new Promise<{ ok: boolean; result?: unknown; error?: string }>((resolve) => {
            const w = new Worker(`/${name}.js`, { type: 'module' });
            const timer = setTimeout(() => { w.terminate(); resolve({ ok: false, error: `timeout after ${timeoutMs} ms` }); }, timeoutMs);
            w.onmessage = (e) => {
              if (e.data?.mark) {
                (window as unknown as { __benchMark(l: string): Promise<void> }).__benchMark(e.data.mark).then(() => w.postMessage({ ack: true }));
                return;
              }
              clearTimeout(timer);
              w.terminate();
              resolve(e.data);
            };
            w.onerror = (e) => { clearTimeout(timer); w.terminate(); resolve({ ok: false, error: `worker error: ${e.message}` }); };
            w.postMessage(req);
          }),
        [worker, request, opts.timeoutMs ?? 600_000] as const,
      );
      bench.lastCpuMs = marks > 0 ? cpuTotal : null;
      if (!answer.ok) throw new Error(`${worker}: ${answer.error}${errors.length ? ` (page: ${errors.join('; ')})` : ''}`);
      return answer.result as T;
    } finally {
      await page.close();
    }
  };
  const bench: BrowserBench = {
    browser,
    isolated,
    plain,
    run,
    lastCpuMs: null,
    close: async () => {
      await browser.close();
      await isolated.close();
      await plain.close();
    },
  };
  return bench;
}
