/** The vector indexes: one import for callers that choose between them. */
export * from './vector-index.ts';
export { ExactIndex } from './exact.ts';
export { HnswIndex, type HnswOptions } from './hnsw.ts';
