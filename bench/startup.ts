/**
 * Start-up of the real app in headless Chromium: time from navigation start to "lexical search
 * ready" (the engine reports papers — keyword search answers) and to "semantic search ready"
 * (`semanticReady` and phase 'ready': every paper has a vector and the index is built), on a first
 * visit (fresh profile) and on a reload (same profile: IndexedDB, caches, service worker warm).
 *
 * The app is served from a snapshot of dist/ (copied so a concurrent rebuild cannot change files
 * mid-measurement) with COOP/COEP, as the deployed static site is. Readiness is polled inside the
 * page every 25 ms through the app's `window.__atlas.status()` hook (the one the e2e tests use), so
 * the figures are in the page's own clock (performance.now(), 0 = navigation start).
 */
import { cpSync, existsSync, rmSync, statSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launch } from './lib/chromium.ts';
import { serveStatic } from './lib/server.ts';
import { REPO } from './lib/seed.ts';
import type { StartupFigures } from './lib/report.ts';

const SNAPSHOT = join(REPO, 'bench/.build-app');

interface Milestones {
  lexical_ready_ms: number | null;
  semantic_ready_ms: number | null;
}

/** Polls in the page until semantic readiness (or the timeout); returns both milestones in page time. */
function waitMilestones(page: Page, timeoutMs: number): Promise<Milestones> {
  return page.evaluate(async (timeout) => {
    type S = { papers: number; semanticReady: boolean; phase: string };
    const w = window as unknown as { __atlas?: { status(): Promise<S> } };
    let lexical: number | null = null;
    const end = performance.now() + timeout;
    while (performance.now() < end) {
      if (w.__atlas) {
        const s = await w.__atlas.status();
        const now = performance.now();
        if (lexical === null && s.papers > 0) lexical = now;
        if (s.semanticReady && s.phase === 'ready') return { lexical_ready_ms: lexical ?? now, semantic_ready_ms: now };
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return { lexical_ready_ms: lexical, semantic_ready_ms: null };
  }, timeoutMs);
}

/** Median of the non-null values, or null when none. */
function medianOrNull(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const m = (v.length - 1) / 2;
  return (v[Math.floor(m)]! + v[Math.ceil(m)]!) / 2;
}

/**
 * @param firstVisits fresh profiles (each a new browser launch); @param reloads reloads of the last
 * profile. Each milestone is the median over its visits.
 */
export async function benchStartup(log: (s: string) => void, firstVisits = 1, reloads = 3, timeoutMs = 240_000): Promise<StartupFigures> {
  const dist = join(REPO, 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    log('  dist/ missing: npm run build');
    execSync('npm run build', { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const builtAt = statSync(join(dist, 'index.html')).mtime.toISOString();
  rmSync(SNAPSHOT, { recursive: true, force: true });
  cpSync(dist, SNAPSHOT, { recursive: true });
  const server = await serveStatic({ '/': SNAPSHOT }, true, join(SNAPSHOT, 'index.html'));
  const firsts: Milestones[] = [];
  const reloaded: Milestones[] = [];
  let browser = await launch();
  try {
    let afterFirst: Record<string, unknown> = {};
    let status: Record<string, unknown> = {};
    for (let v = 0; v < firstVisits; v++) {
      if (v > 0) {
        await browser.close();
        browser = await launch();
      }
      const page = browser.context.pages()[0] ?? (await browser.context.newPage());
      const statusOf = () => page.evaluate(() => (window as unknown as { __atlas: { status(): Promise<Record<string, unknown>> } }).__atlas.status());
      await page.goto(server.url + '/', { waitUntil: 'commit' });
      const first = await waitMilestones(page, timeoutMs);
      firsts.push(first);
      log(`  first visit: lexical ${first.lexical_ready_ms?.toFixed(0)} ms, semantic ${first.semantic_ready_ms?.toFixed(0)} ms`);
      afterFirst = await statusOf();
      if (v === firstVisits - 1) {
        for (let r = 0; r < reloads; r++) {
          await page.reload({ waitUntil: 'commit' });
          const m = await waitMilestones(page, timeoutMs);
          reloaded.push(m);
          log(`  reload: lexical ${m.lexical_ready_ms?.toFixed(0)} ms, semantic ${m.semantic_ready_ms?.toFixed(0)} ms`);
        }
        status = await statusOf();
      }
    }
    const med = (ms: Milestones[]): Milestones => ({
      lexical_ready_ms: medianOrNull(ms.map((m) => m.lexical_ready_ms)),
      semantic_ready_ms: medianOrNull(ms.map((m) => m.semantic_ready_ms)),
    });
    return {
      first_visit: med(firsts),
      reload: med(reloaded),
      note:
        `Median of ${firstVisits} first visit(s) and ${reloads} reloads. App build of ${builtAt.slice(0, 16).replace('T', ' ')} UTC (dist/), served with COOP/COEP. First visit: ` +
        `${afterFirst.shippedVectors} shipped vectors used, ${afterFirst.embeddedCount} papers embedded in the page. Reload: ` +
        `backend ${status.backend}, ${status.threads} thread(s), index ${status.indexKind}, ${status.papers} papers, ` +
        `${status.embeddedCount} embedded.`,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}
