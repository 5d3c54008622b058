import type { VectorIdentity } from '../../../src/core/vectors/identity.ts';
import { VECTOR_FORMAT } from '../../../src/core/vectors/document-text.ts';

/** A vector identity for test models (fakes that are not in the registry). */
export function testIdentity(model: string, dims: number, over: Partial<VectorIdentity> = {}): VectorIdentity {
  return { model, weights: '0'.repeat(64), dtype: 'test', pooling: 'mean', queryPrefix: '', passagePrefix: '', dims, textFormat: VECTOR_FORMAT, ...over };
}
