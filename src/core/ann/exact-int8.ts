/**
 * Brute-force nearest neighbours over int8 rows with one f32 scale per row (row ≈ scale · q, q in
 * −127..127): a quarter of ExactIndex's memory, the same O(n·d) scan. The question stays f32 and each
 * row's int8 codes are dotted with it directly, then multiplied by the row's scale once — so the only
 * error is the row rounding (≤ scale/2 per component), not a second rounding of the question.
 *
 * Invariants: rows are L2-normalised before quantisation (scores are cosines up to rounding: for
 * 384-d realistic embeddings the score error is ~1e-3 — enough to swap neighbours that nearly tie
 * around rank 10, so top-10 agreement is ~0.97 without rescoring and 1.00 with it, see ann.test.ts);
 * an all-zero row gets scale 0 and scores 0. Measured in the browser worker (bench ann-browser): no
 * faster than the f32 scan in JS — its gain is memory (1 B/dim instead of 4).
 */
import { TopK } from './top-k.ts';
import { checkBatch, checkQuery, type VectorIndex } from './vector-index.ts';
import type { Neighbor } from '../types.ts';

/** Quantises one row into `out` (at `off`); returns its scale (max |x| / 127). */
export function quantizeRow(src: Float32Array, out: Int8Array, off: number): number {
  let max = 0;
  for (let j = 0; j < src.length; j++) {
    const a = Math.abs(src[j]);
    if (a > max) max = a;
  }
  if (max === 0 || !Number.isFinite(max)) {
    out.fill(0, off, off + src.length);
    return 0;
  }
  const inv = 127 / max;
  for (let j = 0; j < src.length; j++) out[off + j] = Math.round(src[j] * inv);
  return max / 127;
}

/** Dot of f32 `q` with the int8 row at `off`; 4-way unrolled like ExactIndex's kernel. */
function dotI8(data: Int8Array, off: number, q: Float32Array, d: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let j = 0;
  for (; j + 3 < d; j += 4) {
    s0 += data[off + j] * q[j];
    s1 += data[off + j + 1] * q[j + 1];
    s2 += data[off + j + 2] * q[j + 2];
    s3 += data[off + j + 3] * q[j + 3];
  }
  for (; j < d; j++) s0 += data[off + j] * q[j];
  return s0 + s1 + s2 + s3;
}

export interface Int8Options {
  /**
   * Exact score of a label for a query (the caller's f32 rows, e.g. VectorSpace's). With it the scan
   * keeps `oversample`·k int8 candidates and re-ranks them exactly: rounding can then only lose a
   * true neighbour that int8 pushed below rank oversample·k, not one it swapped around rank k.
   */
  rescore?: (label: number, query: Float32Array) => number;
  /** Candidates per result kept for rescoring (default 3). */
  oversample?: number;
}

export class Int8ExactIndex implements VectorIndex {
  readonly kind = 'exact' as const;
  readonly dimensions: number;
  private data: Int8Array;
  private scales: Float32Array;
  private labels: number[] = [];
  private slotOf = new Map<number, number>();
  private readonly rescore?: Int8Options['rescore'];
  private readonly oversample: number;

  constructor(dimensions: number, opts: Int8Options = {}) {
    if (!Number.isInteger(dimensions) || dimensions <= 0) throw new Error(`Int8ExactIndex: invalid dimensions ${dimensions}`);
    this.dimensions = dimensions;
    this.rescore = opts.rescore;
    this.oversample = Math.max(1, opts.oversample ?? 3);
    this.data = new Int8Array(dimensions * 64);
    this.scales = new Float32Array(64);
  }

  get size(): number {
    return this.labels.length;
  }

  /** Bytes held for the vectors (codes + scales), for memory reports. */
  get bytes(): number {
    return this.labels.length * (this.dimensions + 4);
  }

  add(vectors: Float32Array, labels: number[]): void {
    const d = this.dimensions;
    checkBatch(d, vectors, labels);
    const rows = this.labels.length + labels.length;
    if (rows * d > this.data.length) {
      const cap = Math.max(rows, (this.data.length / d) * 2);
      const grown = new Int8Array(cap * d);
      grown.set(this.data.subarray(0, this.labels.length * d));
      this.data = grown;
      const s = new Float32Array(cap);
      s.set(this.scales.subarray(0, this.labels.length));
      this.scales = s;
    }
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i];
      let slot = this.slotOf.get(label);
      if (slot === undefined) {
        slot = this.labels.length;
        this.labels.push(label);
        this.slotOf.set(label, slot);
      }
      this.scales[slot] = quantizeRow(vectors.subarray(i * d, (i + 1) * d), this.data, slot * d);
    }
  }

  remove(label: number): void {
    const slot = this.slotOf.get(label);
    if (slot === undefined) return;
    const last = this.labels.length - 1;
    const d = this.dimensions;
    if (slot !== last) {
      this.data.copyWithin(slot * d, last * d, (last + 1) * d);
      this.scales[slot] = this.scales[last];
      const moved = this.labels[last];
      this.labels[slot] = moved;
      this.slotOf.set(moved, slot);
    }
    this.labels.pop();
    this.slotOf.delete(label);
  }

  search(query: Float32Array, k: number, filter?: (label: number) => boolean): Neighbor[] {
    checkQuery(this.dimensions, query);
    if (k <= 0 || this.labels.length === 0) return [];
    const rescore = this.rescore;
    if (!rescore) return this.scan(query, k, filter);
    return this.scan(query, k * this.oversample, filter)
      .map((n) => ({ label: n.label, score: rescore(n.label, query) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
  }

  private scan(query: Float32Array, k: number, filter?: (label: number) => boolean): Neighbor[] {
    const d = this.dimensions;
    const top = new TopK(k);
    const { data, scales } = this;
    for (let s = 0, n = this.labels.length; s < n; s++) {
      const dot = dotI8(data, s * d, query, d) * scales[s];
      if (!top.admits(dot)) continue;
      const label = this.labels[s];
      if (filter && !filter(label)) continue;
      top.push(dot, label);
    }
    return top.result();
  }

  /** Not persisted: rebuilt from the stored vectors (quantising 100k rows takes well under a second). */
  async serialize(): Promise<Uint8Array> {
    throw new Error('Int8ExactIndex is rebuilt from stored vectors, not serialised');
  }
}
