/**
 * WebGL point renderer of the map (plain WebGL 1, no wrapper: regl compiles its draw commands with
 * `new Function`, which the app's Content-Security-Policy — no 'unsafe-eval' — refuses). Why our own and not regl-scatterplot, deck.gl or
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

/** One attribute's source: a buffer with `size` components, or a constant for every vertex. */
type Attr = { buffer: WebGLBuffer; size: number; type: number; normalized: boolean } | { constant: number };

export class ScatterRenderer {
  private readonly gl: WebGLRenderingContext;
  private readonly points: { program: WebGLProgram; attrib: Record<'pos' | 'colour' | 'size' | 'ring', number>; uniform: Record<string, WebGLUniformLocation | null> };
  private readonly lines: { program: WebGLProgram; pos: number; uniform: Record<string, WebGLUniformLocation | null> };
  private n = 0;
  private order: Uint32Array = new Uint32Array(0);
  private readonly pos: WebGLBuffer;
  private readonly colour: WebGLBuffer;
  private readonly ePos: WebGLBuffer;
  private readonly eColour: WebGLBuffer;
  private readonly eSize: WebGLBuffer;
  private readonly eRing: WebGLBuffer;
  private eCount = 0;
  private readonly links: WebGLBuffer;
  private linkCount = 0;
  private coords: Float32Array = new Float32Array(0);

  constructor(readonly canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl', { antialias: false, alpha: false, preserveDrawingBuffer: false, depth: false });
    if (!gl) throw new Error('WebGL is not available');
    this.gl = gl;
    const pp = link(gl, VERT, FRAG);
    this.points = {
      program: pp,
      attrib: { pos: gl.getAttribLocation(pp, 'pos'), colour: gl.getAttribLocation(pp, 'colour'), size: gl.getAttribLocation(pp, 'size'), ring: gl.getAttribLocation(pp, 'ring') },
      uniform: Object.fromEntries(['centre', 'scale', 'pixelRatio', 'sizeMul', 'dim', 'ringColour'].map((u) => [u, gl.getUniformLocation(pp, u)])),
    };
    const lp = link(
      gl,
      `precision highp float; attribute vec2 pos; uniform vec2 centre; uniform vec2 scale; void main() { gl_Position = vec4((pos - centre) * scale, 0.0, 1.0); }`,
      `precision mediump float; uniform vec4 colour; void main() { gl_FragColor = colour; }`,
    );
    this.lines = { program: lp, pos: gl.getAttribLocation(lp, 'pos'), uniform: Object.fromEntries(['centre', 'scale', 'colour'].map((u) => [u, gl.getUniformLocation(lp, u)])) };
    const buf = () => {
      const b = gl.createBuffer();
      if (!b) throw new Error('WebGL: could not create a buffer');
      return b;
    };
    this.pos = buf();
    this.colour = buf();
    this.ePos = buf();
    this.eColour = buf();
    this.eSize = buf();
    this.eRing = buf();
    this.links = buf();
    gl.disable(gl.DEPTH_TEST);
    gl.enable(gl.BLEND);
    gl.blendFuncSeparate(gl.SRC_ALPHA, gl.ONE_MINUS_SRC_ALPHA, gl.ONE, gl.ONE);
  }

  get size(): number {
    return this.n;
  }

