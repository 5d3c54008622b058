/**
 * The weak-match signal in the browser: a question the library has no answer for is labelled
 * "No strong match — closest papers:" and still lists the closest papers; a real question is not
 * labelled. Built site, real model, fresh profile (shipped seed vectors, so nothing is embedded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, openApp, waitForSemanticReady, type AppSession } from './harness.ts';

const WEAK = 'No strong match — closest papers:';

describe('weak-match signal', () => {
  let s: AppSession;

  beforeAll(async () => {
    s = await openApp();
    await waitForSemanticReady(s.page);
  }, 400_000);

  afterAll(async () => {
    await s?.close();
  });

  it('an off-topic question shows the weak-match line above the closest papers', async () => {
    const { titles } = await ask(s.page, 'banana bread recipe', 'hybrid');
    await expect.poll(() => s.page.getByTestId('weak-match').textContent()).toBe(WEAK);
    expect(titles.length).toBeGreaterThan(0);
  });

  it('a real question does not', async () => {
    const { titles } = await ask(s.page, 'learning speech representations from raw audio without transcriptions', 'hybrid');
    expect(titles.length).toBeGreaterThan(0);
    expect(await s.page.getByTestId('weak-match').count()).toBe(0);
    expect(s.errors).toEqual([]);
  });

  it('offers the "best quality" setting, off by default, naming its second model', async () => {
    const box = s.page.getByTestId('best-quality');
    expect(await box.isChecked()).toBe(false);
    expect(await s.page.locator('label', { has: box }).innerText()).toMatch(/Best quality \(\+all-MiniLM-L6-v2\)/);
  });
});
