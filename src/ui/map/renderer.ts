/**
 * WebGL point renderer of the map (regl). Why our own and not regl-scatterplot, deck.gl or
 * embedding-atlas: measured with 100k points in headless Chromium on SwiftShader GL (numbers in
 * bench/README.md, "Map"), regl-scatterplot drew 4–8 fps (it renders into a shared canvas and copies
 * every frame into the visible one), deck.gl 0.4–2.7 fps at 207 KiB gzip, and embedding-atlas's
 * view needs WebGPU with shader-f16, which SwiftShader lacks (it does not render at all; 1.2 MB
 * gzip with its Mosaic/DuckDB peers). A single-pass point draw is what is left to make fast.
 *
 * Software GL still costs ~1 µs per point, so a frame of 100k points takes ~100 ms there. Hence the
 * level of detail: points are uploaded in a fixed pseudo-random order (seeded, so every frame and
 * every visit shows the same subset), and while the user pans or zooms the view draws only the
 * first `count` of them — an unbiased sample that keeps the picture's density — and draws all of
 * them once the camera rests (MapView's budget controller sets `count` from measured frame times;
 * on a real GPU it stays at n). Emphasised points (hits, the selected paper, a lasso selection)
 * and neighbour links are separate small draws on top, always complete.
 */
import createREGL from 'regl';
import type { Camera } from './camera.ts';
import { scaleOf } from './camera.ts';
import { mulberry32 } from '../../core/map/random.ts';

export interface EmphasisPoint {
  row: number;
  /** Diameter in CSS pixels. */
  size: number;
  rgba: [number, number, number, number];
  /** Outline in CSS pixels (0 = none). */
  ring: number;
}

export interface DrawOptions {
  /** Draw only the first `count` points of the level-of-detail order (default all). */
  count?: number;
  /** Base point diameter in CSS pixels. */
  pointSize: number;
  /** Alpha multiplier of the base points (dimmed while a search or selection is shown). */
  dim: number;
  background: [number, number, number, number];
  ringColour: [number, number, number, number];
  linkColour: [number, number, number, number];
}

/** A fixed permutation of 0..n-1 (Fisher–Yates on a seeded PRNG). */
export function lodOrder(n: number, seed = 1): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

const VERT = `
precision highp float;
attribute vec2 pos;
attribute vec4 colour;
attribute float size;
attribute float ring;
uniform vec2 centre;
uniform vec2 scale;
uniform float pixelRatio;
uniform float sizeMul;
varying vec4 vColour;
varying float vRing;
varying float vSize;
void main() {
  gl_Position = vec4((pos - centre) * scale, 0.0, 1.0);
  vSize = size * sizeMul * pixelRatio;
  gl_PointSize = vSize;
  vColour = colour;
  vRing = ring * pixelRatio;
}`;

const FRAG = `
precision mediump float;
varying vec4 vColour;
varying float vRing;
varying float vSize;
uniform float dim;
uniform vec4 ringColour;
void main() {
  vec2 d = gl_PointCoord * 2.0 - 1.0;
  float r = length(d) * vSize * 0.5;
  float edge = vSize * 0.5;
  if (r > edge) discard;
  float a = clamp(edge - r, 0.0, 1.0);
  vec4 c = vColour;
  if (vRing > 0.0 && r > edge - vRing) c = ringColour;
  gl_FragColor = vec4(c.rgb, c.a * dim * a);
}`;

export class ScatterRenderer {
  private regl: createREGL.Regl;
  private n = 0;
  private order: Uint32Array = new Uint32Array(0);
  private pos: createREGL.Buffer;
  private colour: createREGL.Buffer;
  private ePos: createREGL.Buffer;
  private eColour: createREGL.Buffer;
  private eSize: createREGL.Buffer;
  private eRing: createREGL.Buffer;
  private eCount = 0;
  private links: createREGL.Buffer;
  private linkCount = 0;
  private coords: Float32Array = new Float32Array(0);
  private drawPoints: createREGL.DrawCommand;
  private drawLinks: createREGL.DrawCommand;

