/**
 * `npm run bench -- --only=storage` (issue 15 #4/#6): IndexedDB bytes for synthetic libraries of
 * 10k / 100k papers (papers + the full model's and the quick tier's int8 vectors), write throughput,
 * reload → keyword ready / semantic ready in Chromium (bench/browser/storage.worker.ts), and the
 * storage codecs' ranking loss on the three eval sets for the default model and the quick tier
 * (the same path as `npm run cli -- eval --storage <codec>`).
 */
import { loadCorpus } from '../src/cli/corpus-node.ts';
import { buildEngine } from '../src/cli/engine-node.ts';
import { parseQueries, runEval } from '../src/cli/eval.ts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORAGE_CODECS, type StorageCodec } from '../src/core/vectors/quantize.ts';
import { REPO, seedTexts, loadSeedPapers } from './lib/seed.ts';
import type { BrowserBench } from './lib/browser-run.ts';
import type { StorageRequest, StorageRow } from './browser/storage.worker.ts';

export interface CodecRow {
  model: string;
  set: string;
  codec: StorageCodec;
  hybrid: { mrr: number; s1: number };
  vector: { mrr: number; s1: number };
}

export interface StorageFigures {
  browser: StorageRow[] | null;
  codecs: CodecRow[];
}

const SETS = ['dev-queries', 'dev-paraphrase', 'title-queries'] as const;

/** Ranking with document vectors round-tripped through each codec, per model and eval set. */
export async function codecQuality(models: string[], log: (s: string) => void): Promise<CodecRow[]> {
  const corpus = await loadCorpus(undefined);
  const out: CodecRow[] = [];
  const io = { out: () => {}, err: () => {} };
  for (const model of models) {
    for (const set of SETS) {
      const titles = set === 'title-queries';
      const papers = titles ? corpus.papers.map((p) => ({ ...p, title: '' })) : corpus.papers;
      const queries = titles
        ? corpus.papers.map((p) => ({ query: p.title, relevant: [p.title] }))
        : parseQueries(readFileSync(join(REPO, `../shared/eval/${set}.jsonl`), 'utf8'), set);
      for (const codec of STORAGE_CODECS) {
        const built = await buildEngine({ papers, needVectors: true, modelId: model, cache: true, storage: codec, io });
        const r = await runEval(built.engine, corpus.papers, queries, { k: 10, model, warn: () => {} });
        await built.model?.dispose();
        out.push({ model, set, codec, hybrid: { mrr: r.hybrid.mrr, s1: r.hybrid.success_at_1 }, vector: { mrr: r.vector.mrr, s1: r.vector.success_at_1 } });
        log(`bench storage: ${model} ${set} ${codec}: hybrid MRR ${r.hybrid.mrr} S@1 ${r.hybrid.success_at_1}`);
      }
    }
  }
  return out;
}

export async function benchStorageBrowser(bb: BrowserBench, sizes: number[]): Promise<StorageRow[]> {
  const sentences = seedTexts().flatMap((t) => t.split(/(?<=\.) /));
  const titles = loadSeedPapers().map((p) => p.title);
  const req: StorageRequest = { sizes, sentences, titles };
  return bb.run<StorageRow[]>('storage', req, { isolated: true, timeoutMs: 3_600_000 });
}

/** Markdown tables for the README / bench/README. */
export function renderStorage(f: StorageFigures): string {
  const lines: string[] = [];
  if (f.browser?.length) {
    lines.push('| papers | IndexedDB MB (all) | of which papers | papers write s | vectors write /s | reload: open + read papers | BM25 build | keyword ready | read vectors | vector index | semantic ready |');
    lines.push('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const r of f.browser) {
      const s = (ms: number) => (ms / 1000).toFixed(2);
      lines.push(
        `| ${r.papers} | ${(r.bytes / 1e6).toFixed(1)} | ${(r.paperBytes / 1e6).toFixed(1)} | ${s(r.writePapersMs)} | ${Math.round(r.vectorsPerS)} | ${s(r.reload.openMs + r.reload.readPapersMs)} | ${s(r.reload.bm25Ms)} | **${s(r.reload.keywordReadyMs)}** | ${s(r.reload.readVectorsMs)} | ${s(r.reload.indexMs)} | **${s(r.reload.semanticReadyMs)}** |`,
      );
    }
  }
  if (f.codecs.length) {
    lines.push('', '| model | eval set | codec | hybrid MRR | hybrid S@1 | vector MRR | vector S@1 |', '|---|---|---|---:|---:|---:|---:|');
    for (const c of f.codecs) lines.push(`| ${c.model} | ${c.set} | ${c.codec} | ${c.hybrid.mrr.toFixed(4)} | ${c.hybrid.s1.toFixed(4)} | ${c.vector.mrr.toFixed(4)} | ${c.vector.s1.toFixed(4)} |`);
  }
  return lines.join('\n');
}
