import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { HashMismatchError, sha256Hex, verifySha256 } from '../../src/core/util/sha256.ts';

const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'; // FIPS 180-2 test vector

describe('sha256Hex (WebCrypto)', () => {
  it('matches the standard test vector and node:crypto', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(ABC);
    const big = new Uint8Array(3_000_000).map((_, i) => i % 253);
    expect(await sha256Hex(big)).toBe(createHash('sha256').update(big).digest('hex'));
  });
  it('hashes only the viewed bytes of a subarray, and accepts ArrayBuffer and SharedArrayBuffer views', async () => {
    const buf = new TextEncoder().encode('xxabcxx');
    expect(await sha256Hex(buf.subarray(2, 5))).toBe(ABC);
    expect(await sha256Hex(new TextEncoder().encode('abc').buffer as ArrayBuffer)).toBe(ABC);
    const shared = new Uint8Array(new SharedArrayBuffer(3));
    shared.set(new TextEncoder().encode('abc'));
    expect(await sha256Hex(shared)).toBe(ABC);
  });
});

describe('verifySha256', () => {
  it('accepts matching bytes (expected hash in any case)', async () => {
    await expect(verifySha256('abc.txt', new TextEncoder().encode('abc'), ABC.toUpperCase())).resolves.toBeUndefined();
  });
  it('rejects other bytes with an error naming the file, expected and actual hash', async () => {
    const err = await verifySha256('models/x/onnx/model_quantized.onnx', new TextEncoder().encode('abd'), ABC).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HashMismatchError);
    const e = err as HashMismatchError;
    expect(e.file).toBe('models/x/onnx/model_quantized.onnx');
    expect(e.expected).toBe(ABC);
    expect(e.actual).toBe(createHash('sha256').update('abd').digest('hex'));
    expect(e.message).toContain('models/x/onnx/model_quantized.onnx');
    expect(e.message).toContain(`expected ${ABC}, got ${e.actual}`);
    expect(e.message).toContain('(3 bytes)');
  });
});
