/**
 * Fusion of the lexical (BM25) and vector (cosine) rankings into one hybrid ranking. Pure: scores in,
 * ordered labels out, so every fusion method is tested and measured (`npm run cli -- eval`) alone.
 */

export type FusionMethod = 'rrf' | 'convex';

export interface FusionOptions {
  method: FusionMethod;
  /** RRF constant (Cormack et al. 2009 use 60). */
  rrfK: number;
  /** Convex combination: weight of the (min-max normalised) cosine; 1 − alpha goes to BM25/max. */
  alpha: number;
  /** Candidates taken from each ranker before fusing. */
  depth: number;
}

/**
 * Measured with the CLI over all three models (`eval --queries dev-queries.jsonl` and the larger
 * `eval --title-queries`, 204 title→abstract queries). Convex alpha 0.5 beat RRF (k=60) on every
 * model on the title set (hybrid MRR@10 bge .913 vs .895, MiniLM .901 vs .872, e5 .899 vs .894)
 * and tied or won on the dev set, where RRF pushed the third relevant survey paper from rank 3–4 to
 * 9–10. alpha 0.4–0.6 is a plateau on both sets, so the unbiased midpoint is used, not a tuned value.
 */
export const DEFAULT_FUSION: FusionOptions = { method: 'convex', rrfK: 60, alpha: 0.5, depth: 100 };

/** Fused score per candidate label (lexical label space), highest first. Exported for tests. */
export function fuseScores(
  lexical: Map<number, number>,
  vector: Map<number, number>,
  opts: FusionOptions,
): { label: number; score: number }[] {
  const labels = new Set<number>([...lexical.keys(), ...vector.keys()]);
  const out: { label: number; score: number }[] = [];
  if (opts.method === 'rrf') {
    const rank = (m: Map<number, number>) => {
      const r = new Map<number, number>();
      [...m].sort((a, b) => b[1] - a[1] || a[0] - b[0]).forEach(([l], i) => r.set(l, i + 1));
      return r;
    };
    const lr = rank(lexical);
    const vr = rank(vector);
    for (const l of labels) {
      let s = 0;
      if (lr.has(l)) s += 1 / (opts.rrfK + lr.get(l)!);
      if (vr.has(l)) s += 1 / (opts.rrfK + vr.get(l)!);
      out.push({ label: l, score: s });
    }
  } else {
    // BM25 is divided by its max (0 stays 0: "no term matched" is meaningful); cosine is min-max
    // normalised over the candidates because its useful range differs per model (≈0.6–0.9 for bge).
    const lmax = Math.max(0, ...lexical.values());
    const vvals = [...vector.values()];
    const vmin = Math.min(...vvals);
    const vmax = Math.max(...vvals);
    for (const l of labels) {
      const ls = lmax > 0 ? (lexical.get(l) ?? 0) / lmax : 0;
      const v = vector.get(l);
      const vs = v === undefined ? 0 : vmax > vmin ? (v - vmin) / (vmax - vmin) : 1;
      out.push({ label: l, score: opts.alpha * vs + (1 - opts.alpha) * ls });
    }
  }
  out.sort((a, b) => b.score - a.score || a.label - b.label);
  return out;
}
