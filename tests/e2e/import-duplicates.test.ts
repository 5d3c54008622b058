/**
 * Issue 14 #1 in the browser: a BibTeX file with two titles that are equal after normalisation
 * used to crash the preview (Svelte each_key_duplicate: "Reading file…" vanished, no preview).
 * Now the preview shows both entries, flagged — the same-paper copy as merged into the kept one,
 * and two different papers that share a title as "kept both" — with the counts of the import
 * report, titles rendered bidi-isolated, and no console error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp, waitForStatus, screenshot, type AppSession } from './harness.ts';

const BIB = `@article{a, title = {Same Title Twice}, abstract = {First copy of the paper.}}
@article{b, title = {same title twice.}, abstract = {Second copy of the paper, with a longer abstract than the first.}}
@article{cox95, title = {Real-time functional magnetic resonance imaging}, author = {Cox, R. W.}, year = {1995}}
@article{cohen01, title = {Real-time functional magnetic resonance imaging}, author = {Cohen, M. S.}, year = {2001}}
`;

let s: AppSession;

beforeAll(async () => {
  s = await openApp({ path: '?device=wasm' });
  await waitForStatus(s.page, (x) => x.papers > 0 && x.phase !== 'starting', 120_000, 'the bundled papers');
}, 180_000);

afterAll(async () => {
  await s?.close();
});

describe('import preview: duplicates inside one file', () => {
  it('shows both same-title entries flagged, the report counts, and logs no error', async () => {
    const { page } = s;
    await page.getByTestId('import-file').setInputFiles({ name: 'dups.bib', mimeType: 'text/plain', buffer: Buffer.from(BIB) });
    const preview = page.getByTestId('import-preview');
    await preview.waitFor({ timeout: 60_000 });
    await screenshot(page, 'import-duplicates');

    const counts = page.getByTestId('import-counts');
    expect(await counts.getAttribute('data-entries')).toBe('4');
    expect(await counts.getAttribute('data-papers')).toBe('3');
    expect(await counts.getAttribute('data-merged')).toBe('1');
    expect(await counts.getAttribute('data-skipped')).toBe('0');

    // The kept paper, flagged as merged, with the merged entry listed under it.
    const kept = preview.getByTestId('import-paper').filter({ hasText: 'Same Title Twice' });
    expect(await kept.count()).toBe(1);
    expect(await kept.getByTestId('tag-merged').count()).toBe(1);
    const merged = kept.getByTestId('import-merged');
    expect(await merged.innerText()).toMatch(/same title twice\.[\s\S]*entry 2, line 2: merged into this paper \(same title\)/);

    // Two different papers sharing a title: both listed, both flagged.
    const fmri = preview.getByTestId('import-paper').filter({ hasText: 'Real-time functional magnetic resonance imaging' });
    expect(await fmri.count()).toBe(2);
    expect(await fmri.getByTestId('tag-same-title').count()).toBe(2);

    // Titles are isolated bidi runs.
    const titleSpan = kept.locator('span.title').first();
    expect(await titleSpan.getAttribute('dir')).toBe('auto');
    expect(await titleSpan.evaluate((el) => getComputedStyle(el).unicodeBidi)).toBe('isolate');

    // Both selectable papers are checked; the import button counts the papers, not the entries.
    expect(await page.getByTestId('import-commit').innerText()).toMatch(/Import 3 papers/);
    expect(s.errors).toEqual([]);
  }, 120_000);
});
