/**
 * Two tiers in the built app: the transformer's file is held back (routed, service worker blocked)
 * so the test controls when the full model arrives. First visit: the question in the URL is answered
 * by the quick (static) tier while the transformer is still "downloading", the status line says which
 * tier covers what, and the shown result upgrades to the full model by itself once it is ready.
 * Reload: the quick tier answers from stored static vectors (nothing re-embedded) before the
 * transformer has loaded. Times to the first semantic answer are printed (not asserted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { rmSync } from 'node:fs';
import { appUrl, CHROMIUM, chromiumArgs, engineStatus, guardNetwork, makeProfileDir, waitForSemanticReady } from './harness.ts';

const QUESTION = 'reconstructing hidden patches of video clips to learn representations';

interface Visit {
  context: BrowserContext;
  page: Page;
  external: string[];
  release: () => void;
  t0: number;
}

async function visit(profile: string): Promise<Visit> {
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: chromiumArgs(), serviceWorkers: 'block' });
  const external: string[] = [];
  await guardNetwork(context, external);
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  // Registered after the guard, so it is asked first: the transformer's weights wait for the test.
  await context.route('**/onnx/model_quantized.onnx', async (route) => {
    await held;
    await route.continue();
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const t0 = Date.now();
  await page.goto(appUrl(`?q=${encodeURIComponent(QUESTION)}&device=wasm`));
  return { context, page, external, release, t0 };
}

/** Waits until the shown result answers QUESTION from `tier` ('quick' | 'full'). */
async function resultFrom(page: Page, tier: string, timeout = 120_000): Promise<void> {
  await page.waitForFunction(
    ([q, t]) => {
      const el = document.querySelector('[data-testid=result-summary]');
      return !!el && el.getAttribute('data-pending') === 'false' && el.getAttribute('data-question') === q && el.getAttribute('data-tier') === t;
    },
    [QUESTION, tier] as const,
    { timeout },
  );
}

let profile: string;
beforeAll(() => {
  profile = makeProfileDir();
});
afterAll(() => rmSync(profile, { recursive: true, force: true }));

describe('quick tier, then the full model (built app)', () => {
  it('first visit: semantic answer from the quick tier while the transformer downloads, upgraded when it is ready', async () => {
    const v = await visit(profile);
    try {
      await resultFrom(v.page, 'quick');
      console.log(`first visit: quick-tier semantic result ${Date.now() - v.t0} ms after navigation`);
      const st = await engineStatus(v.page);
      // The full model really was not there (it starts loading once the quick tier's pass has ended).
      expect(st.modelState).not.toBe('ready');
      expect(st.spaces.find((s) => s.role === 'quick')).toMatchObject({ indexed: 204, embedded: 204 });
      expect(await v.page.locator('[data-testid=result-summary]').getAttribute('data-mode')).toBe('hybrid');
      await expect(v.page.getByTestId('tiers').innerText()).resolves.toBe('quick index 204 / full model 0 of 204');
      const quickTitles = await v.page.locator('[data-testid=results] li.result h3').allInnerTexts();
      expect(quickTitles.length).toBeGreaterThan(0);

      v.release();
      const ready = await waitForSemanticReady(v.page, 300_000);
      await resultFrom(v.page, 'full'); // the page re-asked by itself
      // The seed corpus keeps its shipped full-model vectors: nothing embedded by the transformer.
      expect(ready.shippedVectors).toBe(204);
      expect(ready.embeddedCount).toBe(0);
      expect(v.external).toEqual([]);
    } finally {
      await v.context.close();
    }
  }, 600_000);

  it('reload: the quick tier answers from stored vectors before the transformer has loaded', async () => {
    const v = await visit(profile);
    try {
      await resultFrom(v.page, 'quick');
      console.log(`reload: quick-tier semantic result ${Date.now() - v.t0} ms after navigation`);
      const st = await engineStatus(v.page);
      expect(st.modelState).not.toBe('ready');
      expect(st.spaces.find((s) => s.role === 'quick')).toMatchObject({ indexed: 204, embedded: 0, stored: 204 });
      v.release();
      await waitForSemanticReady(v.page, 300_000);
      await resultFrom(v.page, 'full');
      expect((await engineStatus(v.page)).embeddedCount).toBe(0);
      expect(v.external).toEqual([]);
    } finally {
      await v.context.close();
    }
  }, 600_000);
});
