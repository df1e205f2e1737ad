import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { BurnedCaption, RenderPlan, RenderPlanScene, SceneContent } from '@vidgen/core';
import { captionAt, drawCaption } from './captions';
import { EASINGS } from './easing';
import { ensureFontsFor, fontString, registerBundledFonts, sanitizeText } from './fonts';
import { clipTo, drawBackground, drawElement, isComplete, isVisible } from './draw';
import { bytesPerPixel, crossfade, fromRgba, toRgba, pixelBytes, progressBar, pushLeft, slideUp, wipe, type PixelFormat } from './compose';
import { paletteFor, parseHex, type Palette } from './palettes';
import { layoutScene, type Element, type SceneLayout } from './scene-layout';
import type { Measurer } from './text-layout';

export interface Painter {
  readonly width: number;
  readonly height: number;
  /** The pixel layout of frame() buffers, for ffmpeg's -pix_fmt. */
  readonly pixelFormat: PixelFormat;
  /**
   * Raw pixels of global frame n (0 <= n < plan.totalFrames):
   * width*height*bytesPerPixel(pixelFormat) bytes written into `into` (a buffer of that size the caller owns, e.g.
   * one it reuses once ffmpeg has taken it) or into a new buffer; returns the
   * buffer written. The painter keeps no reference to it. A pure function of
   * (plan, n).
   */
  frame(n: number, into?: Buffer): Buffer;
  /** Characters no bundled font has, replaced visibly (U+FFFD), one message per scene. */
  readonly warnings: string[];
}

/** A Measurer on Skia's own metrics for the bundled fonts: the widths the layout wraps with are the widths drawn. */
/**
 * A 2D context on a new canvas, with the language pinned: Skia's 'portable'
 * text gives the same pixels everywhere only when ctx.lang is set (the
 * default follows the host's language).
 */
function newContext(canvas: Canvas): SKRSContext2D {
  const ctx = canvas.getContext('2d');
  ctx.lang = 'en';
  return ctx;
}

