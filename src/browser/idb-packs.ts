/**
 * Packed records of the IndexedDB store (schema v4, issue 15 #6): many papers, or many vectors of
 * one vector identity, in one record. Reading 50k one-paper records cost ~2 s in the engine worker
 * and 50k one-vector records ~2.2 s, nearly all of it per-record overhead (~40 µs a record);
 * the same data in packs of a few thousand reads 2.5× (papers) and 6–10× (vectors) faster
 * (tmp measurement in Chromium here: 50k papers 1.2–1.4 s → 0.36–0.57 s, vectors 0.5–0.7 s → 0.06–0.14 s).
 *
 * The one-record stores (`papers`, `vectors`) stay what they were: every write lands there first
 * (the journal), so a write is as small and as atomic as before. A fold moves the journal into new
 * packs in one transaction (idb-store.ts). Reading = the packs in sequence order, later packs
 * overriding earlier ones, then the journal overriding the packs. A paper id may therefore sit in
 * several packs (re-imported after it was folded); only the last copy is live, the others are
 * counted as stale and dropped by a repack.
 *
 * This module is pure (no IndexedDB): what goes into a pack, and how packs and journal combine.
 */
import type { Paper } from '../core/types.ts';
import type { StoredVector } from '../core/store/store.ts';
import { decodeF16 } from '../core/vectors/quantize.ts';

/** Papers in one pack record (~3.4 MB of text at 1.7 kB a paper). */
export const PAPER_PACK_SIZE = 2000;
/** Vectors in one pack record (2 MB at 256 dims in f16). */
export const VECTOR_PACK_SIZE = 4096;

/**
 * A pack of papers. `hashes[i]` is paperTextHash(papers[i]), computed when the pack was written
 * from the very object stored beside it: a reload then never re-hashes 100k abstracts (0.9 s at
 * 50k in the worker) to check stored vectors and the keyword snapshot.
 */
export interface PaperPack {
  papers: Paper[];
  hashes: string[];
}

/** A pack of vectors of one identity: row i of `half` (f16 bits, `dims` wide) is `ids[i]`'s. */
export interface VectorPack {
  ids: string[];
  hashes: string[];
  dims: number;
  half: Uint16Array;
}

export function isPaperPack(x: unknown): x is PaperPack {
  const p = x as PaperPack;
  return !!p && Array.isArray(p.papers) && Array.isArray(p.hashes) && p.papers.length === p.hashes.length;
}

export function isVectorPack(x: unknown): x is VectorPack {
  const p = x as VectorPack;
  return (
    !!p &&
    Array.isArray(p.ids) &&
    Array.isArray(p.hashes) &&
    p.ids.length === p.hashes.length &&
    Number.isInteger(p.dims) &&
    p.dims > 0 &&
    p.half instanceof Uint16Array &&
    p.half.length === p.ids.length * p.dims
  );
}

/** `items` cut into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function paperPack(papers: Paper[], hashOf: (p: Paper) => string): PaperPack {
  return { papers, hashes: papers.map(hashOf) };
}

/** A vector in stored form as its f16 bits (what the journal records hold). */
export interface HalfRow {
  paperId: string;
  textHash: string;
  half: Uint16Array;
}

/**
 * Rows in packs of at most `size`, one width a pack (a damaged journal could mix widths; such
 * odd vectors are then packed apart, and the engine re-embeds them as it would have anyway).
 */
export function packHalves(rows: readonly HalfRow[], size = VECTOR_PACK_SIZE): VectorPack[] {
  const widths = new Map<number, HalfRow[]>();
  for (const r of rows) {
    if (!r.half.length) continue;
    let w = widths.get(r.half.length);
    if (!w) widths.set(r.half.length, (w = []));
    w.push(r);
  }
  const out: VectorPack[] = [];
  for (const [dims, group] of widths) {
    for (const part of chunks(group, size)) {
      const half = new Uint16Array(part.length * dims);
      part.forEach((r, i) => half.set(r.half, i * dims));
      out.push({ ids: part.map((r) => r.paperId), hashes: part.map((r) => r.textHash), dims, half });
    }
  }
  return out;
}

