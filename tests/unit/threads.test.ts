import { describe, expect, it } from 'vitest';
import { wasmThreadCount } from '../../src/core/model/threads.ts';

describe('wasmThreadCount', () => {
  it('is one thread without cross-origin isolation, whatever the cores', () => {
    expect(wasmThreadCount(16, false)).toBe(1);
    expect(wasmThreadCount(2, false)).toBe(1);
  });
  it('uses both cores of a 2-core machine, half the cores above, at most four', () => {
    expect(wasmThreadCount(1, true)).toBe(1);
    expect(wasmThreadCount(2, true)).toBe(2);
    expect(wasmThreadCount(4, true)).toBe(2);
    expect(wasmThreadCount(6, true)).toBe(3);
    expect(wasmThreadCount(32, true)).toBe(4);
  });
  it('assumes two cores when the browser does not say', () => {
    expect(wasmThreadCount(undefined, true)).toBe(2);
    expect(wasmThreadCount(0, true)).toBe(2);
  });
});
