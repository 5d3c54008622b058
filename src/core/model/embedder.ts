/**
 * Sentence embeddings with transformers.js (`@huggingface/transformers`), the same code in Node
 * (onnxruntime-node, device 'cpu') and in a Web Worker (onnxruntime-web: 'webgpu' or 'wasm').
 *
 * Integrity: the hashed files of a model (ONNX weights, tokenizer.json) are read ONCE by this module
 * — from disk in Node, with fetch() in a browser — checked against the sha256 pinned in registry.ts and
 * then handed to transformers.js from memory through its custom-cache hook, so the bytes that run are
 * exactly the bytes that were verified (no second read, no window for a swap). config.json and
 * tokenizer_config.json are served from the registry facts the same way. A corrupt or truncated file
 * is rejected with a HashMismatchError that names the file and both hashes.
 *
 * Determinism: the quantized (q8) models quantize activations per tensor at run time
 * (DynamicQuantizeLinear), so in a padded batch every row's vector depends on the other rows —
 * measured here: up to 0.02 per component between batch sizes 1 and 32. A vector must be a function of
 * its text alone (vectors are cached by text hash and compared across runs), so q8 runs one text per
 * forward pass; without padding that was also faster on this CPU (28 vs 63 ms/doc at batch 16).
 * fp32 has no such coupling and runs length-sorted padded batches. `batchSize` is always the unit of
 * progress reports and cancellation checks.
 */
import { AutoModel, AutoTokenizer, env } from '@huggingface/transformers';
import type { PreTrainedModel, PreTrainedTokenizer, Tensor } from '@huggingface/transformers';
import { dtypeForDevice, getModel, type Dtype, type ModelFile, type ModelSpec } from './registry.ts';
import type { Device, EmbeddingModel, EmbeddingsResult, EmbedOptions } from '../types.ts';
import { HashMismatchError, verifySha256 } from '../util/sha256.ts';
import { SerialQueue } from '../util/serial-queue.ts';
import { abortError } from '../util/abort.ts';
import { transformerIdentity, type VectorIdentity } from '../vectors/identity.ts';
import { runtime } from '../util/runtime.ts';
import { fetchBytes } from './fetch-bytes.ts';
import { ortWasmPaths } from './ort-build.ts';

export interface LoadOptions {
  modelId: string;
  /** Forced precision; without it each device gets its own (registry dtypeForDevice: fp32 on WebGPU, q8 elsewhere). */
  dtype?: Dtype;
  /** Folder that contains `<modelId>/…` (Node: a path; browser: a URL prefix like '/models/'). */
  localModelPath?: string;
  /** Allow fetching from the Hugging Face hub when the local folder lacks files (default false if localModelPath given). */
  allowRemote?: boolean;
  device?: 'auto' | Device;
  /**
   * Browser: where onnxruntime-web's files are self-hosted — a URL prefix, or the exact URLs of the
   * .wasm/.mjs pair (e.g. from Vite `?url` imports). Without it onnxruntime-web fetches them from a CDN.
   */
  wasmPaths?: string | { wasm?: string; mjs?: string };
  /** Browser WASM threads. */
  numThreads?: number;
  onProgress?: (p: ModelLoadStep) => void;
}

/**
 * One step of loading a model, for progress UI. `stage` says what the time is going to:
 * 'download' (bytes arriving, `loaded` of `total`), 'verify' (checking the file's pinned sha256),
 * 'start' (creating the inference session — seconds on WASM, with no bytes moving).
 * Without a stage it is a download step (older callers).
 */
export interface ModelLoadStep {
  file: string;
  loaded: number;
  total: number;
  stage?: 'download' | 'verify' | 'start';
}

/** An EmbeddingModel that also counts its work (the worker and tests assert on it). */
export interface Embedder extends EmbeddingModel {
  /** Documents embedded so far by embedDocuments (each text counts once per call). */
  readonly embedCount: number;
  readonly queryCount: number;
  readonly dtype: Dtype;
}

/** Default upper bound on texts per progress/cancellation step. */
export const DEFAULT_BATCH_SIZE = 16;

const HUB = 'https://huggingface.co';


// ---------------------------------------------------------------------------------------------
// Verified bytes, served to transformers.js through env.customCache

/** Keyed by `<modelId>/<path in model folder>`. Entries are dropped once the model has loaded. */
const served = new Map<string, Uint8Array>();

