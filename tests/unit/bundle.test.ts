import { describe, expect, it } from 'vitest';
import { BUNDLE_SCHEMA, bundleMatchesModel, crc32, readBundle, writeBundle, type BundleInput } from '../../src/core/import/bundle.ts';
import { paperId } from '../../src/core/library/ids.ts';
import { ImportError, parseImport } from '../../src/core/import/index.ts';
import { VECTOR_FORMAT } from '../../src/core/vectors/document-text.ts';
import type { Paper } from '../../src/core/types.ts';

const DIMS = 384;
const MODEL = { id: 'Xenova/bge-small-en-v1.5', sha256: '6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4', dtype: 'q8', pooling: 'cls', dims: DIMS };

function papers(n: number): Paper[] {
  return Array.from({ length: n }, (_, i) => {
    const title = `Paper ${i}: a study of <b>things</b> ${'é'.repeat(i % 3)}`.trim();
    return { id: paperId(title), title, abstract: i % 5 ? `Abstract ${i}. It has sentences.` : '', collection: 'mine', year: 2000 + (i % 20), authors: [{ family: 'Lee', given: 'Ann' }], ...(i % 5 ? {} : { flags: { noAbstract: true } }) };
  });
}

/** Deterministic vectors including awkward floats (denormals, -0, max). */
function vectors(n: number): Float32Array {
  const v = new Float32Array(n * DIMS);
  let x = 7;
  for (let i = 0; i < v.length; i++) v[i] = ((x = (x * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  v[0] = -0;
  v[1] = 1.4e-45;
  v[2] = 3.4028234663852886e38;
  return v;
}

function sample(n = 50): BundleInput {
  return { collection: 'mine', papers: papers(n), model: MODEL, vectors: vectors(n), index: { kind: 'hnsw', bytes: new Uint8Array([1, 2, 3, 4, 5]), labels: Array.from({ length: n }, (_, i) => i * 2) } };
}

function throwsImportError(fn: () => unknown, code: string, re: RegExp) {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ImportError);
    expect((e as ImportError).code).toBe(code);
    expect((e as Error).message).toMatch(re);
    return;
  }
  throw new Error('expected ImportError');
}

describe('bundle round trip', () => {
  it('papers, byte-exact vectors and index bytes come back', () => {
    const input = sample();
    const bytes = writeBundle(input);
    const b = readBundle(bytes);
    expect(b.issues).toEqual([]);
    expect(b.papers).toEqual(input.papers);
    expect(b.header.schema).toBe(BUNDLE_SCHEMA);
    expect(b.header.model).toEqual({ ...MODEL, vectorFormat: VECTOR_FORMAT });
    expect(b.vectors.size).toBe(50);
    input.papers.forEach((p, i) => {
      const got = b.vectors.get(p.id)!;
      const want = input.vectors!.subarray(i * DIMS, (i + 1) * DIMS);
      expect(new Uint8Array(got.buffer, got.byteOffset, got.byteLength)).toEqual(new Uint8Array(want.buffer, want.byteOffset, want.byteLength));
    });
    expect(Object.is(b.vectors.get(input.papers[0]!.id)![0], -0)).toBe(true);
    expect(b.index!.bytes).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(b.index!.labels).toEqual(input.index!.labels);
  });

  it('is compact: ≈ 4 bytes per float plus a small JSON header', () => {
    const n = 1000;
    const bytes = writeBundle({ collection: 'c', papers: papers(n), model: MODEL, vectors: vectors(n) });
    const vec = n * DIMS * 4;
    expect(bytes.length).toBeGreaterThan(vec);
    expect(bytes.length).toBeLessThan(vec + n * 250);
  });

  it('a bundle without vectors (papers only) works', () => {
    const b = readBundle(writeBundle({ collection: 'c', papers: papers(3) }));
    expect(b.papers).toHaveLength(3);
    expect(b.vectors.size).toBe(0);
    expect(b.header.model).toBeUndefined();
  });

  it('parseImport recognises a bundle by its magic (any name) and returns its papers', () => {
    const bytes = writeBundle(sample(5));
    for (const name of ['export.atlas', 'whatever.bib']) {
      const r = parseImport(name, bytes, { collection: 'renamed' });
      expect(r.format).toBe('bundle');
      expect(r.papers.map((p) => p.title)).toEqual(papers(5).map((p) => p.title));
      expect(r.papers.every((p) => p.collection === 'renamed')).toBe(true);
    }
  });
});

describe('bundleMatchesModel', () => {
  const { header } = readBundle(writeBundle(sample(2)));
  it('matches only the same model id and ONNX sha256', () => {
    expect(bundleMatchesModel(header, MODEL.id, MODEL.sha256)).toBe(true);
    expect(bundleMatchesModel(header, MODEL.id, MODEL.sha256.toUpperCase())).toBe(true);
    expect(bundleMatchesModel(header, 'Xenova/all-MiniLM-L6-v2', MODEL.sha256)).toBe(false);
    expect(bundleMatchesModel(header, MODEL.id, '828e1496d7fabb79cfa4dcd84fa38625c0d3d21da474a00f08db0f559940cf35')).toBe(false);
    expect(bundleMatchesModel({ model: undefined }, MODEL.id, MODEL.sha256)).toBe(false);
    expect(bundleMatchesModel({ model: { ...header.model!, vectorFormat: VECTOR_FORMAT + 1 } }, MODEL.id, MODEL.sha256)).toBe(false);
  });
});

describe('bad bundles', () => {
  const good = writeBundle(sample(20));

  it('wrong magic', () => {
    const bad = good.slice();
    bad[0] = 0x58;
    throwsImportError(() => readBundle(bad), 'bad-bundle', /not an Abstract Atlas bundle/);
    throwsImportError(() => parseImport('x.atlas', new TextEncoder().encode('hello')), 'bad-bundle', /not an Abstract Atlas bundle/);
  });

  it('truncated anywhere: clear error with expected and actual sizes', () => {
    throwsImportError(() => readBundle(good.subarray(0, 10)), 'bad-bundle', /truncated/);
    throwsImportError(() => readBundle(good.subarray(0, 100)), 'bad-bundle', /truncated: its header needs/);
    throwsImportError(() => readBundle(good.subarray(0, good.length - 1)), 'bad-bundle', new RegExp(`truncated: expected ${good.length} bytes .* has ${good.length - 1}`));
  });

  it('newer schema', () => {
    const hLen = new DataView(good.buffer).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(good.subarray(12, 12 + hLen)));
    header.schema = BUNDLE_SCHEMA + 1;
    const json = new TextEncoder().encode(JSON.stringify(header));
    const out = new Uint8Array(12 + json.length);
    out.set(good.subarray(0, 8));
    new DataView(out.buffer).setUint32(8, json.length, true);
    out.set(json, 12);
    throwsImportError(() => readBundle(out), 'newer-schema', new RegExp(`made by a newer version of Abstract Atlas \\(schema ${BUNDLE_SCHEMA + 1}, this app reads ≤ ${BUNDLE_SCHEMA}\\)`));
  });

  it('corrupted payload fails the checksum', () => {
    const bad = good.slice();
    bad[bad.length - 10] ^= 0xff;
    throwsImportError(() => readBundle(bad), 'bad-bundle', /checksum/);
  });

  it('a paper edited after export loses its vector (re-embedded), the others keep theirs', () => {
    const input = sample(3);
    const bytes = writeBundle(input);
    const hLen = new DataView(bytes.buffer).getUint32(8, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hLen)));
    header.papers[1].abstract = 'Edited.';
    header.papers[1].flags = undefined;
    const json = new TextEncoder().encode(JSON.stringify(header));
    const pad = (4 - ((12 + json.length) % 4)) % 4;
    const payloadStart = 12 + hLen + ((4 - ((12 + hLen) % 4)) % 4);
    const payload = bytes.subarray(payloadStart);
    const out = new Uint8Array(12 + json.length + pad + payload.length);
    out.set(bytes.subarray(0, 8));
    new DataView(out.buffer).setUint32(8, json.length, true);
    out.set(json, 12);
    out.set(payload, 12 + json.length + pad);
    const b = readBundle(out);
    expect(b.papers).toHaveLength(3);
    expect([...b.vectors.keys()]).toEqual([input.papers[0]!.id, input.papers[2]!.id]);
    expect(b.issues[0]!.message).toMatch(/changed since it was embedded/);
    expect(b.index).toBeUndefined(); // the index no longer matches the vectors
  });

  it('crc32 known value', () => {
    expect(crc32([new TextEncoder().encode('123456789')])).toBe(0xcbf43926);
  });
});
