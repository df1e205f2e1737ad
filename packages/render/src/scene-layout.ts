import type { RenderPlanScene, SceneContent } from '@vidgen/core';
import type { FontWeight } from './fonts';
import { decimalsOf, formatChartValue, formatStat } from './format';
import { minFontSize, safeArea, union, type Rect } from './geometry';
import { fitSize, fitText, isRtl, wrapAt, type Measurer, type WrappedText } from './text-layout';
import { sceneSchedule, type SceneSchedule, type Window } from './timing';

/**
 * The layout engine: a scene (layout + content + timeline) and a frame size
 * in, positioned parts out, each element with its entrance. Pure geometry
 * against a Measurer; drawing (draw.ts) only follows what this decides.
 */

export type ColorRole = 'text' | 'muted' | 'accent' | 'surface' | 'onAccent' | `series${number}`;

export interface PlacedLine {
  text: string;
  /** Left edge of the line's advance box (the painter draws with textAlign left). */
  x: number;
  baseline: number;
  width: number;
}

export type Part =
  | { kind: 'text'; lines: PlacedLine[]; size: number; weight: FontWeight; rtl: boolean; color: ColorRole; bounds: Rect }
  | { kind: 'rect'; x: number; y: number; w: number; h: number; radius: number; color: ColorRole; alpha?: number; grow?: 'right' | 'left' | 'up' | 'down' }
  | { kind: 'circle'; cx: number; cy: number; r: number; color: ColorRole; alpha?: number }
  | { kind: 'polyline'; points: Array<[number, number]>; color: ColorRole; width: number; alpha?: number }
  | { kind: 'slice'; cx: number; cy: number; r: number; inner: number; a0: number; a1: number; color: ColorRole }
  | { kind: 'icon'; name: string; x: number; y: number; size: number; color: ColorRole }
  | { kind: 'number'; value: number; decimals: number; prefix: string; suffix: string; cx: number; baseline: number; size: number; color: ColorRole };

export type Effect = 'fade' | 'slide-up' | 'slide-right' | 'slide-left' | 'pop' | 'wipe' | 'typewriter' | 'draw' | 'grow';

export interface Element {
  /** For tests and debugging: 'title', 'item-2', 'chart-axis', ... */
  id: string;
  parts: Part[];
  effect: Effect;
  window: Window;
  /** A stat's count-up, longer than the entrance. */
  count?: Window;
  /** Right to left: slides and wipes run mirrored. */
  rtl?: boolean;
  bounds: Rect;
}

export interface SceneLayout {
  elements: Element[];
  safe: Rect;
  /** The content region inside the safe area. */
  region: Rect;
  minFont: number;
  /** Names of texts that did not fit even at the minimum font size (empty when the limits hold). */
  overflow: string[];
  /** Every text's font size, by element id, for the fit proof. */
  fontSizes: Array<{ id: string; size: number }>;
}

export interface FrameSize {
  width: number;
  height: number;
  fps: number;
}

const LH_TITLE = 1.2;
const LH_BODY = 1.32;

interface Ctx {
  W: number;
  H: number;
  /** One hundredth of the short side. */
  u: number;
  min: number;
  region: Rect;
  portrait: boolean;
  measure: Measurer;
  s: SceneSchedule;
  out: SceneLayout;
  /** Tighter chrome (padding, gaps) for text that does not fit with the roomy one. */
  dense: boolean;
  /** Largest share of the region a content scene's heading may take. */
  titleShare: number;
}

/** Runs one layout candidate; if it overflows, undoes what it added and says so. */
function attempt(c: Ctx, run: () => void): boolean {
  const marks = [c.out.elements.length, c.out.overflow.length, c.out.fontSizes.length] as const;
  run();
  if (c.out.overflow.length === marks[1]) return true;
  c.out.elements.length = marks[0];
  c.out.overflow.length = marks[1];
  c.out.fontSizes.length = marks[2];
  return false;
}

/** The first candidate that fits; when none does, the first again, with its overflow reported. */
function firstFitting(c: Ctx, candidates: Array<() => void>): void {
  for (const run of candidates) if (attempt(c, run)) return;
  candidates[0]!();
}

function partBounds(p: Part): Rect {
  switch (p.kind) {
    case 'text':
      return p.bounds;
    case 'rect':
      return { x: p.x, y: p.y, w: p.w, h: p.h };
    case 'circle':
      return { x: p.cx - p.r, y: p.cy - p.r, w: 2 * p.r, h: 2 * p.r };
    case 'polyline': {
      const xs = p.points.map((q) => q[0]);
      const ys = p.points.map((q) => q[1]);
      const x = Math.min(...xs) - p.width / 2;
      const y = Math.min(...ys) - p.width / 2;
      return { x, y, w: Math.max(...xs) + p.width / 2 - x, h: Math.max(...ys) + p.width / 2 - y };
    }
    case 'slice':
      return { x: p.cx - p.r, y: p.cy - p.r, w: 2 * p.r, h: 2 * p.r };
    case 'icon':
      return { x: p.x, y: p.y, w: p.size, h: p.size };
    case 'number':
      return { x: p.cx - 1, y: p.baseline - p.size, w: 2, h: p.size };
  }
}

function add(c: Ctx, id: string, parts: Part[], effect: Effect, window: Window, extra: { count?: Window; rtl?: boolean; bounds?: Rect } = {}): void {
  const bounds = extra.bounds ?? union(parts.map(partBounds));
  c.out.elements.push({ id, parts, effect, window, bounds, ...(extra.count ? { count: extra.count } : {}), ...(extra.rtl ? { rtl: true } : {}) });
  for (const p of parts) if (p.kind === 'text') c.out.fontSizes.push({ id, size: p.size });
}

