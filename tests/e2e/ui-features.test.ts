/**
 * Issue 11's features in the built site: open the paper (links + metadata), why this result
 * (highlighted words, ranker hint), more than 20 results (total, show more, sort), history
 * (recent questions), cite and export, the reading list (stored, kept across reloads, searchable,
 * exported), filters (UI + URL state). One persistent profile so a reload keeps the library.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { openApp, waitForSemanticReady, waitForStatus, ask, readResults, makeProfileDir, screenshot, type AppSession } from './harness.ts';
import { parseImport } from '../../src/core/import/index.ts';
import { runAxe } from './axe.ts';

const BIB = `@article{chen2021simsiam,
  title = {Exploring Simple Siamese Representation Learning},
  author = {Chen, Xinlei and He, Kaiming},
  journal = {Conference on Computer Vision and Pattern Recognition},
  year = {2021},
  doi = {10.1109/CVPR46437.2021.01549},
  eprint = {2011.10566},
  archivePrefix = {arXiv},
  url = {https://example.org/simsiam},
  abstract = {Siamese networks have become a common structure in various recent models for unsupervised visual representation learning. We report surprising empirical results that simple Siamese networks can learn meaningful representations.}
}
@article{garcia2017kelp,
  title = {Kelp Forest Recovery after Urchin Removal},
  author = {Garc{\\'i}a, Mar{\\'i}a and Okafor, Chidi},
  journal = {Marine Ecology Progress Series},
  year = {2017},
  abstract = {Removing sea urchins let kelp forests recover within three years along a rocky coast.}
}
`;

let s: AppSession;
const profileDir = makeProfileDir();

beforeAll(async () => {
  s = await openApp({ profileDir, path: '?device=wasm' });
  await s.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await waitForSemanticReady(s.page);
  await s.page.getByTestId('import-file').setInputFiles({ name: 'mine.bib', mimeType: 'text/plain', buffer: Buffer.from(BIB) });
  await s.page.getByTestId('import-preview').waitFor({ timeout: 120_000 });
  await s.page.getByTestId('import-collection').fill('mine');
  await s.page.getByTestId('import-commit').click();
  await waitForStatus(s.page, (x) => x.collections.some((c) => c.id === 'mine' && c.size === 2) && x.phase === 'ready', 300_000, 'import');
}, 500_000);

afterAll(async () => {
  await s?.close();
  rmSync(profileDir, { recursive: true, force: true });
});

const firstHit = () => s.page.locator('[data-testid=results] li.result').first();

describe('issue 11 features', () => {
  it('feature 1: DOI / arXiv / URL links from validated ids, authors, year, venue', async () => {
    await ask(s.page, 'simple siamese representation learning', 'hybrid');
    const hit = firstHit();
    expect(await hit.getByTestId('result-title').innerText()).toBe('Exploring Simple Siamese Representation Learning');
    expect(await hit.getByTestId('result-authors').innerText()).toBe('Xinlei Chen, Kaiming He');
    expect(await hit.getByTestId('result-year').innerText()).toBe('2021');
    expect(await hit.getByTestId('result-venue').innerText()).toBe('Conference on Computer Vision and Pattern Recognition');
    const links = await hit.locator('a').evaluateAll((as) => as.map((a) => ({ kind: a.getAttribute('data-link-kind'), href: a.getAttribute('href'), rel: a.getAttribute('rel') })));
    expect(links).toEqual([
      { kind: 'doi', href: 'https://doi.org/10.1109/cvpr46437.2021.01549', rel: 'noopener noreferrer' },
      { kind: 'arxiv', href: 'https://arxiv.org/abs/2011.10566', rel: 'noopener noreferrer' },
      { kind: 'url', href: 'https://example.org/simsiam', rel: 'noopener noreferrer' },
    ]);
  }, 120_000);

  it('feature 7: matched words are marked (as text) in title and sentence, with the rankers’ ranks', async () => {
    await ask(s.page, 'siamese networks', 'hybrid');
    const hit = firstHit();
    const marks = await hit.locator('mark.term').allInnerTexts();
    expect(marks.map((m) => m.toLowerCase())).toEqual(expect.arrayContaining(['siamese', 'networks']));
    expect(await hit.getByTestId('result-why').innerText()).toMatch(/keyword #1/);
    expect(await hit.getByTestId('result-why').innerText()).toMatch(/semantic #\d+/);
    // Text, not HTML: the title's text equals the paper's title exactly.
    expect(await hit.getByTestId('result-title').innerText()).toBe('Exploring Simple Siamese Representation Learning');
  }, 120_000);

  it('feature 6: total count, show more, sort by year', async () => {
    const q = 'learning';
    await ask(s.page, q, 'lexical');
    const summary = s.page.getByTestId('result-summary');
    const total = Number(await summary.getAttribute('data-total'));
    expect(total).toBeGreaterThan(20);
    expect(await s.page.locator('[data-testid=results] li.result').count()).toBe(20);
    expect(await summary.innerText()).toContain(`20 of ${total}`);
    await s.page.getByTestId('show-more').click();
    await expect.poll(() => s.page.locator('[data-testid=results] li.result').count()).toBe(Math.min(40, total));
    await s.page.getByTestId('sort').selectOption('year');
    expect(new URL(s.page.url()).searchParams.get('sort')).toBe('year');
    const years = await s.page.locator('[data-testid=results] li.result [data-testid=result-year]').allInnerTexts();
    const nums = years.map(Number);
    expect([...nums].sort((a, b) => b - a)).toEqual(nums);
    await s.page.getByTestId('sort').selectOption('relevance');
  }, 120_000);

  it('feature 3: copy a citation (BibTeX / RIS / reference) and export the result list', async () => {
    await ask(s.page, 'kelp forest urchin removal', 'lexical');
    const hit = firstHit();
    await hit.getByTestId('cite').locator('summary').click();
    await hit.getByRole('button', { name: 'Copy BibTeX' }).click();
    await expect.poll(() => hit.getByRole('status').innerText()).toMatch(/copied/);
    const bib = await s.page.evaluate(() => navigator.clipboard.readText());
    const back = parseImport('c.bib', bib).papers[0]!;
    expect(back).toMatchObject({ title: 'Kelp Forest Recovery after Urchin Removal', year: 2017, venue: 'Marine Ecology Progress Series' });
    expect(back.authors).toEqual([{ family: 'García', given: 'María' }, { family: 'Okafor', given: 'Chidi' }]);
    await hit.getByRole('button', { name: 'Copy reference' }).click();
    await expect.poll(() => s.page.evaluate(() => navigator.clipboard.readText())).toBe('García, M., Okafor, C. (2017). Kelp Forest Recovery after Urchin Removal. Marine Ecology Progress Series.');
    await hit.getByRole('button', { name: 'Copy RIS' }).click();
    await expect.poll(() => s.page.evaluate(() => navigator.clipboard.readText())).toMatch(/^TY {2}- JOUR/);
    const dl = s.page.waitForEvent('download');
    await s.page.getByTestId('export-ris').click();
    const d = await dl;
    const ris = readFileSync((await d.path())!, 'utf8');
    const shown = await s.page.locator('[data-testid=results] li.result').count();
    expect(parseImport('x.ris', ris).papers.length).toBe(shown);
  }, 120_000);

  it('feature 4: star, see and search the reading list, export it; kept across a reload', async () => {
    await ask(s.page, 'kelp forest urchin removal', 'lexical');
    await firstHit().getByTestId('star').click();
    await ask(s.page, 'simple siamese representation learning', 'lexical');
    await firstHit().getByTestId('star').click();
    const list = s.page.getByTestId('reading-list');
    await expect.poll(() => list.locator('li[data-paper-id]').count()).toBe(2);
    expect(await firstHit().getByTestId('star').getAttribute('aria-pressed')).toBe('true');
    await s.page.getByTestId('reading-filter').fill('garcia');
    await expect.poll(() => list.locator('li[data-paper-id]').allInnerTexts()).toEqual([expect.stringContaining('Kelp Forest Recovery')]);
    await s.page.getByTestId('reading-filter').fill('');
    await s.page.emulateMedia({ colorScheme: 'dark' });
    expect(await runAxe(s.page), 'reading list dark').toEqual([]);
    await s.page.emulateMedia({ colorScheme: 'light' });
    expect(await runAxe(s.page), 'reading list light').toEqual([]);
    const dl = s.page.waitForEvent('download');
    await s.page.getByTestId('reading-export-bibtex').click();
    const bib = readFileSync((await (await dl).path())!, 'utf8');
    expect(parseImport('r.bib', bib).papers.map((p) => p.title).sort()).toEqual(['Exploring Simple Siamese Representation Learning', 'Kelp Forest Recovery after Urchin Removal']);

    await s.page.reload();
    await waitForStatus(s.page, (x) => x.phase !== 'starting', 120_000, 'restart');
    await expect.poll(() => s.page.getByTestId('reading-list').locator('li[data-paper-id]').count(), { timeout: 60_000 }).toBe(2);
  }, 300_000);

  it('feature 5: recent questions (clearable) and Back / Forward', async () => {
    await ask(s.page, 'coral reef bleaching', 'lexical');
    await ask(s.page, 'kelp forest urchin removal', 'lexical');
    await s.page.getByTestId('search-input').press('Escape');
    const recent = s.page.getByTestId('recent');
    await recent.waitFor();
    const items = await recent.locator('li').allInnerTexts();
    expect(items.slice(0, 2)).toEqual(['kelp forest urchin removal', 'coral reef bleaching']);
    await recent.getByRole('button', { name: 'coral reef bleaching' }).click();
    await readResults(s.page, 'coral reef bleaching');
    await s.page.goBack();
    await expect.poll(() => new URL(s.page.url()).searchParams.get('q')).toBe(null);
    await s.page.goBack();
    await readResults(s.page, 'kelp forest urchin removal');
    await s.page.getByTestId('search-input').press('Escape');
    await s.page.getByTestId('clear-recent').click();
    expect(await s.page.getByTestId('recent').count()).toBe(0);
    expect(await s.page.evaluate(() => localStorage.getItem('atlas:recent-questions'))).toBe(null);
  }, 120_000);

  it('feature 2: year range, author and venue filters, in the UI and the URL', async () => {
    await ask(s.page, 'kelp forest siamese representation', 'lexical');
    const before = await s.page.locator('[data-testid=results] li.result').count();
    expect(before).toBeGreaterThan(1);
    await s.page.getByTestId('filters').locator('summary').click();
    await s.page.getByTestId('filter-author').fill('garcia');
    await s.page.getByTestId('filter-author').press('Enter');
    await expect.poll(() => new URL(s.page.url()).searchParams.get('author')).toBe('garcia');
    await readResults(s.page, 'kelp forest siamese representation');
    expect(await s.page.locator('[data-testid=results] li.result [data-testid=result-title]').allInnerTexts()).toEqual(['Kelp Forest Recovery after Urchin Removal']);
    await s.page.getByTestId('filter-author').fill('');
    await s.page.getByTestId('filter-from').fill('2020');
    await s.page.getByTestId('filter-from').press('Enter');
    await expect.poll(() => new URL(s.page.url()).searchParams.get('from')).toBe('2020');
    await readResults(s.page, 'kelp forest siamese representation');
    expect(await s.page.locator('[data-testid=results] li.result [data-testid=result-title]').allInnerTexts()).toEqual(['Exploring Simple Siamese Representation Learning']);
    // The URL alone reproduces the filtered search.
    const url = s.page.url();
    await s.page.goto(url);
    await readResults(s.page, 'kelp forest siamese representation');
    expect(await s.page.locator('[data-testid=results] li.result [data-testid=result-title]').allInnerTexts()).toEqual(['Exploring Simple Siamese Representation Learning']);
    await s.page.getByTestId('filter-from').fill('');
    await s.page.getByTestId('filter-from').press('Enter');
  }, 200_000);

  it('screenshots of the results state (1280×800, 390×844, light and dark)', async () => {
    await waitForSemanticReady(s.page);
    await ask(s.page, 'simple siamese representation learning', 'hybrid');
    for (const [w, h] of [[1280, 800], [390, 844]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        await s.page.setViewportSize({ width: w, height: h });
        await s.page.emulateMedia({ colorScheme: scheme });
        await screenshot(s.page, `ui-results-${w}x${h}-${scheme}`);
      }
    }
    await s.page.emulateMedia({ colorScheme: 'light' });
    await s.page.setViewportSize({ width: 1280, height: 900 });
  }, 120_000);
});
