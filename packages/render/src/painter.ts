import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import type { RenderPlan, RenderPlanScene, SceneContent } from '@vidgen/core';
import { captionAt, drawCaption } from './captions';
import { EASINGS } from './easing';
import { fontString, registerBundledFonts, sanitizeText } from './fonts';
import { clipTo, drawBackground, drawElement, isComplete, isVisible } from './draw';
import { paletteFor, type Palette } from './palettes';
import { layoutScene, type Element, type SceneLayout } from './scene-layout';
import type { Measurer } from './text-layout';

export interface Painter {
  readonly width: number;
  readonly height: number;
  /** The pixel layout of frame() buffers, for ffmpeg's -pix_fmt. */
  readonly pixelFormat: 'rgba' | 'bgra';
  /** Raw pixels of global frame n (0 <= n < plan.totalFrames): width*height*4 bytes, a fresh buffer each call. A pure function of (plan, n). */
  frame(n: number): Buffer;
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

/**
 * Draws any frame of a plan. One output canvas per painter; each scene's
 * settled elements (background + everything whose entrance is over) are kept
 * in a layer canvas and only the elements still entering are drawn on top;
 * the next scene's first frame is kept while a transition runs.
 */
class PlanPainter implements Painter {
  readonly width: number;
  readonly height: number;
  readonly pixelFormat = 'rgba' as const;
  readonly warnings: string[] = [];
  private readonly palette: Palette;
  private readonly scenes: RenderPlanScene[];
  private readonly layouts: Array<SceneLayout | undefined>;
  private readonly measure: Measurer;
  private readonly out: Canvas;
  private readonly outCtx: SKRSContext2D;
  private readonly layer: Canvas;
  private readonly layerCtx: SKRSContext2D;
  private layerKey = '';
  private scratch?: { canvas: Canvas; ctx: SKRSContext2D };
  private incoming?: { canvas: Canvas; ctx: SKRSContext2D; scene: number };
  private background?: Canvas;

