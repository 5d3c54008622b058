/**
 * Main-thread long tasks as the page sees them: a `longtask` PerformanceObserver installed before any
 * page script runs (a context init script), read back per time window. Shared by the library bench and
 * the e2e tests that bound freezes, so all of them measure the same thing.
 *
 * Failure mode: a browser without `longtask` support records nothing and `longTasksSince` returns
 * null (not []), so a caller can tell "no long task" from "not measured".
 */
import type { BrowserContext, Page } from 'playwright-core';

export interface LongTask {
  /** performance.now() of the task's start, in the page's clock. */
  start: number;
  duration: number;
}

/** Installs the observer in every page of `context` opened (or navigated) from now on. */
export async function observeLongTasks(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const w = window as unknown as { __long?: { start: number; duration: number }[] };
    w.__long = [];
    try {
      new PerformanceObserver((l) => {
        for (const e of l.getEntries()) w.__long!.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });
    } catch {
      delete w.__long; // no longtask support: longTasksSince returns null
    }
  });
}

/** Long tasks that started at or after `from` (page clock), or null when the page has no observer. */
export async function longTasksSince(page: Page, from = 0): Promise<LongTask[] | null> {
  return page.evaluate((t0) => (window as unknown as { __long?: { start: number; duration: number }[] }).__long?.filter((t) => t.start >= t0) ?? null, from);
}

/** The longest duration of `tasks` (0 for none). */
export function longest(tasks: readonly LongTask[]): number {
  return tasks.reduce((m, t) => Math.max(m, t.duration), 0);
}
