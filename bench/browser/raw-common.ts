/**
 * Diagnostic worker body: plain onnxruntime-web on pre-tokenised batches (tokenised in Node with the
 * same tokenizer), so its time is the WASM runtime alone — no transformers.js, no tokenisation.
 * Compared with native onnxruntime-node on the same batches it isolates "WASM vs native" from
 * "our code vs the runtime".
 */
import type * as OrtNs from 'onnxruntime-web';

export interface RawBatch {
  ids: number[];
  mask: number[];
  dims: [number, number];
}

export interface RawRequest {
  modelUrl: string;
  /** URL prefix, or explicit {mjs, wasm} URLs (to pair a JS bundle with another WASM build). */
  wasmPaths: string | { mjs: string; wasm: string };
  /** 0 = onnxruntime-web's default (min(4, ceil(cores/2))). */
  numThreads: number;
  batches: RawBatch[];
  repeats: number;
  /** Also return each feed's own run time (question latency: one feed per question). */
  perFeed?: boolean;
  /** Extra onnxruntime-web session options (diagnostics: enableCpuMemArena, enableMemPattern, …). */
  sessionOptions?: Record<string, unknown>;
  /** Collect onnxruntime's console output while the session is created (verbose: node placement). */
  captureLog?: boolean;
}

export interface RawResponse {
  loadMs: number;
  durations: number[];
  numThreadsEffective: number | undefined;
  /** Per feed, per repeat (only with perFeed). */
  feedMs?: number[];
  /** Console lines printed while the session was created (with captureLog). */
  log?: string[];
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
}

export async function runRaw(ort: typeof OrtNs, req: RawRequest): Promise<RawResponse> {
  ort.env.wasm.wasmPaths = req.wasmPaths as never;
  if (req.numThreads > 0) ort.env.wasm.numThreads = req.numThreads;
  const log: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  if (req.captureLog) {
    ort.env.logLevel = 'verbose';
    for (const k of Object.keys(saved) as (keyof typeof saved)[]) console[k] = (...a: unknown[]) => void log.push(a.map(String).join(' '));
  }
  const t0 = performance.now();
  let session: OrtNs.InferenceSession;
  try {
    session = await ort.InferenceSession.create(req.modelUrl, { executionProviders: ['wasm'], graphOptimizationLevel: 'all', ...req.sessionOptions });
  } finally {
    Object.assign(console, saved);
  }
  const loadMs = performance.now() - t0;
  const feeds = req.batches.map((b) => {
    const feed: Record<string, OrtNs.Tensor> = {};
    const ids = BigInt64Array.from(b.ids, (x) => BigInt(x));
    const mask = BigInt64Array.from(b.mask, (x) => BigInt(x));
    for (const name of session.inputNames) {
      if (name === 'input_ids') feed[name] = new ort.Tensor('int64', ids, b.dims);
      else if (name === 'attention_mask') feed[name] = new ort.Tensor('int64', mask, b.dims);
      else if (name === 'token_type_ids') feed[name] = new ort.Tensor('int64', new BigInt64Array(ids.length), b.dims);
      else throw new Error(`unexpected model input ${name}`);
    }
    return feed;
  });
  await session.run(feeds[0]!);
  const durations: number[] = [];
  const feedMs: number[] = [];
  for (let r = 0; r < req.repeats; r++) {
    await mark('start');
    const s = performance.now();
    for (const f of feeds) {
      const t = performance.now();
      await session.run(f);
      if (req.perFeed) feedMs.push(performance.now() - t);
    }
    durations.push(performance.now() - s);
    await mark('end');
  }
  await session.release();
  return {
    loadMs,
    durations,
    numThreadsEffective: ort.env.wasm.numThreads,
    feedMs: req.perFeed ? feedMs : undefined,
    log: req.captureLog ? log : undefined,
    crossOriginIsolated: self.crossOriginIsolated,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

let ackResolve: (() => void) | null = null;

/**
 * Asks the driver to read the browser's CPU time now, and waits until it has: the driver sums the
 * CPU used between 'start' and 'end' marks, a measure that contention on a shared machine inflates
 * far less than wall time.
 */
export function mark(label: 'start' | 'end'): Promise<void> {
  return new Promise((resolve) => {
    ackResolve = resolve;
    self.postMessage({ mark: label });
  });
}

/** Wires a worker's message handler to `run`: one request in, one {ok, result|error} out. */
export function serve<Req, Res>(run: (req: Req) => Promise<Res>) {
  self.onmessage = async (e: MessageEvent<Req>) => {
    if ((e.data as { ack?: boolean })?.ack) {
      const r = ackResolve;
      ackResolve = null;
      r?.();
      return;
    }
    try {
      self.postMessage({ ok: true, result: await run(e.data) });
    } catch (err) {
      self.postMessage({ ok: false, error: String((err as Error)?.stack ?? err) });
    }
  };
}
