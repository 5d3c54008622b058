/**
 * Worker-side glue between the import/export modules (src/core/import, src/core/bundle.ts) and the
 * EngineSession: parse → preview (issues, duplicates) and collection → bundle bytes. No parsing
 * or ranking logic lives here.
 */
import { parseImport, findDuplicates } from '../src/core/import/index.ts';
import { isBundle, readBundle, writeBundle, bundleMatchesModel, BUNDLE_EXTENSION } from '../src/core/bundle.ts';
import { SEED_COLLECTION, SessionError, type EngineSession } from '../src/core/engine-session.ts';
import { modelKey, type StoredVector } from '../src/core/store.ts';
import { getModel } from '../src/core/models.ts';
import { textHash } from '../src/core/hash.ts';
import type { ImportPreview, ResultMap } from '../src/protocol.ts';

export function handleImportPreview(session: EngineSession, fileName: string, data: Uint8Array | string): ImportPreview {
  const existing = session.getPapers();
  if (data instanceof Uint8Array && isBundle(data)) {
    const b = readBundle(data);
    const model = session.activeModel;
    const m = b.header.model;
    const matches = !!(model && m && bundleMatchesModel(b.header, model.modelId, model.modelHash));
    const vectors = new Map<string, StoredVector>();
    for (const p of b.papers) {
      const v = b.vectors.get(p.id);
      if (v) vectors.set(p.id, { paperId: p.id, textHash: textHash(p.title, p.abstract), vector: v });
    }
    const dups = findDuplicates(existing, b.papers);
    return session.stagePreview(
      {
        format: 'bundle',
        fileName,
        papers: b.papers,
        issues: b.issues,
        duplicates: dups.map((d) => ({ incomingId: d.paper.id, existingId: d.of.id, reason: d.message ?? d.reason })),
        bundle: { collection: b.header.collection, modelKey: m ? modelKey(m.id, m.sha256) : '', vectors: vectors.size, modelMatches: matches },
      },
      m && vectors.size ? { modelKey: modelKey(m.id, m.sha256), vectors } : undefined,
    );
  }
  const res = parseImport(fileName, data);
  const dups = findDuplicates(existing, res.papers);
  return session.stagePreview({
    format: res.format,
    fileName,
    papers: res.papers,
    issues: res.issues,
    duplicates: dups.map((d) => ({ incomingId: d.paper.id, existingId: d.of.id, reason: d.message ?? d.reason })),
  });
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