  constructor(private readonly plan: RenderPlan) {
    registerBundledFonts();
    this.width = plan.width;
    this.height = plan.height;
    this.palette = paletteFor(plan.theme);
    this.scenes = plan.scenes.map((scene, i) => {
      const { content, replaced } = sanitizeContent(scene.content);
      if (replaced.length > 0) this.warnings.push(`scene ${i + 1}: replaced characters no bundled font can draw with U+FFFD: ${replaced.join(', ')}`);
      return { ...scene, content };
    });
    this.layouts = this.scenes.map(() => undefined);
    this.measure = canvasMeasurer();
    this.out = createCanvas(this.width, this.height);
    this.outCtx = newContext(this.out);
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

  /** Brings the layer to scene i's settled elements at local frame k; returns the elements still moving. */
  private settle(i: number, k: number): Element[] {
    const l = this.layout(i);
    const settled = l.elements.filter((e) => isComplete(e, k));
    // Completion only grows with k, so the number settled names the set.
    const key = `${i}:${settled.length}`;
    if (key !== this.layerKey) {
      this.paintBackground(this.layerCtx);
      this.layerCtx.save();
      clipTo(this.layerCtx, l.safe);
      for (const e of settled) drawElement(this.layerCtx, e, k, this.palette, 0);
      this.layerCtx.restore();
      this.layerKey = key;
    }
    return l.elements.filter((e) => isVisible(e, k) && !isComplete(e, k));
  }

  /** Scene i at local frame k, drawn onto ctx (which it covers entirely). */
  private paintScene(ctx: SKRSContext2D, i: number, k: number): void {
    const moving = this.settle(i, k);
    const l = this.layout(i);
    ctx.drawImage(this.layer, 0, 0);
    if (moving.length === 0) return;
    ctx.save();
    clipTo(ctx, l.safe);
    const slide = Math.min(this.width, this.height) * 0.05;
    for (const e of moving) drawElement(ctx, e, k, this.palette, slide);
    ctx.restore();
  }

  private incomingFirstFrame(j: number): Canvas {
    if (!this.incoming) {
      const canvas = createCanvas(this.width, this.height);
      this.incoming = { canvas, ctx: newContext(canvas), scene: -1 };
    }
    if (this.incoming.scene !== j) {
      this.paintScene(this.incoming.ctx, j, 0);
      this.incoming.scene = j;
    }
    return this.incoming.canvas;
  }

  private scratchCanvas(): { canvas: Canvas; ctx: SKRSContext2D } {
    if (!this.scratch) {
      const canvas = createCanvas(this.width, this.height);
      this.scratch = { canvas, ctx: newContext(canvas) };
    }
    return this.scratch;
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

  frame(n: number): Buffer {
    if (!Number.isInteger(n) || n < 0 || n >= this.plan.totalFrames) throw new RangeError(`frame ${n} is outside the plan's 0..${this.plan.totalFrames - 1}`);
    const ctx = this.outCtx;
    const i = this.sceneAt(n);
    const scene = this.scenes[i]!;
    const k = n - scene.startFrame;
    const tf = Math.min(scene.frames, scene.transition.frames);
    const j = k - (scene.frames - tf);
    if (scene.transition.type !== 'cut' && tf > 0 && j >= 0 && i + 1 < this.scenes.length) {
      // Incoming first, so painting it cannot disturb the outgoing scene's layer afterwards.
      const incoming = this.incomingFirstFrame(i + 1);
      const outgoing = this.scratchCanvas();
      this.paintScene(outgoing.ctx, i, k);
      this.compose(scene.transition.type, outgoing.canvas, incoming, TRANSITION_EASING((j + 1) / (tf + 1)));
    } else if (!this.plan.progressBar && !captionAt(this.plan.captions, n) && this.settle(i, k).length === 0) {
      // A still picture is the layer itself: no copy onto the output canvas.
      return this.layer.data();
    } else {
      this.paintScene(ctx, i, k);
    }
    const caption = captionAt(this.plan.captions, n);
    if (caption) drawCaption(ctx, caption, n, this.width, this.height);
    if (this.plan.progressBar) {
      const h = Math.max(2, Math.round(this.height * 0.006));
      ctx.fillStyle = this.palette.accent;
      ctx.fillRect(0, this.height - h, (this.width * (n + 1)) / this.plan.totalFrames, h);
    }
    return this.out.data();
  }

  private compose(type: RenderPlanScene['transition']['type'], outgoing: Canvas, incoming: Canvas, e: number): void {
    const ctx = this.outCtx;
    const W = this.width;
    const H = this.height;
    switch (type) {
      case 'push_left': {
        // Whole pixels: no resampling blur while the pictures move.
        const off = Math.round(e * W);
        ctx.drawImage(outgoing, -off, 0);
        ctx.drawImage(incoming, W - off, 0);
        return;
      }
      case 'slide_up':
        ctx.drawImage(outgoing, 0, 0);
        ctx.drawImage(incoming, 0, H - Math.round(e * H));
        return;
      case 'wipe': {
        const edge = Math.round(e * W);
        ctx.drawImage(outgoing, 0, 0);
        ctx.save();
        ctx.beginPath();
        ctx.rect(0, 0, edge, H);
        ctx.clip();
        ctx.drawImage(incoming, 0, 0);
        ctx.restore();
        ctx.fillStyle = this.palette.accent;
        const bar = Math.max(2, Math.round(Math.min(W, H) * 0.006));
        ctx.fillRect(edge - bar, 0, bar, H);
        return;
      }
      default:
        // crossfade: a per-pixel mix of the two pictures; never through black.
        ctx.drawImage(outgoing, 0, 0);
        ctx.globalAlpha = e;
        ctx.drawImage(incoming, 0, 0);
        ctx.globalAlpha = 1;
    }
  }
}

/** Builds a painter from the plan alone (fonts and icons are bundled). Usable inside a worker_thread. */
export function createPainter(plan: RenderPlan): Painter {
  return new PlanPainter(plan);
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
