/**
 * The static model gives the same vectors in a browser Worker as in Node: the bundled
 * StaticEmbedder (bench/browser/static.worker.ts, built with Vite like the app's worker) loads the
 * installed file over HTTP in headless Chromium, checks its sha256 and embeds seed texts and
 * questions; Node embeds the same texts from disk. Same code, same IEEE arithmetic in the same
 * order: the vectors must be bit-identical, so a static vector stored by one side is reused by the
 * other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBench } from '../../bench/lib/build-browser.ts';
import { startBrowserBench, type BrowserBench } from '../../bench/lib/browser-run.ts';
import { loadSeedPapers } from '../../bench/lib/seed.ts';
import type { StaticRequest, StaticResponse } from '../../bench/browser/static.worker.ts';
import { DEFAULT_STATIC_MODEL_ID } from '../../src/core/model/registry.ts';
import { loadStaticEmbedder, staticIdentity } from '../../src/core/model/static-embedder.ts';
import { getStaticModel } from '../../src/core/model/registry.ts';
import { documentText } from '../../src/core/vectors/document-text.ts';
import { resolveLocalStaticDir } from '../../src/node/model-dir.ts';

let bench: BrowserBench;
beforeAll(async () => {
  await buildBrowserBench(['static']);
  bench = await startBrowserBench();
}, 300_000);
afterAll(() => bench?.close());

describe('static model in the browser worker', () => {
  it('loads the verified file and embeds documents and questions exactly as Node does', async () => {
    const spec = getStaticModel(DEFAULT_STATIC_MODEL_ID);
    const texts = loadSeedPapers().map(documentText);
    const questions = ['How do vision transformers handle dense prediction?', 'Café-au-lait naïve Bayes ≥ 3 — “quoted” 深度学习', 'a'];
    const req: StaticRequest = { modelId: spec.id, texts: texts.slice(0, 20), questions, vectorTexts: texts, vectorQuestions: questions, repeats: 1 };
    const res = await bench.run<StaticResponse>('static', req, { isolated: true });
    expect(res.identity).toEqual(staticIdentity(spec));

    const dir = resolveLocalStaticDir(spec.id);
    if (!dir) throw new Error('run `npm run distill` first');
    const node = await loadStaticEmbedder({ modelId: spec.id, localModelPath: dir });
    const { vectors } = await node.embedDocuments(texts);
    const browserDocs = Float32Array.from(res.vectors);
    expect(browserDocs.length).toBe(vectors.length);
    let diff = 0;
    for (let i = 0; i < vectors.length; i++) diff = Math.max(diff, Math.abs(vectors[i]! - browserDocs[i]!));
    expect(diff).toBe(0);
    const browserQ = Float32Array.from(res.queryVectors);
    for (let i = 0; i < questions.length; i++) {
      expect([...browserQ.subarray(i * spec.dims, (i + 1) * spec.dims)]).toEqual([...(await node.embedQuery(questions[i]!))]);
    }
    // Not vacuous: the vectors are normalised and not all alike.
    expect(Math.hypot(...vectors.subarray(0, spec.dims))).toBeCloseTo(1, 5);
    expect(vectors.subarray(0, spec.dims)).not.toEqual(vectors.subarray(spec.dims, 2 * spec.dims));
  });
});