/** Accepts both the local-path form (`…/<id>/<path>`) and the hub-URL form (`…/<id>/resolve/<rev>/<path>`) of a key. */
function servedKey(request: string): string | undefined {
  const local = request.replace(/\/resolve\/[^/]+\//, '/');
  for (const key of served.keys()) if (local === key || local.endsWith('/' + key)) return key;
  return undefined;
}

/** The subset of the Web Cache API transformers.js uses. Unknown keys fall through to its normal loading. */
const verifiedCache = {
  async match(request: string | { url: string }): Promise<Response | undefined> {
    const key = servedKey(typeof request === 'string' ? request : request.url);
    if (key === undefined) return undefined;
    const bytes = served.get(key)!;
    return new Response(bytes as BodyInit, { status: 200, headers: { 'content-length': String(bytes.byteLength) } });
  },
  async put(): Promise<void> {
    // Nothing to store: every hashed file is re-verified on load.
  },
};

function joinPath(base: string, rel: string): string {
  return base.endsWith('/') ? base + rel : `${base}/${rel}`;
}

/** Reads a local file in Node without a static `node:` import (core must also bundle for the browser). */
async function readNodeFile(path: string): Promise<Uint8Array> {
  const fs = runtime.nodeModule<{ readFile(p: string): Promise<Uint8Array> }>('node:fs/promises');
  if (!fs) throw new Error('Reading model files from a folder needs Node ≥ 20.16 (process.getBuiltinModule)');
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') throw new Error(`Model file missing: ${path}. Run \`npm run fetch-model\` to install it.`);
    throw err;
  }
}


/** Reads one pinned file from the local folder (or the hub when allowed) and verifies its sha256. */
async function loadVerified(spec: ModelSpec, file: ModelFile, opts: LoadOptions): Promise<Uint8Array> {
  const rel = `${spec.id}/${file.path}`;
  const sources: string[] = [];
  if (opts.localModelPath) sources.push(joinPath(opts.localModelPath, rel));
  const remote = opts.allowRemote ?? !opts.localModelPath;
  if (remote) sources.push(`${HUB}/${spec.id}/resolve/main/${file.path}`);
  if (sources.length === 0) throw new Error(`No source for ${rel}: set localModelPath or allowRemote`);
  let lastErr: unknown;
  for (const src of sources) {
    let bytes: Uint8Array;
    try {
      const isUrl = /^(https?:|blob:|data:)/.test(src) || !runtime.isNode;
      bytes = isUrl ? await fetchBytes(src, file.path, file.bytes, opts.onProgress) : await readNodeFile(src);
    } catch (err) {
      lastErr = err;
      continue; // try the next source
    }
    // A present but wrong file is an error, never a reason to silently use another source.
    opts.onProgress?.({ file: file.path, loaded: bytes.byteLength, total: bytes.byteLength, stage: 'verify' });
    await verifySha256(src, bytes, file.sha256);
    return bytes;
  }
  throw lastErr instanceof Error ? lastErr : new Error(`Could not load ${rel}`);
}

// ---------------------------------------------------------------------------------------------
// Device choice

