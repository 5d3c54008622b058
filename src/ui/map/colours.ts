/**
 * Point colours of the map, as RGBA bytes per row for the renderer. Palettes: Tableau 10 for
 * categories (clusters, collections; distinguishable, colour-blind aware), a blue→yellow ramp for
 * years (viridis end points, readable on light and dark backgrounds). Pure.
 */
export type ColourBy = 'cluster' | 'collection' | 'year';

export const CATEGORY_COLOURS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const MISSING = '#8a8a8a';

export function hexToRgb(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

function ramp(t: number): [number, number, number] {
  // viridis from #440154 (old) over #21918c to #fde725 (new), piecewise linear.
  const stops: [number, number, number][] = [[68, 1, 84], [33, 145, 140], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, t)) * 2;
  const i = Math.min(1, Math.floor(x));
  const f = x - i;
  return stops[i]!.map((c, k) => Math.round(c + (stops[i + 1]![k]! - c) * f)) as [number, number, number];
}

export interface Legend {
  items: { label: string; colour: string }[];
}

export interface ColourInput {
  cluster: ArrayLike<number>;
  clusterNames: string[];
  collections: readonly (string | undefined)[];
  years: readonly (number | undefined)[];
}

const css = (c: [number, number, number]) => `rgb(${c[0]}, ${c[1]}, ${c[2]})`;

/** RGBA per row plus a legend describing it (for the key and the text description). */
export function pointColours(by: ColourBy, input: ColourInput, alpha = 230): { rgba: Uint8Array; legend: Legend } {
  const n = input.cluster.length;
  const rgba = new Uint8Array(n * 4);
  const put = (i: number, c: [number, number, number]) => rgba.set([c[0], c[1], c[2], alpha], 4 * i);
  const legend: Legend = { items: [] };
  if (by === 'cluster') {
    for (let i = 0; i < n; i++) put(i, hexToRgb(CATEGORY_COLOURS[input.cluster[i]! % CATEGORY_COLOURS.length]!));
    legend.items = input.clusterNames.map((label, c) => ({ label, colour: CATEGORY_COLOURS[c % CATEGORY_COLOURS.length]! }));
  } else if (by === 'collection') {
    const names = [...new Set(input.collections.map((c) => c ?? ''))].sort();
    const idx = new Map(names.map((c, i) => [c, i]));
    for (let i = 0; i < n; i++) put(i, hexToRgb(CATEGORY_COLOURS[idx.get(input.collections[i] ?? '')! % CATEGORY_COLOURS.length]!));
    legend.items = names.map((c, i) => ({ label: c || '(none)', colour: CATEGORY_COLOURS[i % CATEGORY_COLOURS.length]! }));
  } else {
    const ys = input.years.filter((y): y is number => typeof y === 'number');
    const lo = ys.length ? Math.min(...ys) : 0;
    const hi = ys.length ? Math.max(...ys) : 0;
    for (let i = 0; i < n; i++) {
      const y = input.years[i];
      put(i, typeof y === 'number' ? ramp(hi > lo ? (y - lo) / (hi - lo) : 1) : hexToRgb(MISSING));
    }
    legend.items = ys.length
      ? [{ label: String(lo), colour: css(ramp(0)) }, { label: String(hi), colour: css(ramp(1)) }, ...(ys.length < n ? [{ label: 'no year', colour: MISSING }] : [])]
      : [{ label: 'no year', colour: MISSING }];
  }
  return { rgba, legend };
}
