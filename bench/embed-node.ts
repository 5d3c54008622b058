/**
 * Embedding throughput in Node, three ways on the same texts and the same ONNX file:
 *  (a) ours     — src/core/model/embedder.ts loadEmbedder → embedDocuments (what the CLI uses);
 *  (c) naive    — the transformers.js feature-extraction pipeline called once per abstract (peer baseline);
 *  (d) native   — plain onnxruntime-node InferenceSession fed by the transformers.js tokenizer, sorted
 *                 by length and batched: the practical ceiling of this CPU.
 * Each path also returns its vectors' agreement with (d) so a "fast" path that computes something
 * else is visible (min cosine over documents).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { AutoTokenizer, env, pipeline } from '@huggingface/transformers';
import { getModel, type ModelSpec } from '../src/core/model/registry.ts';
import { REPO } from './lib/seed.ts';
import { ratePerSecond, timeRepeats } from './lib/stats.ts';

export const MODELS_DIR = join(REPO, 'public/models');

env.localModelPath = MODELS_DIR + '/';
env.allowRemoteModels = false;
env.allowLocalModels = true;

export interface PathResult {
  docs_per_s: number;
  /** Process CPU time (all threads) per document: far less sensitive to other load than docs/s. */
  cpu_ms_per_doc?: number;
  durations_ms: number[];
  /** Lowest cosine between this path's vector and the native path's vector of the same document. */
  min_cosine_vs_native?: number;
  note?: string;
}

export interface NodeEmbeddingResult {
  ours?: PathResult;
  naive?: PathResult;
  native?: PathResult & { batch_size: number; by_batch_size: Record<string, number> };
  errors: string[];
}

/** Vectors of the measured texts from our path (input order), kept out of the JSON. */
export interface NodeEmbeddingRun {
  result: NodeEmbeddingResult;
  oursVectors?: Float32Array;
}

function l2normRows(v: Float32Array, dims: number): Float32Array {
  for (let r = 0; r < v.length / dims; r++) {
    let s = 0;
    for (let i = 0; i < dims; i++) s += v[r * dims + i]! ** 2;
    const inv = 1 / Math.sqrt(s || 1);
    for (let i = 0; i < dims; i++) v[r * dims + i]! *= inv;
  }
  return v;
}

export function minCosine(a: Float32Array, b: Float32Array, dims: number): number {
  if (a.length !== b.length) throw new Error(`vector buffers differ in length: ${a.length} vs ${b.length}`);
  let min = Infinity;
  for (let r = 0; r < a.length / dims; r++) {
    let dot = 0;
    for (let i = 0; i < dims; i++) dot += a[r * dims + i]! * b[r * dims + i]!;
    min = Math.min(min, dot);
  }
  return min;
}

/**
 * The ceiling: raw onnxruntime-node. Texts get the passage prefix and the registry's maxTokens, as
 * our embedder does. Sorting by length before batching keeps padding (wasted compute) small.
 */
export class NativeEmbedder {
  private constructor(
    readonly spec: ModelSpec,
    private tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>,
    private session: ort.InferenceSession,
  ) {}

  static async load(modelId: string): Promise<NativeEmbedder> {
    const spec = getModel(modelId);
    const onnxPath = join(MODELS_DIR, spec.id, spec.onnx.q8!.path);
    if (!existsSync(onnxPath)) throw new Error(`missing ${onnxPath}`);
    const tokenizer = await AutoTokenizer.from_pretrained(spec.id);
    const session = await ort.InferenceSession.create(onnxPath, { graphOptimizationLevel: 'all' });
    return new NativeEmbedder(spec, tokenizer, session);
  }

