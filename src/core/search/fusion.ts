/**
 * Fusion of the lexical (BM25) and vector (cosine) rankings into one hybrid ranking. Pure: scores in,
 * ordered labels out, so every fusion method is tested and measured (`npm run cli -- eval`) alone.
 */

export type FusionMethod = 'rrf' | 'convex' | 'zscore';

export interface FusionOptions {
  method: FusionMethod;
  /** RRF constant (Cormack et al. 2009 use 60). */
  rrfK: number;
  /** Convex combination: weight of the (min-max normalised) cosine; 1 − alpha goes to BM25/max. */
  alpha: number;
  /** Candidates taken from each ranker before fusing. */
  depth: number;
  /**
   * zscore: each ranker's mean and standard deviation are taken over its best `normDepth` scores
   * among the candidates (BM25 0 for a candidate no query word matched).
   */
  normDepth: number;
  /**
   * Pseudo-relevance feedback (Rocchio on question vectors): papers of the first fused ranking whose
   * mean vector is added to the question vector before a second pass; 0 = off (the default: over the
   * three dev sets every setting of 1–8 papers × weight 0.25–2 lowered mean MRR@10, bench/prf.ts).
   */
  prfDocs: number;
  /** Rocchio weight of the head papers' mean vector added to the question vector. */
  prfWeight: number;
}

/**
 * Why z-scores: dividing BM25 by its maximum gives the best lexical match full weight (1.0) on every
 * question, however weak or undistinctive it is, and min-max rescaling does the same to the vector
 * ranker. A z-score — (score − mean) / sd over the ranker's best `normDepth` candidates — instead
 * measures how far a paper stands out from that ranker's own field for this question, so a ranker
 * whose top is an outlier counts for more than one whose top few are level, and the two rankers'
 * numbers are on one scale without per-model constants. The same machinery fuses any number of
 * vector spaces (the quick static tier, or two full models), each normalised by its own spread.
 *
 * Measured (`npx tsx bench/fusion.ts`, README "Choosing the model and the ranking"): over
 * dev-queries, dev-paraphrase and the 204-question title check together, z-scores over the top 50
 * with vector weight 0.6 had the best mean MRR@10 for bge + BM25 (.846; today's previous default,
 * convex 0.5, .830; RRF .806) and for bge + MiniLM + BM25 (.852); leave-one-set-out chose it for
 * two of three held-out sets, and α 0.55–0.7 is within .01 of it. Depth 50 beat 20, 100 and all
 * candidates by small margins on this 204-paper corpus; it is a statistic of the ranker's head, so
 * it does not grow with the library. Invariants: BM25 is 0 (not unknown) for a candidate no word
 * matched; a ranker with no spread contributes nothing; a missing vector gets the lowest z.
 * RRF and the earlier convex combination stay available (`--fusion rrf|convex`) for comparison.
 */
export const DEFAULT_FUSION: FusionOptions = { method: 'zscore', rrfK: 60, alpha: 0.6, depth: 100, normDepth: 50, prfDocs: 0, prfWeight: 0 };

/**
 * Fused score per candidate label (lexical label space), highest first. `vectors` holds one score
 * map per semantic ranker (vector space); with one map this is exactly the two-ranker fusion the
 * defaults were measured with, and more maps share the vector weight equally.
 */
export function fuse(
  lexical: Map<number, number>,
  vectors: Map<number, number>[],
  opts: FusionOptions,
): { label: number; score: number }[] {
  const labels = new Set<number>(lexical.keys());
  for (const v of vectors) for (const l of v.keys()) labels.add(l);
  const out: { label: number; score: number }[] = [];
  if (opts.method === 'rrf') {
    const rank = (m: Map<number, number>) => {
      const r = new Map<number, number>();
      [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0]).forEach(([l], i) => r.set(l, i + 1));
      return r;
    };
    const lists = [rank(lexical), ...vectors.map(rank)];
    for (const l of labels) {
      let s = 0;
      for (const r of lists) if (r.has(l)) s += 1 / (opts.rrfK + r.get(l)!);
      out.push({ label: l, score: s });
    }
  } else if (opts.method === 'zscore') {
    const rankers = [lexical, ...vectors];
    const weights = [1 - opts.alpha, ...vectors.map(() => (vectors.length ? opts.alpha / vectors.length : 0))];
    // Lexical: a candidate no query word matched has BM25 0 (exact, not unknown). Vector: a paper
    // without a vector in that space is unknown and gets the space's lowest z over the candidates,
    // so a missing vector never ranks above a measured one.
    const zs = rankers.map((m, i) => zScores(m, labels, i === 0 ? 0 : undefined, opts.normDepth));
    for (const l of labels) {
      let score = 0;
      zs.forEach((z, i) => {
        if (z) score += weights[i] * z(l);
      });
      out.push({ label: l, score });
    }
  } else {
    // BM25 is divided by its max (0 stays 0: "no term matched" is meaningful); cosine is min-max
    // normalised over the candidates because its useful range differs per model (≈0.6–0.9 for bge).
    const lmax = Math.max(0, ...lexical.values());
    const ranges = vectors.map((v) => {
      const vals = [...v.values()];
      return { min: Math.min(...vals), max: Math.max(...vals) };
    });
    const share = vectors.length ? opts.alpha / vectors.length : 0;
    for (const l of labels) {
      let score = lmax > 0 ? (1 - opts.alpha) * ((lexical.get(l) ?? 0) / lmax) : 0;
      vectors.forEach((v, i) => {
        const x = v.get(l);
        if (x === undefined) return;
        const { min, max } = ranges[i];
        score += share * (max > min ? (x - min) / (max - min) : 1);
      });
      out.push({ label: l, score });
    }
  }
  out.sort((a, b) => b.score - a.score || a.label - b.label);
  return out;
}

/**
 * z-score normaliser of one ranker over the candidates: (x − mean) / sd with mean and sd over the
 * ranker's best `normDepth` scores. Null when the ranker cannot tell the candidates apart (fewer
 * than two scores, or no spread): it then contributes nothing rather than noise blown up by a tiny sd.
 */
function zScores(
  scores: Map<number, number>,
  labels: Set<number>,
  absent: number | undefined,
  normDepth: number,
): ((label: number) => number) | null {
  const vals: number[] = [];
  for (const l of labels) {
    const x = scores.get(l) ?? absent;
    if (x !== undefined) vals.push(x);
  }
  if (vals.length < 2) return null;
  vals.sort((a, b) => b - a);
  const top = vals.slice(0, Math.max(2, normDepth));
  const mean = top.reduce((a, x) => a + x, 0) / top.length;
  const sd = Math.sqrt(top.reduce((a, x) => a + (x - mean) ** 2, 0) / top.length);
  if (!(sd > 1e-9 * Math.max(1, Math.abs(mean)))) return null;
  const floor = (vals[vals.length - 1] - mean) / sd;
  return (l) => {
    const x = scores.get(l) ?? absent;
    return x === undefined ? floor : (x - mean) / sd;
  };
}

/** Two-ranker form (lexical + one vector ranker), kept for tests and callers of the first version. */
export function fuseScores(lexical: Map<number, number>, vector: Map<number, number>, opts: FusionOptions): { label: number; score: number }[] {
  return fuse(lexical, [vector], opts);
}
