/**
 * The weak-match signal in the browser: a question the library has no answer for is labelled
 * "No strong match — closest papers:" and still lists the closest papers; a real question is not
 * labelled. Built site, real model, fresh profile (shipped seed vectors, so nothing is embedded).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, openApp, waitForSemanticReady, waitForStatus, type AppSession } from './harness.ts';

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

  it('turning it on states the cost, then serves the seed corpus from shipped MiniLM vectors', async () => {
    let dialog = '';
    s.page.once('dialog', (d) => {
      dialog = d.message();
      void d.accept();
    });
    await s.page.getByTestId('best-quality').check();
    await expect.poll(() => dialog).toMatch(/all-MiniLM-L6-v2.*downloads the model \(\d+ MB\)/);
    const st = await waitForStatus(s.page, (x) => !!x.spaces.find((y) => y.role === 'extra')?.ready, 300_000, 'the best-quality space');
    const extra = st.spaces.find((y) => y.role === 'extra')!;
    expect(extra.modelId).toBe('Xenova/all-MiniLM-L6-v2');
    expect(extra.embedded).toBe(0);
    expect(extra.shipped).toBe(st.papers);
    const { titles } = await ask(s.page, 'learning speech representations from raw audio without transcriptions', 'hybrid');
    expect(titles.length).toBeGreaterThan(0);
    expect(s.errors).toEqual([]);
  });

  // Last: it imports a paper (the best-quality test above counts zero embeddings).
  it('the evidence sentence is a content sentence, not a "best viewed at <url>" note that shares the words (issue 11 bug 9)', async () => {
    const title = 'Manipulation Policies Learned from Videos of Human Hands';
    const content = 'We learn robot manipulation policies from videos of human hands by predicting masked hand poses, and the policies transfer to a real robot arm.';
    const note = 'Robot videos of the learned policies are best viewed at https://example.org/robot-videos/index.html.';
    const paper = { title, abstract: `${content} ${note} Code is available at https://github.com/example/hands.` };
    await s.page.getByTestId('import-file').setInputFiles({ name: 'evidence.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify([paper])) });
    await s.page.getByTestId('import-preview').waitFor({ timeout: 60_000 });
    await s.page.getByTestId('import-collection').fill('evidence');
    await s.page.getByTestId('import-commit').click();
    await waitForStatus(s.page, (x) => x.collections.some((c) => c.id === 'evidence') && x.semanticReady && x.phase === 'ready', 300_000, 'the imported paper indexed');
    // The question shares "robot videos … policies" with the note more than with the content sentence.
    await ask(s.page, 'robot videos of learned policies', 'hybrid');
    const hit = s.page.locator('[data-testid=results] li.result', { hasText: title });
    await expect.poll(() => hit.count()).toBe(1);
    expect((await hit.getByTestId('result-sentence').innerText()).trim()).toBe(content);
    expect(s.errors).toEqual([]);
  });
});
