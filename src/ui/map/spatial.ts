/**
 * Hit testing on the map: the point under the pointer and the points inside a lasso, through a
 * static k-d tree (kdbush) over the layout, so hover stays O(log n) at 100k points. Pure: no DOM.
 */
import KDBush from 'kdbush';

export class PointIndex {
  private tree: KDBush;
  constructor(private coords: Float32Array) {
    const n = coords.length / 2;
    this.tree = new KDBush(Math.max(1, n), 64, Float32Array);
    for (let i = 0; i < n; i++) this.tree.add(coords[2 * i]!, coords[2 * i + 1]!);
    if (n === 0) this.tree.add(NaN, NaN);
    this.tree.finish();
  }

  /** Row nearest to (x, y) within `radius` world units, or -1. Ties: lower row. */
  nearest(x: number, y: number, radius: number, accept?: (row: number) => boolean): number {
    let best = -1;
    let bestD = Infinity;
    for (const i of this.tree.within(x, y, radius)) {
      if (accept && !accept(i)) continue;
      const d = (this.coords[2 * i]! - x) ** 2 + (this.coords[2 * i + 1]! - y) ** 2;
      if (d < bestD || (d === bestD && i < best)) [best, bestD] = [i, d];
    }
    return best;
  }

  /** Rows inside the closed polygon `poly` ([x0, y0, x1, y1, …] in world units), ascending. */
  inPolygon(poly: readonly number[]): number[] {
    const m = poly.length / 2;
    if (m < 3) return [];
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let j = 0; j < m; j++) {
      minX = Math.min(minX, poly[2 * j]!);
      maxX = Math.max(maxX, poly[2 * j]!);
      minY = Math.min(minY, poly[2 * j + 1]!);
      maxY = Math.max(maxY, poly[2 * j + 1]!);
    }
    const out: number[] = [];
    for (const i of this.tree.range(minX, minY, maxX, maxY)) {
      if (pointInPolygon(this.coords[2 * i]!, this.coords[2 * i + 1]!, poly)) out.push(i);
    }
    return out.sort((a, b) => a - b);
  }
}

/** Even-odd rule (ray casting). */
export function pointInPolygon(x: number, y: number, poly: readonly number[]): boolean {
  const m = poly.length / 2;
  let inside = false;
  for (let a = 0, b = m - 1; a < m; b = a++) {
    const xa = poly[2 * a]!, ya = poly[2 * a + 1]!, xb = poly[2 * b]!, yb = poly[2 * b + 1]!;
    if (ya > y !== yb > y && x < ((xb - xa) * (y - ya)) / (yb - ya) + xa) inside = !inside;
  }
  return inside;
}
