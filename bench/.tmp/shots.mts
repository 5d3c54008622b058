/** Screenshots of the built app (dist/) at desktop and phone sizes, light and dark: node --import tsx /work/notes/shots.ts <repo> <outdir> */
import { chromium } from 'playwright-core';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const repo = process.argv[2]!;
const out = process.argv[3]!;
mkdirSync(out, { recursive: true });
const { serveStatic } = await import(join(repo, 'tests/e2e/static-server.ts'));
const { chromiumArgs } = await import(join(repo, 'tests/e2e/harness.ts'));
const { server, url } = await serveStatic(join(repo, 'dist'));
const Q = 'do richer machine-written captions beat noisy alt-text for training image-text encoders?';
const sizes = [['desktop', 1280, 800], ['phone', 390, 844]] as const;
for (const scheme of ['light', 'dark'] as const) {
  const ctx = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'shots-')), { executablePath: '/usr/bin/chromium', headless: true, args: chromiumArgs(), colorScheme: scheme, viewport: { width: 1280, height: 800 } });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (e) => console.log('pageerror', e.message));
  for (const [name, w, h] of sizes) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(url);
    await page.waitForTimeout(4000);
    await page.screenshot({ path: join(out, `${name}-${scheme}-empty.png`) });
    await page.goto(url + '?q=' + encodeURIComponent(Q));
    await page.waitForFunction(() => document.querySelector('[data-testid=result-summary]')?.getAttribute('data-pending') === 'false', null, { timeout: 120000 });
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(out, `${name}-${scheme}-results.png`) });
    await page.screenshot({ path: join(out, `${name}-${scheme}-results-full.png`), fullPage: true });
    const related = page.locator('[data-testid=results] li').first().getByRole('button', { name: /related/i });
    if (await related.count()) { await related.first().click(); await page.waitForTimeout(1500); await page.screenshot({ path: join(out, `${name}-${scheme}-related.png`) }); }
    const mapBtn = page.getByTestId('view-map');
    if (await mapBtn.count()) { await mapBtn.click(); await page.waitForTimeout(5000); await page.screenshot({ path: join(out, `${name}-${scheme}-map.png`) }); }
    await page.goto(url + '?q=banana%20bread%20recipe');
    await page.waitForTimeout(3000);
    await page.screenshot({ path: join(out, `${name}-${scheme}-offtopic.png`) });
  }
  await ctx.close();
}
server.close();
console.log('done', out);