  constructor(readonly canvas: HTMLCanvasElement) {
    this.regl = createREGL({ canvas, attributes: { antialias: false, alpha: false, preserveDrawingBuffer: false } });
    const r = this.regl;
    this.pos = r.buffer({ usage: 'static', type: 'float', length: 0 });
    this.colour = r.buffer({ usage: 'static', type: 'uint8', length: 0 });
    this.ePos = r.buffer({ usage: 'dynamic', type: 'float', length: 0 });
    this.eColour = r.buffer({ usage: 'dynamic', type: 'uint8', length: 0 });
    this.eSize = r.buffer({ usage: 'dynamic', type: 'float', length: 0 });
    this.eRing = r.buffer({ usage: 'dynamic', type: 'float', length: 0 });
    this.links = r.buffer({ usage: 'dynamic', type: 'float', length: 0 });
    type P = { pos: createREGL.Buffer; colour: createREGL.Buffer; size: createREGL.Buffer | { constant: [number] }; ring: createREGL.Buffer | { constant: [number] }; count: number; centre: [number, number]; scale: [number, number]; pixelRatio: number; sizeMul: number; dim: number; ringColour: number[] };
    this.drawPoints = r<{}, {}, P>({
      vert: VERT,
      frag: FRAG,
      attributes: {
        pos: r.prop<P, 'pos'>('pos'),
        colour: { buffer: r.prop<P, 'colour'>('colour'), normalized: true, size: 4 },
        size: r.prop<P, 'size'>('size'),
        ring: r.prop<P, 'ring'>('ring'),
      } as never,
      uniforms: {
        centre: r.prop<P, 'centre'>('centre'),
        scale: r.prop<P, 'scale'>('scale'),
        pixelRatio: r.prop<P, 'pixelRatio'>('pixelRatio'),
        sizeMul: r.prop<P, 'sizeMul'>('sizeMul'),
        dim: r.prop<P, 'dim'>('dim'),
        ringColour: r.prop<P, 'ringColour'>('ringColour'),
      },
      primitive: 'points',
      count: r.prop<P, 'count'>('count'),
      depth: { enable: false },
      blend: { enable: true, func: { srcRGB: 'src alpha', srcAlpha: 1, dstRGB: 'one minus src alpha', dstAlpha: 1 } },
    });
    type L = { count: number; centre: [number, number]; scale: [number, number]; colour: number[] };
    this.drawLinks = r<{}, {}, L>({
      vert: `precision highp float; attribute vec2 pos; uniform vec2 centre; uniform vec2 scale; void main() { gl_Position = vec4((pos - centre) * scale, 0.0, 1.0); }`,
      frag: `precision mediump float; uniform vec4 colour; void main() { gl_FragColor = colour; }`,
      attributes: { pos: this.links },
      uniforms: { centre: r.prop<L, 'centre'>('centre'), scale: r.prop<L, 'scale'>('scale'), colour: r.prop<L, 'colour'>('colour') },
      primitive: 'lines',
      count: r.prop<L, 'count'>('count'),
      depth: { enable: false },
      blend: { enable: true, func: { src: 'src alpha', dst: 'one minus src alpha' } },
    });
  }

  get size(): number {
    return this.n;
  }

  /** Positions (n × 2 world coordinates); resets colours to grey until setColours. */
  setPoints(coords: Float32Array): void {
    this.n = coords.length / 2;
    this.coords = coords;
    this.order = lodOrder(this.n);
    const p = new Float32Array(this.n * 2);
    for (let k = 0; k < this.n; k++) {
      const i = this.order[k]!;
      p[2 * k] = coords[2 * i]!;
      p[2 * k + 1] = coords[2 * i + 1]!;
    }
    this.pos({ data: p, usage: 'static' });
    this.setColours(new Uint8Array(this.n * 4).fill(128));
  }

  /** RGBA bytes per row (row order; permuted here). */
  setColours(rgba: Uint8Array): void {
    if (rgba.length !== this.n * 4) throw new Error(`setColours: ${rgba.length} bytes for ${this.n} points`);
    const c = new Uint8Array(this.n * 4);
    for (let k = 0; k < this.n; k++) c.set(rgba.subarray(4 * this.order[k]!, 4 * this.order[k]! + 4), 4 * k);
    this.colour({ data: c, usage: 'static' });
  }

  setEmphasis(points: readonly EmphasisPoint[]): void {
    const m = points.length;
    const p = new Float32Array(m * 2), c = new Uint8Array(m * 4), s = new Float32Array(m), g = new Float32Array(m);
    points.forEach((e, j) => {
      p[2 * j] = this.coords[2 * e.row]!;
      p[2 * j + 1] = this.coords[2 * e.row + 1]!;
      c.set(e.rgba, 4 * j);
      s[j] = e.size;
      g[j] = e.ring;
    });
    this.ePos({ data: p });
    this.eColour({ data: c });
    this.eSize({ data: s });
    this.eRing({ data: g });
    this.eCount = m;
  }

  /** Line segments between rows: [a0, b0, a1, b1, …]. */
  setLinks(pairs: readonly number[]): void {
    const seg = new Float32Array(pairs.length * 2);
    pairs.forEach((row, j) => {
      seg[2 * j] = this.coords[2 * row]!;
      seg[2 * j + 1] = this.coords[2 * row + 1]!;
    });
    this.links({ data: seg });
    this.linkCount = pairs.length;
  }

  draw(cam: Camera, width: number, height: number, pixelRatio: number, o: DrawOptions): void {
    const r = this.regl;
    r.poll();
    r.clear({ color: o.background.map((x) => x / 255) as [number, number, number, number], depth: 1 });
    const s = scaleOf(cam, width, height);
    const centre: [number, number] = [cam.cx, cam.cy];
    const scale: [number, number] = [(2 * s) / width, (2 * s) / height];
    const common = { centre, scale, pixelRatio, ringColour: o.ringColour.map((x) => x / 255) };
    const count = Math.min(this.n, Math.max(0, Math.floor(o.count ?? this.n)));
    if (count > 0) {
      this.drawPoints({ ...common, pos: this.pos, colour: this.colour, size: { constant: [o.pointSize] }, ring: { constant: [0] }, count, sizeMul: 1, dim: o.dim });
    }
    if (this.linkCount > 0) this.drawLinks({ centre, scale, count: this.linkCount, colour: o.linkColour.map((x) => x / 255) });
    if (this.eCount > 0) {
      this.drawPoints({ ...common, pos: this.ePos, colour: this.eColour, size: this.eSize, ring: this.eRing, count: this.eCount, sizeMul: 1, dim: 1 });
    }
  }

  destroy(): void {
    this.regl.destroy();
  }
}
