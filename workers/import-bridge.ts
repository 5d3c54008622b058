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
import { BUNDLE_EXTENSION, writeBundle } from '../src/core/import/bundle.ts';
import { AtlasError, SEED_COLLECTION, type EngineSession } from '../src/core/engine/session.ts';
import { ImportError, type ImportErrorCode } from '../src/core/import/errors.ts';
import { sameIdentity, vectorKey } from '../src/core/vectors/identity.ts';
import { textHash } from '../src/core/library/ids.ts';
import { readAuthors } from '../src/core/library/authors.ts';
import type { ImportPreview, ResultOf } from '../src/protocol.ts';
import type { ImportJob, ImportJobReply, ImportJobResult, SerializedError } from './import-messages.ts';

/** Rebuilds a thrown error from the import worker so toEngineError maps it like a local one. */
export function revive(e: SerializedError): Error {
  // ImportError → code 'import-failed' with the user message and the ImportError code as detail.
  if (e.name === 'ImportError') return new ImportError((e.code ?? 'bad-structure') as ImportErrorCode, e.message);
  return new AtlasError('import-failed', `The file could not be read: ${e.message}`, e.stack);
}

/** The parse job in flight; a newer preview replaces (terminates) it. */
let inFlight: { worker: Worker; reject: (e: Error) => void } | null = null;

function cancelInFlight() {
  if (!inFlight) return;
  inFlight.worker.terminate();
  inFlight.reject(new AtlasError('cancelled', 'Replaced by a newer import.'));
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
      reject(new AtlasError('import-failed', `Reading "${job.fileName}" failed: ${e.message || 'the import worker crashed (out of memory?)'}`));
    };
    worker.onmessageerror = () => {
      done();
      reject(new AtlasError('import-failed', `Reading "${job.fileName}" failed: its result could not be transferred.`));
    };
    // The file bytes move to the import worker (the UI already transferred them to us).
    worker.postMessage(job, job.data instanceof Uint8Array ? [job.data.buffer as ArrayBuffer] : []);
  });
}

/**
 * Reading-list marks of the bundle waiting for commit, by preview token (a newer preview replaces
 * the staged one, so only the latest token is kept).
 */
let stagedStars: { token: string; ids: Set<string> } | null = null;

/** Commits an import; papers of a bundle that were on its exporter's reading list are starred here too. */
export async function handleImportCommit(session: EngineSession, token: string, collection: string, paperIds: string[]): Promise<ResultOf<'importCommit'>> {
  const stars = stagedStars?.token === token ? stagedStars.ids : undefined;
  const res = await session.commitImport(token, collection, paperIds);
  if (stars) {
    stagedStars = null;
    const ids = paperIds.filter((id) => stars.has(id));
    if (ids.length) await session.star(ids, true);
  }
  return res;
}

export async function handleImportPreview(session: EngineSession, fileName: string, data: Uint8Array | string): Promise<ImportPreview> {
  // Identity fields only (see DedupeRef): one author is enough to match on. readAuthors: papers
  // stored by an earlier version may still hold string[] authors.
  const existing = session.getPapers().map((p) => ({ id: p.id, title: p.title, doi: p.doi, collection: p.collection, authors: readAuthors(p.authors)?.slice(0, 1), year: p.year }));
  stagedStars = null;
  const res = await runJob({ fileName, data, existing });
  const preview = { format: res.format, fileName: res.fileName, papers: res.papers, issues: res.issues, duplicates: res.duplicates, report: res.report };
  if (!res.bundle) return session.stagePreview(preview);
  const { collection, identity, vectors } = res.bundle;
  // Whether the bundle's vectors fit is decided here: only the engine knows the loaded model.
  const model = session.activeModel;
  const matches = !!(model && identity && sameIdentity(identity, model.identity));
  const staged = session.stagePreview(
    { ...preview, bundle: { collection, vectorKey: identity ? vectorKey(identity) : '', vectors: vectors.size, modelMatches: matches } },
    identity && vectors.size ? { identity, vectors } : undefined,
  );
  stagedStars = res.bundle.starred.length ? { token: staged.token, ids: new Set(res.bundle.starred) } : null;
  return staged;
}

export function handleExport(session: EngineSession, collection: string): ResultOf<'export'> {
  const papers = session.getPapers().filter((p) => (p.collection ?? SEED_COLLECTION) === collection);
  if (!papers.length) throw new AtlasError('not-found', `Collection "${collection}" has no papers.`);
  const { identity, vectors } = session.vectorsFor(papers.map((p) => p.id));
  // Vectors go in only when every paper has one (a bundle is all-or-nothing per paper list).
  const complete = identity && papers.every((p) => vectors.get(p.id)?.textHash === textHash(p.title, p.abstract));
  let flat: Float32Array | undefined;
  if (complete && identity) {
    flat = new Float32Array(papers.length * identity.dims);
    papers.forEach((p, i) => flat!.set(vectors.get(p.id)!.vector, i * identity.dims));
  }
  const starred = new Set(session.starredOf(papers.map((p) => p.id)));
  const bytes = writeBundle({ collection, papers, vectors: flat, identity: flat ? identity : undefined, starred });
  const safeName = collection.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'collection';
  return { fileName: `${safeName}${BUNDLE_EXTENSION}`, bytes, mime: 'application/octet-stream' };
}