/** Places wrapped lines in a box of width boxW at top y: 'start' follows the text's direction. */
function place(w: WrappedText, x: number, y: number, boxW: number, align: 'start' | 'center' | 'end', color: ColorRole): Extract<Part, { kind: 'text' }> {
  const lineAdvance = w.size * w.lineHeight;
  // Noto's ascent 1.069 and descent 0.293 em: centre that box in the line.
  const baselineOffset = lineAdvance / 2 + w.size * 0.388;
  const lines = w.lines.map((text, i) => {
    const width = w.widths[i] ?? 0;
    const leftAligned = (align === 'start' && !w.rtl) || (align === 'end' && w.rtl);
    const lx = align === 'center' ? x + (boxW - width) / 2 : leftAligned ? x : x + boxW - width;
    return { text, x: lx, baseline: y + i * lineAdvance + baselineOffset, width };
  });
  return { kind: 'text', lines, size: w.size, weight: w.weight, rtl: w.rtl, color, bounds: { x, y, w: boxW, h: w.height } };
}

function fit(c: Ctx, id: string, text: string, box: { width: number; height: number }, max: number, weight: FontWeight, lineHeight: number): WrappedText {
  const r = fitText(text, box, { min: c.min, max: Math.max(c.min, max) }, { weight, lineHeight }, c.measure);
  if (!r.fits) c.out.overflow.push(id);
  return r.value;
}

/** A content scene's heading at the top of the region, with an accent rule; returns the body area below it. */
function heading(c: Ctx, title: string | undefined): Rect {
  const r = c.region;
  if (title === undefined || title === '') return r;
  const w = fit(c, 'title', title, { width: r.w, height: r.h * c.titleShare }, 6.4 * c.u, 700, LH_TITLE);
  const text = place(w, r.x, r.y, r.w, 'start', 'text');
  add(c, 'title', [text], 'slide-up', c.s.title, { rtl: w.rtl });
  const ruleW = 9 * c.u;
  const ruleY = r.y + w.height + 1.4 * c.u;
  const ruleH = Math.max(2, 0.75 * c.u);
  add(c, 'title-rule', [{ kind: 'rect', x: w.rtl ? r.x + r.w - ruleW : r.x, y: ruleY, w: ruleW, h: ruleH, radius: ruleH / 2, color: 'accent' }], 'wipe', c.s.title, { rtl: w.rtl });
  const top = ruleY + ruleH + (c.dense ? 2.4 : c.portrait ? 4 : 3.6) * c.u;
  return { x: r.x, y: top, w: r.w, h: r.y + r.h - top };
}

function centredStack(c: Ctx, content: SceneContent, opts: { titleMax: number; closing: boolean }): void {
  const r = c.region;
  const boxW = r.w * 0.9;
  const x = r.x + (r.w - boxW) / 2;
  const ruleW = 14 * c.u;
  const ruleH = Math.max(2, 0.9 * c.u);
  const gap = (c.dense ? 2 : 3.4) * c.u;
  const hasSub = content.text !== undefined && content.text !== '';
  const title = fit(c, 'title', content.title ?? '', { width: boxW, height: r.h * (hasSub ? (c.dense ? 0.3 : 0.5) : 1) - ruleH - gap }, opts.titleMax * c.u, 700, LH_TITLE);
  // The subtitle has whatever the title leaves.
  const sub = hasSub ? fit(c, 'text', content.text!, { width: boxW, height: r.h - title.height - ruleH - 2 * gap }, 4.6 * c.u, 400, LH_BODY) : undefined;
  const total = title.height + gap + ruleH + (sub ? gap + sub.height : 0);
  let y = r.y + (r.h - total) / 2;
  const ruleFirst = opts.closing;
  const rule = (yy: number): Part => ({ kind: 'rect', x: r.x + (r.w - ruleW) / 2, y: yy, w: ruleW, h: ruleH, radius: ruleH / 2, color: 'accent' });
  if (ruleFirst) {
    add(c, 'title-rule', [rule(y)], 'wipe', c.s.title);
    y += ruleH + gap;
  }
  add(c, 'title', [place(title, x, y, boxW, 'center', 'text')], opts.closing ? 'pop' : 'slide-up', c.s.title);
  y += title.height + gap;
  if (!ruleFirst) {
    add(c, 'title-rule', [rule(y)], 'wipe', c.s.title);
    y += ruleH + gap;
  }
  if (sub) add(c, 'text', [place(sub, x, y, boxW, 'center', 'muted')], sub.rtl || opts.closing ? 'fade' : 'typewriter', c.s.after, { rtl: sub.rtl });
}

function textLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  const pad = 3.4 * c.u;
  const stripe = Math.max(3, 0.7 * c.u);
  const w = fit(c, 'text', content.text ?? '', { width: body.w - 2 * pad - stripe, height: body.h - 2 * pad }, 5 * c.u, 400, LH_BODY);
  const cardH = w.height + 2 * pad;
  const y = body.y + Math.max(0, (body.h - cardH) / 2.4);
  const textX = w.rtl ? body.x + pad : body.x + pad + stripe;
  add(
    c,
    'text',
    [
      { kind: 'rect', x: body.x, y, w: body.w, h: cardH, radius: 1.6 * c.u, color: 'surface' },
      { kind: 'rect', x: w.rtl ? body.x + body.w - stripe : body.x, y, w: stripe, h: cardH, radius: 0, color: 'accent' },
      place(w, textX, y + pad, body.w - 2 * pad - stripe, 'start', 'text'),
    ],
    'slide-up',
    c.s.body,
    { rtl: w.rtl },
  );
}

interface RowMetrics {
  wrapped: WrappedText[];
  heights: number[];
  total: number;
}

/** One font size for a list of texts stacked in rows with per-row chrome: the largest size at which the whole stack fits. */
function fitRows(c: Ctx, id: string, texts: string[], height: number, max: number, at: (size: number) => { textW: number; rowExtra: number; minRow: number; gap: number }): { size: number; rows: RowMetrics } {
  const r = fitSize(c.min, Math.max(c.min, max), (size) => {
    const m = at(size);
    const wrapped = texts.map((t) => wrapAt(t, m.textW, size, { weight: 400, lineHeight: LH_BODY }, c.measure));
    const heights = wrapped.map((w) => Math.max(m.minRow, w.height + m.rowExtra));
    const total = heights.reduce((a, b) => a + b, 0) + m.gap * Math.max(0, texts.length - 1);
    return { value: { wrapped, heights, total }, fits: total <= height + 0.01 && wrapped.every((w) => w.width <= m.textW + 0.01) };
  });
  if (!r.fits) c.out.overflow.push(id);
  return { size: r.size, rows: r.value };
}

function bulletsLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  const items = content.items ?? [];
  const geo = (s: number) => (c.dense ? { px: 0.6 * s, py: 0.22 * s, marker: 1.1 * s, gap: 0.22 * s } : { px: 0.85 * s, py: 0.5 * s, marker: 1.3 * s, gap: 0.42 * s });
  const { size, rows } = fitRows(c, 'items', items, body.h, 4.4 * c.u, (s) => {
    const g = geo(s);
    return { textW: body.w - 2 * g.px - g.marker, rowExtra: 2 * g.py, minRow: 0, gap: g.gap };
  });
  const g = geo(size);
  let y = body.y + Math.max(0, (body.h - rows.total) / 2.4);
  items.forEach((_, i) => {
    const w = rows.wrapped[i]!;
    const h = rows.heights[i]!;
    const textW = body.w - 2 * g.px - g.marker;
    const firstLineMid = y + g.py + (size * LH_BODY) / 2;
    const markerCx = w.rtl ? body.x + body.w - g.px - 0.32 * size : body.x + g.px + 0.32 * size;
    const textX = w.rtl ? body.x + g.px : body.x + g.px + g.marker;
    add(
      c,
      `item-${i}`,
      [
        { kind: 'rect', x: body.x, y, w: body.w, h, radius: Math.min(1.4 * c.u, h / 2), color: 'surface' },
        { kind: 'circle', cx: markerCx, cy: firstLineMid, r: 0.26 * size, color: 'accent' },
        place(w, textX, y + g.py, textW, 'start', 'text'),
      ],
      w.rtl ? 'slide-left' : 'slide-right',
      c.s.items[i]!,
      { rtl: w.rtl },
    );
    y += h + g.gap;
  });
}

function stepsLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  const items = content.items ?? [];
  // A few short steps read best as a timeline across a wide frame; anything else as a list.
  const across = !c.portrait && c.W > c.H && items.length >= 2 && items.length <= 5;
  if (across) firstFitting(c, [() => stepsAcross(c, body, items), () => stepsDown(c, body, items)]);
  else stepsDown(c, body, items);
}

function stepsAcross(c: Ctx, body: Rect, items: string[]): void {
  const n = items.length;
  const colW = body.w / n;
  const textW = colW * 0.84;
  const r = fitSize(c.min, Math.max(c.min, 4.2 * c.u), (s) => {
    const wrapped = items.map((t) => wrapAt(t, textW, s, { weight: 400, lineHeight: LH_BODY }, c.measure));
    const d = 2 * s;
    const total = d + 0.9 * s + Math.max(...wrapped.map((w) => w.height));
    return { value: { wrapped, d, total }, fits: total <= body.h + 0.01 && wrapped.every((w) => w.width <= textW + 0.01 && w.lines.length <= 4) };
  });
  if (!r.fits) c.out.overflow.push('items');
  const s = r.size;
  const { wrapped, d, total } = r.value;
  const rtlAll = items.every((t) => isRtl(t));
  const top = body.y + Math.max(0, (body.h - total) / 2.4);
  const cy = top + d / 2;
  const cxOf = (i: number) => body.x + colW * ((rtlAll ? n - 1 - i : i) + 0.5);
  items.forEach((_, i) => {
    const cx = cxOf(i);
    if (i > 0) {
      const prev = cxOf(i - 1);
      const dir = cx > prev ? 1 : -1;
      const gap = 0.35 * s;
      add(c, `connector-${i}`, [{ kind: 'polyline', points: [[prev + dir * (d / 2 + gap), cy], [cx - dir * (d / 2 + gap), cy]], color: 'accent', width: Math.max(2, 0.14 * s), alpha: 0.6 }], 'draw', c.s.items[i]!);
    }
    const numeral = wrapAt(String(i + 1), d, Math.max(c.min, Math.round(0.6 * d)), { weight: 700, lineHeight: 1.2 }, c.measure);
    add(c, `step-${i}`, [{ kind: 'circle', cx, cy, r: d / 2, color: 'accent' }, place(numeral, cx - d / 2, cy - numeral.height / 2, d, 'center', 'onAccent')], 'pop', c.s.items[i]!);
    const w = wrapped[i]!;
    add(c, `item-${i}`, [place(w, cx - textW / 2, top + d + 0.9 * s, textW, 'center', 'text')], 'slide-up', c.s.items[i]!, { rtl: w.rtl });
  });
}

function stepsDown(c: Ctx, body: Rect, items: string[]): void {
  const geo = (s: number) => (c.dense ? { d: 1.4 * s, gapX: 0.7 * s, gap: 0.3 * s } : { d: 1.75 * s, gapX: 0.9 * s, gap: 0.7 * s });
  const { size, rows } = fitRows(c, 'items', items, body.h, 4.4 * c.u, (s) => {
    const g = geo(s);
    // The first line is centred on the circle, so a row is as tall as the circle or the text below the circle's centre line.
    return { textW: body.w - g.d - g.gapX, rowExtra: g.d / 2 - (s * LH_BODY) / 2, minRow: g.d, gap: g.gap };
  });
  const g = geo(size);
  const rtlAll = items.length > 0 && items.every((t) => isRtl(t));
  let y = body.y + Math.max(0, (body.h - rows.total) / 2.4);
  const cx = rtlAll ? body.x + body.w - g.d / 2 : body.x + g.d / 2;
  const centres: number[] = [];
  items.forEach((_, i) => {
    const w = rows.wrapped[i]!;
    const cy = y + g.d / 2;
    centres.push(cy);
    if (i > 0) {
      const from = centres[i - 1]! + g.d / 2;
      const to = cy - g.d / 2;
      add(c, `connector-${i}`, [{ kind: 'polyline', points: [[cx, from], [cx, to]], color: 'accent', width: Math.max(2, 0.14 * size), alpha: 0.6 }], 'draw', c.s.items[i]!);
    }
    const numeral = wrapAt(String(i + 1), g.d, Math.max(c.min, Math.round(0.62 * g.d)), { weight: 700, lineHeight: 1.2 }, c.measure);
    const numeralPart = place(numeral, cx - g.d / 2, cy - numeral.height / 2, g.d, 'center', 'onAccent');
    add(c, `step-${i}`, [{ kind: 'circle', cx, cy, r: g.d / 2, color: 'accent' }, numeralPart], 'pop', c.s.items[i]!);
    const textW = body.w - g.d - g.gapX;
    const textX = rtlAll ? body.x : body.x + g.d + g.gapX;
    add(c, `item-${i}`, [place(w, textX, cy - (size * LH_BODY) / 2, textW, 'start', 'text')], w.rtl ? 'slide-left' : 'slide-right', c.s.items[i]!, { rtl: w.rtl });
    y += rows.heights[i]! + g.gap;
  });
}

function statLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  const value = content.value ?? 0;
  const decimals = decimalsOf(value);
  const prefix = content.prefix ?? '';
  const suffix = content.suffix ?? '';
  const shown = formatStat(value, decimals, prefix, suffix);
  // Digits counted up through can be wider than the final ones: size for the widest digit in every place.
  const widest = shown.replace(/[0-9]/g, '0');
  const pad = 3.6 * c.u;
  const maxW = body.w - 2 * pad;
  const label = content.label !== undefined && content.label !== '' ? content.label : undefined;
  const labelMaxH = label ? body.h * 0.3 : 0;
  const numberMaxH = body.h - 2 * pad - labelMaxH - (label ? 2 * c.u : 0);
  const num = fitSize(c.min, Math.max(c.min, Math.min(22 * c.u, numberMaxH / 1.15)), (size) => {
    const w = Math.max(c.measure.width(shown, size, 700), c.measure.width(widest, size, 700));
    return { value: w, fits: w <= maxW && size * 1.15 <= numberMaxH + 0.01 };
  });
  if (!num.fits) c.out.overflow.push('value');
  const lw = label ? fit(c, 'label', label, { width: maxW, height: labelMaxH }, 5 * c.u, 400, LH_BODY) : undefined;
  const numH = num.size * 1.15;
  const gap = lw ? 1.6 * c.u : 0;
  const contentH = numH + gap + (lw?.height ?? 0);
  const cardW = Math.min(body.w, Math.max(body.w * 0.55, num.value + 2 * pad, (lw?.width ?? 0) + 2 * pad));
  const cardH = contentH + 2 * pad;
  const cardX = body.x + (body.w - cardW) / 2;
  const cardY = body.y + Math.max(0, (body.h - cardH) / 2.2);
  add(c, 'card', [{ kind: 'rect', x: cardX, y: cardY, w: cardW, h: cardH, radius: 2 * c.u, color: 'surface' }], 'fade', c.s.body);
  const baseline = cardY + pad + numH / 2 + num.size * 0.36;
  add(
    c,
    'value',
    [{ kind: 'number', value, decimals, prefix, suffix, cx: cardX + cardW / 2, baseline, size: num.size, color: 'accent' }],
    'pop',
    c.s.body,
    { count: c.s.count, bounds: { x: cardX + (cardW - num.value) / 2, y: cardY + pad, w: num.value, h: numH } },
  );
  c.out.fontSizes.push({ id: 'value', size: num.size });
  if (lw) add(c, 'label', [place(lw, cardX + pad, cardY + pad + numH + gap, cardW - 2 * pad, 'center', 'muted')], 'slide-up', c.s.after, { rtl: lw.rtl });
}

function quoteLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  const pad = (c.dense ? 2.4 : 3.6) * c.u;
  const quote = content.quote ?? '';
  const attribution = content.attribution !== undefined && content.attribution !== '' ? `— ${content.attribution}` : undefined;
  const rtl = isRtl(quote);
  // A large quotation mark hangs in a gutter beside the first line.
  const markAt = (s: number) => Math.round(c.dense ? 2.6 * s : Math.min(5 * s, 22 * c.u));
  const gutterAt = (s: number) => c.measure.width('\u201c', markAt(s), 700) + 0.8 * s;
  const r = fitSize(c.min, Math.max(c.min, 5.2 * c.u), (s) => {
    const textW = body.w - 2 * pad - gutterAt(s);
    const q = wrapAt(quote, textW, s, { weight: 400, lineHeight: LH_BODY }, c.measure);
    const a = attribution ? wrapAt(attribution, textW, Math.max(c.min, Math.round(0.8 * s)), { weight: 700, lineHeight: LH_BODY }, c.measure) : undefined;
    const total = 2 * pad + q.height + (a ? 0.9 * s + a.height : 0);
    return { value: { q, a, total, textW }, fits: total <= body.h + 0.01 && q.width <= textW + 0.01 && (a?.width ?? 0) <= textW + 0.01 };
  });
  if (!r.fits) c.out.overflow.push('quote');
  c.out.fontSizes.push({ id: 'quote', size: r.size });
  const { q, a, total, textW } = r.value;
  const s = r.size;
  const mark = markAt(s);
  const gutter = gutterAt(s);
  const y = body.y + Math.max(0, (body.h - total) / 2.4);
  const textX = rtl ? body.x + pad : body.x + pad + gutter;
  add(c, 'card', [{ kind: 'rect', x: body.x, y, w: body.w, h: total, radius: 2 * c.u, color: 'surface' }], 'fade', c.s.body);
  const markLine = wrapAt('\u201c', mark * 2, mark, { weight: 700, lineHeight: 1 }, c.measure);
  // Ink of the mark's top at the first line's cap height: both measured from Noto's metrics (cap 0.714 em, the mark's ink top 0.174 em below its box top).
  const capTop = y + pad + (s * LH_BODY) / 2 + 0.388 * s - 0.714 * s;
  const markTop = capTop - 0.174 * mark;
  const markX = rtl ? body.x + body.w - pad - markLine.width : body.x + pad;
  add(c, 'mark', [place(markLine, markX, markTop, markLine.width, 'start', 'accent')], 'pop', c.s.body, { bounds: { x: markX, y: capTop, w: markLine.width, h: 0.3 * mark } });
  add(c, 'quote', [place(q, textX, y + pad, textW, 'start', 'text')], 'fade', c.s.body, { rtl });
  if (a) add(c, 'attribution', [place(a, textX, y + pad + q.height + 0.9 * s, textW, 'end', 'muted')], rtl ? 'slide-right' : 'slide-left', c.s.after, { rtl: a.rtl });
}

function iconTextLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  const text = content.text ?? '';
  const sideBySide = !c.portrait;
  const D = (c.dense ? 0.55 : 1) * (sideBySide ? Math.min(body.h * 0.62, body.w * 0.28) : Math.min(body.w * 0.42, body.h * 0.3));
  const gap = (c.dense ? 3 : 4.5) * c.u;
  const rtl = isRtl(text);
  const textBox = sideBySide ? { width: body.w - D - gap, height: body.h } : { width: body.w, height: body.h - D - gap };
  const w = fit(c, 'text', text, textBox, 5.2 * c.u, 400, LH_BODY);
  let iconX: number;
  let iconY: number;
  let textX: number;
  let textY: number;
  if (sideBySide) {
    const blockH = Math.max(D, w.height);
    const top = body.y + Math.max(0, (body.h - blockH) / 2.4);
    iconX = rtl ? body.x + body.w - D : body.x;
    iconY = top + (blockH - D) / 2;
    textX = rtl ? body.x : body.x + D + gap;
    textY = top + (blockH - w.height) / 2;
  } else {
    const blockH = D + gap + w.height;
    const top = body.y + Math.max(0, (body.h - blockH) / 2.4);
    iconX = body.x + (body.w - D) / 2;
    iconY = top;
    textX = body.x;
    textY = top + D + gap;
  }
  const glyph = D * 0.5;
  add(
    c,
    'icon',
    [
      { kind: 'circle', cx: iconX + D / 2, cy: iconY + D / 2, r: D / 2, color: 'accent', alpha: 0.16 },
      { kind: 'icon', name: content.icon ?? '', x: iconX + (D - glyph) / 2, y: iconY + (D - glyph) / 2, size: glyph, color: 'accent' },
    ],
    'pop',
    c.s.body,
  );
  add(c, 'text', [place(w, textX, textY, textBox.width, sideBySide ? 'start' : 'center', 'text')], 'slide-up', c.s.body, { rtl: w.rtl });
}

function comparisonLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  firstFitting(c, [() => comparisonColumns(c, content, body, c.portrait), () => comparisonColumns(c, content, body, true)]);
}

function comparisonColumns(c: Ctx, content: SceneContent, body: Rect, stacked: boolean): void {
  const sides = [content.left ?? { heading: '', items: [] }, content.right ?? { heading: '', items: [] }];
  const G = (c.dense ? 2.5 : 5) * c.u;
  const colW = stacked ? body.w : (body.w - G) / 2;
  const colH = stacked ? (body.h - G) / 2 : body.h;
  const geo = (s: number) => (c.dense ? { pad: 0.8 * s, marker: 1 * s, gap: 0.2 * s, headGap: 0.4 * s } : { pad: Math.max(1.4 * s, 2.4 * c.u), marker: 1.2 * s, gap: 0.45 * s, headGap: 0.8 * s });
  // One size for both columns, so neither looks more important.
  const r = fitSize(c.min, Math.max(c.min, 4.2 * c.u), (s) => {
    const g = geo(s);
    const textW = colW - 2 * g.pad - g.marker;
    const cols = sides.map((side) => {
      const head = wrapAt(side.heading, colW - 2 * g.pad, Math.round(s * 1.15), { weight: 700, lineHeight: LH_TITLE }, c.measure);
      const items = side.items.map((t) => wrapAt(t, textW, s, { weight: 400, lineHeight: LH_BODY }, c.measure));
      const total = 2 * g.pad + head.height + g.headGap + items.reduce((a, w) => a + w.height, 0) + g.gap * Math.max(0, items.length - 1);
      return { head, items, total, ok: head.width <= colW - 2 * g.pad + 0.01 && items.every((w) => w.width <= textW + 0.01) };
    });
    return { value: cols, fits: cols.every((col) => col.ok && col.total <= colH + 0.01) };
  });
  if (!r.fits) c.out.overflow.push('comparison');
  const s = r.size;
  const g = geo(s);
  const cardH = stacked ? colH : Math.max(...r.value.map((col) => col.total));
  const top = stacked ? body.y : body.y + Math.max(0, (body.h - cardH) / 2.4);
  let itemIndex = 0;
  r.value.forEach((col, side) => {
    const x = stacked ? body.x : body.x + side * (colW + G);
    const y = stacked ? body.y + side * (colH + G) : top;
    const h = stacked ? col.total : cardH;
    const yy = stacked ? y + (colH - h) / 2 : y;
    c.out.fontSizes.push({ id: `heading-${side}`, size: col.head.size });
    add(
      c,
      `side-${side}`,
      [
        { kind: 'rect', x, y: yy, w: colW, h, radius: 2 * c.u, color: 'surface' },
        { kind: 'rect', x: x + g.pad, y: yy, w: colW - 2 * g.pad, h: Math.max(2, 0.6 * c.u), radius: 0, color: side === 0 ? 'accent' : 'muted' },
        place(col.head, x + g.pad, yy + g.pad, colW - 2 * g.pad, 'start', side === 0 ? 'accent' : 'text'),
      ],
      'fade',
      c.s.body,
      { rtl: col.head.rtl },
    );
    let iy = yy + g.pad + col.head.height + g.headGap;
    col.items.forEach((w) => {
      const mx = w.rtl ? x + colW - g.pad - 0.3 * s : x + g.pad + 0.3 * s;
      add(
        c,
        `item-${itemIndex}`,
        [{ kind: 'circle', cx: mx, cy: iy + (s * LH_BODY) / 2, r: 0.22 * s, color: side === 0 ? 'accent' : 'muted' }, place(w, w.rtl ? x + g.pad : x + g.pad + g.marker, iy, colW - 2 * g.pad - g.marker, 'start', 'text')],
        w.rtl ? 'slide-left' : 'slide-right',
        c.s.items[itemIndex] ?? c.s.body,
        { rtl: w.rtl },
      );
      iy += w.height + g.gap;
      itemIndex++;
    });
  });
  // "vs" between the columns: our own label, not user text.
  const badge = Math.max(5.5 * c.u, 2 * s);
  const bcx = stacked ? body.x + body.w / 2 : body.x + colW + G / 2;
  const bcy = stacked ? body.y + colH + G / 2 : top + cardH / 2;
  const vs = wrapAt('vs', badge, Math.max(c.min, Math.round(badge * 0.4)), { weight: 700, lineHeight: 1.2 }, c.measure);
  add(c, 'vs', [{ kind: 'circle', cx: bcx, cy: bcy, r: badge / 2, color: 'accent' }, place(vs, bcx - badge / 2, bcy - vs.height / 2, badge, 'center', 'onAccent')], 'pop', c.s.body);
}

