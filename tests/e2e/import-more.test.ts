/**
 * Import paths the app test (app.test.ts) does not cover, against the built site in headless
 * Chromium: drag-and-drop, paste, searching WHILE a large file is parsed (parsing runs in the
 * engine's short-lived import worker, so the engine keeps answering), and malformed files that
 * must explain themselves without touching stored papers. One fresh profile, tests run in order.
 * Searches use lexical mode so no assertion depends on the model.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { openApp, engineStatus, waitForStatus, ask, screenshot, type AppSession } from './harness.ts';

const CSV = `title,abstract,year,doi
"Otter Vocalisations in Kelp Forests","Hydrophone recordings of sea otters reveal seven call types used while foraging in kelp canopies.",2022,10.5555/otter.1
"Lichen Growth on Basalt Lava Flows","Crustose lichens colonise fresh basalt within a decade; growth rates were measured on dated Icelandic flows.",2019,
`;

const RIS = `TY  - JOUR
TI  - Tidal Turbine Noise and Harbour Porpoise Echolocation
AB  - Passive acoustic monitoring near a tidal turbine array shows porpoises keep echolocating while avoiding the rotors.
PY  - 2021
ER  - 

TY  - JOUR
TI  - Mycorrhizal Networks Under Drought in Beech Saplings
AB  - Shared fungal networks moved carbon between beech saplings during an experimental summer drought.
PY  - 2020
ER  - 
`;

/** `n` BibTeX entries full of LaTeX accents, commands and math: slow to parse on purpose. */
function bigBibtex(n: number): string {
  const acc = ['\\"{o}', "\\'{e}", '\\`{a}', '\\~{n}', '\\c{c}', '{\\ss}'];
  let s = '';
  for (let i = 0; i < n; i++) {
    const a = (k: number) => acc[(i + k) % acc.length];
    s += `@article{gen${i},
  title = {Stud${a(0)} number ${i} of Gr${a(1)}bner bases in ${a(2)}lgebra},
  author = {M${a(0)}ller, J. and Garc${a(3)}a, P.},
  year = {2020},
  abstract = {We consider the $\\alpha_{${i}}$ problem with \\emph{R${a(0)}sum${a(1)}} methods and \\textbf{bold} claims about na${a(4)}ve algorithms for entry ${i}.}
}
`;
  }
  return s;
}

let s: AppSession;

const papers = async () => (await engineStatus(s.page)).papers;
const dropZone = () => s.page.getByRole('region', { name: 'Drop a file here' });

/** Commits the preview and waits for the reply (it may wait for an ongoing indexing run to pause). */
async function commitAs(collection: string) {
  await s.page.getByTestId('import-collection').fill(collection);
  await s.page.getByTestId('import-commit').click();
  await expect.poll(() => s.page.getByTestId('import-preview').count(), { timeout: 300_000 }).toBe(0);
}

beforeAll(async () => {
  s = await openApp({ path: '?device=wasm' });
  // The bundled papers are loaded (lexical search works from here on).
  await waitForStatus(s.page, (x) => x.papers > 0 && x.phase !== 'starting', 120_000, 'the bundled papers');
}, 180_000);

afterAll(async () => {
  await s?.close();
});

