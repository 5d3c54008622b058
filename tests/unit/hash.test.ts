import { describe, expect, it } from 'vitest';
import { Fnv64, fnv1a64, normalizeTitle, paperId, textHash } from '../../src/core/library/ids.ts';
import { lexicalFingerprint } from '../../src/core/engine/lexical-cache.ts';
import { authorText } from '../../src/core/search/engine.ts';
import type { Paper } from '../../src/core/types.ts';

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

describe('Fnv64 (fnv1a64 fed in pieces)', () => {
  // The implementation stored text hashes were made with (before Fnv64): every stored vector and
  // keyword snapshot is checked against these values, so they must never change.
  function reference(s: string): string {
    let h1 = 0x84222325;
    let h2 = 0xcbf29ce4;
    for (let i = 0; i < s.length; i++) {
      h1 ^= s.charCodeAt(i);
      const lo = h1 * 0x1b3;
      const hi = h2 * 0x1b3 + h1 * 0x100 + Math.floor(lo / 0x100000000);
      h1 = lo >>> 0;
      h2 = hi >>> 0;
    }
    return h2.toString(16).padStart(8, '0') + h1.toString(16).padStart(8, '0');
  }
  let x = 11;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const text = (n: number) => String.fromCharCode(...Array.from({ length: n }, () => Math.floor(rnd() * 0xffff)));

  it('gives the stored hashes: whole strings and any split of them', () => {
    for (let i = 0; i < 300; i++) {
      const s = text(i % 60);
      expect(fnv1a64(s)).toBe(reference(s));
      const cut = Math.floor(rnd() * (s.length + 1));
      expect(new Fnv64().update(s.slice(0, cut)).update(s.slice(cut)).digest()).toBe(reference(s));
    }
  });

  it('the lexical fingerprint is the hash of its joined rows, authors included', () => {
    const papers = [
      { id: 'a', title: 'T', abstract: 'A', authors: [{ family: 'Doe', given: 'Jane' }] },
      { id: 'b', title: 'U', abstract: 'B' },
    ] as Paper[];
    const rows = papers.map((p) => `${p.id}\u0000${textHash(p.title, p.abstract)}\u0000${authorText(p)}`);
    expect(authorText(papers[0]!)).not.toBe('');
    expect(lexicalFingerprint(papers)).toBe(`2:${reference(rows.join('\n'))}`);
  });
});
