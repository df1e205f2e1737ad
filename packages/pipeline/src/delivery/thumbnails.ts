import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '@vidgen/ffmpeg';
import { framesArgs, spriteArgs } from './thumbnail-args';
import { posterTime, scaledHeight, spritePlan, storyboardVtt, thumbnailTimes } from './thumbnail-plan';

export interface ImageFile {
  path: string;
  width: number;
  height: number;
  sizeBytes: number;
}

export interface ThumbnailSet {
  poster: ImageFile;
  thumbnails: ImageFile[];
  sprite: ImageFile;
  storyboardPath: string;
}

export interface RenderThumbnailsOptions {
  ffmpegPath: string;
  input: string;
  outDir: string;
  durationSeconds: number;
  width: number;
  height: number;
  count: number;
  thumbnailWidth: number;
  /** How the storyboard refers to the sprite (relative to the storyboard's own URL). */
  spriteUri?: string;
  signal?: AbortSignal;
  onProgress?: (percentage: number) => void;
}

/** Poster (full size), N evenly spaced thumbnails, the sprite sheet and its WebVTT storyboard. */
export async function renderThumbnails(options: RenderThumbnailsOptions): Promise<ThumbnailSet> {
  const { ffmpegPath, input, outDir, durationSeconds, width, height, count, thumbnailWidth, spriteUri = 'sprite.jpg', signal, onProgress } = options;
  await mkdir(outDir, { recursive: true });
  const thumbHeight = scaledHeight(width, height, thumbnailWidth);
  const poster = { path: path.join(outDir, 'poster.jpg'), width, height };
  const thumbs = thumbnailTimes(durationSeconds, count).map((t, i) => ({ atSeconds: t, path: path.join(outDir, `thumb-${String(i + 1).padStart(3, '0')}.jpg`), width: thumbnailWidth, height: thumbHeight }));
  const frames = [{ ...poster, atSeconds: posterTime(durationSeconds) }, ...thumbs].map((f) => ({ atSeconds: f.atSeconds, width: f.width, height: f.height, output: f.path }));
  await runFfmpeg({ ffmpegPath, args: framesArgs({ input, frames }), signal });
  onProgress?.(50);

  const plan = spritePlan({ durationSeconds, srcWidth: width, srcHeight: height });
  const sprite = { path: path.join(outDir, 'sprite.jpg'), width: plan.columns * plan.tileWidth, height: plan.rows * plan.tileHeight };
  await runFfmpeg({ ffmpegPath, args: spriteArgs(input, plan, sprite.path), signal, expectedDurationSeconds: durationSeconds, onProgress: (p) => onProgress?.(50 + (p.percentage ?? 0) * 0.45) });
  const storyboardPath = path.join(outDir, 'storyboard.vtt');
  await writeFile(storyboardPath, storyboardVtt(plan, durationSeconds, spriteUri));
  onProgress?.(100);

  const sized = async (f: { path: string; width: number; height: number }): Promise<ImageFile> => ({ path: f.path, width: f.width, height: f.height, sizeBytes: (await stat(f.path)).size });
  return { poster: await sized(poster), thumbnails: await Promise.all(thumbs.map(sized)), sprite: await sized(sprite), storyboardPath };
}
