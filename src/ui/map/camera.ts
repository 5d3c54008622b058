/**
 * Pan/zoom camera of the map: world coordinates are the layout's [-1, 1]² (core/map/layout.ts),
 * screen coordinates CSS pixels with y down. Pure math, no DOM, so it is unit-tested.
 *
 * Invariant: at zoom 1 the whole layout fits the shorter side of the view with PADDING to spare;
 * zooming about a screen point keeps the world point under it fixed.
 */
export interface Camera {
  cx: number;
  cy: number;
  zoom: number;
}

export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 64;
const PADDING = 1.08;

export const HOME: Camera = { cx: 0, cy: 0, zoom: 1 };

/** CSS pixels per world unit. */
export function scaleOf(cam: Camera, width: number, height: number): number {
  return (cam.zoom * Math.min(width, height)) / 2 / PADDING;
}

export function worldToScreen(cam: Camera, width: number, height: number, x: number, y: number): [number, number] {
  const s = scaleOf(cam, width, height);
  return [width / 2 + (x - cam.cx) * s, height / 2 - (y - cam.cy) * s];
}

export function screenToWorld(cam: Camera, width: number, height: number, sx: number, sy: number): [number, number] {
  const s = scaleOf(cam, width, height);
  return [cam.cx + (sx - width / 2) / s, cam.cy - (sy - height / 2) / s];
}

export function pan(cam: Camera, width: number, height: number, dxPx: number, dyPx: number): Camera {
  const s = scaleOf(cam, width, height);
  return { ...cam, cx: cam.cx - dxPx / s, cy: cam.cy + dyPx / s };
}

/** Zoom by `factor` about screen point (sx, sy), clamped to [MIN_ZOOM, MAX_ZOOM]. */
export function zoomAt(cam: Camera, width: number, height: number, factor: number, sx: number, sy: number): Camera {
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, cam.zoom * factor));
  const [wx, wy] = screenToWorld(cam, width, height, sx, sy);
  const next = { cx: cam.cx, cy: cam.cy, zoom };
  const [ax, ay] = screenToWorld(next, width, height, sx, sy);
  return { zoom, cx: cam.cx + (wx - ax), cy: cam.cy + (wy - ay) };
}

/** Camera that shows the given world points (with margin), e.g. a cluster or a selection. */
export function fitPoints(coords: Float32Array, rows: Iterable<number>): Camera {
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (const i of rows) {
    minX = Math.min(minX, coords[2 * i]!);
    maxX = Math.max(maxX, coords[2 * i]!);
    minY = Math.min(minY, coords[2 * i + 1]!);
    maxY = Math.max(maxY, coords[2 * i + 1]!);
  }
  if (!Number.isFinite(minX)) return HOME;
  const half = Math.max(maxX - minX, maxY - minY, 0.05) / 2;
  // At zoom 1 a half-extent of 1 fits the shorter side; keep 15% margin around the points.
  const zoom = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, 0.85 / half));
  return { cx: (minX + maxX) / 2, cy: (minY + maxY) / 2, zoom };
}
