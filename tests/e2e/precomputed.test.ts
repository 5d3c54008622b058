/**
 * Shipped (build-time, Node-embedded) vectors make the first visit semantically searchable without
 * embedding a single seed abstract in the browser, and they rank exactly like vectors embedded in the
 * browser ("Re-embed on this device"). Without the precomputed files, the browser embeds by itself.
 *
 * The questions are our own (not the eval set) and only need to hit different parts of the corpus.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ask, launch, serveStatic, snapshotDist, waitForEngine, type Browser, type StaticServer } from './static-site.ts';

const QUESTIONS = [
  'learning speech representations without transcriptions',
  'pretraining visual features for robot motor control',
  'understanding scanned documents with text and layout',
  'satellite images and geographic locations',
  'recognising emotions from faces and voices',
];

describe('precomputed vectors', () => {
  let server: StaticServer;
  let b: Browser;
  let seedCount: number;
  let site: string;

  beforeAll(async () => {
    site = snapshotDist();
    // Read from the build, not hard-coded: the corpus may grow.
    seedCount = JSON.parse(readFileSync(join(site, 'precomputed/manifest.json'), 'utf8')).papers.length;
    server = await serveStatic(site);
    b = await launch();
  });

  afterAll(async () => {
    await b?.close();
    await server?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it('first visit is semantic without browser embedding, and ranks like a browser-embedded index', async () => {
    const { page } = b;
    await page.goto(server.url);
    const shipped = await waitForEngine(page, (s) => s.semanticReady, 'semantic index from shipped vectors');
    expect(shipped.embeddedCount).toBe(0);
    expect(shipped.shippedVectors).toBe(seedCount);
    expect(shipped.papers).toBe(seedCount);
    expect(server.log.some((l) => /^precomputed\/vectors\..*\.bin$/.test(l.path))).toBe(true);

    const fromShipped: string[][] = [];
    for (const q of QUESTIONS) fromShipped.push(await ask(page, q, 'vector'));
    const hybridShipped = await ask(page, QUESTIONS[0], 'hybrid');

    // "Re-embed on this device": drops the shipped vectors and embeds every paper in this browser.
    await page.getByRole('button', { name: 'Re-embed on this device' }).click();
    const local = await waitForEngine(page, (s) => s.semanticReady && s.embeddedCount >= seedCount, 'browser re-embedding', 900_000);
    expect(local.embeddedCount).toBe(seedCount);

    const fromBrowser: string[][] = [];
    for (const q of QUESTIONS) fromBrowser.push(await ask(page, q, 'vector'));
    expect(fromBrowser).toEqual(fromShipped);
    expect(await ask(page, QUESTIONS[0], 'hybrid')).toEqual(hybridShipped);
    // The questions are different enough that this is not one fixed list five times.
    expect(new Set(fromShipped.map((ids) => ids.join())).size).toBe(QUESTIONS.length);
  }, 1_200_000);

  it('without precomputed files the browser embeds the seed corpus itself', async () => {
    const other = await launch();
    server.block.push(/^precomputed\//);
    const from = server.log.length;
    try {
      await other.page.goto(server.url);
      // Enough to see the fallback path at work; the full run is covered by the re-embed test above.
      const s = await waitForEngine(other.page, (x) => x.embeddedCount > 0, 'browser embedding to start', 600_000);
      expect(s.shippedVectors).toBe(0);
      expect(server.log.slice(from).some((l) => /precomputed\/manifest\.json$/.test(l.path) && l.status === 404)).toBe(true);
    } finally {
      server.block.length = 0;
      await other.close();
    }
  }, 900_000);
});