  /**
   * Passage-prefixed texts, sorted by length, tokenised in batches of `batchSize` (padded to the
   * longest in the batch, truncated at the model's maxTokens). `idx` maps batch rows to input order.
   */
  tokenize(texts: string[], batchSize: number): { idx: number[]; ids: BigInt64Array; mask: BigInt64Array; dims: [number, number] }[] {
    const prefixed = texts.map((t) => this.spec.passagePrefix + t);
    const order = prefixed.map((t, i) => [t.length, i] as const).sort((a, b) => a[0] - b[0]).map((x) => x[1]);
    const out = [];
    for (let s = 0; s < order.length; s += batchSize) {
      const idx = order.slice(s, s + batchSize);
      const enc = this.tokenizer(idx.map((i) => prefixed[i]!), { padding: true, truncation: true, max_length: this.spec.maxTokens });
      out.push({ idx, ids: enc.input_ids.data as BigInt64Array, mask: enc.attention_mask.data as BigInt64Array, dims: enc.input_ids.dims as [number, number] });
    }
    return out;
  }

  /** One unpadded feed per text, in input order, with `prefix` (questions: the model's query prefix). */
  tokenizeEach(texts: string[], prefix: string): { ids: BigInt64Array; mask: BigInt64Array; dims: [number, number] }[] {
    return texts.map((t) => {
      const enc = this.tokenizer([prefix + t], { padding: true, truncation: true, max_length: this.spec.maxTokens });
      return { ids: enc.input_ids.data as BigInt64Array, mask: enc.attention_mask.data as BigInt64Array, dims: enc.input_ids.dims as [number, number] };
    });
  }

  async embed(texts: string[], batchSize: number): Promise<Float32Array> {
    const dims = this.spec.dims;
    const out = new Float32Array(texts.length * dims);
    for (const { idx, ids, mask, dims: shape } of this.tokenize(texts, batchSize)) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const name of this.session.inputNames) {
        if (name === 'input_ids') feeds[name] = new ort.Tensor('int64', ids, shape);
        else if (name === 'attention_mask') feeds[name] = new ort.Tensor('int64', mask, shape);
        else if (name === 'token_type_ids') feeds[name] = new ort.Tensor('int64', new BigInt64Array(ids.length), shape);
        else throw new Error(`unexpected model input ${name}`);
      }
      const res = await this.session.run(feeds);
      const hidden = (res['last_hidden_state'] ?? res[this.session.outputNames[0]!])!;
      const [b, T, H] = hidden.dims as number[];
      const h = hidden.data as Float32Array;
      for (let r = 0; r < b!; r++) {
        const row = out.subarray(idx[r]! * dims, (idx[r]! + 1) * dims);
        if (this.spec.pooling === 'cls') {
          row.set(h.subarray(r * T! * H!, r * T! * H! + H!));
        } else {
          let n = 0;
          for (let t = 0; t < T!; t++) {
            if (mask[r * T! + t] === 0n) continue;
            n++;
            const base = (r * T! + t) * H!;
            for (let k = 0; k < H!; k++) row[k]! += h[base + k]!;
          }
          for (let k = 0; k < H!; k++) row[k]! /= n;
        }
      }
    }
    return l2normRows(out, dims);
  }

  async dispose() {
    await this.session.release();
  }
}

/** Runs `fn` and returns the process CPU ms (user + system, all threads) it used. */
async function cpuMs(fn: () => Promise<unknown>): Promise<number> {
  const c = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
}

export interface NodeEmbedOptions {
  repeats: number;
  batchSizes: number[];
  /** Batch size handed to our embedder (its own default when undefined). */
  oursBatchSize?: number;
  log: (s: string) => void;
}

