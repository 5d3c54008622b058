/** Headless Chromium launch used by all browser benchmarks (flags from the team brief). */
import { chromium, type BrowserContext } from 'playwright-core';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Profile directory: unique to this launch, so it identifies this browser's processes. */
  profileDir: string;
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>;
}

/**
 * Software GL (SwiftShader through ANGLE) instead of no GL: for the map, which needs WebGL. Same
 * flags as tests/e2e/harness.ts chromiumArgs({ gpu: true }).
 */
export const GPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader', '--use-webgpu-adapter=swiftshader'];

/** A persistent context on a fresh profile (so IndexedDB/caches survive a reload inside one launch). */
export async function launch(opts: { gpu?: boolean; viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-bench-chromium-'));
  const args = opts.gpu ? [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), ...GPU_ARGS] : CHROMIUM_ARGS;
  const context = await chromium.launchPersistentContext(dir, { executablePath: '/usr/bin/chromium', args, headless: true, viewport: opts.viewport });
  return {
    context,
    profileDir: dir,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * CPU time (user + system, ms) used so far by every process of the browser launched with
 * `profileDir` (Linux /proc; clock ticks assumed 100 Hz, so 10 ms resolution). Processes that have
 * already exited are not counted; the benchmark only compares readings within one page's life.
 */
export function browserCpuMs(profileDir: string): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(profileDir)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // the process exited between listing and reading
    }
  }
  return ticks * 10;
}
