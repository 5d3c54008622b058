import { describe, expect, it } from 'vitest';
import { identityMismatch, sameIdentity, transformerIdentity, vectorKey, type VectorIdentity } from '../../src/core/vectors/identity.ts';
import { getModel, MODELS } from '../../src/core/model/registry.ts';
import { VECTOR_FORMAT } from '../../src/core/vectors/document-text.ts';
import { migrateLegacyKey } from '../../src/browser/idb-store.ts';

const bge = transformerIdentity(getModel('Xenova/bge-small-en-v1.5'), 'q8');

describe('vector identity', () => {
  it('a transformer identity carries the pinned weights, dtype, pooling, prefixes, dims and the text rule', () => {
    const spec = getModel('Xenova/bge-small-en-v1.5');
    expect(bge).toEqual({
      model: spec.id,
      weights: spec.onnx.q8!.sha256,
      dtype: 'q8',
      pooling: 'cls',
      queryPrefix: spec.queryPrefix,
      passagePrefix: '',
      dims: 384,
      textFormat: VECTOR_FORMAT,
    });
    expect(transformerIdentity(spec, 'fp32').weights).toBe(spec.onnx.fp32!.sha256);
  });

  it.each<[keyof VectorIdentity, unknown]>([
    ['model', 'Xenova/other'],
    ['weights', 'f'.repeat(64)],
    ['dtype', 'fp32'],
    ['pooling', 'mean'],
    ['queryPrefix', 'query: '],
    ['passagePrefix', 'passage: '],
    ['dims', 768],
    ['textFormat', VECTOR_FORMAT + 1],
  ])('changing %s changes the storage key and is reported as a mismatch', (field, value) => {
    const other = { ...bge, [field]: value } as VectorIdentity;
    expect(vectorKey(other)).not.toBe(vectorKey(bge));
    expect(identityMismatch(other, bge)).toMatch(new RegExp(`^the vectors were made with ${field}=`));
    expect(sameIdentity(other, bge)).toBe(false);
  });

  it('every registry model at every dtype has its own key', () => {
    const keys = MODELS.flatMap((m) => (['q8', 'fp32'] as const).map((d) => vectorKey(transformerIdentity(m, d))));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('weights compare case-insensitively; partial or missing descriptions never match', () => {
    expect(identityMismatch({ ...bge, weights: bge.weights.toUpperCase() }, bge)).toBeUndefined();
    expect(identityMismatch(undefined, bge)).toMatch(/no description/);
    const { queryPrefix: _drop, ...partial } = bge;
    expect(identityMismatch(partial, bge)).toMatch(/queryPrefix=undefined/);
  });
});

describe('IndexedDB v2 → v3 key migration', () => {
  it('rewrites a first-version key of a registry model to that model’s q8 identity key', () => {
    const spec = getModel('Xenova/all-MiniLM-L6-v2');
    expect(migrateLegacyKey(`${spec.id}@${spec.onnx.q8!.sha256}`)).toBe(vectorKey(transformerIdentity(spec, 'q8')));
  });

  it('drops keys it cannot vouch for: unknown models, other weights, already-new keys', () => {
    expect(migrateLegacyKey(`Org/unknown@${'a'.repeat(64)}`)).toBeUndefined();
    expect(migrateLegacyKey(`Xenova/bge-small-en-v1.5@${'a'.repeat(64)}`)).toBeUndefined();
    expect(migrateLegacyKey(vectorKey(bge))).toBeUndefined();
  });
});