function chartLayout(c: Ctx, content: SceneContent): void {
  const body = heading(c, content.title);
  const chart = content.chart ?? { type: 'bar' as const, labels: [], values: [] };
  const n = Math.min(chart.labels.length, chart.values.length);
  const labels = chart.labels.slice(0, n);
  const values = chart.values.slice(0, n);
  const valueTexts = values.map(formatChartValue);
  const unit = chart.unit !== undefined && chart.unit !== '' ? chart.unit : undefined;
  // A pie needs parts of a positive whole; anything else is shown as bars.
  const pieOk = chart.type === 'pie' && values.every((v) => v >= 0) && values.some((v) => v > 0);
  const vertical = (type: 'column' | 'line') => () => verticalChart(c, body, type, labels, values, valueTexts, unit);
  const horizontal = (type: 'bar' | 'line') => () => horizontalChart(c, body, type, labels, values, valueTexts, unit);
  if (pieOk) firstFitting(c, [() => pieLayout(c, body, labels, values, unit, c.portrait), () => pieLayout(c, body, labels, values, unit, true), horizontal('bar'), vertical('column')]);
  else if (chart.type === 'column') firstFitting(c, [vertical('column'), horizontal('bar')]);
  else if (chart.type === 'line') firstFitting(c, [vertical('line'), horizontal('line')]);
  // Bars, and a pie that cannot be one (negative or all-zero values).
  else firstFitting(c, [horizontal('bar'), vertical('column')]);
}

function unitCaption(c: Ctx, unit: string | undefined, body: Rect, s: number): { part?: Extract<Part, { kind: 'text' }>; height: number } {
  if (!unit) return { height: 0 };
  const w = wrapAt(unit, body.w, Math.max(c.min, Math.round(0.85 * s)), { weight: 700, lineHeight: LH_BODY }, c.measure);
  return { part: place(w, body.x, body.y, body.w, 'start', 'muted'), height: w.height + 0.5 * s };
}

function axisRange(values: number[]): { lo: number; hi: number; span: number } {
  const lo = Math.min(0, ...values);
  const hi = Math.max(0, ...values);
  return { lo, hi, span: hi - lo || 1 };
}

function horizontalChart(c: Ctx, body: Rect, type: 'bar' | 'line', labels: string[], values: number[], valueTexts: string[], unit: string | undefined): void {
  const { lo, span } = axisRange(values);
  const negatives = values.some((v) => v < 0);
  const r = fitSize(c.min, Math.max(c.min, 3.8 * c.u), (s) => {
    const cap = unitCaption(c, unit, body, s);
    const natural = Math.max(...labels.map((l) => c.measure.width(l, s, 400)));
    const labelW = Math.min(body.w * (c.dense ? 0.46 : 0.34), natural);
    const valueW = Math.max(...valueTexts.map((t) => c.measure.width(t, s, 700)));
    const wrapped = labels.map((l) => wrapAt(l, labelW, s, { weight: 400, lineHeight: 1.2 }, c.measure));
    const rowHs = wrapped.map((w) => Math.max(w.height, (c.dense ? 1.2 : 1.3) * s));
    const gap = (c.dense ? 0.2 : 0.45) * s;
    const total = cap.height + rowHs.reduce((a, b) => a + b, 0) + gap * (labels.length - 1);
    const plotW = body.w - labelW - 0.8 * s - (valueW + 0.5 * s) * (negatives ? 2 : 1);
    return { value: { cap, labelW, valueW, wrapped, rowHs, gap, total, plotW }, fits: total <= body.h + 0.01 && plotW >= body.w * (c.dense ? 0.18 : 0.25) && wrapped.every((w) => w.width <= labelW + 0.01) };
  });
  if (!r.fits) c.out.overflow.push('chart');
  const s = r.size;
  const { cap, labelW, valueW, wrapped, rowHs, gap, total, plotW } = r.value;
  let y = body.y + Math.max(0, (body.h - total) / 2.4);
  const axisParts: Part[] = [];
  if (cap.part) {
    cap.part.lines.forEach((l) => (l.baseline += y - body.y));
    cap.part.bounds = { ...cap.part.bounds, y };
    axisParts.push(cap.part);
    c.out.fontSizes.push({ id: 'unit', size: cap.part.size });
  }
  y += cap.height;
  const plotX = body.x + labelW + 0.8 * s + (negatives ? valueW + 0.5 * s : 0);
  const zeroX = plotX + ((0 - lo) / span) * plotW;
  const rowsH = rowHs.reduce((a, b) => a + b, 0) + gap * (labels.length - 1);
  axisParts.push({ kind: 'rect', x: zeroX - Math.max(1, 0.12 * s), y, w: Math.max(2, 0.24 * s), h: rowsH, radius: 0, color: 'muted', alpha: 0.6 });
  add(c, 'chart-axis', axisParts, 'fade', c.s.items[0] ?? c.s.body);
  const points: Array<[number, number]> = [];
  labels.forEach((_, i) => {
    const rowH = rowHs[i]!;
    const mid = y + rowH / 2;
    const v = values[i]!;
    const endX = plotX + ((v - lo) / span) * plotW;
    const w = wrapped[i]!;
    const labelPart = place(w, body.x, mid - w.height / 2, labelW, 'end', 'muted');
    // Right-to-left labels still end at the plot: align them to the label column's right edge.
    labelPart.lines.forEach((l) => (l.x = body.x + labelW - l.width));
    const vt = wrapAt(valueTexts[i]!, valueW + 1, s, { weight: 700, lineHeight: 1.2 }, c.measure);
    const vx = v >= 0 ? endX + 0.5 * s : endX - 0.5 * s - vt.width;
    const valuePart = place(vt, vx, mid - vt.height / 2, vt.width, 'start', 'text');
    const window = c.s.items[i]!;
    if (type === 'bar') {
      const th = Math.min(rowH * 0.78, 1.1 * s);
      add(c, `item-${i}`, [labelPart, { kind: 'rect', x: Math.min(zeroX, endX), y: mid - th / 2, w: Math.max(1, Math.abs(endX - zeroX)), h: th, radius: Math.min(th / 2, 0.3 * s), color: 'accent', grow: v >= 0 ? 'right' : 'left' }, valuePart], 'grow', window);
    } else {
      const prev = points[points.length - 1];
      points.push([endX, mid]);
      const parts: Part[] = [labelPart];
      if (prev) parts.push({ kind: 'polyline', points: [prev, [endX, mid]], color: 'accent', width: Math.max(2, 0.2 * s) });
      parts.push({ kind: 'circle', cx: endX, cy: mid, r: 0.36 * s, color: 'accent' }, valuePart);
      add(c, `item-${i}`, parts, 'grow', window);
    }
    y += rowH + gap;
  });
}

