/** Frame geometry shared by layout, drawing and tests: the safe area, the size unit and the minimum font size. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The title-safe margin on each side, as a fraction of the frame's width and height. */
export const SAFE_MARGIN = 0.05;
/** The smallest font size any text is shrunk to, as a fraction of the frame's short side (12 px at 480p, 18 at 720p, 27 at 1080p). */
export const MIN_FONT_FRACTION = 0.025;

export function safeArea(width: number, height: number): Rect {
  const x = Math.ceil(width * SAFE_MARGIN);
  const y = Math.ceil(height * SAFE_MARGIN);
  return { x, y, w: width - 2 * x, h: height - 2 * y };
}

export function minFontSize(width: number, height: number): number {
  return Math.round(Math.min(width, height) * MIN_FONT_FRACTION);
}

export function inside(inner: Rect, outer: Rect, tolerance = 0.5): boolean {
  return inner.x >= outer.x - tolerance && inner.y >= outer.y - tolerance && inner.x + inner.w <= outer.x + outer.w + tolerance && inner.y + inner.h <= outer.y + outer.h + tolerance;
}

export function union(rects: Rect[]): Rect {
  if (rects.length === 0) return { x: 0, y: 0, w: 0, h: 0 };
  const x0 = Math.min(...rects.map((r) => r.x));
  const y0 = Math.min(...rects.map((r) => r.y));
  const x1 = Math.max(...rects.map((r) => r.x + r.w));
  const y1 = Math.max(...rects.map((r) => r.y + r.h));
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}
