/// <reference lib="webworker" />
/**
 * Short-lived import worker: spawned by the engine worker (workers/import-bridge.ts) for ONE
 * import preview, handed `ImportJob`, replies with exactly one `ImportJobReply`, then is
 * terminated by its parent. Parsing here rather than in the engine worker keeps searches
 * answering during a big import (a 10k-entry BibTeX file with LaTeX takes tens of seconds).
 *
 * The parsers are loaded with a dynamic import so this worker starts (and its message handler is
 * installed) at once; a parser that fails to load is reported like any other error.
 */
import { serializeError, type ImportJob, type ImportJobReply } from './import-messages.ts';

declare const self: DedicatedWorkerGlobalScope;

self.onmessage = async (e: MessageEvent<ImportJob>) => {
  let reply: ImportJobReply;
  try {
    const { runImportJob } = await import('./import-job.ts');
    reply = { ok: true, result: runImportJob(e.data) };
  } catch (err) {
    reply = { ok: false, error: serializeError(err) };
  }
  self.postMessage(reply);
};