export function canvasMeasurer(): Measurer {
  registerBundledFonts();
  const ctx = newContext(createCanvas(1, 1));
  let current = '';
  // Layout measures the same words at the same sizes many times (wrapping while searching for a size).
  const cache = new Map<string, number>();
  return {
    width(text, size, weight) {
      const key = `${size}|${weight}|${text}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      ensureFontsFor(text);
      const font = fontString(size, weight);
      if (font !== current) {
        ctx.font = font;
        current = font;
      }
      const w = ctx.measureText(text).width;
      if (cache.size > 100_000) cache.clear();
      cache.set(key, w);
      return w;
    },
  };
}

/** Every user string of a scene through sanitizeText; the characters replaced, for the warning. */
function sanitizeContent(content: SceneContent): { content: SceneContent; replaced: string[] } {
  const replaced = new Set<string>();
  const s = (t: string): string => {
    const r = sanitizeText(t);
    r.replaced.forEach((cp) => replaced.add(cp));
    return r.text;
  };
  const opt = (t: string | undefined): string | undefined => (t === undefined ? undefined : s(t));
  const out: SceneContent = { ...content };
  const fields = ['title', 'text', 'prefix', 'suffix', 'label', 'quote', 'attribution'] as const;
  for (const f of fields) if (content[f] !== undefined) out[f] = opt(content[f]);
  if (content.items) out.items = content.items.map(s);
  if (content.chart) out.chart = { ...content.chart, labels: content.chart.labels.map(s), ...(content.chart.unit !== undefined ? { unit: s(content.chart.unit) } : {}) };
  if (content.left) out.left = { heading: s(content.left.heading), items: content.left.items.map(s) };
  if (content.right) out.right = { heading: s(content.right.heading), items: content.right.items.map(s) };
  return { content: out, replaced: [...replaced] };
}

const TRANSITION_EASING = EASINGS.easeInOutCubic;

/** A painter-owned picture: the pixels (rgba, never handed out, never written after they are made) and what they show. */
interface Picture {
  key: string;
  pixels: Buffer;
}

/** The layer's picture: which scene, and which of its elements are drawn on it. */
interface LayerPicture extends Picture {
  scene: number;
  settled: ReadonlySet<Element>;
}

/**
 * Draws any frame of a plan. Each scene's settled elements (background +
 * everything whose entrance is over) are kept in a layer canvas and read back
 * once per change as pixels; a moving frame copies those pixels and redraws
 * only the band of rows the moving elements can touch (reading a whole canvas
 * back costs several times a memcpy, so only the band is read). Transitions
 * mix or move the two boundary pictures as pixels (compose.ts); the next
 * scene's first frame is kept while a transition runs.
 */
class PlanPainter implements Painter {
  readonly width: number;
  readonly height: number;
  readonly pixelFormat: PixelFormat;
  readonly bpp: number;
  readonly warnings: string[] = [];
  private readonly palette: Palette;
  /** The accent colour as one pixel's bytes. */
  private readonly accent: number[];
  private readonly scenes: RenderPlanScene[];
  private readonly layouts: Array<SceneLayout | undefined>;
  private readonly measure: Measurer;
  private readonly layer: Canvas;
  private readonly layerCtx: SKRSContext2D;
  private layerPicture: LayerPicture = { key: '', pixels: Buffer.alloc(0), scene: -1, settled: new Set() };
  private work?: { canvas: Canvas; ctx: SKRSContext2D };
  private incoming?: Picture;
  private outgoing?: Buffer;
  private background?: Canvas;

  constructor(
    private readonly plan: RenderPlan,
    options: PainterOptions,
  ) {
    registerBundledFonts();
    this.width = plan.width;
    this.height = plan.height;
    this.pixelFormat = options.pixelFormat ?? 'rgba';
    this.bpp = bytesPerPixel(this.pixelFormat);
    this.palette = paletteFor(plan.theme);
    this.accent = pixelBytes(this.pixelFormat, parseHex(this.palette.accent));
    this.scenes = plan.scenes.map((scene, i) => {
      const { content, replaced } = sanitizeContent(scene.content);
      if (replaced.length > 0) this.warnings.push(`scene ${i + 1}: replaced characters no bundled font can draw with U+FFFD: ${replaced.join(', ')}`);
      return { ...scene, content };
    });
    this.layouts = this.scenes.map(() => undefined);
    this.measure = canvasMeasurer();
    this.layer = createCanvas(this.width, this.height);
    this.layerCtx = newContext(this.layer);
  }

  layout(i: number): SceneLayout {
    let l = this.layouts[i];
    if (!l) {
      l = layoutScene(this.scenes[i]!, { width: this.width, height: this.height, fps: this.plan.fps }, this.measure);
      this.layouts[i] = l;
    }
    return l;
  }

  private paintBackground(ctx: SKRSContext2D): void {
    if (!this.background) {
      this.background = createCanvas(this.width, this.height);
      drawBackground(newContext(this.background), this.palette, this.width, this.height);
    }
    ctx.drawImage(this.background, 0, 0);
  }

  /** Brings the layer to scene i's settled elements at local frame k; returns its pixels and the elements still moving. */
  private settle(i: number, k: number): { layer: Buffer; moving: Element[] } {
    const l = this.layout(i);
    const settled = l.elements.filter((e) => isComplete(e, k));
    // Completion only grows with k, so the number settled names the set.
    const key = `${i}:${settled.length}`;
    if (key !== this.layerPicture.key) {
      this.paintBackground(this.layerCtx);
      this.layerCtx.save();
      clipTo(this.layerCtx, l.safe);
      for (const e of settled) drawElement(this.layerCtx, e, k, this.palette, 0);
      this.layerCtx.restore();
      const prev = this.layerPicture;
      const added = settled.filter((e) => !prev.settled.has(e));
      if (prev.scene === i && added.length + prev.settled.size === settled.length) {
        // Only more of the same scene settled: the layer changed only where the newly settled elements are (the
        // rest is the same calls on the same pixels), so only their rectangle is read back, into the old pixels
        // (or a copy of them while the incoming scene's picture is those very pixels).
        const pixels = this.incoming?.pixels === prev.pixels ? Buffer.from(prev.pixels) : prev.pixels;
        this.readBack(this.layerCtx, this.rectOf(l, added, Math.min(this.width, this.height) * 0.05), pixels);
        this.layerPicture = { key, pixels, scene: i, settled: new Set(settled) };
        return { layer: pixels, moving: l.elements.filter((e) => isVisible(e, k) && !isComplete(e, k)) };
      }
      // A new buffer, never the old one: pictures kept (the incoming scene's) may be the old pixels.
      const rgba = this.layer.data();
      let pixels = rgba;
      if (this.pixelFormat !== 'rgba') {
        pixels = Buffer.allocUnsafe(this.width * this.height * this.bpp);
        fromRgba(rgba, this.pixelFormat, pixels, 0);
      }
      this.layerPicture = { key, pixels, scene: i, settled: new Set(settled) };
    }
    return { layer: this.layerPicture.pixels, moving: l.elements.filter((e) => isVisible(e, k) && !isComplete(e, k)) };
  }

  /**
   * The rectangle [x0, x1) × [y0, y1) the moving elements can touch at any
   * point of their entrances: their bounds grown by the slide distance and a
   * margin for what bounds leave out (glyph overhang, a pop's overshoot), inside
   * the safe area they are clipped to. A count-up's digits change width as it
   * counts, so its rows are taken whole. Only this rectangle is read back: a
   * read-back's CPU grows with its area (most of it the kernel faulting in the
   * fresh pages Skia copies into), and a moving element rarely spans the width.
   */
  private rectOf(l: SceneLayout, moving: Element[], slide: number): { x0: number; x1: number; y0: number; y1: number } {
    let left = Infinity;
    let right = -Infinity;
    let top = Infinity;
    let bottom = -Infinity;
    for (const e of moving) {
      const margin = slide + Math.max(e.bounds.h * 0.25, Math.min(this.width, this.height) * 0.05);
      top = Math.min(top, e.bounds.y - margin);
      bottom = Math.max(bottom, e.bounds.y + e.bounds.h + margin);
      if (e.count) {
        left = -Infinity;
        right = Infinity;
      } else {
        // A pop grows to at most ~1.04× its size around its centre; 10% of the width covers it.
        const side = margin + e.bounds.w * 0.1;
        left = Math.min(left, e.bounds.x - side);
        right = Math.max(right, e.bounds.x + e.bounds.w + side);
      }
    }
    // Multiples of 4 rows and columns: each row of the rectangle then starts on a 32-bit word in any pixel layout
    // when the width is a multiple of 4 (fromRgba's fast path).
    const y0 = Math.max(0, Math.floor(Math.max(l.safe.y, top) / 4) * 4);
    const y1 = Math.min(Math.ceil(l.safe.y + l.safe.h), Math.ceil(bottom));
    const x0 = Math.max(0, Math.floor(Math.max(l.safe.x, left) / 4) * 4);
    const x1 = Math.min(this.width, Math.ceil(l.safe.x + l.safe.w), Math.ceil(right / 4) * 4);
    return { x0, x1: Math.max(x0, x1), y0, y1: Math.max(y0, y1) };
  }

  private workCanvas(): { canvas: Canvas; ctx: SKRSContext2D } {
    if (!this.work) {
      const canvas = createCanvas(this.width, this.height);
      this.work = { canvas, ctx: newContext(canvas) };
    }
    return this.work;
  }

  /**
   * Scene i at local frame k: the layer's pixels themselves when nothing
   * moves (never to be written), else `into` (or a new buffer) with the
   * moving elements drawn in their band of rows.
   */
  private paintScene(i: number, k: number, into?: Buffer): Buffer {
    const { layer, moving } = this.settle(i, k);
    if (moving.length === 0) return layer;
    const out = into ?? Buffer.allocUnsafe(layer.length);
    const l = this.layout(i);
    const slide = Math.min(this.width, this.height) * 0.05;
    const { x0, x1, y0, y1 } = this.rectOf(l, moving, slide);
    // The layer everywhere; the rectangle's own pixels come from the canvas below.
    layer.copy(out);
    if (y1 <= y0 || x1 <= x0) return out;
    // The same calls as on a whole canvas, clipped to the rectangle: the same pixels, a fraction of them read back.
    const { ctx } = this.workCanvas();
    ctx.save();
    ctx.beginPath();
    ctx.rect(x0, y0, x1 - x0, y1 - y0);
    ctx.clip();
    ctx.drawImage(this.layer, 0, 0);
    clipTo(ctx, l.safe);
    for (const e of moving) drawElement(ctx, e, k, this.palette, slide);
    ctx.restore();
    this.readBack(ctx, { x0, x1, y0, y1 }, out);
    return out;
  }

  /** The rectangle of ctx's canvas into `out` (a whole frame's pixels in the painter's format). */
  private readBack(ctx: SKRSContext2D, { x0, x1, y0, y1 }: { x0: number; x1: number; y0: number; y1: number }, out: Buffer): void {
    if (y1 <= y0 || x1 <= x0) return;
    const w = x1 - x0;
    const rgba = ctx.getImageData(x0, y0, w, y1 - y0).data;
    if (w === this.width) return fromRgba(rgba, this.pixelFormat, out, y0 * this.width * this.bpp);
    const rowBytes = w * 4;
    for (let y = y0; y < y1; y++) {
      const from = (y - y0) * rowBytes;
      fromRgba(rgba.subarray(from, from + rowBytes), this.pixelFormat, out, (y * this.width + x0) * this.bpp);
    }
  }

  private incomingFirstFrame(j: number): Buffer {
    const key = String(j);
    if (this.incoming?.key !== key) {
      const pixels = this.paintScene(j, 0);
      // Painted into a new buffer, or the layer's own pixels (never written): either way safe to keep.
      this.incoming = { key, pixels };
    }
    return this.incoming.pixels;
  }

  private sceneAt(n: number): number {
    // Scenes are in order and contiguous: binary search by startFrame.
    let lo = 0;
    let hi = this.scenes.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.scenes[mid]!.startFrame <= n) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  frame(n: number, into?: Buffer): Buffer {
    if (!Number.isInteger(n) || n < 0 || n >= this.plan.totalFrames) throw new RangeError(`frame ${n} is outside the plan's 0..${this.plan.totalFrames - 1}`);
    const size = this.width * this.height * this.bpp;
    if (into && into.length !== size) throw new RangeError(`frame buffer of ${into.length} bytes, expected ${size}`);
    const out = into ?? Buffer.allocUnsafe(size);
    const i = this.sceneAt(n);
    const scene = this.scenes[i]!;
    const k = n - scene.startFrame;
    const tf = Math.min(scene.frames, scene.transition.frames);
    const j = k - (scene.frames - tf);
    if (scene.transition.type !== 'cut' && tf > 0 && j >= 0 && i + 1 < this.scenes.length) {
      // Incoming first, so painting it cannot disturb the outgoing scene's layer afterwards.
      const incoming = this.incomingFirstFrame(i + 1);
      this.outgoing ??= Buffer.allocUnsafe(size);
      const outgoing = this.paintScene(i, k, this.outgoing);
      this.compose(scene.transition.type, outgoing, incoming, TRANSITION_EASING((j + 1) / (tf + 1)), out);
    } else {
      const picture = this.paintScene(i, k, out);
      if (picture !== out) picture.copy(out);
    }
    const caption = captionAt(this.plan.captions, n);
    if (caption) this.burnCaption(out, caption, n);
    if (this.plan.progressBar) {
      const h = Math.max(2, Math.round(this.height * 0.006));
      progressBar(this, out, (n + 1) / this.plan.totalFrames, h, this.accent);
    }
    return out;
  }

  /**
   * Draws a burned caption over the finished picture: the rows the caption box can reach go
   * onto the work canvas as they are, the caption is drawn over them, and the band comes back.
   */
  private burnCaption(out: Buffer, caption: BurnedCaption, n: number): void {
    // The box sits above the bottom 6%, at most two lines of 5% type: the lower 40% always holds it.
    const y0 = Math.floor((this.height * 0.6) / 4) * 4;
    const rows = this.height - y0;
    const { ctx } = this.workCanvas();
    const band = ctx.createImageData(this.width, rows);
    toRgba(out, this.pixelFormat, y0 * this.width * this.bpp, band.data);
    ctx.save();
    ctx.putImageData(band, 0, y0);
    ctx.beginPath();
    ctx.rect(0, y0, this.width, rows);
    ctx.clip();
    drawCaption(ctx, caption, n, this.width, this.height);
    ctx.restore();
    fromRgba(ctx.getImageData(0, y0, this.width, rows).data, this.pixelFormat, out, y0 * this.width * this.bpp);
  }

  private compose(type: RenderPlanScene['transition']['type'], outgoing: Buffer, incoming: Buffer, e: number, out: Buffer): void {
    const W = this.width;
    const H = this.height;
    switch (type) {
      case 'push_left':
        // Whole pixels: no resampling blur while the pictures move.
        return pushLeft(this, outgoing, incoming, Math.round(e * W), out);
      case 'slide_up':
        return slideUp(this, outgoing, incoming, Math.round(e * H), out);
      case 'wipe':
        return wipe(this, outgoing, incoming, Math.round(e * W), Math.max(2, Math.round(Math.min(W, H) * 0.006)), this.accent, out);
      default:
        // crossfade: a per-pixel mix of the two pictures; never through black.
        return crossfade(outgoing, incoming, e, out);
    }
  }
}

export interface PainterOptions {
  /** The layout of frame() buffers; rgba by default. */
  pixelFormat?: PixelFormat;
}

/** Builds a painter from the plan alone (fonts and icons are bundled). Usable inside a worker_thread. */
export function createPainter(plan: RenderPlan, options: PainterOptions = {}): Painter {
  return new PlanPainter(plan, options);
}

/** For tests and docs: the background alone, as frame() would return it (rgba). */
export function backgroundFrame(plan: Pick<RenderPlan, 'width' | 'height' | 'theme'>): Buffer {
  const c = createCanvas(plan.width, plan.height);
  drawBackground(newContext(c), paletteFor(plan.theme), plan.width, plan.height);
  return c.data();
}

/** The layout a painter would use for scene i (sanitised content): for tests. */
export function sceneLayoutOf(painter: Painter, i: number): SceneLayout {
  if (!(painter instanceof PlanPainter)) throw new TypeError('not a painter from createPainter');
  return painter.layout(i);
}
