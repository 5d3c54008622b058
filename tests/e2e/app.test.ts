/**
 * The browser app end to end, against the built site (dist/) with the real model in headless
 * Chromium (WASM path). The tests share ONE persistent profile and run in order, because a first
 * visit embeds 204 abstracts (~1–2 min on this machine) and later steps are about what a reload
 * of that profile does. Questions are our own, not the eval file's.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  openApp,
  makeProfileDir,
  engineStatus,
  waitForSemanticReady,
  waitForStatus,
  ask,
  readResults,
  screenshot,
  appUrl,
  OUTPUT_DIR,
  type AppSession,
} from './harness.ts';

const QUESTION = 'translating sign language videos into spoken-language text without gloss annotations';
const EXPECTED = 'Gloss-free Sign Language Translation: Improving from Visual-Language Pretraining';
const IMPORT_QUESTION = 'do honeybee colonies improve fruit set in apple orchards';
const IMPORT_EXPECTED = 'Honeybee Foraging and Pollination Services in Apple Orchards';

const BIBTEX = `@article{bees2021,
  title = {Honeybee Foraging and Pollination Services in Apple Orchards},
  author = {Meadow, Ann and Hive, Bob},
  year = {2021},
  journal = {Journal of Applied Ecology},
  doi = {10.1111/jae.12345},
  abstract = {We measured how managed honeybee colonies placed next to apple orchards change pollinator visits, fruit set and yield across three seasons. Orchards with hives had higher fruit set than orchards that relied on wild pollinators alone.}
}
@article{glacier2020,
  title = {Surface Melt of Alpine Glaciers from Satellite Radar},
  author = {Ice, Carla},
  year = {2020},
  abstract = {Synthetic aperture radar time series reveal the onset and duration of surface melt on alpine glaciers, validated against automatic weather stations.}
}
@article{xss2019,
  title = {<script>alert(1)</script> Markup in Titles Is Shown as Text},
  year = {2019},
  abstract = {An entry whose title holds <b>HTML</b> tags, used to check that imported text is never rendered as markup.}
}
`;

let profile: string;
let s: AppSession | null = null;
let firstTitles: string[] = [];

async function visit(path: string) {
  if (s) await s.close();
  s = await openApp({ profileDir: profile, path });
  s.page.on('dialog', (d) => void d.accept());
  return s;
}

async function externalCheck() {
  expect(s!.externalRequests, 'requests to other origins').toEqual([]);
}

beforeAll(() => {
  profile = makeProfileDir();
});

afterAll(async () => {
  if (s) await s.close();
  rmSync(profile, { recursive: true, force: true });
});

describe('browser app (WASM)', () => {
  it('first visit: lexical at once, then embeds all 204 papers in the browser and answers semantically', async () => {
    const { page } = await visit('?shipped=0&device=wasm');
    // Lexical search works before the model is ready.
    const early = await ask(page, QUESTION);
    expect(early.titles.length).toBeGreaterThan(0);
    // The progress bar shows papers done / total while embedding.
    await page.locator('#embed-progress').waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=embed-done]')?.getAttribute('data-value')) > 0, null, { timeout: 120_000 });
    await screenshot(page, '01-first-visit-progress');
    const st = await waitForSemanticReady(page, 400_000);
    expect(st.papers).toBe(204);
    expect(st.embeddedCount).toBe(204);
    expect(st.storedVectors).toBe(204);
    expect(st.backend).toBe('wasm');
    expect(st.storage).toBe('indexeddb');
    const r = await ask(page, QUESTION, 'hybrid');
    expect(r.mode).toBe('hybrid');
    expect(r.titles[0]).toBe(EXPECTED);
    const v = await ask(page, QUESTION, 'vector');
    expect(v.mode).toBe('vector');
    expect(v.titles[0]).toBe(EXPECTED);
    await page.locator('input[name=mode][value=hybrid]').check({ force: true });
    firstTitles = (await ask(page, QUESTION)).titles;
    // Best sentence is highlighted in the expanded abstract, as text (query-word marks are class 'term').
    await page.locator('li.result').first().locator('h3 button').click();
    await expect.poll(() => page.locator('li.result').first().locator('mark:not(.term)').count()).toBe(1);
    await expect(page.getByTestId('status-line').innerText()).resolves.toMatch(/WASM, \d thread/);
    await screenshot(page, '02-results-expanded');
    await externalCheck();
  }, 600_000);

  it('reload with ?q= reproduces the results and embeds nothing', async () => {
    const { page } = await visit(`?q=${encodeURIComponent(QUESTION)}&device=wasm`);
    const st = await waitForSemanticReady(page, 120_000);
    expect(st.embeddedCount).toBe(0);
    expect(st.storedVectors).toBe(204);
    // The URL query runs on load; once semantic results are in, they equal the first visit's.
    // The quick (static) tier may answer first; the comparison is with the full model's answer.
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid=result-summary]');
      return el?.getAttribute('data-mode') === 'hybrid' && el.getAttribute('data-tier') === 'full' && el.getAttribute('data-pending') === 'false';
    }, null, { timeout: 60_000 });
    const r = await readResults(page);
    expect(r.titles).toEqual(firstTitles);
    expect((await engineStatus(page)).embeddedCount).toBe(0);
    await externalCheck();
  }, 300_000);

  it('related papers by mouse and keyboard; / ArrowDown Enter r Esc', async () => {
    const { page } = s!;
    await page.locator('li.result').first().getByRole('button', { name: /^Related papers for/ }).click();
    const rel = page.getByTestId('related');
    await rel.waitFor();
    const relTitles = await rel.locator('.rtitle').allInnerTexts();
    expect(relTitles.length).toBe(8);
    expect(relTitles).not.toContain(EXPECTED);
    // A neighbour of a sign-language translation paper should be about language/vision pretraining.
    expect(relTitles.some((t) => /language|sign|text|translation/i.test(t))).toBe(true);
    await screenshot(page, '03-related');
    await page.keyboard.press('Escape'); // closes related
    await expect.poll(() => rel.count()).toBe(0);

    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator('li.result.active').getAttribute('data-paper-id')).toBe(
      await page.locator('li.result').nth(1).getAttribute('data-paper-id'),
    );
    await page.keyboard.press('Enter'); // expands the active result
    await expect.poll(() => page.locator('li.result.active p.abstract').count()).toBe(1);
    await page.keyboard.press('r');
    await rel.waitFor();
    expect(await rel.locator('h2').innerText()).toContain(firstTitles[1]);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Escape'); // clears the query
    await expect.poll(() => page.getByTestId('search-input').inputValue()).toBe('');
    expect(new URL(page.url()).searchParams.get('q')).toBeNull();
  }, 120_000);

  it('damaged stored vectors and a garbage paper record are repaired with a message, re-embedding only what was lost', async () => {
    const { page } = s!;
    // Corrupt between visits: from a same-origin page that does not run the app.
    await page.goto(new URL('/manifest.webmanifest', page.url()).href).catch(() => {});
    const damaged = await page.evaluate(async () => {
      const db: IDBDatabase = await new Promise((res, rej) => {
        const r = indexedDB.open('abstract-atlas');
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
      const tx = db.transaction(['vectors', 'papers'], 'readwrite');
      const vs = tx.objectStore('vectors');
      const keys: IDBValidKey[] = await new Promise((res) => {
        const q = vs.getAllKeys(null, 10);
        q.onsuccess = () => res(q.result);
      });
      for (const k of keys) {
        const [modelKey, paperId] = k as [string, string];
        vs.put({ modelKey, paperId, textHash: 'x', vector: new Float32Array(3).fill(NaN) });
      }
      tx.objectStore('papers').put({ id: 'garbage', title: 42 });
      await new Promise((res) => (tx.oncomplete = res));
      db.close();
      return keys.length;
    });
    expect(damaged).toBe(10);
    // shipped=0: repair by embedding here (with shipped vectors the build's copies would be used).
    await visit('?device=wasm&shipped=0');
    const st = await waitForSemanticReady(s!.page, 200_000);
    expect(st.embeddedCount).toBe(10);
    expect(st.papers).toBe(204);
    const notices = s!.page.locator('[data-notice-level]');
    await expect.poll(() => notices.allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringMatching(/unreadable/), expect.stringMatching(/damaged/)]),
    );
    await screenshot(s!.page, '04-repaired-message');
    expect((await ask(s!.page, QUESTION)).titles[0]).toBe(EXPECTED);
  }, 300_000);

  it('a database from a newer version is left untouched: the app runs in memory with a message, and search works', async () => {
    const { page } = s!;
    await page.goto(new URL('/manifest.webmanifest', page.url()).href).catch(() => {});
    await page.evaluate(async () => {
      await new Promise((res, rej) => {
        const r = indexedDB.deleteDatabase('abstract-atlas');
        r.onsuccess = res;
        r.onerror = () => rej(r.error);
      });
      await new Promise((res) => {
        const r = indexedDB.open('abstract-atlas', 99);
        r.onupgradeneeded = () => r.result.createObjectStore('unrelated');
        r.onsuccess = () => {
          r.result.close();
          res(null);
        };
      });
    });
    await visit('?device=wasm');
    const notices = s!.page.locator('[data-notice-level]');
    await expect.poll(() => notices.allInnerTexts(), { timeout: 30_000 }).toEqual(expect.arrayContaining([expect.stringMatching(/newer version.*left untouched/s)]));
    // Not mistaken for a deleted index (the page had stored an index before).
    expect((await notices.allInnerTexts()).some((t) => /was missing/.test(t))).toBe(false);
    await screenshot(s!.page, '05-newer-database-message');
    const st = await waitForSemanticReady(s!.page, 400_000);
    expect(st.storage).toBe('memory');
    expect(st.papers).toBe(204);
    expect((await ask(s!.page, QUESTION)).titles[0]).toBe(EXPECTED);
    // The newer version's database is still there, at its own version, with its own store.
    const kept = await s!.page.evaluate(
      () =>
        new Promise<{ version: number; stores: string[] }>((res) => {
          const r = indexedDB.open('abstract-atlas');
          r.onsuccess = () => {
            const out = { version: r.result.version, stores: [...r.result.objectStoreNames] };
            r.result.close();
            res(out);
          };
        }),
    );
    expect(kept).toEqual({ version: 99, stores: ['unrelated'] });
    // Leave the profile as the later tests expect it: the newer database gone, ours rebuilt.
    await s!.page.evaluate(
      () =>
        new Promise((res, rej) => {
          const r = indexedDB.deleteDatabase('abstract-atlas');
          r.onsuccess = res;
          r.onerror = () => rej(r.error);
          r.onblocked = res;
        }),
    );
    await visit('?device=wasm');
    expect((await waitForSemanticReady(s!.page, 400_000)).storage).toBe('indexeddb');
  }, 600_000);

  it('import a BibTeX file by the file picker; its paper answers first; markup stays text', async () => {
    const { page } = s!;
    const before = (await engineStatus(page)).embeddedCount;
    const file = join(OUTPUT_DIR, 'reading-list.bib');
    writeFileSync(file, BIBTEX);
    await page.getByTestId('import-file').setInputFiles(file);
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    expect(await preview.innerText()).toMatch(/3 papers readable/);
    await page.getByTestId('import-collection').fill('reading');
    await screenshot(page, '06-import-preview');
    await page.getByTestId('import-commit').click();
    const st = await waitForStatus(page, (x) => x.papers === 207 && x.semanticReady && x.phase === 'ready', 200_000, 'imported papers embedded');
    expect(st.embeddedCount - before).toBe(3);
    expect(st.collections.find((c) => c.id === 'reading')).toMatchObject({ size: 3, embedded: 3 });
    const r = await ask(page, IMPORT_QUESTION);
    expect(r.titles[0]).toBe(IMPORT_EXPECTED);
    // Scope: only the imported collection.
    await page.getByRole('checkbox', { name: 'Search in bundled papers' }).uncheck();
    await expect.poll(async () => (await readResults(page)).titles.length).toBe(3);
    await page.getByRole('checkbox', { name: 'Search in bundled papers' }).check();
    await expect.poll(async () => (await readResults(page)).titles.length).toBe(20);
    // Script tags in an imported title are literal text, not elements.
    const x = await ask(page, 'markup in titles shown as text', 'lexical');
    expect(x.titles).toContain('<script>alert(1)</script> Markup in Titles Is Shown as Text');
    expect(await page.locator('li.result script, li.result b').count()).toBe(0);
    await screenshot(page, '07-import-answer');
  }, 300_000);

  it('export the collection, clear storage, import the export: same answer, zero new embeddings for it', async () => {
    const { page } = s!;
    const dl = page.waitForEvent('download');
    await page.locator('[data-collection=reading]').getByRole('button', { name: /Export/ }).click();
    const download = await dl;
    const bundlePath = join(OUTPUT_DIR, 'reading.atlas');
    await download.saveAs(bundlePath);
    expect(readFileSync(bundlePath).subarray(0, 7).toString()).toBe('ATLASB1');

    await page.getByRole('button', { name: 'Clear storage' }).click();
    await waitForStatus(page, (x) => x.papers === 204 && !x.collections.some((c) => c.id === 'reading'), 30_000, 'storage cleared');
    const ready = await waitForSemanticReady(page, 400_000);
    const before = ready.embeddedCount;

    await page.getByTestId('import-file').setInputFiles(bundlePath);
    const preview = page.getByTestId('import-preview');
    await preview.waitFor();
    expect(await preview.innerText()).toMatch(/same model: no re-embedding needed/);
    await page.getByTestId('import-commit').click();
    const st = await waitForStatus(page, (x) => x.papers === 207 && x.semanticReady && x.phase === 'ready', 120_000, 'bundle imported');
    expect(st.embeddedCount).toBe(before);
    expect(st.collections.find((c) => c.id === 'reading')).toMatchObject({ size: 3, embedded: 3 });
    expect((await ask(page, IMPORT_QUESTION)).titles[0]).toBe(IMPORT_EXPECTED);
    await externalCheck();
  }, 600_000);

  it('phone-sized viewport in dark mode renders the results readably', async () => {
    const { page } = s!;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await ask(page, QUESTION);
    await screenshot(page, '08-phone-dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
  }, 120_000);
});

describe('two tabs', () => {
  it('never embed at the same time: the second tab waits for the lock and reuses the first tab\'s vectors', async () => {
    const dir = makeProfileDir();
    // MiniLM (6 layers) keeps this second full in-browser indexing run short.
    const a = await openApp({ profileDir: dir, path: '?shipped=0&device=wasm&model=Xenova/all-MiniLM-L6-v2' });
    try {
      const pageB = await a.context.newPage();
      await pageB.goto(a.page.url());
      const [sa, sb] = await Promise.all([waitForSemanticReady(a.page, 400_000), waitForSemanticReady(pageB, 400_000)]);
      expect(sa.modelId).toBe('Xenova/all-MiniLM-L6-v2');
      // Between them, each paper was embedded exactly once.
      expect(sa.embeddedCount + sb.embeddedCount).toBe(204);
      expect(Math.min(sa.embeddedCount, sb.embeddedCount)).toBe(0);
      expect(sa.storedVectors).toBe(204);
      expect(sb.storedVectors).toBe(204);
      expect(a.externalRequests).toEqual([]);
    } finally {
      await a.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('WebGPU (SwiftShader software adapter)', () => {
  it('runs a search with the model on WebGPU when an adapter is available', async (ctx) => {
    const dir = makeProfileDir();
    const g = await openApp({ profileDir: dir, gpu: true, path: '?device=webgpu' });
    try {
      const hasAdapter = await g.page.evaluate(async () => {
        const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
        return !!(gpu && (await gpu.requestAdapter()));
      });
      if (!hasAdapter) {
        const why = 'WebGPU unavailable: navigator.gpu.requestAdapter() returned null in this Chromium (no software adapter)';
        // Where WebGPU is known to work (.ci/run sets this on its SwiftShader machine), a missing adapter is a failure.
        if (process.env.ATLAS_E2E_WEBGPU === 'required') throw new Error(why);
        ctx.skip(why); // shown as "↓ … [reason]" in the test output
      }
      const st = await waitForStatus(g.page, (s) => s.modelState !== 'loading' && s.modelState !== 'idle' && s.phase === 'ready', 400_000, 'model on WebGPU');
      expect(st.modelState).toBe('ready');
      expect(st.backend).toBe('webgpu');
      await waitForSemanticReady(g.page, 600_000);
      const r = await ask(g.page, QUESTION, 'vector');
      expect(r.mode).toBe('vector');
      expect(r.titles[0]).toBe(EXPECTED);
      expect(g.externalRequests).toEqual([]);
    } finally {
      await g.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 900_000);
});

describe('model unavailable', () => {
  it('keeps keyword search working and shows a message with a retry action', async () => {
    const dir = makeProfileDir();
    const m = await openApp({ profileDir: dir, path: null });
    try {
      // Simulate a model that cannot be fetched (e.g. a broken deploy): every model file fails.
      await m.context.route('**/models/**', (r) => r.fulfill({ status: 404, body: 'missing' }));
      await m.page.goto(appUrl('?shipped=0&device=wasm'));
      const st = await waitForStatus(m.page, (x) => x.modelState === 'failed', 120_000, 'model failure');
      expect(st.semanticReady).toBe(false);
      const notice = m.page.locator('[data-notice-level=error]');
      await expect.poll(() => notice.allInnerTexts()).toEqual([expect.stringMatching(/could not be loaded.*Keyword search still works/s)]);
      expect(await notice.getByRole('button', { name: 'Retry model' }).count()).toBe(1);
      const r = await ask(m.page, QUESTION, 'hybrid');
      expect(r.mode).toBe('lexical');
      expect(r.titles[0]).toBe(EXPECTED);
      expect(await m.page.getByTestId('result-summary').innerText()).toMatch(/model is unavailable/);
      await screenshot(m.page, '09-model-failed');
    } finally {
      await m.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
