/**
 * Worker-side glue between the import/export modules (src/core/import, src/core/bundle.ts) and the
 * EngineSession: parse → preview (issues, duplicates) and collection → bundle bytes. No parsing
 * or ranking logic lives here.
 *
 * Parsing runs in a short-lived nested worker (workers/import.worker.ts), one per preview, spawned
 * HERE rather than by the UI so the UI keeps a single typed contract with the engine
 * (src/protocol.ts): it sends `importPreview` and gets one reply, as before. The engine worker
 * only awaits the result, so searches sent meanwhile are answered at once.
 */
import { BUNDLE_EXTENSION, bundleMatchesModel, writeBundle } from '../src/core/import/bundle.ts';
import { SEED_COLLECTION, SessionError, type EngineSession } from '../src/core/engine/session.ts';
import { ImportError, type ImportErrorCode } from '../src/core/import/errors.ts';
import { modelKey } from '../src/core/store/store.ts';
import { getModel } from '../src/core/model/registry.ts';
import { textHash } from '../src/core/library/ids.ts';
import { readAuthors } from '../src/core/library/authors.ts';
import type { ImportPreview, ResultMap } from '../src/protocol.ts';
import type { ImportJob, ImportJobReply, ImportJobResult, SerializedError } from './import-messages.ts';

/** Rebuilds a thrown error from the import worker so toEngineError maps it like a local one. */
export function revive(e: SerializedError): Error {
  // ImportError → code 'import-failed' with the user message and the ImportError code as detail.
  if (e.name === 'ImportError') return new ImportError((e.code ?? 'bad-structure') as ImportErrorCode, e.message);
  return new SessionError('import-failed', `The file could not be read: ${e.message}`, e.stack);
}

/** The parse job in flight; a newer preview replaces (terminates) it. */
let inFlight: { worker: Worker; reject: (e: Error) => void } | null = null;

function cancelInFlight() {
  if (!inFlight) return;
  inFlight.worker.terminate();
  inFlight.reject(new SessionError('cancelled', 'Replaced by a newer import.'));
  inFlight = null;
}

/**
 * Runs the job in a fresh module worker and terminates it afterwards (success, error or crash).
 * Falls back to parsing in this worker only where nested workers do not exist.
 */
function runJob(job: ImportJob): Promise<ImportJobResult> {
  if (typeof Worker === 'undefined') {
    return import('./import-job.ts').then(({ runImportJob }) => runImportJob(job));
  }
  cancelInFlight();
  return new Promise<ImportJobResult>((resolve, reject) => {
    const worker = new Worker(new URL('./import.worker.ts', import.meta.url), { type: 'module', name: 'atlas-import' });
    const me = { worker, reject };
    inFlight = me;
    const done = () => {
      worker.terminate();
      if (inFlight === me) inFlight = null;
    };
    worker.onmessage = (e: MessageEvent<ImportJobReply>) => {
      done();
      if (e.data.ok) resolve(e.data.result);
      else reject(revive(e.data.error));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      done();
      reject(new SessionError('import-failed', `Reading "${job.fileName}" failed: ${e.message || 'the import worker crashed (out of memory?)'}`));
    };
    worker.onmessageerror = () => {
      done();
      reject(new SessionError('import-failed', `Reading "${job.fileName}" failed: its result could not be transferred.`));
    };
    // The file bytes move to the import worker (the UI already transferred them to us).
    worker.postMessage(job, job.data instanceof Uint8Array ? [job.data.buffer as ArrayBuffer] : []);
  });
}

export async function handleImportPreview(session: EngineSession, fileName: string, data: Uint8Array | string): Promise<ImportPreview> {
  // Identity fields only (see DedupeRef): one author is enough to match on. readAuthors: papers
  // stored by an earlier version may still hold string[] authors.
  const existing = session.getPapers().map((p) => ({ id: p.id, title: p.title, doi: p.doi, collection: p.collection, authors: readAuthors(p.authors)?.slice(0, 1), year: p.year }));
  const res = await runJob({ fileName, data, existing });
  if (!res.bundle) {
    return session.stagePreview({ format: res.format, fileName: res.fileName, papers: res.papers, issues: res.issues, duplicates: res.duplicates, report: res.report });
  }
  const { collection, model: m, vectors } = res.bundle;
  // Whether the bundle's vectors fit is decided here: only the engine knows the loaded model.
  const model = session.activeModel;
  const matches = !!(model && m && bundleMatchesModel({ model: m }, model.modelId, model.modelHash));
  return session.stagePreview(
    {
      format: res.format,
      fileName: res.fileName,
      papers: res.papers,
      issues: res.issues,
      duplicates: res.duplicates,
      report: res.report,
      bundle: { collection, modelKey: m ? modelKey(m.id, m.sha256) : '', vectors: vectors.size, modelMatches: matches },
    },
    m && vectors.size ? { modelKey: modelKey(m.id, m.sha256), vectors } : undefined,
  );
}

export function handleExport(session: EngineSession, collection: string): ResultMap['export'] {
  const papers = session.getPapers().filter((p) => (p.collection ?? SEED_COLLECTION) === collection);
  if (!papers.length) throw new SessionError('not-found', `Collection "${collection}" has no papers.`);
  const model = session.activeModel;
  const { vectors } = session.vectorsFor(papers.map((p) => p.id));
  // Vectors go in only when every paper has one (a bundle is all-or-nothing per paper list).
  const complete = model && papers.every((p) => vectors.get(p.id)?.textHash === textHash(p.title, p.abstract));
  let flat: Float32Array | undefined;
  if (complete && model) {
    flat = new Float32Array(papers.length * model.dimensions);
    papers.forEach((p, i) => flat!.set(vectors.get(p.id)!.vector, i * model.dimensions));
  }
  const spec = model ? getModel(model.modelId) : undefined;
  const bytes = writeBundle({
    collection,
    papers,
    vectors: flat,
    model: flat && model && spec ? { id: model.modelId, sha256: model.modelHash, dtype: 'q8', pooling: spec.pooling, dims: model.dimensions } : undefined,
  });
  const safeName = collection.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'collection';
  return { fileName: `${safeName}${BUNDLE_EXTENSION}`, bytes, mime: 'application/octet-stream' };
}
