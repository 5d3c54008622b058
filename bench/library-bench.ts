/**
 * A researcher's whole library in the built app: `npm run bench -- --library 5000` (50000 / 100000
 * in full mode). Drives dist/ in headless Chromium through the real UI, with a JSON Lines file of N
 * synthetic papers, and reports (all in the page's own clock, performance.now()):
 *
 * - import → preview drawn, → keyword ready (a keyword search finds the file's last paper), → quick-tier
 *   semantic ready (the static model's space covers every paper), from the moment the file is chosen
 *   and from the Import click;
 * - the full model's rate (docs/s) over a fixed window once it embeds (never waits for all N);
 * - hybrid query latency while the full model embeds: round trip from the page (postMessage → reply,
 *   includes any wait behind a document pass) and the worker's own `tookMs`, p50 / p95, and the tier;
 * - the longest main-thread task from a 'longtask' PerformanceObserver (file chosen → end of window);
 * - worker memory (performance.measureUserAgentSpecificMemory, the app is cross-origin isolated;
 *   else the page's JS heap), IndexedDB bytes (navigator.storage.estimate());
 * - reload → keyword ready and → semantic ready (quick tier or full), with the full model still
 *   embedding the rest in the background.
 *
 * Synthetic papers (syntheticLibrary): each abstract is 9 sentences drawn from the 204 seed
 * abstracts (fixed LCG), so the text, its length (~280 tokens) and its vocabulary are those of real
 * abstracts; the title joins the first half of one seed title to the second half of another, plus a
 * numbered suffix so no two titles (and so no two papers) are merged by the importer's dedupe; each
 * paper has a distinct DOI, a year and two authors. Deterministic: the same N gives the same file.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launch } from './lib/chromium.ts';
import { serveStatic } from './lib/server.ts';
import { loadSeedPapers, REPO } from './lib/seed.ts';
import { longTasksSince, observeLongTasks } from './lib/long-tasks.ts';

const SNAPSHOT = join(REPO, 'bench/.build-library');

export interface Percentiles {
  n: number;
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export interface LibraryFigures {
  papers: number;
  file_mb: number;
  /** From the file being chosen. */
  preview_ms: number | null;
  /** From the Import click. */
  commit_to_keyword_ms: number | null;
  commit_to_quick_semantic_ms: number | null;
  /** From the file being chosen (what a person waits for). */
  file_to_keyword_ms: number | null;
  file_to_quick_semantic_ms: number | null;
  /** Full model (transformer) rate over the window, and the window itself. */
  full_docs_per_s: number | null;
  full_window_s: number;
  full_embedded_in_window: number;
  query_round_trip_ms: Percentiles;
  query_worker_ms: Percentiles;
  query_tiers: Record<string, number>;
  longest_task_ms: number;
  long_tasks: number;
  worker_memory_mb: number | null;
  memory_source: string;
  indexeddb_mb: number | null;
  /**
   * What the IndexedDB bytes are made of: logical bytes per store (papers as UTF-8 JSON, vectors
   * per vector identity, blobs per name) read in the page, and the profile's IndexedDB folder on
   * disk (LevelDB files, and the blob files Chromium writes for large values). MB.
   */
  indexeddb_parts: Record<string, number> | null;
  reload_keyword_ms: number | null;
  reload_semantic_ms: number | null;
  reload_semantic_tier: string | null;
  load_avg: [number, number];
  /** Issue 15 #2: whether document passes ran in the embedding worker (`?embedworker=0` when false). */
  embed_worker: boolean;
  /** The embedding worker's model load (from its console line), when it ran. */
  embed_worker_load_ms: number | null;
  note: string;
}

/** The synthetic library as JSON Lines (see the module comment for how it is made). */
export function syntheticLibrary(n: number): string {
  const seeds = loadSeedPapers();
  const sentences = seeds.flatMap((p) => p.abstract.split(/(?<=\.) /)).filter((s) => s.length > 20);
  const halves = seeds.map((p) => {
    const w = p.title.split(' ');
    const cut = Math.max(1, Math.floor(w.length / 2));
    return [w.slice(0, cut).join(' '), w.slice(cut).join(' ')] as const;
  });
  let x = 7;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const abstract = Array.from({ length: 9 }, () => pick(sentences)).join(' ');
    const title = `${pick(halves)[0]} ${pick(halves)[1]} (study ${i + 1})`;
    lines.push(JSON.stringify({ title, abstract, year: 1995 + (i % 30), DOI: `10.5555/atlas-bench.${i}`, author: [{ family: `Author${i % 997}`, given: 'A.' }, { family: `Second${i % 331}`, given: 'B.' }] }));
  }
  return lines.join('\n') + '\n';
}

