/**
 * Cooperative time slicing for the engine thread: long loops (adding thousands of papers to the
 * lexical index, packing vectors) give the event loop a turn every `sliceMs`, so a question that
 * arrives meanwhile is answered within about one slice instead of after the whole loop.
 *
 * A macrotask (setTimeout 0), not a microtask: queued messages (a search request) only run between
 * macrotasks. Slices are measured, not counted, so the pause points follow the machine's speed
 * (a loaded 2-core machine runs each item several times slower).
 */
export const DEFAULT_SLICE_MS = 30;

export const yieldToEventLoop = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/**
 * Calls `fn` on consecutive chunks of `items` (at most `chunk` items each), yielding whenever
 * `sliceMs` have passed since the last yield. Order is kept; every item is passed exactly once.
 */
export async function sliced<T>(items: readonly T[], fn: (part: T[]) => void, opts: { chunk?: number; sliceMs?: number; now?: () => number } = {}): Promise<void> {
  const chunk = Math.max(1, opts.chunk ?? 50);
  const sliceMs = opts.sliceMs ?? DEFAULT_SLICE_MS;
  const now = opts.now ?? (() => performance.now());
  let started = now();
  for (let i = 0; i < items.length; i += chunk) {
    fn(items.slice(i, i + chunk));
    if (i + chunk < items.length && now() - started >= sliceMs) {
      await yieldToEventLoop();
      started = now();
    }
  }
}

/** An AbortSignal that aborts when any of `signals` does (AbortSignal.any where it exists). */
export function anySignal(signals: AbortSignal[]): AbortSignal {
  const any = (AbortSignal as unknown as { any?: (s: AbortSignal[]) => AbortSignal }).any;
  if (any) return any(signals);
  const c = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      c.abort(s.reason);
      break;
    }
    s.addEventListener('abort', () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}
