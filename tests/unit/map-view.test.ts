/**
 * Pure parts of the map view (src/ui/map): camera math, hit testing, label placement, the text
 * description and colouring. The WebGL drawing itself is covered by the e2e map test and the bench.
 */
import { describe, expect, it } from 'vitest';
import { HOME, pan, screenToWorld, worldToScreen, zoomAt, fitPoints } from '../../src/ui/map/camera.ts';
import { PointIndex, pointInPolygon } from '../../src/ui/map/spatial.ts';
import { placeLabels } from '../../src/ui/map/label-layout.ts';
import { describeMap } from '../../src/ui/map/describe.ts';
import { pointColours } from '../../src/ui/map/colours.ts';
import { lodOrder } from '../../src/ui/map/renderer.ts';

describe('camera', () => {
  it('round-trips world and screen, and zooming keeps the point under the cursor', () => {
    const cam = { cx: 0.2, cy: -0.1, zoom: 2.5 };
    const [sx, sy] = worldToScreen(cam, 800, 600, 0.4, 0.3);
    const [wx, wy] = screenToWorld(cam, 800, 600, sx, sy);
    expect(wx).toBeCloseTo(0.4, 9);
    expect(wy).toBeCloseTo(0.3, 9);
    const z = zoomAt(cam, 800, 600, 1.7, 123, 456);
    const [ax, ay] = screenToWorld(cam, 800, 600, 123, 456);
    const [bx, by] = screenToWorld(z, 800, 600, 123, 456);
    expect(bx).toBeCloseTo(ax, 9);
    expect(by).toBeCloseTo(ay, 9);
    expect(zoomAt(HOME, 800, 600, 1e9, 0, 0).zoom).toBe(64);
  });

  it('pans with the drag (content follows the pointer) and fits a set of points', () => {
    const p = pan(HOME, 800, 600, 100, 0);
    const [sx] = worldToScreen(p, 800, 600, 0, 0);
    expect(sx).toBeCloseTo(500, 6);
    const coords = Float32Array.from([0.5, 0.5, 0.6, 0.55, -0.9, -0.9]);
    const f = fitPoints(coords, [0, 1]);
    expect(f.cx).toBeCloseTo(0.55, 6);
    expect(f.zoom).toBeGreaterThan(5);
  });
});

describe('hit testing', () => {
  const coords = Float32Array.from([0, 0, 0.1, 0, 0.5, 0.5, -0.5, 0.5]);
  it('finds the nearest point within a radius only', () => {
    const ix = new PointIndex(coords);
    expect(ix.nearest(0.08, 0.01, 0.05)).toBe(1);
    expect(ix.nearest(0.3, 0.3, 0.05)).toBe(-1);
    expect(ix.nearest(0.04, 0, 0.2, (r) => r !== 0)).toBe(1);
  });
  it('selects the points inside a lasso polygon', () => {
    const ix = new PointIndex(coords);
    // A triangle around the two points near the origin, not the others.
    expect(ix.inPolygon([-0.2, -0.2, 0.3, -0.2, 0.05, 0.3])).toEqual([0, 1]);
    expect(ix.inPolygon([0, 0, 1, 1])).toEqual([]);
    expect(pointInPolygon(0.5, 0.5, [0, 0, 1, 0, 1, 1, 0, 1])).toBe(true);
    expect(new PointIndex(new Float32Array(0)).nearest(0, 0, 1)).toBe(-1);
  });
});

describe('cluster labels on the map', () => {
  const measure = (t: string) => ({ w: t.length * 8, h: 20 });
  const labels = [
    { id: 0, size: 50, center: [0, 0] as [number, number], text: 'large cluster' },
    { id: 1, size: 10, center: [0.02, 0.01] as [number, number], text: 'small cluster' },
  ];
  it('shows the larger of two overlapping labels, and both once zoomed in far enough', () => {
    const out = placeLabels(labels, HOME, 800, 600, measure);
    expect(out.map((l) => l.id)).toEqual([0]);
    const zoomed = placeLabels(labels, { cx: 0.01, cy: 0, zoom: 40 }, 800, 600, measure);
    expect(zoomed.map((l) => l.id).sort()).toEqual([0, 1]);
  });
  it('drops labels outside the view', () => {
    expect(placeLabels(labels, { cx: 5, cy: 5, zoom: 1 }, 800, 600, measure)).toEqual([]);
  });
});

describe('description and colours', () => {
  it('describes size, clusters, colouring, hits and selection in words', () => {
    const d = describeMap({ papers: 3, clusters: [{ size: 2, terms: ['alpha', 'beta'] }, { size: 1, terms: [] }], colourBy: 'year', hits: 2, selected: 1, placed: 1 });
    expect(d).toContain('3 papers');
    expect(d).toContain('2 clusters');
    expect(d).toContain('alpha · beta (2)');
    expect(d).toContain('unnamed (1)');
    expect(d).toContain('coloured by year');
    expect(d).toContain('2 search results');
    expect(d).toContain('1 paper is selected');
    expect(describeMap({ papers: 0, clusters: [], colourBy: 'cluster' })).toMatch(/empty/);
  });
  it('colours by cluster, collection and year with a matching legend', () => {
    const input = { cluster: [0, 1, 0], clusterNames: ['a', 'b'], collections: ['x', 'y', 'x'], years: [2000, undefined, 2010] };
    const c = pointColours('cluster', input);
    expect(Array.from(c.rgba.subarray(0, 4))).toEqual(Array.from(c.rgba.subarray(8, 12)));
    expect(Array.from(c.rgba.subarray(0, 3))).not.toEqual(Array.from(c.rgba.subarray(4, 7)));
    expect(c.legend.items.map((i) => i.label)).toEqual(['a', 'b']);
    expect(pointColours('collection', input).legend.items.map((i) => i.label)).toEqual(['x', 'y']);
    const y = pointColours('year', input);
    expect(y.legend.items.map((i) => i.label)).toEqual(['2000', '2010', 'no year']);
    expect(Array.from(y.rgba.subarray(0, 3))).not.toEqual(Array.from(y.rgba.subarray(8, 11)));
  });
  it('level-of-detail order is a fixed permutation', () => {
    const a = lodOrder(1000);
    expect(Array.from(a)).toEqual(Array.from(lodOrder(1000)));
    expect(new Set(a).size).toBe(1000);
    expect(Array.from(a.subarray(0, 10))).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
