import { describe, expect, it } from 'vitest';
import { BUNDLE_SCHEMA, bundleModelOf, crc32, readBundle, writeBundle, type BundleInput } from '../../src/core/import/bundle.ts';
import { getModel, getStaticModel } from '../../src/core/model/registry.ts';
import { identityMismatch, transformerIdentity } from '../../src/core/vectors/identity.ts';
import { paperId } from '../../src/core/library/ids.ts';
import { ImportError, parseImport } from '../../src/core/import/index.ts';
import { VECTOR_FORMAT } from '../../src/core/vectors/document-text.ts';
import type { Paper } from '../../src/core/types.ts';

const DIMS = 384;
const IDENTITY = transformerIdentity(getModel('Xenova/bge-small-en-v1.5'), 'q8');

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
  return { collection: 'mine', papers: papers(n), identity: IDENTITY, vectors: vectors(n) };
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
  it('papers, byte-exact vectors and their vector identity come back', () => {
    const input = sample();
    const bytes = writeBundle(input);
    const b = readBundle(bytes);
    expect(b.issues).toEqual([]);
    expect(b.papers).toEqual(input.papers);
    expect(b.header.schema).toBe(BUNDLE_SCHEMA);
    expect(b.header.model).toEqual(bundleModelOf(IDENTITY));
    expect(b.identity).toEqual(IDENTITY);
    expect(b.vectors.size).toBe(50);
    input.papers.forEach((p, i) => {
      const got = b.vectors.get(p.id)!;
      const want = input.vectors!.subarray(i * DIMS, (i + 1) * DIMS);
      expect(new Uint8Array(got.buffer, got.byteOffset, got.byteLength)).toEqual(new Uint8Array(want.buffer, want.byteOffset, want.byteLength));
    });
    expect(Object.is(b.vectors.get(input.papers[0]!.id)![0], -0)).toBe(true);
  });

  it('is compact: ≈ 4 bytes per float plus a small JSON header', () => {
    const n = 1000;
    const bytes = writeBundle({ collection: 'c', papers: papers(n), identity: IDENTITY, vectors: vectors(n) });
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

/** Re-encodes a bundle with an edited header (the payload and its CRC are kept). */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void, extraPayload = new Uint8Array(0)): Uint8Array {
  const hLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + hLen)));
  edit(header);
  const payload = new Uint8Array([...bytes.subarray(12 + hLen + ((4 - ((12 + hLen) % 4)) % 4)), ...extraPayload]);
  header.payloadCrc32 = crc32([payload]);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (4 - ((12 + json.length) % 4)) % 4;
  const out = new Uint8Array(12 + json.length + pad + payload.length);
  out.set(bytes.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(payload, 12 + json.length + pad);
  return out;
}

describe('bundle vector identity', () => {
  it('the identity read back is compared field by field: another model, weights, dtype or text rule never fits', () => {
    const { identity } = readBundle(writeBundle(sample(2)));
    expect(identityMismatch(identity, IDENTITY)).toBeUndefined();
    expect(identityMismatch(identity, transformerIdentity(getModel('Xenova/all-MiniLM-L6-v2'), 'q8'))).toMatch(/model=/);
    expect(identityMismatch(identity, transformerIdentity(getModel('Xenova/bge-small-en-v1.5'), 'fp32'))).toMatch(/weights=/);
    expect(identityMismatch(identity, { ...IDENTITY, textFormat: VECTOR_FORMAT + 1 })).toMatch(/textFormat=/);
    expect(identityMismatch(readBundle(writeBundle({ collection: 'c', papers: papers(2) })).identity, IDENTITY)).toMatch(/no description/);
  });

  it('reads a first-version bundle: prefixes from the registry, its index section skipped', () => {
    const v1 = withHeader(
      writeBundle(sample(3)),
      (h) => {
        const m = h.model as Record<string, unknown>;
        delete m.queryPrefix;
        delete m.passagePrefix;
        h.index = { kind: 'hnsw', bytes: 5, labels: [0, 1, 2] };
      },
      new Uint8Array([1, 2, 3, 4, 5]),
    );
    const b = readBundle(v1);
    expect(b.issues).toEqual([]);
    expect(b.vectors.size).toBe(3);
    expect(b.identity).toEqual(IDENTITY);
  });

  it('vectors of another dimension than their model makes are dropped with a message, papers kept (hostile tour #10)', () => {
    for (const dims of [8, 1000]) {
      const b = readBundle(writeBundle({ collection: 'c', papers: papers(4), identity: { ...IDENTITY, dims }, vectors: new Float32Array(4 * dims).fill(0.1) }));
      expect(b.papers).toHaveLength(4);
      expect(b.vectors.size).toBe(0);
      expect(b.identity).toBeUndefined();
      expect(b.issues.map((i) => i.message).join(' ')).toMatch(new RegExp(`${dims} dimensions, but Xenova/bge-small-en-v1.5 makes 384`));
    }
  });
});

describe('bundle dimensions against the model (hostile tour #10, static tier)', () => {
  it('a bundle naming the static model with vectors of another size is read with a specific message, papers kept', () => {
    const stat = getStaticModel('static/bge-small-en-v1.5-d256');
    const identity = { ...IDENTITY, model: stat.id, weights: stat.file.sha256, dims: 384 };
    const b = readBundle(writeBundle({ collection: 'c', papers: papers(3), identity, vectors: new Float32Array(3 * 384).fill(0.1) }));
    expect(b.papers).toHaveLength(3);
    expect(b.vectors.size).toBe(0);
    expect(b.identity).toBeUndefined();
    expect(b.issues.map((i) => i.message)).toContain(
      "The bundle's vectors have 384 dimensions, but static/bge-small-en-v1.5-d256 makes 256-dimensional vectors: they are ignored and the papers will be embedded again.",
    );
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
  });

  it('crc32 known value', () => {
    expect(crc32([new TextEncoder().encode('123456789')])).toBe(0xcbf43926);
  });
});
