/**
 * The weak-match signal: when even the closest paper is not close to the question ("banana bread
 * recipe" against a library of vision papers), the search reply says so and the UI labels the
 * list "No strong match — closest papers:" instead of presenting them as answers.
 *
 * Signal: the best cosine between the question and any returned hit in the ranking space (SearchHit
 * .cosine). Cosine, not the fused score, because fused scores are normalised per question (fusion.ts)
 * and so always look confident at the top; the raw cosine is comparable across questions for one
 * model. Thresholds are per model (each has its own cosine range) and measured by
 * `npx tsx bench/weak-match.ts`: on-topic questions (dev-queries + dev-paraphrase) against
 * off-topic ones (tests/fixtures/off-topic-queries.txt), threshold from calibrateThreshold below.
 * A model without a measured threshold gives no signal (undefined), never a guess.
 */
import type { SearchHit } from '../types.ts';

export interface Calibration {
  /** Best cosine below this = weak match. */
  threshold: number;
  /** Share of on-topic questions that would be flagged (false alarms). */
  onTopicFlagged: number;
  /** Share of off-topic questions that would be flagged (caught). */
  offTopicFlagged: number;
}

/**
 * The threshold that best separates on-topic from off-topic scores: it maximises caught − false
 * alarms (Youden's J) over the midpoints between consecutive distinct scores; among equal J the one
 * flagging fewer on-topic questions wins (a false "no strong match" on a real question costs more
 * than a missed one, which still lists the closest papers).
 */
export function calibrateThreshold(onTopic: number[], offTopic: number[]): Calibration {
  if (onTopic.length === 0 || offTopic.length === 0) throw new Error('calibrateThreshold needs on-topic and off-topic scores');
  const all = [...new Set([...onTopic, ...offTopic])].sort((a, b) => a - b);
  const share = (xs: number[], t: number) => xs.filter((x) => x < t).length / xs.length;
  let best: Calibration | undefined;
  for (let i = 1; i < all.length; i++) {
    const t = (all[i - 1] + all[i]) / 2;
    const c = { threshold: t, onTopicFlagged: share(onTopic, t), offTopicFlagged: share(offTopic, t) };
    const j = c.offTopicFlagged - c.onTopicFlagged;
    const bj = best ? best.offTopicFlagged - best.onTopicFlagged : -Infinity;
    if (j > bj + 1e-12 || (Math.abs(j - bj) <= 1e-12 && c.onTopicFlagged < best!.onTopicFlagged)) best = c;
  }
  return best ?? { threshold: all[0], onTopicFlagged: 0, offTopicFlagged: 0 };
}

/**
 * Measured thresholds (bench/weak-match.ts, 204 seed papers, 55 on-topic and 30 off-topic
 * questions); see README "Choosing the model and the ranking" for the separation each achieves.
 */
export const WEAK_MATCH_COSINE: Readonly<Record<string, number>> = {
  // on-topic min .652, off-topic max .614: 0/55 real questions flagged, 30/30 off-topic caught
  'Xenova/bge-small-en-v1.5': 0.633,
  // on-topic min .322, off-topic max .225: 0/55 and 30/30
  'Xenova/all-MiniLM-L6-v2': 0.274,
  // overlapping (static vectors are coarser): 2/55 real questions flagged, 29/30 caught
  'static/bge-small-en-v1.5-d256': 0.441,
};

/** The best cosine among the hits, or undefined when none carries one (lexical ranking). */
export function matchStrength(hits: Pick<SearchHit, 'cosine'>[]): number | undefined {
  let best: number | undefined;
  for (const h of hits) if (h.cosine !== undefined && (best === undefined || h.cosine > best)) best = h.cosine;
  return best;
}

/** True when the best hit is weaker than the model's threshold; undefined when there is no signal. */
export function isWeakMatch(hits: Pick<SearchHit, 'cosine'>[], modelId: string, thresholds = WEAK_MATCH_COSINE): boolean | undefined {
  const t = thresholds[modelId];
  const s = matchStrength(hits);
  if (t === undefined || !Number.isFinite(t) || s === undefined) return undefined;
  return s < t;
}
