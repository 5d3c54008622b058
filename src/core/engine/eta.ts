/**
 * Remaining-time estimate for an indexing phase, from the rate measured over the most recent work
 * — not over the whole run. A run's first batch includes model warm-up, and on a shared machine the
 * rate changes with the load: the whole-run average (what reconcile.ts reports) then keeps an ETA
 * that is minutes off long after the rate settled.
 *
 * Invariants: no ETA until at least `minSamples` completed steps span `minSeconds` (a guess from one
 * batch is worse than none), unless a rate from an earlier run of this model on this device is given
 * (`prior`); the estimate is (remaining) / (docs over the last `windowSeconds` / that span). Time
 * spent paused is not work: `pause()` / `resume()` exclude it.
 */
export interface EtaOptions {
  /** Seconds of recent progress the rate is measured over (default 30). */
  windowSeconds?: number;
  /** Completed steps needed before the measured rate is trusted (default 2). */
  minSamples?: number;
  /** Seconds of measured work needed before the measured rate is trusted (default 2). */
  minSeconds?: number;
  /** Documents/s measured by an earlier run (stored per model), used until this run's own rate is trusted. */
  prior?: number;
}

export interface EtaReading {
  /** Documents per second over the window; 0 until measurable (or the prior). */
  rate: number;
  /** Seconds left at that rate; undefined until measurable. */
  eta?: number;
  /** 'measured' = this run's window, 'prior' = an earlier run's rate, 'none' = no estimate yet. */
  basis: 'measured' | 'prior' | 'none';
}

export class EtaMeter {
  private readonly samples: { t: number; done: number }[] = [];
  private readonly window: number;
  private readonly minSamples: number;
  private readonly minSeconds: number;
  private pausedAt: number | null = null;
  /** Seconds spent paused, added to every earlier sample's timestamp when the run resumes. */
  constructor(
    private readonly total: number,
    startedAt: number,
    private readonly opts: EtaOptions = {},
  ) {
    this.window = opts.windowSeconds ?? 30;
    this.minSamples = opts.minSamples ?? 2;
    this.minSeconds = opts.minSeconds ?? 2;
    this.samples.push({ t: startedAt, done: 0 });
  }

  /** `done` documents of `total` are finished at time `t` (seconds). */
  record(done: number, t: number): EtaReading {
    const last = this.samples[this.samples.length - 1]!;
    if (done < last.done) throw new Error(`progress went backwards (${last.done} → ${done})`);
    this.samples.push({ t, done });
    // Keep one sample at or before the window's start, so the window is always spanned.
    while (this.samples.length > 2 && this.samples[1]!.t <= t - this.window) this.samples.shift();
    return this.reading();
  }

  pause(t: number): void {
    this.pausedAt ??= t;
  }

  /** Shifts the history by the paused time, so the pause counts as neither work nor idleness. */
  resume(t: number): void {
    if (this.pausedAt === null) return;
    const gap = t - this.pausedAt;
    for (const s of this.samples) s.t += gap;
    this.pausedAt = null;
  }

  reading(): EtaReading {
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const remaining = Math.max(0, this.total - last.done);
    const span = last.t - first.t;
    const steps = this.samples.length - 1;
    const measured = steps >= this.minSamples && span >= this.minSeconds && last.done > first.done;
    if (measured) {
      const rate = (last.done - first.done) / span;
      return { rate, eta: remaining / rate, basis: 'measured' };
    }
    const prior = this.opts.prior;
    if (prior && prior > 0 && Number.isFinite(prior)) return { rate: prior, eta: remaining / prior, basis: 'prior' };
    // Finished: nothing is left, whatever the rate was.
    if (remaining === 0 && last.done > 0) return { rate: span > 0 ? (last.done - first.done) / span : 0, eta: 0, basis: 'none' };
    return { rate: 0, basis: 'none' };
  }
}