describe('imports (more paths)', () => {
  it('drag-and-drop of a CSV file: preview, commit, searchable', async () => {
    const { page } = s;
    const before = await papers();
    const dt = await page.evaluateHandle((text) => {
      const d = new DataTransfer();
      d.items.add(new File([text], 'field-notes.csv', { type: 'text/csv' }));
      return d;
    }, CSV);
    await dropZone().dispatchEvent('dragover', { dataTransfer: dt });
    await dropZone().dispatchEvent('drop', { dataTransfer: dt });
    const preview = page.getByTestId('import-preview');
    await preview.waitFor({ timeout: 60_000 });
    const text = await preview.innerText();
    expect(text).toContain('field-notes.csv');
    expect(text).toMatch(/\(csv\): 2 papers readable/);
    await commitAs('dropped');
    await waitForStatus(page, (x) => x.papers === before + 2, 60_000, 'dropped papers stored');
    const st = await engineStatus(page);
    expect(st.collections.find((c) => c.id === 'dropped')?.size).toBe(2);
    const r = await ask(page, 'sea otter calls in kelp', 'lexical');
    expect(r.titles[0]).toBe('Otter Vocalisations in Kelp Forests');
    expect(s.externalRequests).toEqual([]);
  }, 400_000);

  it('pasted RIS text: preview, commit, searchable', async () => {
    const { page } = s;
    const before = await papers();
    await page.getByText('…or paste text').click();
    await page.getByLabel('Pasted references').fill(RIS);
    await page.getByRole('button', { name: 'Read pasted text' }).click();
    const preview = page.getByTestId('import-preview');
    await preview.waitFor({ timeout: 60_000 });
    expect(await preview.innerText()).toMatch(/\(ris\): 2 papers readable/);
    await expect.poll(() => preview.locator('ul.papers li').allInnerTexts()).toEqual([
      expect.stringContaining('Tidal Turbine Noise and Harbour Porpoise Echolocation'),
      expect.stringContaining('Mycorrhizal Networks Under Drought in Beech Saplings'),
    ]);
    await commitAs('pasted');
    await waitForStatus(page, (x) => x.papers === before + 2, 60_000, 'pasted papers stored');
    const r = await ask(page, 'porpoise echolocation near tidal turbines', 'lexical');
    expect(r.titles[0]).toBe('Tidal Turbine Noise and Harbour Porpoise Echolocation');
  }, 400_000);

  it('a search is answered while a 3000-entry BibTeX file is still being parsed', async () => {
    const { page } = s;
    const before = await papers();
    const target = 'Otter Vocalisations in Kelp Forests';
    const question = 'otter vocalisations kelp forests';
    // Show a different result list first, so the target's arrival is a visible change.
    const other = await ask(page, 'porpoise echolocation near tidal turbines', 'lexical');
    expect(other.titles[0]).not.toBe(target);

    // Record, in the page, the ORDER in which the search answer and the import preview appear
    // (and whether the "Reading file…" state was still on when the answer came): no clocks.
    await page.evaluate((t) => {
      const log: string[] = [];
      (window as unknown as { __importOrder: string[] }).__importOrder = log;
      const check = () => {
        const first = document.querySelector('[data-testid=results] li.result h3')?.textContent?.trim();
        if (first === t && !log.some((x) => x.startsWith('search'))) {
          log.push(document.querySelector('[data-testid=import-reading]') ? 'search-while-reading' : 'search');
        }
        if (document.querySelector('[data-testid=import-preview]') && !log.includes('preview')) log.push('preview');
      };
      new MutationObserver(check).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, target);

    await page.getByTestId('import-file').setInputFiles({ name: 'big.bib', mimeType: 'application/x-bibtex', buffer: Buffer.from(bigBibtex(3000)) });
    // Visible only after the importPreview request was posted to the engine.
    await page.getByTestId('import-reading').waitFor({ timeout: 30_000 });
    const input = page.getByTestId('search-input');
    await input.fill(question);
    await input.press('Enter');
    // Both events happen eventually whatever the implementation; only their order is asserted.
    await page.waitForFunction(() => (window as unknown as { __importOrder: string[] }).__importOrder.length === 2, null, { timeout: 300_000 });
    expect(await page.evaluate(() => (window as unknown as { __importOrder: string[] }).__importOrder)).toEqual(['search-while-reading', 'preview']);

    const preview = page.getByTestId('import-preview');
    expect(await preview.innerText()).toMatch(/\(bibtex\): 3,000 papers readable/);
    // LaTeX was turned into text.
    await expect.poll(() => preview.locator('ul.papers li').first().innerText()).toContain('Studö number 0 of Grébner bases in àlgebra');
    await screenshot(page, 'import-more-after-big-parse');
    await expect.poll(() => page.getByTestId('import-reading').count()).toBe(0);
    await page.getByRole('button', { name: 'Discard' }).click();
    expect(await papers()).toBe(before);
  }, 420_000);

  it('a truncated JSON file and an empty file explain themselves; stored papers stay unchanged', async () => {
    const { page } = s;
    const before = await engineStatus(page);
    const cut = '[\n  {"title": "Truncated export of a reading list", "abstract": "This file ends in the middle of';
    await page.getByTestId('import-file').setInputFiles({ name: 'cut.json', mimeType: 'application/json', buffer: Buffer.from(cut) });
    const preview = page.getByTestId('import-preview');
    await preview.waitFor({ timeout: 60_000 });
    const text = await preview.innerText();
    expect(text).toMatch(/\(json\): 0 papers readable, 2 problems/);
    // Where (line) and what (truncated) are both said; nothing can be committed.
    expect(text).toMatch(/line 2: JSON syntax error at line 2/);
    expect(text).toMatch(/entry 1, line 2: Record 1 \(line 2\) is not valid JSON — the file ends inside it \(truncated\?\)/);
    expect(await page.getByTestId('import-commit').count()).toBe(0);

    // A whole-file failure arrives from the import worker with its code and message.
    await page.getByTestId('import-file').setInputFiles({ name: 'empty.json', mimeType: 'application/json', buffer: Buffer.alloc(0) });
    const err = page.getByTestId('import-error');
    await err.waitFor({ timeout: 60_000 });
    expect(await err.innerText()).toBe('"empty.json" is empty.');
    expect(await err.getAttribute('data-code')).toBe('import-failed');
    expect(await err.getAttribute('data-detail')).toBe('empty');
    expect(await preview.count()).toBe(0);
    await screenshot(page, 'import-more-bad-file');

    // Sizes only: `embedded` counts may still grow while the earlier imports are embedded.
    const sizes = (st: typeof before) => st.collections.map((c) => [c.id, c.size]);
    const after = await engineStatus(page);
    expect(after.papers).toBe(before.papers);
    expect(sizes(after)).toEqual(sizes(before));
    // Also what is stored: a reload reads the same papers back from IndexedDB.
    await page.reload();
    await waitForStatus(page, (x) => x.phase !== 'starting', 120_000, 'the reloaded engine');
    const reloaded = await engineStatus(page);
    expect(reloaded.papers).toBe(before.papers);
    expect(sizes(reloaded)).toEqual(sizes(before));
  }, 300_000);
});
