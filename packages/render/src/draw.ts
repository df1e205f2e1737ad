import { Path2D, type SKRSContext2D } from '@napi-rs/canvas';
import { EASINGS } from './easing';
import { fontString } from './fonts';
import { countUpValue, formatStat } from './format';
import type { Rect } from './geometry';
import { ICON_STROKE, ICON_VIEWBOX, iconNodes } from './icons';
import type { Palette } from './palettes';
import { parseHex, withAlpha } from './palettes';
import type { ColorRole, Element, Part } from './scene-layout';
import { progressAt } from './timing';

/**
 * Drawing: canvas calls only, following the layout's geometry. User text is
 * drawn with fillText and nothing else.
 */

export function colorOf(palette: Palette, role: ColorRole): string {
  if (role.startsWith('series')) {
    const i = Number(role.slice(6));
    return palette.series[i % palette.series.length] ?? palette.accent;
  }
  return palette[role as 'text' | 'muted' | 'accent' | 'surface' | 'onAccent'];
}

/**
 * The background gradient, top to bottom, one solid row at a time: Skia
 * dithers its gradients, and that noise costs x264 bits and PNG bytes;
 * solid rows are exact and compress to almost nothing.
 */
export function drawBackground(ctx: SKRSContext2D, palette: Palette, width: number, height: number): void {
  const [a, b] = palette.background.map(parseHex) as [[number, number, number], [number, number, number]];
  for (let y = 0; y < height; y++) {
    const t = height > 1 ? y / (height - 1) : 0;
    const c = a.map((v, i) => Math.round(v + (b[i]! - v) * t));
    ctx.fillStyle = `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
    ctx.fillRect(0, y, width, 1);
  }
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

interface PartState {
  /** 0..1 for grow/draw/typewriter; 1 = complete. */
  reveal: number;
  /** For typewriter: graphemes still to show across the element's text parts. */
  budget?: { left: number };
  /** Count-up progress (eased), for number parts. */
  count: number;
}

function drawText(ctx: SKRSContext2D, p: Extract<Part, { kind: 'text' }>, palette: Palette, state: PartState): void {
  ctx.font = fontString(p.size, p.weight);
  ctx.fillStyle = colorOf(palette, p.color);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.direction = p.rtl ? 'rtl' : 'ltr';
  for (const line of p.lines) {
    let text = line.text;
    if (state.budget) {
      if (state.budget.left <= 0) break;
      const gs = [...graphemes.segment(text)].map((s) => s.segment);
      if (gs.length > state.budget.left) text = gs.slice(0, state.budget.left).join('');
      state.budget.left -= gs.length;
    }
    ctx.fillText(text, line.x, line.baseline);
  }
}

function drawIcon(ctx: SKRSContext2D, p: Extract<Part, { kind: 'icon' }>, color: string): void {
  const nodes = iconNodes(p.name);
  if (!nodes) return;
  ctx.save();
  ctx.translate(p.x, p.y);
  const k = p.size / ICON_VIEWBOX;
  ctx.scale(k, k);
  ctx.strokeStyle = color;
  ctx.lineWidth = ICON_STROKE;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const num = (a: Record<string, string>, key: string): number => Number(a[key] ?? 0);
  for (const [tag, a] of nodes) {
    const path = new Path2D();
    switch (tag) {
      case 'path':
        path.addPath(new Path2D(a.d ?? ''));
        break;
      case 'circle':
        path.arc(num(a, 'cx'), num(a, 'cy'), num(a, 'r'), 0, Math.PI * 2);
        break;
      case 'ellipse':
        path.ellipse(num(a, 'cx'), num(a, 'cy'), num(a, 'rx'), num(a, 'ry'), 0, 0, Math.PI * 2);
        break;
      case 'rect': {
        const rx = num(a, 'rx');
        path.roundRect(num(a, 'x'), num(a, 'y'), num(a, 'width'), num(a, 'height'), rx);
        break;
      }
      case 'line':
        path.moveTo(num(a, 'x1'), num(a, 'y1'));
        path.lineTo(num(a, 'x2'), num(a, 'y2'));
        break;
      case 'polyline':
      case 'polygon': {
        const pts = (a.points ?? '').trim().split(/[\s,]+/).map(Number);
        for (let i = 0; i + 1 < pts.length; i += 2) (i === 0 ? path.moveTo.bind(path) : path.lineTo.bind(path))(pts[i]!, pts[i + 1]!);
        if (tag === 'polygon') path.closePath();
        break;
      }
    }
    ctx.stroke(path);
  }
  ctx.restore();
}

function drawPart(ctx: SKRSContext2D, p: Part, palette: Palette, state: PartState): void {
  const r = state.reveal;
  switch (p.kind) {
    case 'text':
      drawText(ctx, p, palette, state);
      return;
    case 'rect': {
      let { x, y, w, h } = p;
      if (p.grow && r < 1) {
        if (p.grow === 'right') w *= r;
        else if (p.grow === 'left') {
          x += w * (1 - r);
          w *= r;
        } else if (p.grow === 'up') {
          y += h * (1 - r);
          h *= r;
        } else h *= r;
      }
      if (w <= 0 || h <= 0) return;
      ctx.fillStyle = p.alpha !== undefined ? withAlpha(colorOf(palette, p.color), p.alpha) : colorOf(palette, p.color);
      const rr = Math.min(p.radius, w / 2, h / 2);
      ctx.beginPath();
      // Bars keep a square foot on their axis and round only their growing end.
      const radii = p.grow === 'up' ? [rr, rr, 0, 0] : p.grow === 'down' ? [0, 0, rr, rr] : p.grow === 'right' ? [0, rr, rr, 0] : p.grow === 'left' ? [rr, 0, 0, rr] : rr;
      ctx.roundRect(x, y, w, h, radii);
      ctx.fill();
      return;
    }
    case 'circle':
      ctx.fillStyle = p.alpha !== undefined ? withAlpha(colorOf(palette, p.color), p.alpha) : colorOf(palette, p.color);
      ctx.beginPath();
      ctx.arc(p.cx, p.cy, p.r, 0, Math.PI * 2);
      ctx.fill();
      return;
    case 'polyline': {
      const pts = p.points;
      if (pts.length < 2 || r <= 0) return;
      ctx.strokeStyle = p.alpha !== undefined ? withAlpha(colorOf(palette, p.color), p.alpha) : colorOf(palette, p.color);
      ctx.lineWidth = p.width;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      // Draw the first `r` of the polyline's length.
      const lengths = pts.slice(1).map((q, i) => Math.hypot(q[0] - pts[i]![0], q[1] - pts[i]![1]));
      let left = lengths.reduce((a, b) => a + b, 0) * r;
      ctx.beginPath();
      ctx.moveTo(pts[0]![0], pts[0]![1]);
      for (let i = 1; i < pts.length && left > 0; i++) {
        const seg = lengths[i - 1]!;
        const f = seg <= left ? 1 : left / seg;
        const a = pts[i - 1]!;
        const b = pts[i]!;
        ctx.lineTo(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f);
        left -= seg;
      }
      ctx.stroke();
      return;
    }
    case 'slice': {
      const a1 = p.a0 + (p.a1 - p.a0) * r;
      if (a1 <= p.a0) return;
      ctx.fillStyle = colorOf(palette, p.color);
      // A ring segment (donut), with a hairline gap between slices.
      const gapAngle = Math.min(0.012, (a1 - p.a0) / 4);
      ctx.beginPath();
      ctx.arc(p.cx, p.cy, p.r, p.a0 + gapAngle, a1 - gapAngle);
      ctx.arc(p.cx, p.cy, p.inner, a1 - gapAngle, p.a0 + gapAngle, true);
      ctx.closePath();
      ctx.fill();
      return;
    }
    case 'icon':
      drawIcon(ctx, p, colorOf(palette, p.color));
      return;
    case 'number': {
      const v = countUpValue(p.value, p.decimals, state.count);
      ctx.font = fontString(p.size, 700);
      ctx.fillStyle = colorOf(palette, p.color);
      ctx.textAlign = 'center';
      ctx.textBaseline = 'alphabetic';
      ctx.direction = 'ltr';
      ctx.fillText(formatStat(v, p.decimals, p.prefix, p.suffix), p.cx, p.baseline);
      return;
    }
  }
}

/** Whether the element is complete (its final picture) at local frame k. */
export function isComplete(e: Element, k: number): boolean {
  return progressAt(e.window, k) >= 1 && (!e.count || progressAt(e.count, k) >= 1);
}

export function isVisible(e: Element, k: number): boolean {
  return progressAt(e.window, k) > 0;
}

/**
 * Draws one element at local frame k (it must be visible). `slide` is the
 * slide distance in pixels. The caller clips to the safe area.
 */
export function drawElement(ctx: SKRSContext2D, e: Element, k: number, palette: Palette, slide: number): void {
  const p = progressAt(e.window, k);
  const count = e.count ? EASINGS.easeOutCubic(progressAt(e.count, k)) : 1;
  const complete = p >= 1;
  const eased = EASINGS.easeOutCubic(p);
  const state: PartState = { reveal: 1, count };
  ctx.save();
  if (!complete) {
    switch (e.effect) {
      case 'fade':
        ctx.globalAlpha = eased;
        break;
      case 'slide-up':
        ctx.globalAlpha = eased;
        ctx.translate(0, (1 - eased) * slide);
        break;
      case 'slide-right':
        ctx.globalAlpha = eased;
        ctx.translate(-(1 - eased) * slide, 0);
        break;
      case 'slide-left':
        ctx.globalAlpha = eased;
        ctx.translate((1 - eased) * slide, 0);
        break;
      case 'pop': {
        const s = 0.6 + 0.4 * EASINGS.easeOutBack(p);
        const b = e.bounds;
        const cx = b.x + b.w / 2;
        const cy = b.y + b.h / 2;
        ctx.globalAlpha = Math.min(1, p * 2);
        ctx.translate(cx, cy);
        ctx.scale(s, s);
        ctx.translate(-cx, -cy);
        break;
      }
      case 'wipe': {
        const b = e.bounds;
        const w = b.w * EASINGS.easeInOutCubic(p);
        ctx.beginPath();
        ctx.rect(e.rtl ? b.x + b.w - w : b.x, b.y - b.h, w, b.h * 3);
        ctx.clip();
        break;
      }
      case 'typewriter': {
        const total = e.parts.reduce((n, part) => n + (part.kind === 'text' ? part.lines.reduce((m, l) => m + [...graphemes.segment(l.text)].length, 0) : 0), 0);
        state.budget = { left: Math.ceil(total * p) };
        break;
      }
      case 'draw':
      case 'grow':
        state.reveal = EASINGS.easeInOutCubic(p);
        break;
    }
  }
  for (const part of e.parts) {
    // Within grow and draw, the parts that do not grow (labels, values, dots) fade in.
    const fades = !complete && (e.effect === 'grow' || e.effect === 'draw') && (part.kind === 'text' || part.kind === 'circle' || part.kind === 'number' || (part.kind === 'rect' && !part.grow));
    if (fades) {
      const prev = ctx.globalAlpha;
      ctx.globalAlpha = prev * eased;
      drawPart(ctx, part, palette, state);
      ctx.globalAlpha = prev;
    } else drawPart(ctx, part, palette, state);
  }
  ctx.restore();
}

export function clipTo(ctx: SKRSContext2D, r: Rect): void {
  ctx.beginPath();
  ctx.rect(r.x, r.y, r.w, r.h);
  ctx.clip();
}