  private upload(b: WebGLBuffer, data: ArrayBufferView, usage: number): void {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, b);
    gl.bufferData(gl.ARRAY_BUFFER, data as ArrayBufferView<ArrayBuffer>, usage);
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
    this.upload(this.pos, p, this.gl.STATIC_DRAW);
    this.setColours(new Uint8Array(this.n * 4).fill(128));
  }

  /** RGBA bytes per row (row order; permuted here). */
  setColours(rgba: Uint8Array): void {
    if (rgba.length !== this.n * 4) throw new Error(`setColours: ${rgba.length} bytes for ${this.n} points`);
    const c = new Uint8Array(this.n * 4);
    for (let k = 0; k < this.n; k++) c.set(rgba.subarray(4 * this.order[k]!, 4 * this.order[k]! + 4), 4 * k);
    this.upload(this.colour, c, this.gl.STATIC_DRAW);
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
    const gl = this.gl;
    this.upload(this.ePos, p, gl.DYNAMIC_DRAW);
    this.upload(this.eColour, c, gl.DYNAMIC_DRAW);
    this.upload(this.eSize, s, gl.DYNAMIC_DRAW);
    this.upload(this.eRing, g, gl.DYNAMIC_DRAW);
    this.eCount = m;
  }

  /** Line segments between rows: [a0, b0, a1, b1, …]. */
  setLinks(pairs: readonly number[]): void {
    const seg = new Float32Array(pairs.length * 2);
    pairs.forEach((row, j) => {
      seg[2 * j] = this.coords[2 * row]!;
      seg[2 * j + 1] = this.coords[2 * row + 1]!;
    });
    this.upload(this.links, seg, this.gl.DYNAMIC_DRAW);
    this.linkCount = pairs.length;
  }

  private bind(loc: number, a: Attr): void {
    const gl = this.gl;
    if (loc < 0) return; // optimised out by the shader compiler
    if ('constant' in a) {
      gl.disableVertexAttribArray(loc);
      gl.vertexAttrib1f(loc, a.constant);
      return;
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, a.buffer);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, a.size, a.type, a.normalized, 0, 0);
  }

  private drawPoints(count: number, pos: WebGLBuffer, colour: WebGLBuffer, size: Attr, ring: Attr, dim: number): void {
    const gl = this.gl;
    const { attrib, uniform } = this.points;
    this.bind(attrib.pos, { buffer: pos, size: 2, type: gl.FLOAT, normalized: false });
    this.bind(attrib.colour, { buffer: colour, size: 4, type: gl.UNSIGNED_BYTE, normalized: true });
    this.bind(attrib.size, size);
    this.bind(attrib.ring, ring);
    gl.uniform1f(uniform.dim!, dim);
    gl.drawArrays(gl.POINTS, 0, count);
  }

  draw(cam: Camera, width: number, height: number, pixelRatio: number, o: DrawOptions): void {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    const [br, bg, bb, ba] = o.background.map((x) => x / 255) as [number, number, number, number];
    gl.clearColor(br, bg, bb, ba);
    gl.clear(gl.COLOR_BUFFER_BIT);
    const s = scaleOf(cam, width, height);
    const sx = (2 * s) / width, sy = (2 * s) / height;
    const count = Math.min(this.n, Math.max(0, Math.floor(o.count ?? this.n)));
    const pts = this.points;
    gl.useProgram(pts.program);
    gl.uniform2f(pts.uniform.centre!, cam.cx, cam.cy);
    gl.uniform2f(pts.uniform.scale!, sx, sy);
    gl.uniform1f(pts.uniform.pixelRatio!, pixelRatio);
    gl.uniform1f(pts.uniform.sizeMul!, 1);
    const [rr, rg, rb, ra] = o.ringColour.map((x) => x / 255) as [number, number, number, number];
    gl.uniform4f(pts.uniform.ringColour!, rr, rg, rb, ra);
    if (count > 0) this.drawPoints(count, this.pos, this.colour, { constant: o.pointSize }, { constant: 0 }, o.dim);
    if (this.linkCount > 0) {
      const l = this.lines;
      gl.useProgram(l.program);
      gl.uniform2f(l.uniform.centre!, cam.cx, cam.cy);
      gl.uniform2f(l.uniform.scale!, sx, sy);
      const [lr, lg, lb, la] = o.linkColour.map((x) => x / 255) as [number, number, number, number];
      gl.uniform4f(l.uniform.colour!, lr, lg, lb, la);
      this.bind(l.pos, { buffer: this.links, size: 2, type: gl.FLOAT, normalized: false });
      gl.drawArrays(gl.LINES, 0, this.linkCount);
      gl.useProgram(pts.program);
    }
    if (this.eCount > 0) {
      this.drawPoints(
        this.eCount,
        this.ePos,
        this.eColour,
        { buffer: this.eSize, size: 1, type: gl.FLOAT, normalized: false },
        { buffer: this.eRing, size: 1, type: gl.FLOAT, normalized: false },
        1,
      );
    }
  }

  destroy(): void {
    const gl = this.gl;
    for (const b of [this.pos, this.colour, this.ePos, this.eColour, this.eSize, this.eRing, this.links]) gl.deleteBuffer(b);
    gl.deleteProgram(this.points.program);
    gl.deleteProgram(this.lines.program);
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

/** Compiles and links a program; a shader error names the stage and the driver's log. */
function link(gl: WebGLRenderingContext, vert: string, frag: string): WebGLProgram {
  const compile = (type: number, src: string, stage: string) => {
    const sh = gl.createShader(type)!;
    gl.shaderSource(sh, src);
    gl.compileShader(sh);
    if (!gl.getShaderParameter(sh, gl.COMPILE_STATUS)) throw new Error(`WebGL ${stage} shader: ${gl.getShaderInfoLog(sh)}`);
    return sh;
  };
  const p = gl.createProgram()!;
  gl.attachShader(p, compile(gl.VERTEX_SHADER, vert, 'vertex'));
  gl.attachShader(p, compile(gl.FRAGMENT_SHADER, frag, 'fragment'));
  gl.linkProgram(p);
  if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(`WebGL program: ${gl.getProgramInfoLog(p)}`);
  return p;
}
