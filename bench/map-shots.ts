/**
 * Screenshots of the seed corpus map, to look at: desktop 1280×800 (light, dark), phone 390×844,
 * and desktop with a search's hits, a selected paper's neighbours and a lasso selection shown.
 * Writes tests/output/map-*.png. Usage: tsx bench/map-shots.ts
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from './lib/chromium.ts';
import { serveStatic } from './lib/server.ts';
import { loadSeedPapers, REPO } from './lib/seed.ts';
import { buildMapPage } from './lib/build-map-page.ts';

const OUT = join(REPO, 'tests/output');

export async function mapShots(log = console.error): Promise<string[]> {
  const dir = await buildMapPage();
  const server = await serveStatic({ '/': dir, '/precomputed/': join(REPO, 'public/precomputed') }, false);
  const browser = await launch({ gpu: true });
  const papers = new Map(loadSeedPapers().map((p) => [p.id, p]));
  mkdirSync(OUT, { recursive: true });
  const files: string[] = [];
  try {
    const shots: { name: string; w: number; h: number; dark: boolean; extra?: 'search' }[] = [
      { name: 'map-desktop', w: 1280, h: 800, dark: false },
      { name: 'map-desktop-dark', w: 1280, h: 800, dark: true },
      { name: 'map-phone', w: 390, h: 844, dark: false },
      { name: 'map-desktop-search', w: 1280, h: 800, dark: false, extra: 'search' },
    ];
    for (const s of shots) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: s.w, height: s.h });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(() => document.title === 'ready');
      const seed = await page.evaluate(() => (window as any).__map.seedMap());
      const ids: string[] = seed.ids;
      const titles = ids.map((id) => papers.get(id)?.title ?? id);
      const years = ids.map((id) => papers.get(id)?.year);
      await page.evaluate(
        ([seed, titles, years, dark]) => {
          const d = seed as any;
          return (window as any).__map.mount({ ids: d.ids, coords: Float32Array.from(d.coords), cluster: Int32Array.from(d.cluster), clusters: d.clusters, titles, years, dark });
        },
        [seed, titles, years, s.dark] as const,
      );
      if (s.extra === 'search') {
        // A plausible search: the 12 papers whose titles mention "masked"; select the first, show 6 neighbours.
        const hits = ids.filter((_, i) => /masked/i.test(titles[i]!)).slice(0, 12);
        const sel = ids.find((_, i) => /CLIP/.test(titles[i]!))!;
        const si = ids.indexOf(sel);
        const near = ids
          .map((id, i) => ({ id, d: Math.hypot(seed.coords[2 * i] - seed.coords[2 * si], seed.coords[2 * i + 1] - seed.coords[2 * si + 1]) }))
          .filter((x) => x.id !== sel)
          .sort((a, b) => a.d - b.d)
          .slice(0, 6)
          .map((x) => x.id);
        await page.evaluate(([hits, sel, near]) => (window as any).__map.set({ hits, selectedId: sel, related: near }), [hits, sel, near] as const);
        // Hover a hit so the tooltip shows.
        const box = await page.locator('canvas').boundingBox();
        const hi = ids.indexOf(hits[0]!);
        const cam = { cx: 0, cy: 0, zoom: 1 };
        const scale = (cam.zoom * Math.min(box!.width, box!.height)) / 2 / 1.08;
        await page.mouse.move(box!.x + box!.width / 2 + seed.coords[2 * hi] * scale, box!.y + box!.height / 2 - seed.coords[2 * hi + 1] * scale);
      }
      await page.waitForTimeout(400);
      const file = join(OUT, `${s.name}.png`);
      await page.screenshot({ path: file });
      files.push(file);
      log(`map-shots: ${file}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
      await page.close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) mapShots().catch((e) => {
  console.error(e);
  process.exit(1);
});
