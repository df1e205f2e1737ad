import type { SKRSContext2D } from '@napi-rs/canvas';
import type { BurnedCaption } from '@vidgen/core';
import { fontString, sanitizeText } from './fonts';

/**
 * Burned captions: the spoken line in a dark box near the bottom, the word
 * being spoken highlighted. Fixed colours rather than the theme's: white and
 * amber on a 78% black box read over any theme and any scene behind them.
 */
export const CAPTION_COLORS = Object.freeze({ box: 'rgba(0, 0, 0, 0.78)', text: '#ffffff', current: '#ffd84d' });

/** The caption showing at global frame n, or undefined (captions are in order and do not overlap). */
export function captionAt(captions: readonly BurnedCaption[] | undefined, n: number): BurnedCaption | undefined {
  if (!captions || captions.length === 0) return undefined;
  let lo = 0;
  let hi = captions.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (captions[mid]!.startFrame <= n) lo = mid;
    else hi = mid - 1;
  }
  const c = captions[lo]!;
  return c.startFrame <= n && n < c.endFrame ? c : undefined;
}

/** The frames at which a caption's picture changes: its start, each word's start, its end. */
export function captionChangeFrames(captions: readonly BurnedCaption[] | undefined): number[] {
  return (captions ?? []).flatMap((c) => [c.startFrame, c.endFrame, ...c.lines.flatMap((l) => l.map((w) => w.startFrame))]);
}

/** Draws caption c as it is at global frame n onto ctx (width × height). */
export function drawCaption(ctx: SKRSContext2D, c: BurnedCaption, n: number, width: number, height: number): void {
  const words = c.lines.flat();
  // The current word: the last one already heard.
  let current = -1;
  words.forEach((w, i) => {
    if (w.startFrame <= n) current = i;
  });
  const lines = c.lines.map((l) => l.map((w) => sanitizeText(w.text).text));
  let size = Math.round(Math.min(width, height) * 0.05);
  const maxWidth = width * 0.9;
  const space = () => ctx.measureText(' ').width;
  const lineWidth = (l: string[]) => l.reduce((a, t) => a + ctx.measureText(t).width, 0) + space() * Math.max(0, l.length - 1);
  ctx.save();
  ctx.font = fontString(size, 700);
  const widest = Math.max(...lines.map(lineWidth));
  if (widest > maxWidth) {
    size = Math.max(8, Math.floor((size * maxWidth) / widest));
    ctx.font = fontString(size, 700);
  }
  const lineHeight = Math.round(size * 1.3);
  const pad = Math.round(size * 0.45);
  const boxW = Math.min(width, Math.max(...lines.map(lineWidth)) + pad * 2);
  const boxH = lineHeight * lines.length + pad * 2 - Math.round(size * 0.3);
  const boxX = Math.round((width - boxW) / 2);
  const boxY = Math.round(height - height * 0.06 - boxH);
  ctx.fillStyle = CAPTION_COLORS.box;
  ctx.beginPath();
  ctx.roundRect(boxX, boxY, boxW, boxH, Math.round(size * 0.3));
  ctx.fill();
  ctx.textBaseline = 'top';
  ctx.textAlign = 'left';
  let index = 0;
  lines.forEach((l, row) => {
    let x = Math.round((width - lineWidth(l)) / 2);
    const y = boxY + pad + row * lineHeight;
    for (const t of l) {
      ctx.fillStyle = index === current ? CAPTION_COLORS.current : CAPTION_COLORS.text;
      ctx.fillText(t, x, y);
      x += ctx.measureText(t).width + space();
      index += 1;
    }
  });
  ctx.restore();
}
