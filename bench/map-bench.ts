/**
 * Map benchmark (section "map" of bench/run.ts; alone: `tsx bench/map-bench.ts [--quick] [--skip-layout]`).
 * All in headless Chromium on SwiftShader GL (no GPU on this machine), through the map harness page
 * (bench/browser/map/), i.e. the app's own map components, layout worker and renderer:
 * - layout time of the 204 seed papers and of 5k papers (synthetic vectors mixed from the real seed
 *   vectors + noise, bench/lib/synthetic.ts) in the layout worker, with the page's main-thread
 *   responsiveness meanwhile (largest gap between animation frames, long tasks);
 * - frames per second while panning and zooming 100k points with real mouse input (drag + wheel),
 *   and how many points the level of detail drew per moving frame;
 * - first paint of a persisted 100k map: read from IndexedDB after a reload, mounted, first frame.
 * Reports numbers, never fails on timing.
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import type { Page } from 'playwright-core';
import { launch } from './lib/chromium.ts';
import { serveStatic } from './lib/server.ts';
import { REPO } from './lib/seed.ts';
import { buildMapPage } from './lib/build-map-page.ts';
import { summarize, type Summary } from './lib/stats.ts';

export interface MapLayoutResult {
  n: number;
  wall_ms: number;
  worker_ms: number;
  progress_events: number;
  clusters: number;
  main_thread: { frames: number; max_gap_ms: number; p95_gap_ms: number; long_tasks: number; longest_task_ms: number };
}

export interface MapBenchResult {
  renderer: string;
  layout: MapLayoutResult[];
  pan_zoom: { n: number; fps: Summary; drawn_per_moving_frame: Summary; low_res_share: number; runs: number; seconds_per_run: number } | null;
  persisted_first_paint: { n: number; read_ms: number; paint_ms: number } | null;
  errors: string[];
  /** 1-minute load average before and after the fps runs: the machine is shared, fps depends on it. */
  load_avg?: { before_fps: number; after_fps: number };
}

async function fpsRun(page: Page, seconds: number): Promise<{ fps: number; drawn: number[]; lowRes: number }> {
  const box = (await page.locator('canvas').boundingBox())!;
  const cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  const f0 = await page.evaluate(() => (window as any).__map.frames.length);
  const t0 = Date.now();
  let k = 0;
  while (Date.now() - t0 < seconds * 1000) {
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 24; i++) {
      const a = (i / 24) * 2 * Math.PI;
      await page.mouse.move(cx + 120 * Math.cos(a), cy + 120 * Math.sin(a));
    }
    await page.mouse.up();
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, (k % 2 ? 1 : -1) * 80);
    k++;
  }
  const frames: { moving: boolean; count: number; t: number; scale?: number }[] = await page.evaluate((f0) => (window as any).__map.frames.slice(f0), f0);
  const moving = frames.filter((f) => f.moving);
  const span = moving.length > 1 ? (moving[moving.length - 1]!.t - moving[0]!.t) / 1000 : seconds;
  return { fps: (moving.length - 1) / span, drawn: moving.map((f) => f.count), lowRes: moving.filter((f) => (f.scale ?? 1) < 1).length / Math.max(1, moving.length) };
}

export async function benchMap(opts: { quick?: boolean; skipLayout?: boolean; log?: (s: string) => void } = {}): Promise<MapBenchResult> {
  const log = opts.log ?? console.error;
  const dir = await buildMapPage();
  const server = await serveStatic({ '/': dir, '/precomputed/': join(REPO, 'public/precomputed') }, false);
  const browser = await launch({ gpu: true, viewport: { width: 1280, height: 800 } });
  const out: MapBenchResult = { renderer: '', layout: [], pan_zoom: null, persisted_first_paint: null, errors: [] };
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (e) => out.errors.push(String(e).slice(0, 200)));
    const open = async () => {
      await page.goto(`${server.url}/index.html`);
      await page.waitForFunction(() => document.title === 'ready');
    };
    await open();
    out.renderer = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl');
      const ext = gl?.getExtension('WEBGL_debug_renderer_info');
      return ext ? String(gl!.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'unknown';
    });
    for (const n of opts.skipLayout ? [] : opts.quick ? [204, 2000] : [204, 5000]) {
      log(`map: layout ${n} papers in the worker`);
      const r: MapLayoutResult = await page.evaluate((n) => (window as any).__map.layout(n), n);
      out.layout.push(r);
      log(`  ${(r.wall_ms / 1000).toFixed(1)} s, ${r.clusters} clusters, main thread: max frame gap ${r.main_thread.max_gap_ms.toFixed(0)} ms, ${r.main_thread.long_tasks} long tasks`);
    }
    const N = 100_000;
    log(`map: pan/zoom ${N} points`);
    await page.evaluate(async (n) => {
      const m = (window as any).__map;
      const seed = await m.seedMap();
      const data = await m.synthetic(n, seed.ids);
      await m.store('big', data);
      await m.mount(data);
    }, N);
    const loadBefore = loadavg()[0]!;
    const runs = opts.quick ? 2 : 3;
    const secs = 4;
    const fps: number[] = [];
    const drawn: number[] = [];
    let lowRes = 0;
    for (let i = 0; i < runs; i++) {
      const r = await fpsRun(page, secs);
      fps.push(r.fps);
      drawn.push(...r.drawn);
      lowRes += r.lowRes / runs;
    }
    out.load_avg = { before_fps: loadBefore, after_fps: loadavg()[0]! };
    out.pan_zoom = { n: N, fps: summarize(fps), drawn_per_moving_frame: summarize(drawn), low_res_share: lowRes, runs, seconds_per_run: secs };
    log(`  ${out.pan_zoom.fps.median.toFixed(1)} fps (median of ${runs}), median ${out.pan_zoom.drawn_per_moving_frame.median.toFixed(0)} points per moving frame; load average ${out.load_avg.before_fps.toFixed(1)} → ${out.load_avg.after_fps.toFixed(1)}`);
    await open();
    const fp: { readMs: number; paintMs: number } = await page.evaluate(() => (window as any).__map.mountStored('big', {}));
    out.persisted_first_paint = { n: N, read_ms: fp.readMs, paint_ms: fp.paintMs };
    log(`map: persisted ${N}-point map: read ${fp.readMs.toFixed(0)} ms, first paint ${fp.paintMs.toFixed(0)} ms`);
  } catch (e) {
    out.errors.push((e as Error).message.slice(0, 300));
  } finally {
    await browser.close();
    await server.close();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // --skip-layout: rendering numbers only (iterating on the renderer without the 5k layout's CPU minute).
  benchMap({ quick: process.argv.includes('--quick'), skipLayout: process.argv.includes('--skip-layout') }).then((r) => console.log(JSON.stringify(r, null, 1)));
}