export interface Union<T> {
  live: Map<string, T>;
  /** Copies overridden by a later pack or the journal (space a repack gives back). */
  stale: number;
}

/**
 * Papers of the packs (in sequence order) and then the journal, the later copy of an id winning.
 * `remember` receives each packed paper with its stored hash.
 */
export function unionPapers(packs: readonly unknown[], journal: readonly Paper[], remember: (p: Paper, hash: string) => void): Union<Paper> {
  const live = new Map<string, Paper>();
  let stale = 0;
  for (const pack of packs) {
    // A damaged pack is skipped like a damaged record: its papers are missing, nothing crashes.
    if (!isPaperPack(pack)) continue;
    pack.papers.forEach((p, i) => {
      if (!p || typeof p.id !== 'string') return;
      if (live.has(p.id)) stale++;
      live.set(p.id, p);
      const h = pack.hashes[i];
      if (typeof h === 'string') remember(p, h);
    });
  }
  for (const p of journal) {
    const id = (p as { id?: unknown })?.id;
    if (typeof id !== 'string') continue;
    if (live.has(id)) stale++;
    live.set(id, p);
  }
  return { live, stale };
}

/** The rows of vector packs, in sequence order, the later copy of an id winning. */
export function unpackVectors(packs: readonly unknown[]): Union<StoredVector> {
  const live = new Map<string, StoredVector>();
  let stale = 0;
  for (const pack of packs) {
    if (!isVectorPack(pack)) continue;
    const d = pack.dims;
    for (let i = 0; i < pack.ids.length; i++) {
      const id = pack.ids[i]!;
      if (live.has(id)) stale++;
      // An array per vector: rows are handed to indexes and bundles one by one, and a view would
      // keep (or let a transfer detach) the whole pack's buffer.
      live.set(id, { paperId: id, textHash: pack.hashes[i]!, vector: decodeF16(pack.half.subarray(i * d, (i + 1) * d)) });
    }
  }
  return { live, stale };
}

/** The papers as IndexedDB gave them before packs: ascending id (code-unit order, like its keys). */
export function sortedById(papers: Iterable<Paper>): Paper[] {
  const out = [...papers];
  for (let i = 1; i < out.length; i++) {
    if (out[i - 1]!.id > out[i]!.id) return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
  return out;
}

/** A paper pack without `ids`, or null when nothing of it is left (or it did not hold any of them). */
export function paperPackWithout(pack: PaperPack, ids: ReadonlySet<string>): PaperPack | null | 'unchanged' {
  if (!pack.papers.some((p) => ids.has(p?.id))) return 'unchanged';
  const keep = pack.papers.map((p, i) => [p, pack.hashes[i]!] as const).filter(([p]) => !ids.has(p?.id));
  if (!keep.length) return null;
  return { papers: keep.map(([p]) => p), hashes: keep.map(([, h]) => h) };
}

/** A vector pack without `ids`: same contract as paperPackWithout. */
export function vectorPackWithout(pack: VectorPack, ids: ReadonlySet<string>): VectorPack | null | 'unchanged' {
  if (!pack.ids.some((id) => ids.has(id))) return 'unchanged';
  const rows: number[] = [];
  pack.ids.forEach((id, i) => {
    if (!ids.has(id)) rows.push(i);
  });
  if (!rows.length) return null;
  const half = new Uint16Array(rows.length * pack.dims);
  rows.forEach((r, j) => half.set(pack.half.subarray(r * pack.dims, (r + 1) * pack.dims), j * pack.dims));
  return { ids: rows.map((r) => pack.ids[r]!), hashes: rows.map((r) => pack.hashes[r]!), dims: pack.dims, half };
}
