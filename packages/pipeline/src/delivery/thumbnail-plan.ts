/** Pure planning of poster, thumbnails and the scrubbing sprite sheet. */

/** An even height for `width`, keeping the source's aspect ratio (x264 and JPEG-friendly). */
export function scaledHeight(srcWidth: number, srcHeight: number, width: number): number {
  return Math.max(2, Math.round((srcHeight * width) / srcWidth / 2) * 2);
}

/** N timestamps at the centres of N equal slices of the video. */
export function thumbnailTimes(durationSeconds: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => round3(((i + 0.5) * durationSeconds) / count));
}

/** The poster frame: 10% in (past the first fade), never past the end. */
export function posterTime(durationSeconds: number): number {
  return round3(Math.max(0, Math.min(durationSeconds * 0.1, durationSeconds - 0.1)));
}

export interface SpritePlan {
  intervalSeconds: number;
  count: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
}

export interface SpritePlanInput {
  durationSeconds: number;
  srcWidth: number;
  srcHeight: number;
  tileWidth?: number;
  maxTiles?: number;
  columns?: number;
}

/** One tile per whole-second interval, at most maxTiles tiles, in rows of `columns`. */
export function spritePlan(input: SpritePlanInput): SpritePlan {
  const { durationSeconds, srcWidth, srcHeight, tileWidth = 160, maxTiles = 100, columns = 10 } = input;
  const intervalSeconds = Math.max(1, Math.ceil(durationSeconds / maxTiles));
  const count = Math.max(1, Math.ceil(durationSeconds / intervalSeconds));
  const cols = Math.min(columns, count);
  return { intervalSeconds, count, columns: cols, rows: Math.ceil(count / cols), tileWidth, tileHeight: scaledHeight(srcWidth, srcHeight, tileWidth) };
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3600000);
  const m = Math.floor((ms % 3600000) / 60000);
  const s = Math.floor((ms % 60000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

/** The WebVTT storyboard: one cue per tile, pointing at its rectangle with a media fragment (#xywh=). */
export function storyboardVtt(plan: SpritePlan, durationSeconds: number, spriteUri: string): string {
  const cues: string[] = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.intervalSeconds;
    const end = Math.min((i + 1) * plan.intervalSeconds, durationSeconds);
    if (end <= start) break;
    const x = (i % plan.columns) * plan.tileWidth;
    const y = Math.floor(i / plan.columns) * plan.tileHeight;
    cues.push(`${vttTime(start)} --> ${vttTime(end)}`, `${spriteUri}#xywh=${x},${y},${plan.tileWidth},${plan.tileHeight}`, '');
  }
  return cues.join('\n');
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The frame showing at `seconds` (the last one at or before it), within [0, totalFrames). Pure. */
export function frameAt(seconds: number, fps: number, totalFrames: number): number {
  return Math.max(0, Math.min(totalFrames - 1, Math.floor(seconds * fps + 1e-6)));
}

export interface StillFrames {
  /** Frame numbers in the order they are piped: the poster, the thumbnails, then one per sprite tile. */
  poster: number;
  thumbnails: number[];
  sprite: number[];
}

/**
 * The frames the poster, the thumbnails and the sprite's tiles show, by frame
 * number: the same instants the MP4 was grabbed at (posterTime,
 * thumbnailTimes, a tile every plan.intervalSeconds from 0). Pure.
 */
export function stillFrames(input: { fps: number; totalFrames: number; count: number; sprite: SpritePlan }): StillFrames {
  const { fps, totalFrames, count, sprite } = input;
  const duration = totalFrames / fps;
  return {
    poster: frameAt(posterTime(duration), fps, totalFrames),
    thumbnails: thumbnailTimes(duration, count).map((t) => frameAt(t, fps, totalFrames)),
    sprite: Array.from({ length: sprite.count }, (_, i) => frameAt(i * sprite.intervalSeconds, fps, totalFrames)),
  };
}
