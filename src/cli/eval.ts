/**
 * Retrieval evaluation: for each question, where do its relevant papers rank under lexical,
 * vector and hybrid search? Uses SearchEngine.search exactly as users get it — no shortcuts.
 */
import { normalizeTitle } from '../core/library/ids.ts';
import type { SearchEngine } from '../core/search/engine.ts';
import type { Paper, SearchMode } from '../core/types.ts';
import { UsageError } from './args.ts';

export interface EvalQuery {
  query: string;
  relevant: string[];
}

export interface Metrics {
  recall_at_1: number;
  recall_at_5: number;
  recall_at_10: number;
  mrr: number;
  /** Share of questions whose first relevant paper is within the top k (S@k). */
  success_at_1: number;
  success_at_5: number;
  success_at_10: number;
  /** nDCG@10 with binary gains; the ideal ranking puts all relevant papers (up to 10) first. */
  ndcg_at_10: number;
}

export interface QueryResult {
  query: string;
  relevant: string[];
  /** Relevant titles that are not in the corpus at all (counted as never retrieved). */
  missing: string[];
  /** Per mode: rank (1-based) of each relevant paper, in `relevant` order; null beyond k. */
  ranks: Record<SearchMode, (number | null)[]>;
}

export interface EvalReport {
  n: number;
  model: string;
  k: number;
  lexical: Metrics;
  vector: Metrics;
  hybrid: Metrics;
  queries: QueryResult[];
}

export const MODES: SearchMode[] = ['lexical', 'vector', 'hybrid'];

/** Parses JSON lines; blank lines and lines starting with # are skipped; anything else malformed is an error naming the line. */
export function parseQueries(text: string, file: string): EvalQuery[] {
  const out: EvalQuery[] = [];
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    let v: unknown;
    try {
      v = JSON.parse(t);
    } catch (e) {
      throw new UsageError(`${file}:${i + 1}: not valid JSON (${(e as Error).message})`);
    }
    const o = v as { query?: unknown; relevant?: unknown };
    if (typeof o?.query !== 'string' || !o.query.trim()) throw new UsageError(`${file}:${i + 1}: "query" must be a non-empty string`);
    if (!Array.isArray(o.relevant) || o.relevant.length === 0 || !o.relevant.every((r) => typeof r === 'string')) {
      throw new UsageError(`${file}:${i + 1}: "relevant" must be a non-empty array of titles`);
    }
    out.push({ query: o.query, relevant: o.relevant as string[] });
  });
  if (out.length === 0) throw new UsageError(`${file}: no queries`);
  return out;
}

/**
 * nDCG@cut of one question from the ranks of its relevant papers (null = not retrieved): binary
 * gains, DCG = Σ 1/log2(rank + 1) over relevant ranks ≤ cut, divided by the DCG of the ideal
 * ranking of min(|relevant|, cut) papers. Missing papers count as relevant and never retrieved.
 */
export function ndcgAt(ranks: (number | null)[], cut: number): number {
  let dcg = 0;
  for (const r of ranks) if (r !== null && r <= cut) dcg += 1 / Math.log2(r + 1);
  let ideal = 0;
  for (let i = 1; i <= Math.min(ranks.length, cut); i++) ideal += 1 / Math.log2(i + 1);
  return ideal > 0 ? dcg / ideal : 0;
}

/**
 * Metrics from ranks. Recall@n = share of a query's relevant papers in the top n; success@n = share
 * of queries with any relevant paper in the top n; MRR uses the first relevant rank; nDCG@10 above.
 */
export function metrics(rankLists: (number | null)[][]): Metrics {
  const n = rankLists.length || 1;
  const recall = (cut: number) =>
    rankLists.reduce((a, r) => a + r.filter((x) => x !== null && x <= cut).length / r.length, 0) / n;
  const success = (cut: number) => rankLists.filter((r) => r.some((x) => x !== null && x <= cut)).length / n;
  const ndcg = rankLists.reduce((a, r) => a + ndcgAt(r, 10), 0) / n;
  const mrr =
    rankLists.reduce((a, r) => {
      const found = r.filter((x): x is number => x !== null);
      return a + (found.length ? 1 / Math.min(...found) : 0);
    }, 0) / n;
  const round = (x: number) => Math.round(x * 10000) / 10000;
  return {
    recall_at_1: round(recall(1)),
    recall_at_5: round(recall(5)),
    recall_at_10: round(recall(10)),
    mrr: round(mrr),
    success_at_1: round(success(1)),
    success_at_5: round(success(5)),
    success_at_10: round(success(10)),
    ndcg_at_10: round(ndcg),
  };
}

export async function runEval(
  engine: SearchEngine,
  papers: Paper[],
  queries: EvalQuery[],
  opts: { k: number; model: string; warn: (msg: string) => void },
): Promise<EvalReport> {
  const byTitle = new Map<string, string>();
  const byNorm = new Map<string, string>();
  for (const p of papers) {
    byTitle.set(p.title, p.id);
    byNorm.set(normalizeTitle(p.title), p.id);
  }
  const results: QueryResult[] = [];
  for (const q of queries) {
    const ids = q.relevant.map((t) => byTitle.get(t) ?? byNorm.get(normalizeTitle(t)));
    const missing = q.relevant.filter((_, i) => !ids[i]);
    for (const m of missing) opts.warn(`relevant title not in the corpus: "${m}" (query "${q.query}")`);
    const ranks = {} as Record<SearchMode, (number | null)[]>;
    for (const mode of MODES) {
      const hits = await engine.search(q.query, { k: opts.k, mode, sentences: false });
      const pos = new Map(hits.map((h, i) => [h.paper.id, i + 1]));
      ranks[mode] = ids.map((id) => (id ? (pos.get(id) ?? null) : null));
    }
    results.push({ query: q.query, relevant: q.relevant, missing, ranks });
  }
  return {
    n: results.length,
    model: opts.model,
    k: opts.k,
    lexical: metrics(results.map((r) => r.ranks.lexical)),
    vector: metrics(results.map((r) => r.ranks.vector)),
    hybrid: metrics(results.map((r) => r.ranks.hybrid)),
    queries: results,
  };
}

export function formatEval(r: EvalReport): string {
  const f = (x: number) => x.toFixed(3).padStart(8);
  const lines = [
    `${r.n} queries · model ${r.model} · MRR@${r.k}`,
    `mode            S@1      S@5     S@10  nDCG@10      MRR      R@1      R@5     R@10`,
    ...MODES.map((m) => {
      const x = r[m];
      return `${m.padEnd(10)}${[x.success_at_1, x.success_at_5, x.success_at_10, x.ndcg_at_10, x.mrr, x.recall_at_1, x.recall_at_5, x.recall_at_10].map(f).join(' ')}`;
    }),
    '(S@n: first relevant paper in the top n; R@n: share of relevant papers in the top n)',
    '',
    'ranks of relevant papers (lexical / vector / hybrid; - = not in top k):',
  ];
  for (const q of r.queries) {
    const show = (m: SearchMode) => q.ranks[m].map((x) => (x === null ? '-' : String(x))).join(',');
    lines.push(`  ${show('lexical')} / ${show('vector')} / ${show('hybrid')}  ${q.query}`);
  }
  return lines.join('\n') + '\n';
}
