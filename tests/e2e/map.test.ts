/**
 * The map view end to end, against the built site with the real model (WASM). One persistent
 * profile, steps in order: the shipped seed map opens at once (screenshots: desktop, phone, dark),
 * a search highlights its hits, hovering names a paper and a click opens it (abstract, neighbours),
 * a lasso limits the next search to the papers inside it, the cluster list works from the keyboard,
 * axe finds nothing serious; then papers are imported (placed from neighbours at once), re-laid out
 * in the layout worker, and a reload shows that stored layout without laying out again.
 * Questions are our own, not the eval file's. No wall-clock assertions.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, makeProfileDir, waitForStatus, ask, screenshot, type AppSession } from './harness.ts';
import { runAxe } from './axe.ts';

const QUESTION = 'learning robot manipulation policies from human videos';

const BIBTEX = `@article{mapwire1,
  title = {Masked Autoencoding of Tactile Signals for Robot Grasping},
  year = {2024},
  abstract = {We pre-train a transformer on tactile sensor readings by masking patches of the signal and reconstructing them, then fine-tune it for robot grasp success prediction.}
}
@article{mapwire2,
  title = {Contrastive Video Pretraining with Temporal Cropping},
  year = {2023},
  abstract = {Self-supervised contrastive learning on unlabelled video clips, using temporally distant crops as positives, improves action recognition after fine-tuning.}
}
`;

interface MapHook {
  source(): string | null;
  key(): string | null;
  ids(): string[];
  coords(): number[];
  selection(): string[] | null;
  layoutEvents(): number;
}
const hook = <T>(page: Page, fn: (m: MapHook) => T | Promise<T>) =>
  page.evaluate(`(async () => { const m = window.__atlasMap; return m ? (${fn.toString()})(m) : null; })()`) as Promise<T>;

async function waitForMap(page: Page, source?: string) {
  await page.waitForFunction(
    (want) => {
      const el = document.querySelector('[data-testid=map-panel]');
      const s = el?.getAttribute('data-source');
      return !!s && (!want || s === want);
    },
    source ?? null,
    { timeout: 300_000 },
  );
  await page.getByTestId('map-view').locator('canvas').waitFor();
  await showMap(page);
}

/**
 * Scrolls the map to the top of the window: pointer input must land on it (not under the fixed
 * status bar), and headless screenshots of a partly visible WebGL canvas miss part of it.
 */
async function showMap(page: Page) {
  await page.getByTestId('map-panel').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(300); // a settled frame (rendering is asynchronous)
}

/** Screen position (page coordinates) of the k-th hit, from its rank badge (drawn at the point). */
async function hitPoint(page: Page, k: number): Promise<{ x: number; y: number }> {
  const host = (await page.getByTestId('map-view').boundingBox())!;
  const badge = page.getByTestId('hit-badge').nth(k);
  const left = await badge.evaluate((el) => parseFloat((el as HTMLElement).style.left));
  const top = await badge.evaluate((el) => parseFloat((el as HTMLElement).style.top));
  return { x: host.x + left, y: host.y + top };
}

let s: AppSession;
let profileDir: string;

beforeAll(async () => {
  profileDir = makeProfileDir();
  s = await openApp({ profileDir, path: '?device=wasm&view=map', viewport: { width: 1280, height: 800 } });
}, 180_000);

afterAll(async () => {
  await s?.close();
});