function verticalChart(c: Ctx, body: Rect, type: 'column' | 'line', labels: string[], values: number[], valueTexts: string[], unit: string | undefined): void {
  const n = labels.length;
  const { lo, hi, span } = axisRange(values);
  const colW = body.w / Math.max(1, n);
  const r = fitSize(c.min, Math.max(c.min, 3.6 * c.u), (s) => {
    const cap = unitCaption(c, unit, body, s);
    const wrapped = labels.map((l) => wrapAt(l, colW * 0.92, s, { weight: 400, lineHeight: 1.2 }, c.measure));
    const labelsH = Math.max(...wrapped.map((w) => w.height));
    const valueW = Math.max(...valueTexts.map((t) => c.measure.width(t, s, 700)));
    const valueH = 1.4 * s;
    const plotH = body.h - cap.height - labelsH - 0.6 * s - valueH * (lo < 0 ? 2 : 1);
    return { value: { cap, wrapped, labelsH, valueH, plotH }, fits: plotH >= body.h * 0.4 && valueW <= colW * 0.95 && wrapped.every((w) => w.width <= colW * 0.92 + 0.01) };
  });
  if (!r.fits) c.out.overflow.push('chart');
  const s = r.size;
  const { cap, wrapped, valueH, plotH } = r.value;
  const axisParts: Part[] = [];
  if (cap.part) {
    axisParts.push(cap.part);
    c.out.fontSizes.push({ id: 'unit', size: cap.part.size });
  }
  const plotTop = body.y + cap.height + valueH;
  const zeroY = plotTop + (hi / span) * plotH;
  const axisBottom = plotTop + plotH + (lo < 0 ? valueH : 0);
  axisParts.push({ kind: 'rect', x: body.x, y: zeroY - Math.max(1, 0.1 * s), w: body.w, h: Math.max(2, 0.2 * s), radius: 0, color: 'muted', alpha: 0.6 });
  add(c, 'chart-axis', axisParts, 'fade', c.s.items[0] ?? c.s.body);
  const points: Array<[number, number]> = [];
  labels.forEach((_, i) => {
    const cx = body.x + colW * (i + 0.5);
    const v = values[i]!;
    const vy = zeroY - (v / span) * plotH;
    const w = wrapped[i]!;
    const labelPart = place(w, cx - colW * 0.46, axisBottom + 0.6 * s, colW * 0.92, 'center', 'muted');
    const vt = wrapAt(valueTexts[i]!, colW, s, { weight: 700, lineHeight: 1.2 }, c.measure);
    const valueTop = v >= 0 ? vy - valueH : vy + 0.1 * s;
    const valuePart = place(vt, cx - colW / 2, valueTop + (valueH - vt.height) / 2, colW, 'center', 'text');
    const window = c.s.items[i]!;
    if (type === 'column') {
      const bw = Math.min(colW * 0.62, 6 * s);
      add(c, `item-${i}`, [{ kind: 'rect', x: cx - bw / 2, y: Math.min(vy, zeroY), w: bw, h: Math.max(1, Math.abs(zeroY - vy)), radius: Math.min(bw / 2, 0.3 * s), color: 'accent', grow: v >= 0 ? 'up' : 'down' }, valuePart, labelPart], 'grow', window);
    } else {
      const prev = points[points.length - 1];
      points.push([cx, vy]);
      const parts: Part[] = [];
      if (prev) parts.push({ kind: 'polyline', points: [prev, [cx, vy]], color: 'accent', width: Math.max(2, 0.22 * s) });
      parts.push({ kind: 'circle', cx, cy: vy, r: 0.38 * s, color: 'accent' }, valuePart, labelPart);
      add(c, `item-${i}`, parts, 'grow', window);
    }
  });
}