function percentiles(xs: number[]): Percentiles {
  const s = [...xs].sort((a, b) => a - b);
  const q = (f: number) => (s.length ? s[Math.min(s.length - 1, Math.ceil(f * s.length) - 1)]! : null);
  return { n: s.length, p50: q(0.5), p95: q(0.95), max: s.length ? s[s.length - 1]! : null };
}

type Space = { role: string; ready: boolean; indexed: number; embedded: number; stored: number; modelState: string };
type Status = { papers: number; phase: string; semanticReady: boolean; spaces: Space[] };
type Hook = { status(): Promise<Status>; search(q: string, mode: string): Promise<{ tookMs: number; tier?: string; mode: string; hits: unknown[] }> };

const statusOf = (page: Page) => page.evaluate(() => (window as unknown as { __atlas: Hook }).__atlas.status());
const pageNow = (page: Page) => page.evaluate(() => performance.now());

/** Polls the status in the page until `pred` holds; returns the page time it first held, or null. */
async function waitFor(page: Page, pred: string, timeoutMs: number): Promise<number | null> {
  return page.evaluate(
    async ([src, timeout]) => {
      const test = new Function('s', `return (${src})(s)`) as (s: unknown) => boolean;
      const w = window as unknown as { __atlas?: Hook };
      const end = performance.now() + timeout;
      while (performance.now() < end) {
        if (w.__atlas) {
          const s = await w.__atlas.status();
          if (test(s)) return performance.now();
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return null;
    },
    [pred, timeoutMs] as const,
  );
}

const quickReady = (total: number) => `(s) => s.papers >= ${total} && s.spaces.some((x) => x.role === 'quick' && x.ready && x.indexed >= ${total})`;
/**
 * The page time at which a question asked at once is first answered over the whole library: the
 * hook's search is sent as soon as the page has it (the engine holds it until the papers are
 * loaded) and repeated until `accept` holds for a reply. This is what a person typing at once sees;
 * a status count says only that the papers were read (the keyword index may still be loading).
 */
async function firstAnswer(page: Page, mode: 'lexical' | 'hybrid', accept: string, timeoutMs: number): Promise<number | null> {
  return page.evaluate(
    async ([mode, src, timeout]) => {
      const ok = new Function('r', `return (${src})(r)`) as (r: unknown) => boolean;
      const w = window as unknown as { __atlas?: Hook };
      const end = performance.now() + timeout;
      while (performance.now() < end) {
        if (w.__atlas) {
          const r = await w.__atlas.search('self-supervised video pre-training', mode).catch(() => null);
          if (r && ok(r)) return performance.now();
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      return null;
    },
    [mode, accept, timeoutMs] as const,
  );
}

const anySemantic = (total: number) => `(s) => s.papers >= ${total} && (s.semanticReady || s.spaces.some((x) => x.role === 'quick' && x.ready && x.indexed >= ${total}))`;

function questions(): string[] {
  const f = join(REPO, '../shared/eval/dev-paraphrase.jsonl');
  if (existsSync(f)) return readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { query: string }).query);
  return loadSeedPapers().map((p) => p.title);
}

/** Sizes of files under `dir` whose path matches `re` (bytes). */
function folderBytes(dir: string, re: RegExp): number {
  let total = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const path = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    if (e.isFile() && re.test(path)) total += statSync(path).size;
  }
  return total;
}

/** See LibraryFigures.indexeddb_parts. Null when the database cannot be read from the page. */
async function storeBreakdown(page: Page, profileDir: string): Promise<Record<string, number> | null> {
  // A string, not a function: tsx's keepNames helper (__name) does not exist in the page.
  const logical = await page.evaluate<Record<string, number>>(`(async () => {
    const db = await new Promise((ok, bad) => {
      const r = indexedDB.open('abstract-atlas');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => bad(r.error);
    });
    const enc = new TextEncoder();
    const utf8 = (x) => enc.encode(JSON.stringify(x) ?? '').byteLength;
    const out = {};
    const add = (k, n) => (out[k] = (out[k] ?? 0) + n);
    const each = (store, f) =>
      new Promise((ok, bad) => {
        const r = db.transaction(store).objectStore(store).openCursor();
        r.onsuccess = () => {
          const c = r.result;
          if (!c) return ok();
          f(c.key, c.value);
          c.continue();
        };
        r.onerror = () => bad(r.error);
      });
    await each('papers', (_k, v) => add('papers', utf8(v)));
    await each('vectors', (_k, r) => add('vectors ' + r.modelKey.split('@')[0], (r.half ?? r.vector)?.byteLength ?? 0));
    await each('blobs', (k, v) => add('blob ' + String(k).split('@')[0], v.byteLength));
    await each('meta', (k, v) => add('meta', utf8(k) + utf8(v)));
    // Packs (schema 4): papers packs count as papers, vector packs by their model.
    if (db.objectStoreNames.contains('packs'))
      await each('packs', (k, v) => (k[0] === 'p' ? add('papers (packed)', utf8(v.papers) + utf8(v.hashes)) : add('vectors ' + String(k[1]).split('@')[0] + ' (packed)', v.half.byteLength)));
    db.close();
    return out;
  })()`).catch((e: Error) => (console.error(`  IndexedDB breakdown not read: ${e.message}`), null));
  if (!logical) return null;
  const mb: Record<string, number> = {};
  for (const [k, v] of Object.entries(logical)) mb[k] = v / 1e6;
  const idbDir = join(profileDir, 'Default', 'IndexedDB');
  mb['disk: leveldb'] = folderBytes(idbDir, /\.leveldb\//) / 1e6;
  mb['disk: blob files'] = folderBytes(idbDir, /\.blob\//) / 1e6;
  return mb;
}

export async function benchLibrary(n: number, opts: { log: (s: string) => void; windowS?: number; timeoutMs?: number; embedWorker?: boolean }): Promise<LibraryFigures> {
  const embedWorker = opts.embedWorker ?? true;
  const log = opts.log;
  const windowS = opts.windowS ?? 60;
  const timeoutMs = opts.timeoutMs ?? 900_000;
  const dist = join(REPO, 'dist');
  if (!existsSync(join(dist, 'index.html'))) {
    log('  dist/ missing: npm run build');
    execSync('npm run build', { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const builtAt = statSync(join(dist, 'index.html')).mtime.toISOString();
  rmSync(SNAPSHOT, { recursive: true, force: true });
  cpSync(dist, SNAPSHOT, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'atlas-library-'));
  const file = join(tmp, `library-${n}.jsonl`);
  const text = syntheticLibrary(n);
  writeFileSync(file, text);
  const fileMb = Buffer.byteLength(text) / 1e6;
  log(`  library: ${n} synthetic papers, ${fileMb.toFixed(1)} MB JSON Lines`);
  const server = await serveStatic({ '/': SNAPSHOT }, true, join(SNAPSHOT, 'index.html'));
  const browser = await launch();
  const load0 = (await import('node:os')).loadavg()[0]!;
  try {
    await observeLongTasks(browser.context);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.setDefaultTimeout(timeoutMs);
    // The engine worker logs the embedding worker's load time (workers/engine.worker.ts).
    let workerLoadMs: number | null = null;
    const onConsole = (text: string) => {
      const m = /embedding worker ready: model loaded in (\d+) ms/.exec(text);
      if (m && workerLoadMs === null) workerLoadMs = Number(m[1]);
    };
    page.on('console', (msg) => onConsole(msg.text()));
    page.on('worker', (w) => w.on('console', (msg) => onConsole(msg.text())));
    log(`  documents embed ${embedWorker ? 'in the embedding worker' : 'on the engine worker (?embedworker=0)'}`);
    await page.goto(server.url + `/?device=wasm${embedWorker ? '' : '&embedworker=0'}`, { waitUntil: 'load' });
    // The seed corpus first (shipped vectors): the library lands on a settled app.
    await waitFor(page, `(s) => s.papers > 0 && s.phase === 'ready' && s.semanticReady`, 240_000);
    const base = (await statusOf(page)).papers;
    const total = base + n;
    const t0 = await pageNow(page);
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-preview').waitFor({ timeout: timeoutMs });
    const tPreview = await pageNow(page);
    log(`  preview ${(tPreview - t0).toFixed(0)} ms`);
    await page.getByTestId('import-collection').fill('library');
    const tClick = await pageNow(page);
    await page.getByTestId('import-commit').click();
    // Keyword ready = a keyword search finds the LAST paper of the file (the lexical index is
    // filled in slices after the papers are counted, so the count alone would be early).
    const lastTitle = (JSON.parse(text.trimEnd().split('\n').pop()!) as { title: string }).title;
    const [tKeyword, tQuick] = await Promise.all([
      page.evaluate(
        async ([title, timeout]) => {
          const h = (window as unknown as { __atlas: Hook }).__atlas;
          const end = performance.now() + timeout;
          while (performance.now() < end) {
            const r = (await h.search(title, 'lexical')) as unknown as { hits: { paper: { title: string } }[] };
            if (r.hits.some((x) => x.paper.title === title)) return performance.now();
            await new Promise((res) => setTimeout(res, 50));
          }
          return null;
        },
        [lastTitle, timeoutMs] as const,
      ),
      waitFor(page, quickReady(total), timeoutMs),
    ]);
    log(`  keyword ready ${tKeyword === null ? 'timeout' : (tKeyword - tClick).toFixed(0) + ' ms'} after Import, quick semantic ${tQuick === null ? 'timeout' : (tQuick - tClick).toFixed(0) + ' ms'}`);

    // Full model: wait until it embeds (model loaded, first library vectors), then a fixed window
    // during which questions are asked once a second.
    const primary = (s: Status) => s.spaces.find((x) => x.role === 'primary');
    await waitFor(page, `(s) => s.spaces.some((x) => x.role === 'primary' && x.embedded > 0)`, 300_000);
    const s1 = await statusOf(page);
    const w0 = await pageNow(page);
    const qs = questions();
    const rt: number[] = [];
    const worker: number[] = [];
    const tiers: Record<string, number> = {};
    let qi = 0;
    while ((await pageNow(page)) - w0 < windowS * 1000) {
      const r = await page.evaluate(async (q) => {
        const h = (window as unknown as { __atlas: Hook }).__atlas;
        const t = performance.now();
        const res = await h.search(q, 'hybrid');
        return { rt: performance.now() - t, took: res.tookMs, tier: res.tier ?? res.mode };
      }, qs[qi++ % qs.length]!);
      rt.push(r.rt);
      worker.push(r.took);
      tiers[r.tier] = (tiers[r.tier] ?? 0) + 1;
      await page.waitForTimeout(1000);
    }
    const s2 = await statusOf(page);
    const w1 = await pageNow(page);
    const embeddedInWindow = (primary(s2)?.embedded ?? 0) - (primary(s1)?.embedded ?? 0);
    const fullRate = embeddedInWindow / ((w1 - w0) / 1000);
    log(`  full model ${fullRate.toFixed(1)} docs/s over ${((w1 - w0) / 1000).toFixed(0)} s; query round trip p50 ${percentiles(rt).p50?.toFixed(0)} ms p95 ${percentiles(rt).p95?.toFixed(0)} ms`);

    const tasks = (await longTasksSince(page, t0)) ?? []; // no longtask support: reported as 0 tasks
    const longest = Math.max(0, ...tasks.map((t) => t.duration));
    const mem = await page.evaluate(async () => {
      const p = performance as Performance & {
        measureUserAgentSpecificMemory?: () => Promise<{ bytes: number; breakdown: { bytes: number; attribution: { scope: string }[] }[] }>;
        memory?: { usedJSHeapSize: number };
      };
      if (self.crossOriginIsolated && p.measureUserAgentSpecificMemory) {
        try {
          const m = await Promise.race([p.measureUserAgentSpecificMemory(), new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
          if (m) {
            const workerBytes = m.breakdown.filter((b) => b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')).reduce((a, b) => a + b.bytes, 0);
            return { mb: workerBytes / 1e6, source: `measureUserAgentSpecificMemory (dedicated workers; whole page ${(m.bytes / 1e6).toFixed(0)} MB)` };
          }
        } catch (e) {
          return { mb: p.memory ? p.memory.usedJSHeapSize / 1e6 : null, source: `page JS heap (measureUserAgentSpecificMemory failed: ${(e as Error).message})` };
        }
      }
      return { mb: p.memory ? p.memory.usedJSHeapSize / 1e6 : null, source: 'page JS heap (performance.memory; worker not measurable)' };
    });
    const est = await page.evaluate(async () => {
      const e = (await navigator.storage.estimate()) as StorageEstimate & { usageDetails?: { indexedDB?: number } };
      return { idb: e.usageDetails?.indexedDB ?? null, usage: e.usage ?? null };
    });

    const parts = await storeBreakdown(page, browser.profileDir);

    // Reload: the full model is still embedding the rest; the quick tier must answer at once.
    await page.reload({ waitUntil: 'commit' });
    // Both asked at once, one after the other: keyword first (what the page shows first), then a
    // hybrid question until a semantic tier ranks it. Earlier runs (before 2026-12-03 16:00)
    // reported "keyword" when the status first counted every paper: up to 2 s before the keyword
    // index was loaded at 100k.
    const rKeyword = await firstAnswer(page, 'lexical', `(r) => r.hits.length > 0`, 120_000);
    const rSemantic = (await waitFor(page, anySemantic(total), 120_000)) === null ? null : await firstAnswer(page, 'hybrid', `(r) => !!r.tier`, 120_000);
    let tier: string | null = null;
    // No semantic readiness: say what the engine was doing (for the report, not a number).
    let reloadState = '';
    if (rSemantic === null) {
      const st = (await statusOf(page)) as Status & { waitingForLock?: boolean; indexRun?: string; notices?: { message: string }[] };
      reloadState = ` After reload, no semantic readiness within 120 s; engine: phase ${st.phase}, indexRun ${st.indexRun}, waitingForLock ${st.waitingForLock}, spaces ${st.spaces.map((x) => `${x.role} ${x.modelState} indexed ${x.indexed} stored ${x.stored} ready ${x.ready}`).join('; ')}; notices: ${(st.notices ?? []).map((n) => n.message).join(' | ') || 'none'}.`;
    }
    if (rSemantic !== null) {
      tier = await page.evaluate(async () => {
        const res = await (window as unknown as { __atlas: Hook }).__atlas.search('self-supervised video pre-training', 'hybrid');
        return res.tier ?? res.mode;
      });
    }
    log(`  reload: keyword ${rKeyword?.toFixed(0)} ms, semantic ${rSemantic?.toFixed(0)} ms (${tier})`);
    const os = await import('node:os');
    return {
      papers: n,
      file_mb: fileMb,
      preview_ms: tPreview - t0,
      commit_to_keyword_ms: tKeyword === null ? null : tKeyword - tClick,
      commit_to_quick_semantic_ms: tQuick === null ? null : tQuick - tClick,
      file_to_keyword_ms: tKeyword === null ? null : tKeyword - t0,
      file_to_quick_semantic_ms: tQuick === null ? null : tQuick - t0,
      full_docs_per_s: Number.isFinite(fullRate) ? fullRate : null,
      full_window_s: (w1 - w0) / 1000,
      full_embedded_in_window: embeddedInWindow,
      query_round_trip_ms: percentiles(rt),
      query_worker_ms: percentiles(worker),
      query_tiers: tiers,
      longest_task_ms: longest,
      long_tasks: tasks.length,
      worker_memory_mb: mem.mb,
      memory_source: mem.source,
      indexeddb_mb: est.idb !== null ? est.idb / 1e6 : est.usage !== null ? est.usage / 1e6 : null,
      indexeddb_parts: parts,
      reload_keyword_ms: rKeyword,
      reload_semantic_ms: rSemantic,
      reload_semantic_tier: tier,
      load_avg: [load0, os.loadavg()[0]!],
      embed_worker: embedWorker,
      embed_worker_load_ms: workerLoadMs,
      note: `App build of ${builtAt.slice(0, 16).replace('T', ' ')} UTC (dist/), COOP/COEP, ?device=wasm; ${base} seed papers before the import; reload times from navigation start.${reloadState}`,
    };
  } finally {
    await browser.close();
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
