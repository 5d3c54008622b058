/**
 * hnswlib's index file without its vectors, and back.
 *
 * hnswlib's `saveIndex` writes every element's vector (f32, normalised for the cosine space) inside
 * the graph: at 384 dimensions that is 1.5 kB of the ≈1.7 kB a saved element costs. The engine keeps
 * the same vectors in IndexedDB already (vectors store, f16), so a saved graph that holds them again
 * doubles what a library costs on disk (issue 15 #4: 100k papers in ≤ 150 MB). `stripVectors` drops
 * them; `fillVectors` puts them back from the rows the space has just read, normalised exactly as
 * hnswlib-wasm normalises them, so the refilled file is byte for byte the one hnswlib wrote
 * (tests/unit/hnsw-file.test.ts holds that against the library itself).
 *
 * The file, as hnswlib-wasm (wasm32: size_t and labels are 4 bytes) writes it:
 *   header: offsetLevel0, maxElements, count, sizePerElement, labelOffset, offsetData (u32 each),
 *           maxLevel (i32), enterPoint (u32), maxM, maxM0, M (u32), mult (f64), efConstruction (u32)
 *   level 0: count × sizePerElement bytes = [links: u32 size + maxM0 × u32][vector: dims × f32][label u32]
 *   then per element: u32 byte length of its upper-level links, and those bytes.
 * A stripped file is the same with the vector bytes of every level-0 element left out.
 *
 * Failure modes: both functions throw `HnswFileError` on bytes that do not have this layout (a
 * different hnswlib build, truncation, a foreign file), never returning a half-converted file.
 */

export class HnswFileError extends Error {
  override name = 'HnswFileError';
}

const HEADER_BYTES = 56;

interface Layout {
  count: number;
  sizePerElement: number;
  offsetData: number;
  labelOffset: number;
  vectorBytes: number;
}

function layout(bytes: Uint8Array, dims: number, stripped: boolean): Layout {
  if (bytes.byteLength < HEADER_BYTES) throw new HnswFileError(`${bytes.byteLength} bytes is too short for an hnswlib index`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u = (i: number) => dv.getUint32(i * 4, true);
  const [offsetLevel0, maxElements, count, sizePerElement, labelOffset, offsetData] = [u(0), u(1), u(2), u(3), u(4), u(5)];
  const maxM0 = u(9);
  const vectorBytes = dims * 4;
  const ok =
    offsetLevel0 === 0 &&
    count <= maxElements &&
    offsetData === 4 + maxM0 * 4 &&
    labelOffset - offsetData === vectorBytes &&
    sizePerElement - labelOffset === 4;
  if (!ok) throw new HnswFileError(`not an hnswlib-wasm index of ${dims} dimensions (unexpected header)`);
  const perElement = stripped ? sizePerElement - vectorBytes : sizePerElement;
  if (HEADER_BYTES + count * perElement > bytes.byteLength) throw new HnswFileError('truncated level-0 data');
  return { count, sizePerElement, offsetData, labelOffset, vectorBytes };
}

/** Byte length of the upper-level link section starting at `at`; checks it ends exactly at the end. */
function checkUpperLinks(bytes: Uint8Array, at: number, count: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.byteLength) throw new HnswFileError('truncated link lists');
    at += 4 + dv.getUint32(at, true);
  }
  if (at !== bytes.byteLength) throw new HnswFileError(`link lists end at ${at}, the file at ${bytes.byteLength}`);
}

/** hnswlib's file without the vectors (see the module comment). */
export function stripVectors(file: Uint8Array, dims: number): Uint8Array {
  const L = layout(file, dims, false);
  const level0End = HEADER_BYTES + L.count * L.sizePerElement;
  checkUpperLinks(file, level0End, L.count);
  const out = new Uint8Array(file.byteLength - L.count * L.vectorBytes);
  out.set(file.subarray(0, HEADER_BYTES));
  let w = HEADER_BYTES;
  for (let i = 0; i < L.count; i++) {
    const e = HEADER_BYTES + i * L.sizePerElement;
    out.set(file.subarray(e, e + L.offsetData), w);
    w += L.offsetData;
    out.set(file.subarray(e + L.labelOffset, e + L.sizePerElement), w);
    w += L.sizePerElement - L.labelOffset;
  }
  out.set(file.subarray(level0End), w);
  return out;
}

/**
 * The full hnswlib file from a stripped one: element with label ℓ gets row ℓ of `rows` (ℓ·dims …),
 * normalised as the cosine space stores it. Throws when a label has no row.
 */
export function fillVectors(stripped: Uint8Array, dims: number, rows: Float32Array): Uint8Array {
  const L = layout(stripped, dims, true);
  const strippedSize = L.sizePerElement - L.vectorBytes;
  const level0End = HEADER_BYTES + L.count * strippedSize;
  checkUpperLinks(stripped, level0End, L.count);
  const out = new Uint8Array(stripped.byteLength + L.count * L.vectorBytes);
  const odv = new DataView(out.buffer);
  const sdv = new DataView(stripped.buffer, stripped.byteOffset, stripped.byteLength);
  const nRows = Math.floor(rows.length / dims);
  out.set(stripped.subarray(0, HEADER_BYTES));
  for (let i = 0; i < L.count; i++) {
    const s = HEADER_BYTES + i * strippedSize;
    const e = HEADER_BYTES + i * L.sizePerElement;
    out.set(stripped.subarray(s, s + L.offsetData), e);
    const label = sdv.getUint32(s + L.offsetData, true);
    if (label >= nRows) throw new HnswFileError(`the graph holds label ${label}, only ${nRows} vectors were given`);
    // Every offset is a multiple of 4 (56-byte header, 4-byte fields): a Float32Array view is legal
    // (little-endian, as hnswlib writes it on every platform a browser runs on).
    cosineNormalise(rows.subarray(label * dims, (label + 1) * dims), new Float32Array(out.buffer, e + L.offsetData, dims));
    odv.setUint32(e + L.labelOffset, label, true);
  }
  out.set(stripped.subarray(level0End), HEADER_BYTES + L.count * L.sizePerElement);
  return out;
}

/**
 * hnswlib-wasm's normalizePoint in f32 arithmetic, step by step (sum of squares in order, norm =
 * sqrt, each component divided by it): the same floats the library stores for a cosine-space point
 * (checked against the library's own normalizePoint and saved files in tests/unit/hnsw-file.test.ts).
 */
export function cosineNormalise(v: Float32Array, out: Float32Array): Float32Array {
  const f = Math.fround;
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum = f(sum + f(v[i]! * v[i]!));
  const norm = f(Math.sqrt(sum));
  for (let i = 0; i < v.length; i++) out[i] = f(v[i]! / norm);
  return out;
}
