/**
 * Shared data shapes of the engine. Pure types: imported by the worker, the UI (through the
 * protocol), the CLI, tests and benchmarks alike.
 */

/**
 * One author, structured once at import so every format displays and matches names the same way
 * (library/authors.ts: formatAuthor, authorKey). An institution is `{ family: 'World Health Organization' }`.
 */
export interface Author {
  family: string;
  given?: string;
}

/** One paper of a collection. `id` is derived from content (see `paperId` in library/ids.ts), never from position. */
import type { VectorIdentity } from './vectors/identity.ts';

export interface Paper {
  id: string;
  title: string;
  /** Empty string when the source had no abstract; `flags.noAbstract` is then true. */
  abstract: string;
  /** Collection this paper belongs to (e.g. "seed", or a user collection id). */
  collection?: string;
  /** Structured names. Papers stored by earlier versions carry `string[]`: read them through
   *  `readStoredPaper` (library/authors.ts). */
  authors?: Author[];
  year?: number;
  venue?: string;
  doi?: string;
  /** arXiv identifier, e.g. "2101.00001" or "hep-th/9901001" (no "arXiv:" prefix, no version). */
  arxiv?: string;
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
  /** True when this issue is the reason an entry of the file was left out (one such issue per
   *  skipped entry), so the import report can count skips: entries = papers + merged + skipped. */
  skipped?: boolean;
}

/** Where a paper came from in its file, for messages ("entry 12 \"smith2020\" (line 340)"). */
export interface EntryPlace {
  /** 1-based entry/row/record number. */
  entry?: number;
  /** 1-based line of the entry's start. */
  line?: number;
  /** Format-specific name, e.g. a BibTeX citation key. */
  label?: string;
  /** What an entry is called in this format: "entry" (default), "row", "record", "line". */
  noun?: string;
}

export interface ParseResult {
  papers: Paper[];
  /** `places[i]` is where `papers[i]` came from, when the parser knows. */
  places?: EntryPlace[];
  issues: ParseIssue[];
  /** Entries the parser saw in the file (BibTeX entries, RIS records, CSV data rows, JSON
   *  records), when it counts them. Each became a paper or has a `skipped` issue. */
  entries?: number;
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
  /** Cosine of the question with this paper in the first ranking space (vector/hybrid); see search/weak-match.ts. */
  cosine?: number;
}
