import { describe, expect, it } from 'vitest';
import { fnv1a64, normalizeTitle, paperId } from '../../src/core/library/ids.ts';

describe('hash', () => {
  it('is stable and distinguishes near-identical strings', () => {
    expect(fnv1a64('abc')).toBe(fnv1a64('abc'));
    expect(fnv1a64('abc')).not.toBe(fnv1a64('abd'));
    expect(fnv1a64('')).toMatch(/^[0-9a-f]{16}$/);
  });
  it('gives the same paper id to titles that differ only in case, accents and punctuation', () => {
    expect(normalizeTitle('  CroCo: Self-Supervised Pre-training ')).toBe('croco self supervised pre training');
    expect(paperId('Émergence of Things!')).toBe(paperId('emergence of things'));
    expect(paperId('A')).not.toBe(paperId('B'));
  });
});
