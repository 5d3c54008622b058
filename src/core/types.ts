/**
 * Shared data shapes of the engine. Pure types: imported by the worker, the UI (through the
 * protocol), the CLI, tests and benchmarks alike.
 */

/** One paper of a collection. `id` is derived from content (see `paperId` in library/ids.ts), never from position. */
import type { VectorIdentity } from './vectors/identity.ts';

export interface Paper {
  id: string;
  title: string;
  /** Empty string when the source had no abstract; `flags.noAbstract` is then true. */
  abstract: string;
  /** Collection this paper belongs to (e.g. "seed", or a user collection id). */
  collection?: string;
  authors?: string[];
  year?: number;
  venue?: string;
  doi?: string;
  url?: string;
  flags?: { noAbstract?: boolean };
}

/** A line or entry a parser could not place: reported to the user, never silently dropped. */
export interface ParseIssue {
  /** 1-based line number in the source, when known. */
  line?: number;
  /** 1-based entry number (BibTeX/RIS/JSON record), when known. */
  entry?: number;
  message: string;
  /** A short excerpt of the offending input (plain text, at most ~120 chars). */
  excerpt?: string;
}

export interface ParseResult {
  papers: Paper[];
  issues: ParseIssue[];
}

/**
 * Vectors of several texts in one flat buffer: row i is `vectors.subarray(i*dimensions, (i+1)*dimensions)`.
 * Rows are L2-normalised Float32.
 */
export interface EmbeddingsResult {
  vectors: Float32Array;
  dimensions: number;
}

export type Device = 'webgpu' | 'wasm' | 'cpu';

export interface EmbedProgress {
  done: number;
  total: number;
}

export interface EmbedOptions {
  /** Upper bound on texts per forward pass. */
  batchSize?: number;
  onProgress?: (p: EmbedProgress) => void;
  /** Aborting rejects with an Error whose name is 'AbortError'; vectors done so far are not returned. */
  signal?: AbortSignal;
}

/** A loaded sentence-embedding model. Implementations: model/embedder.ts (transformers.js). */
export interface EmbeddingModel {
  readonly modelId: string;
  /** Everything that decides its vectors (weights, dtype, pooling, prefixes, text rule): see vectors/identity.ts. */
  readonly identity: VectorIdentity;
  readonly dimensions: number;
  readonly device: Device;
  /** Passage side: applies the model's passage prefix. */
  embedDocuments(texts: string[], opts?: EmbedOptions): Promise<EmbeddingsResult>;
  /** Query side: applies the model's query prefix. */
  embedQuery(text: string): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/** A hit of a nearest-neighbour search: `label` is the integer slot the vector was added under. */
export interface Neighbor {
  label: number;
  /** Cosine similarity (vectors are normalised), higher is closer. */
  score: number;
}

export type SearchMode = 'lexical' | 'vector' | 'hybrid';

export interface SearchHit {
  paper: Paper;
  score: number;
  /** The abstract sentence that best answers the question (or the title when there is no abstract). */
  sentence: string;
  /** Character range of `sentence` inside `paper.abstract`, when it comes from the abstract. */
  sentenceRange?: [number, number];
  lexicalRank?: number;
  vectorRank?: number;
}
