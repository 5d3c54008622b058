/**
 * Cluster names from class-based TF-IDF (c-TF-IDF, Grootendorst 2022, "BERTopic"): all members of a
 * cluster are treated as one document, and a term scores
 *
 *     w(t, c) = tf(t, c) · log(1 + A / f(t))
 *
 * where tf(t, c) is how many members of c use t divided by |c|, f(t) how many papers of the whole
 * map use it and A the mean cluster size. A term shared by most members of one cluster and rare
 * elsewhere wins; a term every paper uses ("learning", "visual" in a vision corpus) scores low.
 *
 * Terms are the BM25 index's tokens (search/bm25.ts `tokenize`: same stemming, same stop words), so
 * the map names clusters with exactly the words search matches. Counting members that use a term
 * (document frequency) rather than raw occurrences stops one paper that repeats its acronym from
 * naming its cluster. A label is shown in its most common surface form ("masked", not the stem
 * "mask"), found by tokenising the same text without stemming: tokenize() emits one token per word
 * part in both modes, so the two streams align index by index.
 */
import { BM25_DEFAULTS, tokenize } from '../search/bm25.ts';

export interface LabelDoc {
  title: string;
  abstract: string;
}

export interface ClusterLabel {
  /** Top terms, most distinctive first, in display form. */
  terms: string[];
  /** Their c-TF-IDF weights (same order), for tests and tuning. */
  weights: number[];
}

export interface LabelOptions {
  /** Terms per label (default 3). */
  top?: number;
  /** A term must be used by at least this share of a cluster's members (and by 2, unless the cluster has 1). */
  minShare?: number;
}

/**
 * Without a floor on coverage, c-TF-IDF's idf lets a word that two or three members happen to use
 * ("hashtags", "de facto") outrank what the cluster is about; a term must describe a fair share.
 */
export const MIN_SHARE = 0.25;

/**
 * Words of academic prose that never name a topic, in any field ("several", "typically", "study"):
 * BM25 keeps them (its stop list is function words only, IDF handles the rest), but as a label they
 * crowd out the subject. Matched on the stem, so "studies"/"study" both go.
 */
const LABEL_STOPWORDS = new Set(
  (
    'study paper work approach method methods propose present show demonstrate achieve result performance ' +
    'typically several part million billion raw various different however existing recent recently new novel ' +
    'well first second third one two three multi further furthermore moreover often many much even extensive ' +
    'experiments experimental significantly significant effective effectively simple large cases case ' +
    'require requires without within across between among toward towards thus hence given particular'
  )
    .split(/\s+/)
    .map((w) => tokenize(w)[0] ?? w),
);

interface TermInfo {
  /** Surface forms seen for a stem, with counts. */
  forms: Map<string, number>;
  /** For a joined compound ("pretraining" from "pre-training"): the stems of its parts. */
  parts?: string[];
}

/**
 * Stems a paper uses, recording surface forms in `info`. A joined compound is recognised in the
 * unstemmed stream as a token equal to the concatenation of the 2–4 tokens before it (tokenize()
 * emits the parts, then the joined form), and is displayed with its hyphen ("vision-language").
 */
function paperTerms(doc: LabelDoc, info: Map<string, TermInfo>): Set<string> {
  const text = doc.title + '\n' + doc.abstract;
  const opts = { stemmer: BM25_DEFAULTS.stemmer, stopwords: BM25_DEFAULTS.stopwords };
  const stems = tokenize(text, opts);
  const words = tokenize(text, { ...opts, stemmer: 'none' });
  const aligned = words.length === stems.length;
  const set = new Set<string>();
  stems.forEach((s, i) => {
    // Numbers ("2", "100") and single letters are never a topic.
    if (s.length < 2 || !/\p{L}/u.test(s) || LABEL_STOPWORDS.has(s)) return;
    set.add(s);
    let shown = aligned ? words[i]! : s;
    let parts: string[] | undefined;
    if (aligned) {
      for (let j = 2; j <= 4 && j <= i; j++) {
        if (words.slice(i - j, i).join('') === words[i]) {
          shown = words.slice(i - j, i).join('-');
          parts = stems.slice(i - j, i);
          break;
        }
      }
    }
    let t = info.get(s);
    if (!t) info.set(s, (t = { forms: new Map() }));
    if (parts) t.parts = parts;
    t.forms.set(shown, (t.forms.get(shown) ?? 0) + 1);
  });
  return set;
}

/**
 * Labels for clusters `assignment[i]` ∈ 0..k-1 (−1 = unclustered: counted in f(t) but never
 * labelled). Returns one label per cluster id 0..k-1; an empty cluster gets no terms.
 */
export function clusterLabels(docs: readonly LabelDoc[], assignment: ArrayLike<number>, k: number, opts: LabelOptions = {}): ClusterLabel[] {
  if (assignment.length !== docs.length) throw new Error(`clusterLabels: ${assignment.length} assignments for ${docs.length} papers`);
  const top = opts.top ?? 3;
  const info = new Map<string, TermInfo>();
  const df = new Map<string, number>();
  const perCluster: Map<string, number>[] = Array.from({ length: k }, () => new Map());
  const sizes = new Array<number>(k).fill(0);
  docs.forEach((d, i) => {
    const terms = paperTerms(d, info);
    const c = assignment[i]!;
    for (const t of terms) df.set(t, (df.get(t) ?? 0) + 1);
    if (c < 0 || c >= k) return;
    sizes[c]!++;
    const m = perCluster[c]!;
    for (const t of terms) m.set(t, (m.get(t) ?? 0) + 1);
  });
  const nonEmpty = sizes.filter((s) => s > 0);
  const avg = nonEmpty.length ? nonEmpty.reduce((a, b) => a + b, 0) / nonEmpty.length : 1;
  const display = (stem: string): string => {
    let best = stem;
    let bestN = -1;
    for (const [w, n] of info.get(stem)?.forms ?? []) if (n > bestN || (n === bestN && w < best)) [best, bestN] = [w, n];
    return best;
  };
  return perCluster.map((m, c) => {
    const size = sizes[c]!;
    const minMembers = Math.max(size > 1 ? 2 : 1, Math.ceil((opts.minShare ?? MIN_SHARE) * size));
    const scored: [string, number][] = [];
    for (const [t, n] of m) {
      // Distinctive means over-represented: a term as common in the whole map as in this cluster
      // (one every paper uses, above all) says nothing about the cluster.
      if (n < minMembers || n / size <= df.get(t)! / docs.length) continue;
      scored.push([t, (n / size) * Math.log(1 + avg / df.get(t)!)]);
    }
    // Ties: a compound before single words (more specific), then code-unit order (deterministic).
    const isCompound = (t: string) => (info.get(t)?.parts ? 0 : 1);
    scored.sort((a, b) => b[1] - a[1] || isCompound(a[0]) - isCompound(b[0]) || (a[0] < b[0] ? -1 : 1));
    const chosen: [string, number][] = [];
    // Stems already said, directly or as a part of a chosen compound: "vision-language" makes
    // "vision" and "language" redundant, and a chosen "masked" makes "masked-image" redundant.
    const said = new Set<string>();
    for (const [t, w] of scored) {
      if (chosen.length >= top) break;
      const parts = info.get(t)?.parts ?? [];
      if (said.has(t) || parts.some((p) => said.has(p))) continue;
      said.add(t);
      for (const p of parts) said.add(p);
      chosen.push([display(t), w]);
    }
    return { terms: chosen.map((x) => x[0]), weights: chosen.map((x) => x[1]) };
  });
}
