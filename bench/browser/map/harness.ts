/**
 * Entry of the map harness page: window.__map.mount(data) mounts Harness.svelte and resolves with
 * the time to the first painted frame; frames are recorded for fps measurements. IndexedDB helpers
 * let the driver time "first paint of a persisted layout" the way the app reads one.
 */
import { mount } from 'svelte';
import Harness from './Harness.svelte';
import type { HarnessData } from './types.ts';
import type { FrameInfo } from '../../../src/ui/map/types.ts';
import { mapFromJson, type PaperMap } from '../../../src/core/map/map-format.ts';
import { decodeVectors, type ShippedManifest } from '../../../src/core/vectors/shipped-format.ts';
import { vectorKey } from '../../../src/core/vectors/identity.ts';
import { runMapLayout } from '../../../workers/map-runner.ts';
import { gauss, rng, syntheticLike } from '../../lib/synthetic.ts';

const frames: (FrameInfo & { t: number })[] = [];
let app: ReturnType<typeof mount> | undefined;

function openDb(): Promise<IDBDatabase> {
  return new Promise((res, rej) => {
    const r = indexedDB.open('map-harness', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('maps');
    r.onsuccess = () => res(r.result);
    r.onerror = () => rej(r.error);
  });
}

async function seedMap(): Promise<PaperMap> {
  const index = await (await fetch('/precomputed/maps.json')).json();
  return mapFromJson(await (await fetch('/precomputed/' + index.maps[0].file)).json());
}

async function seedVectors(): Promise<{ ids: string[]; vectors: Float32Array; dims: number; key: string }> {
  const m: ShippedManifest = await (await fetch('/precomputed/manifest.json')).json();
  const set = m.sets[0]!;
  const vectors = decodeVectors(new Uint8Array(await (await fetch('/precomputed/' + set.vectors.file)).arrayBuffer()));
  return { ids: m.papers.map((p) => p.id), vectors, dims: set.identity.dims, key: vectorKey(set.identity) };
}

const api = {
  frames,
  seedMap: async () => {
    const m = await seedMap();
    return { ids: m.ids, coords: Array.from(m.coords), cluster: Array.from(m.cluster), clusters: m.clusters, laidOut: m.laidOut };
  },
  /**
   * `n` points around the seed map (each near a random seed paper, Gaussian spread), with its
   * clusters: a map shaped like a real large library, for rendering benchmarks.
   */
  async synthetic(n: number, titles: string[]): Promise<HarnessData> {
    const m = await seedMap();
    const r = rng(11);
    const coords = new Float32Array(n * 2);
    const cluster = new Int32Array(n);
    const ids: string[] = [];
    const t: string[] = [];
    const years: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = Math.floor(r() * m.ids.length);
      coords[2 * i] = m.coords[2 * s]! + 0.035 * gauss(r);
      coords[2 * i + 1] = m.coords[2 * s + 1]! + 0.035 * gauss(r);
      cluster[i] = m.cluster[s]!;
      ids.push(`s${i}`);
      t.push(`Synthetic paper ${i} (near “${titles[s] ?? m.ids[s]}”)`);
      years.push(2015 + Math.floor(r() * 10));
    }
    const clusters = m.clusters.map((c) => ({ ...c, size: 0 }));
    for (const c of cluster) clusters[c]!.size++;
    return { ids, coords, titles: t, cluster, clusters, years };
  },
  /**
   * Lays out `n` papers in the map worker (the seed vectors when n = their count, else synthetic
   * vectors mixed from them) while watching this page's main thread: rAF gaps and long tasks.
   */
  async layout(n: number) {
    const seed = await seedVectors();
    const vectors = n === seed.ids.length ? seed.vectors : syntheticLike(seed.vectors, seed.dims, n, 5);
    const ids = n === seed.ids.length ? seed.ids : Array.from({ length: n }, (_, i) => `x${i}`);
    const papers = ids.map((id, i) => ({ id, textHash: String(i), title: `Paper ${i}`, abstract: '' }));
    const gaps: number[] = [];
    let last = performance.now();
    let running = true;
    const tick = (now: number) => {
      gaps.push(now - last);
      last = now;
      if (running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    let longTasks = 0;
    let longestTask = 0;
    const po = typeof PerformanceObserver !== 'undefined' && PerformanceObserver.supportedEntryTypes?.includes('longtask')
      ? new PerformanceObserver((l) => l.getEntries().forEach((e) => { longTasks++; longestTask = Math.max(longestTask, e.duration); }))
      : undefined;
    po?.observe({ entryTypes: ['longtask'] });
    let progress = 0;
    const t0 = performance.now();
    const { map, ms } = await runMapLayout({ vectorIdentity: seed.key, papers, vectors, dims: seed.dims }, { onProgress: () => progress++ });
    const wall = performance.now() - t0;
    running = false;
    po?.disconnect();
    gaps.sort((a, b) => a - b);
    return {
      n,
      wall_ms: wall,
      worker_ms: ms,
      progress_events: progress,
      clusters: map.clusters.length,
      main_thread: { frames: gaps.length, max_gap_ms: gaps[gaps.length - 1] ?? 0, p95_gap_ms: gaps[Math.floor(gaps.length * 0.95)] ?? 0, long_tasks: longTasks, longest_task_ms: longestTask },
    };
  },
  mount(data: HarnessData): Promise<number> {
    const t0 = performance.now();
    return new Promise((resolve) => {
      let first = true;
      app = mount(Harness, {
        target: document.getElementById('app')!,
        props: {
          data,
          onFrame: (f: FrameInfo) => {
            frames.push({ ...f, t: performance.now() });
            if (first) {
              first = false;
              // The frame is submitted; the next animation frame is when it is on screen.
              requestAnimationFrame(() => resolve(performance.now() - t0));
            }
          },
        },
      });
    });
  },
  set(p: Record<string, unknown>) {
    (app as unknown as { set: (x: unknown) => void }).set(p);
  },
  state() {
    return (app as unknown as { snapshot: () => unknown }).snapshot();
  },
  async store(key: string, value: unknown): Promise<void> {
    const db = await openDb();
    await new Promise<void>((res, rej) => {
      const tx = db.transaction('maps', 'readwrite');
      tx.objectStore('maps').put(value, key);
      tx.oncomplete = () => res();
      tx.onerror = () => rej(tx.error);
    });
    db.close();
  },
  /** Reads a stored map and mounts it: resolves with { readMs, paintMs } (paint counted from the read's start). */
  async mountStored(key: string, extra: Partial<HarnessData>): Promise<{ readMs: number; paintMs: number }> {
    const t0 = performance.now();
    const db = await openDb();
    const value = await new Promise<HarnessData>((res, rej) => {
      const r = db.transaction('maps').objectStore('maps').get(key);
      r.onsuccess = () => res(r.result as HarnessData);
      r.onerror = () => rej(r.error);
    });
    db.close();
    const readMs = performance.now() - t0;
    const mountMs = await api.mount({ ...value, ...extra });
    return { readMs, paintMs: readMs + mountMs };
  },
};
(window as unknown as { __map: typeof api }).__map = api;
document.title = 'ready';