export async function benchNodeEmbedding(modelId: string, texts: string[], o: NodeEmbedOptions): Promise<NodeEmbeddingRun> {
  const spec = getModel(modelId);
  const dims = spec.dims;
  const result: NodeEmbeddingResult = { errors: [] };
  const warm = texts.slice(0, 2);
  let oursVectors: Float32Array | undefined;

  // (d) native ceiling, at each batch size; the best one is the ceiling.
  let nativeVectors: Float32Array | undefined;
  try {
    const nat = await NativeEmbedder.load(modelId);
    const byBatch: Record<string, number> = {};
    let best: { bs: number; rate: number; durations: number[]; cpuPerDoc: number } | undefined;
    for (const bs of o.batchSizes) {
      await nat.embed(warm, bs);
      let durations: number[] = [];
      const cpu = await cpuMs(async () => { durations = await timeRepeats(async () => { nativeVectors = await nat.embed(texts, bs); }, o.repeats); });
      const rate = ratePerSecond(texts.length, durations);
      byBatch[String(bs)] = rate;
      const cpuPerDoc = cpu / (o.repeats * texts.length);
      o.log(`  native onnxruntime-node bs=${bs}: ${rate.toFixed(1)} docs/s, ${cpuPerDoc.toFixed(0)} CPU ms/doc`);
      if (!best || rate > best.rate) best = { bs, rate, durations, cpuPerDoc };
    }
    result.native = { docs_per_s: best!.rate, cpu_ms_per_doc: best!.cpuPerDoc, durations_ms: best!.durations, batch_size: best!.bs, by_batch_size: byBatch };
    await nat.dispose();
  } catch (e) {
    result.errors.push(`native: ${(e as Error).message}`);
  }

  // (a) ours
  const embedderPath = join(REPO, 'src/core/model/embedder.ts');
  if (existsSync(embedderPath)) {
    try {
      const { loadEmbedder } = await import('../src/core/model/embedder.ts');
      const model = await loadEmbedder({ modelId, localModelPath: MODELS_DIR, device: 'cpu' });
      const opts = o.oursBatchSize ? { batchSize: o.oursBatchSize } : undefined;
      await model.embedDocuments(warm, opts);
      let vecs: Float32Array | undefined;
      let durations: number[] = [];
      const cpu = await cpuMs(async () => { durations = await timeRepeats(async () => { vecs = (await model.embedDocuments(texts, opts)).vectors; }, o.repeats); });
      result.ours = { docs_per_s: ratePerSecond(texts.length, durations), cpu_ms_per_doc: cpu / (o.repeats * texts.length), durations_ms: durations };
      if (nativeVectors && vecs) result.ours.min_cosine_vs_native = minCosine(vecs, nativeVectors, dims);
      oursVectors = vecs;
      o.log(`  ours (embedder.ts, node): ${result.ours.docs_per_s.toFixed(1)} docs/s`);
      await model.dispose();
    } catch (e) {
      result.errors.push(`ours: ${(e as Error).message}`);
    }
  } else {
    result.errors.push('ours: src/core/model/embedder.ts not present yet');
  }

  // (c) naive: one pipeline call per abstract, pipeline defaults (truncation at the tokenizer's 512).
  try {
    const extractor = await pipeline('feature-extraction', spec.id, { dtype: 'q8', device: 'cpu' });
    const one = async (t: string) => (await extractor(spec.passagePrefix + t, { pooling: spec.pooling, normalize: true })).data as Float32Array;
    for (const t of warm) await one(t);
    const vecs = new Float32Array(texts.length * dims);
    let durations: number[] = [];
    const cpu = await cpuMs(async () => {
      durations = await timeRepeats(async () => {
        for (let i = 0; i < texts.length; i++) vecs.set(await one(texts[i]!), i * dims);
      }, o.repeats);
    });
    result.naive = { docs_per_s: ratePerSecond(texts.length, durations), cpu_ms_per_doc: cpu / (o.repeats * texts.length), durations_ms: durations };
    if (nativeVectors) result.naive.min_cosine_vs_native = minCosine(vecs, nativeVectors, dims);
    if (spec.maxTokens < 512) result.naive.note = `pipeline truncates at 512 tokens, ours/native at ${spec.maxTokens}`;
    o.log(`  naive pipeline per abstract: ${result.naive.docs_per_s.toFixed(1)} docs/s`);
    await extractor.dispose();
  } catch (e) {
    result.errors.push(`naive: ${(e as Error).message}`);
  }
  return { result, oursVectors };
}
