import { describe, expect, it } from 'vitest';
import { EtaMeter } from '../../src/core/engine/eta.ts';

describe('EtaMeter: remaining time from the recently measured rate', () => {
  it('gives no estimate from a single step, nor before enough seconds of work', () => {
    const m = new EtaMeter(1000, 0);
    expect(m.record(16, 0.5)).toEqual({ rate: 0, basis: 'none' });
    // Two steps, but only 1 s of work: still no estimate.
    expect(m.record(32, 1).basis).toBe('none');
    const r = m.record(48, 2);
    expect(r.basis).toBe('measured');
    expect(r.rate).toBeCloseTo(24, 6);
    expect(r.eta).toBeCloseTo((1000 - 48) / 24, 6);
  });

  it('uses an earlier run’s rate until its own is measured', () => {
    const m = new EtaMeter(500, 10, { prior: 5 });
    expect(m.reading()).toEqual({ rate: 5, eta: 100, basis: 'prior' });
    m.record(10, 11);
    expect(m.reading().basis).toBe('prior');
  });

  it('follows the recent rate, not the whole-run average (a slow warm-up is forgotten)', () => {
    const m = new EtaMeter(10_000, 0, { windowSeconds: 10 });
    // Warm-up: 16 documents in the first 20 s, then a steady 10 docs/s.
    m.record(16, 20);
    let done = 16;
    let r = m.reading();
    for (let t = 21; t <= 60; t++) r = m.record((done += 10), t);
    expect(r.basis).toBe('measured');
    expect(r.rate).toBeCloseTo(10, 6);
    expect(r.eta).toBeCloseTo((10_000 - done) / 10, 6);
    // The whole-run average would have said (done / 60) docs/s: far slower.
    expect(done / 60).toBeLessThan(7);
  });

  it('does not count paused time as work', () => {
    const m = new EtaMeter(1000, 0);
    m.record(20, 1);
    m.record(40, 2);
    m.pause(2);
    m.resume(302); // five minutes paused
    const r = m.record(60, 303);
    expect(r.rate).toBeCloseTo(20, 6);
    expect(r.eta).toBeCloseTo(940 / 20, 6);
  });

  it('refuses progress that goes backwards (a caller bug, not a silent wrong ETA)', () => {
    const m = new EtaMeter(10, 0);
    m.record(5, 1);
    expect(() => m.record(4, 2)).toThrow(/backwards/);
  });

  it('reports 0 s left when done', () => {
    const m = new EtaMeter(32, 0);
    m.record(16, 1);
    expect(m.record(32, 2).eta).toBe(0);
  });
});

describe('EtaMeter at the end of a short run', () => {
  it('says 0 s left when everything is done, even before a rate was measurable', () => {
    const m = new EtaMeter(16, 0);
    expect(m.record(16, 0.2)).toMatchObject({ eta: 0, basis: 'none' });
  });
});
