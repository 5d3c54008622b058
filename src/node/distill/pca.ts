/**
 * Deterministic PCA for the distiller: covariance in float64, eigenvectors by the cyclic Jacobi
 * method (a fixed sequence of rotations, so the same input gives the same bits on every run), components
 * sorted by eigenvalue, each component's sign fixed so that its largest-magnitude coordinate is
 * positive (eigenvectors are only defined up to sign; without this the file's bytes could flip).
 *
 * Written here rather than taken from a library: a 384×384 symmetric eigenproblem is ~60 lines, and
 * the distiller needs bit-for-bit repeatability more than speed (it runs once per build).
 */

export interface Pca {
  /** Mean of the fitted rows (length d). */
  mean: Float64Array;
  /** Component j is components[j*d … j*d+d), ordered by decreasing variance. */
  components: Float64Array;
  /** Variance along each kept component. */
  variances: Float64Array;
  /** Share of the total variance the kept components explain. */
  explained: number;
}

/** Symmetric eigen-decomposition of the d×d matrix `a` (row-major, destroyed). */
export function jacobiEigen(a: Float64Array, d: number, maxSweeps = 60): { values: Float64Array; vectors: Float64Array } {
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += a[p * d + q]! * a[p * d + q]!;
    if (off < 1e-22) break;
    for (let p = 0; p < d - 1; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = a[p * d + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * d + p]!;
        const aqq = a[q * d + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < d; k++) {
          const akp = a[k * d + p]!;
          const akq = a[k * d + q]!;
          a[k * d + p] = c * akp - s * akq;
          a[k * d + q] = s * akp + c * akq;
        }
        for (let k = 0; k < d; k++) {
          const apk = a[p * d + k]!;
          const aqk = a[q * d + k]!;
          a[p * d + k] = c * apk - s * aqk;
          a[q * d + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < d; k++) {
          const vkp = v[k * d + p]!;
          const vkq = v[k * d + q]!;
          v[k * d + p] = c * vkp - s * vkq;
          v[k * d + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = a[i * d + i]!;
  // Column i of v is the eigenvector of values[i]; return them as rows.
  const vectors = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) vectors[i * d + k] = v[k * d + i]!;
  return { values, vectors };
}

/** Fits PCA with `k` components on the rows `use` of the n×d matrix `x`. */
export function fitPca(x: Float32Array | Float64Array, d: number, use: readonly number[], k: number): Pca {
  if (k < 1 || k > d) throw new Error(`PCA: ${k} components of ${d}-d rows`);
  const mean = new Float64Array(d);
  for (const r of use) for (let j = 0; j < d; j++) mean[j] += x[r * d + j]!;
  for (let j = 0; j < d; j++) mean[j] /= use.length;
  const cov = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (const r of use) {
    for (let j = 0; j < d; j++) row[j] = x[r * d + j]! - mean[j]!;
    for (let i = 0; i < d; i++) {
      const ri = row[i]!;
      const base = i * d;
      for (let j = i; j < d; j++) cov[base + j] += ri * row[j]!;
    }
  }
  for (let i = 0; i < d; i++) {
    for (let j = i; j < d; j++) {
      const c = cov[i * d + j]! / (use.length - 1);
      cov[i * d + j] = c;
      cov[j * d + i] = c;
    }
  }
  let total = 0;
  for (let i = 0; i < d; i++) total += cov[i * d + i]!;
  const { values, vectors } = jacobiEigen(cov, d);
  const order = [...values.keys()].sort((a, b) => values[b]! - values[a]! || a - b);
  const components = new Float64Array(k * d);
  const variances = new Float64Array(k);
  let kept = 0;
  order.slice(0, k).forEach((src, j) => {
    let big = 0;
    for (let t = 0; t < d; t++) if (Math.abs(vectors[src * d + t]!) > Math.abs(vectors[src * d + big]!)) big = t;
    const sign = vectors[src * d + big]! < 0 ? -1 : 1;
    for (let t = 0; t < d; t++) components[j * d + t] = sign * vectors[src * d + t]!;
    variances[j] = values[src]!;
    kept += values[src]!;
  });
  return { mean, components, variances, explained: kept / total };
}

/** Projects every row of the n×d matrix `x` onto the components: an n×k float64 matrix. */
export function projectPca(p: Pca, x: Float32Array | Float64Array, d: number): Float64Array {
  const k = p.variances.length;
  const n = x.length / d;
  const out = new Float64Array(n * k);
  const row = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < d; j++) row[j] = x[r * d + j]! - p.mean[j]!;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) s += row[j]! * p.components[base + j]!;
      out[r * k + c] = s;
    }
  }
  return out;
}
