/**
 * Float32 ⇄ little-endian bytes: the byte order of every vector file the app writes (bundles, shipped
 * vectors), whatever the host's order, so a file made on one machine reads the same on any other.
 * On little-endian hosts (all current browsers and CPUs) no per-float work is done.
 */

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Float32 values → little-endian bytes. On little-endian hosts the result is a VIEW of `v`'s memory
 * (no copy: bundles of 100k vectors are large); copy it before `v` is reused or mutated.
 */
export function float32ToLeBytes(v: Float32Array): Uint8Array {
  if (HOST_LE) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const out = new Uint8Array(v.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < v.length; i++) dv.setFloat32(i * 4, v[i]!, true);
  return out;
}

/** Little-endian bytes → a fresh, aligned Float32Array. Throws when the length is not a multiple of 4. */
export function leBytesToFloat32(b: Uint8Array): Float32Array {
  if (b.byteLength % 4 !== 0) throw new Error(`vector data length ${b.byteLength} is not a multiple of 4`);
  const out = new Float32Array(b.byteLength / 4);
  if (HOST_LE) new Uint8Array(out.buffer).set(b);
  else {
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
  }
  return out;
}
