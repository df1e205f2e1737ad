import type { FontWeight, TextMeasurer } from './text-measurer';

/** The title-safe margin on every side, as a fraction of the frame. */
export const SAFE_MARGIN = 0.05;
/** Layout keeps 2% more inside the safe area as a cushion for hinting and kerning differences. */
export const LAYOUT_MARGIN = 0.07;

export interface LaidOutLine {
  text: string;
  weight: FontWeight;
  sizePx: number;
  /** Top of the line box in pixels. */
  y: number;
  /** Baseline in pixels: drawtext gets y=baseline-ascent so every line sits on the same grid. */
  baseline: number;
  /** Left edge in pixels, centred by measured width. */
  x: number;
  /** Measured advance width. */
  width: number;
}

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface SceneLayout {
  lines: LaidOutLine[];
  /** Accent rule between title and body, when both exist. */
  rule: Rect | null;
  /** True when text had to be cut (with an ellipsis) to fit. */
  truncated: boolean;
}

export interface LayoutInput {
  width: number;
  height: number;
  title: string;
  text: string;
  measurer: Pick<TextMeasurer, 'width' | 'lineHeight' | 'ascent'>;
}

const TITLE_EM = 0.08;
const BODY_EM = 0.05;
const SCALES = [1, 0.9, 0.8, 0.7, 0.62];
const LINE_STEP = 1.12;
const MAX_TITLE_LINES = 3;
const ELLIPSIS = '…';

/** Splits a word wider than the line into pieces by code point. */
function splitWord(word: string, fits: (s: string) => boolean): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const ch of word) {
    if (current && !fits(current + ch)) {
      pieces.push(current);
      current = ch;
    } else current += ch;
  }
  if (current) pieces.push(current);
  return pieces;
}

/** Greedy word wrap by measured width; explicit newlines are kept. */
export function wrapMeasured(text: string, maxWidth: number, measure: (s: string) => number): string[] {
  const fits = (s: string) => measure(s) <= maxWidth;
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ').filter(Boolean)) {
      const candidate = line ? `${line} ${word}` : word;
      if (fits(candidate)) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      line = '';
      if (fits(word)) line = word;
      else {
        const pieces = splitWord(word, fits);
        line = pieces.pop() ?? '';
        lines.push(...pieces);
      }
    }
    if (line) lines.push(line);
  }
  return lines;
}

/** Keeps `max` lines; the last kept one ends with an ellipsis that still fits. */
export function truncateLines(lines: string[], max: number, maxWidth: number, measure: (s: string) => number): string[] {
  if (lines.length <= max) return lines;
  const kept = lines.slice(0, Math.max(0, max));
  const last = kept.pop();
  if (last === undefined) return kept;
  let chars = [...last];
  while (chars.length > 0 && measure(`${chars.join('').trimEnd()}${ELLIPSIS}`) > maxWidth) chars = chars.slice(0, -1);
  kept.push(`${chars.join('').trimEnd()}${ELLIPSIS}`);
  return kept;
}

interface Attempt {
  titleLines: string[];
  bodyLines: string[];
  titleSize: number;
  bodySize: number;
  height: number;
}

/**
 * Lays out a scene: title (bold) and body word-wrapped with real font
 * metrics inside the layout box, shrinking the type down to 62% before
 * cutting lines, the block centred vertically. Pure.
 */
export function layoutScene(input: LayoutInput): SceneLayout {
  const { width: W, height: H, title, text, measurer } = input;
  const boxLeft = W * LAYOUT_MARGIN;
  const boxW = W - 2 * boxLeft;
  const boxTop = H * LAYOUT_MARGIN;
  const boxH = H - 2 * boxTop;
  const gap = Math.round(H * 0.06);
  const ruleH = Math.max(2, Math.round(H * 0.005));

  const attempt = (scale: number): Attempt => {
    const titleSize = Math.round(H * TITLE_EM * scale);
    const bodySize = Math.round(H * BODY_EM * scale);
    const titleLines = title ? wrapMeasured(title, boxW, (s) => measurer.width(s, 'bold', titleSize)) : [];
    const bodyLines = text ? wrapMeasured(text, boxW, (s) => measurer.width(s, 'regular', bodySize)) : [];
    const height = blockHeight(titleLines.length, titleSize, bodyLines.length, bodySize);
    return { titleLines, bodyLines, titleSize, bodySize, height };
  };
  const step = (weight: FontWeight, size: number) => Math.ceil(measurer.lineHeight(weight, size) * LINE_STEP);
  const blockHeight = (nTitle: number, titleSize: number, nBody: number, bodySize: number) => {
    const t = nTitle > 0 ? (nTitle - 1) * step('bold', titleSize) + Math.ceil(measurer.lineHeight('bold', titleSize)) : 0;
    const b = nBody > 0 ? (nBody - 1) * step('regular', bodySize) + Math.ceil(measurer.lineHeight('regular', bodySize)) : 0;
    return t + b + (nTitle > 0 && nBody > 0 ? gap : 0);
  };

  let chosen: Attempt | null = null;
  for (const scale of SCALES) {
    const a = attempt(scale);
    if (a.height <= boxH && a.titleLines.length <= MAX_TITLE_LINES) {
      chosen = a;
      break;
    }
  }
  let truncated = false;
  if (!chosen) {
    const a = attempt(SCALES[SCALES.length - 1] ?? 1);
    truncated = true;
    const mTitle = (s: string) => measurer.width(s, 'bold', a.titleSize);
    const mBody = (s: string) => measurer.width(s, 'regular', a.bodySize);
    let titleLines = truncateLines(a.titleLines, MAX_TITLE_LINES, boxW, mTitle);
    let bodyLines = a.bodyLines;
    let maxBody = bodyLines.length;
    while (maxBody > 0 && blockHeight(titleLines.length, a.titleSize, maxBody, a.bodySize) > boxH) maxBody--;
    bodyLines = truncateLines(bodyLines, maxBody, boxW, mBody);
    if (blockHeight(titleLines.length, a.titleSize, bodyLines.length, a.bodySize) > boxH) {
      titleLines = truncateLines(titleLines, 1, boxW, mTitle);
    }
    chosen = { ...a, titleLines, bodyLines, height: blockHeight(titleLines.length, a.titleSize, bodyLines.length, a.bodySize) };
  }

  const lines: LaidOutLine[] = [];
  let y = Math.round(boxTop + Math.max(0, (boxH - chosen.height) / 2));
  const place = (textLine: string, weight: FontWeight, sizePx: number) => {
    const w = measurer.width(textLine, weight, sizePx);
    lines.push({ text: textLine, weight, sizePx, y, baseline: Math.round(y + measurer.ascent(weight, sizePx)), x: Math.round((W - w) / 2), width: w });
    y += step(weight, sizePx);
  };
  for (const l of chosen.titleLines) place(l, 'bold', chosen.titleSize);
  let rule: Rect | null = null;
  if (chosen.titleLines.length > 0 && chosen.bodyLines.length > 0) {
    y += gap - step('bold', chosen.titleSize) + Math.ceil(measurer.lineHeight('bold', chosen.titleSize));
    rule = { x: Math.round(W * 0.4), y: Math.round(y - gap / 2 - ruleH / 2), w: Math.round(W * 0.2), h: ruleH };
  }
  for (const l of chosen.bodyLines) place(l, 'regular', chosen.bodySize);
  return { lines, rule, truncated };
}
