// Temporary (not committed): screenshots of the progress panel during a 6k import.
import { writeFileSync } from 'node:fs';
import { serveStatic } from '../tests/e2e/static-site.ts';
import { syntheticLibrary } from './library-bench.ts';
import { chromium } from 'playwright-core';
const { server, url } = await serveStatic('/work/main/dist');
const file = '/tmp/shots/lib6k.jsonl';
writeFileSync(file, syntheticLibrary(6000));
const ctx = await chromium.launchPersistentContext('/tmp/shots/profile-' + Date.now(), {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
await page.goto(url + '?device=wasm');
await page.getByTestId('import-file').waitFor();
await page.waitForTimeout(3000);
await page.getByTestId('import-file').setInputFiles(file);
await page.getByTestId('import-preview').waitFor({ timeout: 120000 });
await page.screenshot({ path: '/tmp/shots/1-preview.png' });
await page.getByTestId('import-commit').click();
for (let i = 0; i < 12; i++) {
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `/tmp/shots/2-commit-${i}.png` });
}
await page.emulateMedia({ colorScheme: 'dark' });
await page.screenshot({ path: '/tmp/shots/3-dark.png' });
await page.setViewportSize({ width: 390, height: 844 });
await page.screenshot({ path: '/tmp/shots/4-phone-dark.png', fullPage: true });
await page.emulateMedia({ colorScheme: 'light' });
await page.screenshot({ path: '/tmp/shots/5-phone-light.png', fullPage: true });
await ctx.close();
server.close();
