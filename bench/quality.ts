/**
 * Answer quality: runs the product CLI's `eval` (the same SearchEngine users get) once per model and
 * keeps its recall@1/5/10 and MRR for lexical, vector and hybrid ranking. The CLI is a separate
 * process, so this measures exactly what `npm run cli -- eval` prints.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './lib/seed.ts';

export interface ModeMetrics {
  recall_at_1: number;
  recall_at_5: number;
  recall_at_10: number;
  mrr: number;
}

export interface QualityResult {
  queries: number;
  lexical: ModeMetrics;
  vector: ModeMetrics;
  hybrid: ModeMetrics;
  duration_s: number;
}

export const EVAL_QUERIES = join(REPO, '../shared/eval/dev-queries.jsonl');

/** Extracts the eval report from CLI stdout: the last top-level JSON object that has the three modes. */
export function parseEvalOutput(stdout: string): QualityResult | null {
  const start = stdout.indexOf('{');
  if (start < 0) return null;
  try {
    const r = JSON.parse(stdout.slice(start)) as Record<string, unknown>;
    const pick = (m: unknown): ModeMetrics => {
      const x = m as Record<string, number>;
      for (const k of ['recall_at_1', 'recall_at_5', 'recall_at_10', 'mrr']) {
        if (typeof x?.[k] !== 'number') throw new Error(`eval output lacks ${k}`);
      }
      return { recall_at_1: x.recall_at_1!, recall_at_5: x.recall_at_5!, recall_at_10: x.recall_at_10!, mrr: x.mrr! };
    };
    return { queries: Number(r.n), lexical: pick(r.lexical), vector: pick(r.vector), hybrid: pick(r.hybrid), duration_s: 0 };
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGTERM'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function benchQuality(modelId: string): Promise<QualityResult> {
  if (!existsSync(join(REPO, 'src/cli/main.ts'))) throw new Error('CLI (src/cli/main.ts) not present yet');
  if (!existsSync(EVAL_QUERIES)) throw new Error(`no eval queries at ${EVAL_QUERIES}`);
  const t = performance.now();
  const r = await run('npm', ['run', '--silent', 'cli', '--', 'eval', '--queries', '../shared/eval/dev-queries.jsonl', '--json', '--model', modelId], 600_000);
  const parsed = parseEvalOutput(r.stdout);
  if (r.code !== 0 || !parsed) {
    throw new Error(`cli eval --model ${modelId} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`);
  }
  parsed.duration_s = (performance.now() - t) / 1000;
  return parsed;
}