describe('map view', () => {
  it('opens the shipped seed map at once, with named clusters and a text description', async () => {
    const { page } = s;
    await waitForMap(page);
    expect(await page.getByTestId('map-panel').getAttribute('data-source')).toBe('shipped');
    const clusters = page.getByTestId('cluster-list').getByRole('button');
    expect(await clusters.count()).toBeGreaterThan(2);
    expect(await clusters.first().innerText()).toMatch(/\d+ papers/);
    expect(await page.getByTestId('map-description').innerText()).toMatch(/Map of \d+ papers/);
    await expect.poll(() => page.getByTestId('cluster-label').count()).toBeGreaterThan(0);
    await screenshot(page, 'map-app-desktop');
  }, 320_000);

  it('phone and dark screenshots of the seed map', async () => {
    const { page } = s;
    await page.setViewportSize({ width: 390, height: 844 });
    await showMap(page);
    await screenshot(page, 'map-app-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await showMap(page);
    await screenshot(page, 'map-app-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  }, 60_000);

  it('a search highlights its hits on the map; hover names a paper, a click opens it with its neighbours', async () => {
    const { page } = s;
    await waitForStatus(page, (x) => x.spaces.some((sp) => sp.ready), 300_000, 'a semantic tier');
    const { titles } = await ask(page, QUESTION);
    expect(titles.length).toBeGreaterThan(0);
    await showMap(page);
    await expect.poll(() => page.getByTestId('hit-badge').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('map-description').innerText()).toMatch(/search results? (is|are) highlighted/);
    expect(await page.getByTestId('hit-badge').first().innerText()).toBe('1');
    await screenshot(page, 'map-app-hits');

    // Hover the best hit: the tooltip shows the first result's title.
    const p = await hitPoint(page, 0);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.getByTestId('map-tooltip').count()).toBe(1);
    const firstHitTitle = (await page.locator('[data-testid=results] li.result h3').first().innerText()).trim();
    expect((await page.getByTestId('map-tooltip').innerText()).trim()).toBe(firstHitTitle);

    // Click: the paper opens with its abstract and related papers (drawn as links on the map).
    await page.mouse.click(p.x, p.y);
    const paper = page.getByTestId('map-paper');
    await paper.waitFor();
    expect((await paper.locator('h3').innerText()).trim()).toBe(firstHitTitle);
    await expect.poll(() => paper.getByTestId('map-related').locator('li').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect((await paper.locator('.abstract').innerText()).length).toBeGreaterThan(50);

    // Keyboard on the focused map pans it; the page's keys (arrows = result cursor, Escape =
    // clear the question) stay out of it.
    const canvas = page.getByTestId('map-view').locator('canvas');
    await canvas.focus();
    for (const key of ['ArrowDown', 'ArrowRight', 'Escape']) await page.keyboard.press(key);
    expect(await canvas.evaluate((el) => el === document.activeElement)).toBe(true);
    expect(await page.getByTestId('search-input').inputValue()).toBe(QUESTION);
    await page.keyboard.press('0');
  }, 420_000);

  it('a lasso around a region limits the next search to the papers inside it', async () => {
    const { page } = s;
    const all = await page.locator('[data-testid=results] li.result').evaluateAll((els) => els.map((e) => e.getAttribute('data-paper-id')!));
    await showMap(page);
    await page.getByTestId('lasso-toggle').click();
    const c = await hitPoint(page, 0);
    const r = 70;
    await page.mouse.move(c.x + r, c.y);
    await page.mouse.down();
    for (let a = 0; a <= 2 * Math.PI + 0.01; a += Math.PI / 12) await page.mouse.move(c.x + r * Math.cos(a), c.y + r * Math.sin(a), { steps: 2 });
    await page.mouse.up();
    await expect.poll(() => page.getByTestId('map-panel').getAttribute('data-selection')).not.toBe('0');
    const selection = (await hook(page, (m) => m.selection()))!;
    expect(selection.length).toBeGreaterThan(0);
    // The lasso took a region, not the whole map, and the unrestricted results reach outside it.
    expect(all.some((id) => !selection.includes(id))).toBe(true);
    expect(await page.getByTestId('map-description').innerText()).toMatch(/selected; searches are limited to them/);

    await page.waitForFunction(() => document.querySelector('[data-testid=result-summary]')?.getAttribute('data-pending') === 'false');
    const inside = await page.locator('[data-testid=results] li.result').evaluateAll((els) => els.map((e) => e.getAttribute('data-paper-id')!));
    expect(inside.length).toBeGreaterThan(0);
    expect(inside.every((id) => selection.includes(id))).toBe(true);
    await screenshot(page, 'map-app-lasso');

    await page.getByTestId('lasso-clear').click();
    await expect.poll(() => page.getByTestId('map-panel').getAttribute('data-selection')).toBe('0');
  }, 120_000);

  it('the cluster list works from the keyboard: a cluster selects its papers', async () => {
    const { page } = s;
    const first = page.getByTestId('cluster-list').getByRole('button').first();
    await first.focus();
    await page.keyboard.press('Enter');
    expect(await first.getAttribute('aria-pressed')).toBe('true');
    const n = Number((await first.innerText()).match(/(\d+) papers?/)![1]);
    await expect.poll(() => page.getByTestId('map-panel').getAttribute('data-selection')).toBe(String(n));
    await page.keyboard.press('Enter'); // again: clears
    await expect.poll(() => page.getByTestId('map-panel').getAttribute('data-selection')).toBe('0');
  }, 60_000);

  it('colours by year or collection, with a colour key', async () => {
    const { page } = s;
    await page.getByTestId('map-colour').selectOption('year');
    await expect.poll(() => page.getByTestId('map-legend').locator('li').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('map-description').innerText()).toMatch(/coloured by year/);
    await page.getByTestId('map-colour').selectOption('collection');
    await expect.poll(() => page.getByTestId('map-legend').innerText()).toMatch(/\S/);
    expect(await page.getByTestId('map-description').innerText()).toMatch(/coloured by collection/);
    await page.getByTestId('map-colour').selectOption('cluster');
    expect(await page.getByTestId('map-legend').count()).toBe(0);
  }, 60_000);

  it('has no serious or critical accessibility violations (axe-core)', async () => {
    const { page } = s;
    const bad = await runAxe(page);
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
  }, 60_000);

  it('papers imported later are placed from their neighbours at once; re-layout runs in the worker; a reload shows it without laying out again', async () => {
    const { page } = s;
    await waitForStatus(page, (x) => x.semanticReady && x.phase === 'ready', 600_000, 'the full model');
    await page.getByTestId('import-file').setInputFiles({ name: 'mapwire.bib', mimeType: 'text/plain', buffer: Buffer.from(BIBTEX) });
    await page.getByTestId('import-preview').waitFor({ timeout: 60_000 });
    await page.getByTestId('import-collection').fill('mine');
    await page.getByTestId('import-commit').click();
    await waitForStatus(page, (x) => x.collections.some((c) => c.id === 'mine') && x.semanticReady && x.phase === 'ready', 300_000, 'the imported papers indexed');
    // Placed at once (then persisted, so a later ask may already answer 'stored' with the same rows).
    await expect.poll(() => page.getByTestId('map-info').innerText().catch(() => ''), { timeout: 120_000 }).toMatch(/2 placed from neighbours/);
    expect(['placed', 'stored']).toContain(await hook(page, (m) => m.source()));
    const placedIds = (await hook(page, (m) => m.ids()))!;
    expect(placedIds.length).toBeGreaterThan(2);
    expect(await hook(page, (m) => m.layoutEvents())).toBe(0);

    await page.getByTestId('map-relayout').click();
    // Laid out in the layout worker: progress events arrive, then a map with nothing "placed".
    await expect.poll(() => hook(page, (m) => m.layoutEvents()), { timeout: 300_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('map-info').innerText(), { timeout: 300_000 }).not.toMatch(/placed/);
    expect(['computed', 'stored']).toContain(await hook(page, (m) => m.source()));
    expect(await page.getByTestId('map-relayout').count()).toBe(0);
    const key = await hook(page, (m) => m.key());
    const coords = (await hook(page, (m) => m.coords()))!;
    expect(coords.length).toBe(2 * placedIds.length);

    await page.reload();
    await waitForMap(page, 'stored');
    expect(await hook(page, (m) => m.key())).toBe(key);
    expect(await hook(page, (m) => m.coords())).toEqual(coords);
    expect(await hook(page, (m) => m.layoutEvents())).toBe(0);
    expect(s.externalRequests).toEqual([]);
  }, 900_000);
});