function pieLayout(c: Ctx, bodyIn: Rect, labels: string[], values: number[], unit: string | undefined, stacked: boolean): void {
  let body = bodyIn;
  const sum = values.reduce((a, b) => a + b, 0);
  const side = !stacked;
  const D = (c.dense ? 0.7 : 1) * (side ? Math.min(body.h, body.w * 0.42) : Math.min(body.w * 0.7, body.h * 0.42));
  const gap = 4 * c.u;
  const legend: Rect = side ? { x: body.x + D + gap, y: body.y, w: body.w - D - gap, h: body.h } : { x: body.x, y: body.y + D + gap, w: body.w, h: body.h - D - gap };
  const pct = values.map((v) => `${formatChartValue(v)} · ${Math.round((v / sum) * 100)}%`);
  const r = fitSize(c.min, Math.max(c.min, 3.6 * c.u), (s) => {
    const cap = unitCaption(c, unit, legend, s);
    const sw = 0.9 * s;
    const valueW = Math.max(...pct.map((t) => c.measure.width(t, s, 700)));
    const textW = legend.w - sw - 0.6 * s - valueW - 0.8 * s;
    const wrapped = labels.map((l) => wrapAt(l, textW, s, { weight: 400, lineHeight: 1.2 }, c.measure));
    const gapY = (c.dense ? 0.15 : 0.4) * s;
    const total = cap.height + wrapped.reduce((a, w) => a + Math.max(w.height, 1.2 * s), 0) + gapY * (labels.length - 1);
    return { value: { cap, sw, valueW, textW, wrapped, gapY, total }, fits: textW >= legend.w * 0.3 && total <= legend.h + 0.01 && wrapped.every((w) => w.width <= textW + 0.01) };
  });
  if (!r.fits) c.out.overflow.push('chart');
  const s = r.size;
  const { cap, sw, valueW, wrapped, gapY, total } = r.value;
  // The legend is as wide as its longest row, and pie + legend sit centred together.
  const textW = Math.min(r.value.textW, Math.max(...wrapped.map((w) => w.width)));
  const legendW = Math.max(sw + 0.6 * s + textW + 1.6 * s + valueW, cap.part ? Math.max(...cap.part.lines.map((l) => l.width)) : 0);
  const legendX0 = legend.x;
  if (side) {
    const shift = Math.max(0, (body.w - (D + gap + legendW)) / 2);
    body = { ...body, x: body.x + shift };
    legend.x += shift;
  } else {
    legend.x += Math.max(0, (legend.w - legendW) / 2);
  }
  legend.w = Math.min(legend.w, legendW);
  if (cap.part) {
    const dx = legend.x - legendX0;
    cap.part.lines.forEach((l) => (l.x += dx));
    cap.part.bounds = { ...cap.part.bounds, x: cap.part.bounds.x + dx, w: Math.min(cap.part.bounds.w, legendW) };
  }
  const blockTop = side ? body.y + Math.max(0, (body.h - Math.max(D, total)) / 2.4) : body.y;
  const cx = side ? body.x + D / 2 : body.x + body.w / 2;
  const cy = side ? blockTop + Math.max(D, total) / 2 : body.y + D / 2;
  let y = side ? blockTop + (Math.max(D, total) - total) / 2 : legend.y;
  if (cap.part) {
    cap.part.lines.forEach((l) => (l.baseline += y - legend.y));
    cap.part.bounds = { ...cap.part.bounds, y };
    c.out.fontSizes.push({ id: 'unit', size: cap.part.size });
    add(c, 'chart-axis', [cap.part], 'fade', c.s.items[0] ?? c.s.body);
  }
  y += cap.height;
  let a = -Math.PI / 2;
  labels.forEach((_, i) => {
    const sweep = (values[i]! / sum) * Math.PI * 2;
    const color = `series${i % 6}` as ColorRole;
    const w = wrapped[i]!;
    const rowH = Math.max(w.height, 1.2 * s);
    const mid = y + rowH / 2;
    const vt = wrapAt(pct[i]!, valueW + 1, s, { weight: 700, lineHeight: 1.2 }, c.measure);
    add(
      c,
      `item-${i}`,
      [
        { kind: 'slice', cx, cy, r: D / 2, inner: D * 0.29, a0: a, a1: a + sweep, color },
        { kind: 'rect', x: legend.x, y: mid - sw / 2, w: sw, h: sw, radius: sw * 0.25, color },
        place(w, legend.x + sw + 0.6 * s, mid - w.height / 2, textW, 'start', 'text'),
        place(vt, legend.x + legend.w - vt.width, mid - vt.height / 2, vt.width, 'start', 'muted'),
      ],
      'grow',
      c.s.items[i]!,
    );
    a += sweep;
    y += rowH + gapY;
  });
}

/**
 * Lays a scene out in a frame: the same answer for the same scene, frame and
 * fonts. Roomy first; text that does not fit gets tighter chrome and a
 * smaller heading before anything is reported as overflowing.
 */
export function layoutScene(scene: RenderPlanScene, frame: FrameSize, measure: Measurer): SceneLayout {
  const attempts: Array<{ dense: boolean; titleShare: number }> = [
    { dense: false, titleShare: 0.25 },
    { dense: true, titleShare: 0.2 },
    { dense: true, titleShare: 0.12 },
  ];
  let last: SceneLayout | undefined;
  for (const a of attempts) {
    last = layoutOnce(scene, frame, measure, a.dense, a.titleShare);
    if (last.overflow.length === 0) return last;
  }
  return last!;
}

function layoutOnce(scene: RenderPlanScene, frame: FrameSize, measure: Measurer, dense: boolean, titleShare: number): SceneLayout {
  const { width: W, height: H } = frame;
  const safe = safeArea(W, H);
  const portrait = H > W * 1.2;
  // A tall frame has room for larger type than its short side suggests.
  const u = (Math.min(W, H) / 100) * (portrait ? 1.3 : 1);
  const pad = 2 * (Math.min(W, H) / 100);
  const region = { x: safe.x + pad, y: safe.y + pad, w: safe.w - 2 * pad, h: safe.h - 2 * pad };
  const out: SceneLayout = { elements: [], safe, region, minFont: minFontSize(W, H), overflow: [], fontSizes: [] };
  const c: Ctx = { W, H, u, min: out.minFont, region, portrait, measure, s: sceneSchedule(scene, frame.fps), out, dense, titleShare };
  const content = scene.content;
  switch (scene.layout) {
    case 'title':
      centredStack(c, content, { titleMax: 10, closing: false });
      break;
    case 'closing':
      centredStack(c, content, { titleMax: 8.5, closing: true });
      break;
    case 'text':
      textLayout(c, content);
      break;
    case 'bullets':
      bulletsLayout(c, content);
      break;
    case 'steps':
      stepsLayout(c, content);
      break;
    case 'stat':
      statLayout(c, content);
      break;
    case 'chart':
      chartLayout(c, content);
      break;
    case 'quote':
      quoteLayout(c, content);
      break;
    case 'icon_text':
      iconTextLayout(c, content);
      break;
    case 'comparison':
      comparisonLayout(c, content);
      break;
  }
  return out;
}