async function hasWebGpuAdapter(): Promise<boolean> {
  // navigator.gpu exists in headless Chromium without a GPU; only an adapter proves WebGPU works.
  const gpu = runtime.gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

async function deviceCandidates(requested: LoadOptions['device']): Promise<Device[]> {
  const fallback: Device = runtime.isNode ? 'cpu' : 'wasm';
  if (requested && requested !== 'auto') return [requested];
  return (await hasWebGpuAdapter()) ? ['webgpu', fallback] : [fallback];
}

// ---------------------------------------------------------------------------------------------
// The model

function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

class TransformersEmbedder implements Embedder {
  readonly modelId: string;
  readonly identity: VectorIdentity;
  readonly dimensions: number;
  readonly device: Device;
  readonly dtype: Dtype;
  embedCount = 0;
  queryCount = 0;
  private readonly spec: ModelSpec;
  private readonly tokenizer: PreTrainedTokenizer;
  private model: PreTrainedModel | undefined;
  // One forward pass at a time: onnxruntime sessions are not re-entrant, and callers interleave.
  // Each pass is its own job, and questions are 'high': a question waits for at most the one
  // document pass that is running, never for the rest of a batch.
  private readonly passes = new SerialQueue();

  constructor(spec: ModelSpec, dtype: Dtype, device: Device, tokenizer: PreTrainedTokenizer, model: PreTrainedModel) {
    this.spec = spec;
    this.modelId = spec.id;
    this.identity = transformerIdentity(spec, dtype);
    this.dimensions = spec.dims;
    this.device = device;
    this.dtype = dtype;
    this.tokenizer = tokenizer;
    this.model = model;
  }

  /** Runs the model on `texts` (already prefixed) and returns one pooled, normalised row per text. */
  private async forward(texts: string[]): Promise<Float32Array[]> {
    const model = this.model;
    if (!model) throw new Error(`Embedder for ${this.modelId} was disposed`);
    const inputs = this.tokenizer(texts, { padding: true, truncation: true, max_length: this.spec.maxTokens });
    const out = (await model(inputs)) as { last_hidden_state: Tensor };
    const hidden = out.last_hidden_state;
    const [b, t, d] = hidden.dims as [number, number, number];
    if (d !== this.dimensions) throw new Error(`${this.modelId} produced ${d}-d states, registry says ${this.dimensions}`);
    const h = hidden.data as Float32Array;
    const mask = (inputs.attention_mask as Tensor).data as BigInt64Array;
    const rows: Float32Array[] = [];
    for (let i = 0; i < b; i++) {
      const v = new Float32Array(d);
      if (this.spec.pooling === 'cls') {
        v.set(h.subarray(i * t * d, i * t * d + d));
      } else {
        let count = 0;
        for (let j = 0; j < t; j++) {
          if (mask[i * t + j] === 0n) continue;
          count++;
          const off = (i * t + j) * d;
          for (let k = 0; k < d; k++) v[k] += h[off + k];
        }
        for (let k = 0; k < d; k++) v[k] /= Math.max(count, 1);
      }
      rows.push(l2normalize(v));
    }
    hidden.dispose?.();
    return rows;
  }

  async embedDocuments(texts: string[], opts: EmbedOptions = {}): Promise<EmbeddingsResult> {
    const d = this.dimensions;
    const batchSize = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE));
    // See the module comment: q8 vectors are only batch-independent one text per pass.
    const passSize = this.dtype === 'q8' ? 1 : batchSize;
    const out = new Float32Array(texts.length * d);
    // Longest first: similar lengths share a padded batch (fp32), and progress is front-loaded with
    // the slow items so the remaining-time estimate errs on the safe side.
    const order = texts.map((_, i) => i).sort((a, b) => texts[b].length - texts[a].length || a - b);
    let done = 0;
    for (let start = 0; start < order.length; start += batchSize) {
      if (opts.signal?.aborted) throw abortError('Embedding was cancelled');
      const batch = order.slice(start, start + batchSize);
      for (let p = 0; p < batch.length; p += passSize) {
        const pass = batch.slice(p, p + passSize);
        const rows = await this.passes.run(() => this.forward(pass.map((i) => this.spec.passagePrefix + texts[i])));
        pass.forEach((idx, j) => out.set(rows[j], idx * d));
        this.embedCount += pass.length;
      }
      done += batch.length;
      opts.onProgress?.({ done, total: texts.length });
    }
    return { vectors: out, dimensions: d };
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const [row] = await this.passes.run(() => this.forward([this.spec.queryPrefix + text]), 'high');
    this.queryCount++;
    return row;
  }

  async dispose(): Promise<void> {
    const m = this.model;
    this.model = undefined;
    await m?.dispose();
  }
}

/**
 * Loads a model. Never touches the network when `localModelPath` is given and `allowRemote` is not
 * true. Fails with a specific error when a file is missing (names the path) or fails its sha256 check
 * (HashMismatchError). With device 'auto' it tries WebGPU when an adapter exists and falls back to
 * WASM (browser) / CPU (Node) if the model does not load there.
 */
export function loadEmbedder(opts: LoadOptions): Promise<Embedder> {
  // transformers.js' env and the served-bytes map are global: one load at a time.
  return loads.run(() => load(opts));
}
const loads = new SerialQueue();

/** Carries the last device's file error out of the device loop unchanged. */
class LastFileError {
  constructor(readonly cause: unknown) {}
}

