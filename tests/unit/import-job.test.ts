/**
 * The import worker's job (workers/import-job.ts) and its error hand-off: what the engine worker
 * gets back must be everything the preview needs, and a whole-file ImportError must keep its code
 * and message across the (structured-clone) worker boundary.
 */
import { testIdentity } from './helpers/identity.ts';
import { describe, it, expect } from 'vitest';
import { runImportJob } from '../../workers/import-job.ts';
import { serializeError } from '../../workers/import-messages.ts';
import { writeBundle } from '../../src/core/import/bundle.ts';
import { paperId, textHash } from '../../src/core/library/ids.ts';
import { toEngineError } from '../../src/core/engine/session.ts';
import { ImportError } from '../../src/core/import/errors.ts';
import { revive } from '../../workers/import-bridge.ts';
import type { Paper } from '../../src/core/types.ts';

const RIS = `TY  - JOUR
TI  - Tidal Turbine Noise and Harbour Porpoise Echolocation
AB  - Porpoises keep echolocating near turbines.
DO  - 10.5555/porpoise
ER  - 

TY  - JOUR
TI  - Beech Saplings Under Drought
AB  - Shared fungal networks moved carbon.
ER  - 
`;

describe('runImportJob', () => {
  it('parses text and flags duplicates against stored papers given without abstracts (DOI and title)', () => {
    const existing = [
      { id: 'x1', title: 'Something else entirely', doi: '10.5555/PORPOISE', collection: 'mine' },
      { id: paperId('Beech saplings under drought!'), title: 'Beech saplings under drought!' },
    ];
    const r = runImportJob({ fileName: 'refs.ris', data: new TextEncoder().encode(RIS), existing });
    expect(r.format).toBe('ris');
    expect(r.papers.map((p) => p.title)).toEqual(['Tidal Turbine Noise and Harbour Porpoise Echolocation', 'Beech Saplings Under Drought']);
    expect(r.duplicates.map((d) => [d.incomingId, d.existingId])).toEqual([
      [r.papers[0].id, 'x1'],
      [r.papers[1].id, existing[1].id],
    ]);
    expect(r.duplicates[0].reason).toMatch(/same DOI .*collection "mine"/);
    expect(r.bundle).toBeUndefined();
    // What crosses to the engine worker must survive structured cloning unchanged.
    expect(structuredClone(r)).toEqual(r);
  });

  it('reads a bundle: papers, header model and vectors keyed by paper with their text hash', () => {
    const papers: Paper[] = [0, 1].map((i) => ({ id: paperId(`Paper ${i}`), title: `Paper ${i}`, abstract: `Abstract ${i}.` }));
    const vectors = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0]);
    const identity = testIdentity('test/four-dims', 4);
    const bytes = writeBundle({ collection: 'shared', papers, identity, vectors });
    const r = runImportJob({ fileName: 'shared.atlas', data: bytes, existing: [] });
    expect(r.format).toBe('bundle');
    expect(r.papers.map((p) => p.id)).toEqual(papers.map((p) => p.id));
    expect(r.bundle?.collection).toBe('shared');
    expect(r.bundle?.identity).toEqual(identity);
    const v = r.bundle!.vectors.get(papers[1].id)!;
    expect([...v.vector]).toEqual([0, 1, 0, 0]);
    expect(v.textHash).toBe(textHash('Paper 1', 'Abstract 1.'));
  });

  it('a whole-file failure keeps its ImportError code and message through serialisation', () => {
    let thrown: unknown;
    try {
      runImportJob({ fileName: 'empty.json', data: new Uint8Array(0), existing: [] });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ImportError);
    const wire = structuredClone(serializeError(thrown));
    expect(wire).toMatchObject({ name: 'ImportError', code: 'empty', message: '"empty.json" is empty.' });
    // The engine rebuilds it (import-bridge.ts) and maps it like a local one.
    expect(toEngineError(revive(wire))).toEqual({ code: 'import-failed', message: '"empty.json" is empty.', detail: 'empty' });
  });

  it('any other error from the import worker becomes import-failed, with the stack as detail', () => {
    const e = toEngineError(revive(serializeError(new TypeError('x is undefined'))));
    expect(e.code).toBe('import-failed');
    expect(e.message).toBe('The file could not be read: x is undefined');
    expect(e.detail).toMatch(/TypeError: x is undefined/);
  });
});