async function load(opts: LoadOptions): Promise<Embedder> {
  const spec = getModel(opts.modelId);
  const devices = await deviceCandidates(opts.device);
  // Forced, or per device (registry dtypeForDevice: fp32 on WebGPU, q8 elsewhere).
  const dtypeOn = (device: Device): Dtype => opts.dtype ?? dtypeForDevice(spec, device);
  const first = dtypeOn(devices[0]!);
  if (!spec.onnx[first]) throw new Error(`Model ${spec.id} has no ${first} weights in the registry`);

  env.useCustomCache = true;
  env.customCache = verifiedCache;
  // Everything is already in memory: transformers.js itself must never go to the network.
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = opts.localModelPath ?? '/models/';
  const wasm = env.backends.onnx.wasm;
  if (wasm) {
    // The plain WASM build where WebGPU will not run (ort-build.ts): ~20% faster kernels.
    const paths = ortWasmPaths(opts.wasmPaths, devices);
    if (paths) wasm.wasmPaths = paths;
    // Given an explicit {wasm, mjs} pair, transformers.js's WASM cache re-serves the .mjs factory as
    // a blob: URL, and the site's CSP (script-src 'self', no blob:) refuses to import it — from the
    // second visit on, when the service worker gives the engine worker that policy, the model failed
    // to load ("Failed to fetch dynamically imported module: blob:…"). The service worker already
    // precaches both files, so the extra cache buys nothing: onnxruntime-web imports the same-origin
    // URL itself.
    if (paths && typeof paths === 'object') env.useWasmCache = false;
    if (opts.numThreads) wasm.numThreads = opts.numThreads;
  }

  const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  const keys = new Set<string>();
  const serve = (key: string, bytes: Uint8Array) => {
    served.set(key, bytes);
    keys.add(key);
  };
  try {
    // Verify before anything runs; the files then come from memory (see verifiedCache). The weights
    // first (the big download, and the error a caller most needs), then the tokenizer, once.
    let tokenizer: PreTrainedTokenizer | undefined;
    const loadTokenizer = async () => {
      try {
        serve(`${spec.id}/${spec.tokenizer.path}`, await loadVerified(spec, spec.tokenizer, opts));
      } catch (err) {
        throw new LastFileError(err); // every device needs it: no fallback helps
      }
      serve(`${spec.id}/config.json`, json(spec.config));
      serve(`${spec.id}/tokenizer_config.json`, json(spec.tokenizerConfig));
      return AutoTokenizer.from_pretrained(spec.id);
    };
    let lastErr: unknown;
    for (const device of devices) {
      const dtype = dtypeOn(device);
      try {
        const onnx = spec.onnx[dtype];
        if (!onnx) throw new Error(`Model ${spec.id} has no ${dtype} weights in the registry`);
        const key = `${spec.id}/${onnx.path}`;
        if (!served.has(key)) {
          try {
            serve(key, await loadVerified(spec, onnx, opts));
          } catch (err) {
            // The last candidate's file error is the caller's error, as it is (names the path or hashes).
            throw device === devices[devices.length - 1] ? new LastFileError(err) : err;
          }
        }
        tokenizer ??= await loadTokenizer();
        // No bytes move from here on, but creating the session takes seconds: say so.
        opts.onProgress?.({ file: onnx.path, loaded: served.get(key)!.byteLength, total: served.get(key)!.byteLength, stage: 'start' });
        const model = await AutoModel.from_pretrained(spec.id, { dtype, device });
        const embedder = new TransformersEmbedder(spec, dtype, device, tokenizer, model);
        // A device can "load" and still fail on first use (e.g. missing WebGPU features): prove it.
        if (device === 'webgpu') {
          await embedder.embedQuery('warm-up');
          embedder.queryCount = 0;
        }
        return embedder;
      } catch (err) {
        // A file missing for this device's dtype (e.g. fp32 not deployed) falls back like a failed device;
        // a present but corrupt file is never a reason to try another one.
        if (err instanceof LastFileError) throw err.cause;
        if (err instanceof HashMismatchError) throw err;
        lastErr = err;
      }
    }
    throw new Error(`Could not load ${spec.id} (${devices.map((d) => `${dtypeOn(d)} on ${d}`).join(', ')}) on any device: ${(lastErr as Error)?.message ?? lastErr}`);
  } finally {
    for (const k of keys) served.delete(k);
  }
}
