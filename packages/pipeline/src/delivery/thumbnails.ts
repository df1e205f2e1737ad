import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '@vidgen/ffmpeg';
import { framesArgs, spriteArgs } from './thumbnail-args';
import { posterTime, scaledHeight, spritePlan, storyboardVtt, thumbnailTimes, type SpritePlan } from './thumbnail-plan';

export interface ImageFile {
  path: string;
  width: number;
  height: number;
  sizeBytes: number;
}

export interface ThumbnailSet {
  poster: ImageFile;
  /** Each with the instant its frame was taken at (the layout's), which the outputs record as time_seconds. */
  thumbnails: Array<ImageFile & { atSeconds: number }>;
  sprite: ImageFile;
  storyboardPath: string;
}

/** Where each still goes and its size; shared by the MP4 grab and the painted stills, so both lay out the same files. */
export interface ThumbnailLayout {
  poster: { path: string; width: number; height: number };
  thumbnails: Array<{ path: string; width: number; height: number; atSeconds: number }>;
  sprite: { path: string; width: number; height: number; plan: SpritePlan };
  storyboardPath: string;
  /** image2 pattern of the thumbnails' paths (numbered from 1). */
  thumbnailPattern: string;
}

export interface ThumbnailLayoutInput {
  outDir: string;
  durationSeconds: number;
  width: number;
  height: number;
  count: number;
  thumbnailWidth: number;
}

/** poster.jpg (full size), thumb-001.jpg … (thumbnailWidth wide), sprite.jpg and storyboard.vtt in outDir. Pure. */
export function thumbnailLayout(input: ThumbnailLayoutInput): ThumbnailLayout {
  const { outDir, durationSeconds, width, height, count, thumbnailWidth } = input;
  const thumbHeight = scaledHeight(width, height, thumbnailWidth);
  const plan = spritePlan({ durationSeconds, srcWidth: width, srcHeight: height });
  return {
    poster: { path: path.join(outDir, 'poster.jpg'), width, height },
    thumbnails: thumbnailTimes(durationSeconds, count).map((t, i) => ({ atSeconds: t, path: path.join(outDir, `thumb-${String(i + 1).padStart(3, '0')}.jpg`), width: thumbnailWidth, height: thumbHeight })),
    sprite: { path: path.join(outDir, 'sprite.jpg'), width: plan.columns * plan.tileWidth, height: plan.rows * plan.tileHeight, plan },
    storyboardPath: path.join(outDir, 'storyboard.vtt'),
    thumbnailPattern: path.join(outDir, 'thumb-%03d.jpg'),
  };
}

/** The storyboard written beside the images, and every image's size on disk. */
export async function finishThumbnails(layout: ThumbnailLayout, durationSeconds: number, spriteUri = 'sprite.jpg'): Promise<ThumbnailSet> {
  await writeFile(layout.storyboardPath, storyboardVtt(layout.sprite.plan, durationSeconds, spriteUri));
  const sized = async (f: { path: string; width: number; height: number }): Promise<ImageFile> => ({ path: f.path, width: f.width, height: f.height, sizeBytes: (await stat(f.path)).size });
  return { poster: await sized(layout.poster), thumbnails: await Promise.all(layout.thumbnails.map(async (t) => ({ ...(await sized(t)), atSeconds: t.atSeconds }))), sprite: await sized(layout.sprite), storyboardPath: layout.storyboardPath };
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

/**
 * Poster (full size), N evenly spaced thumbnails, the sprite sheet and its
 * WebVTT storyboard, grabbed from a finished MP4 (two decodes of it). The
 * pipeline paints them instead (FrameSceneRenderer.renderStills); this serves
 * a video that was not painted here.
 */
export async function renderThumbnails(options: RenderThumbnailsOptions): Promise<ThumbnailSet> {
  const { ffmpegPath, input, outDir, durationSeconds, width, height, count, thumbnailWidth, spriteUri = 'sprite.jpg', signal, onProgress } = options;
  await mkdir(outDir, { recursive: true });
  const layout = thumbnailLayout({ outDir, durationSeconds, width, height, count, thumbnailWidth });
  const frames = [{ ...layout.poster, atSeconds: posterTime(durationSeconds) }, ...layout.thumbnails].map((f) => ({ atSeconds: f.atSeconds, width: f.width, height: f.height, output: f.path }));
  await runFfmpeg({ ffmpegPath, args: framesArgs({ input, frames }), signal });
  onProgress?.(50);
  await runFfmpeg({ ffmpegPath, args: spriteArgs(input, layout.sprite.plan, layout.sprite.path), signal, expectedDurationSeconds: durationSeconds, onProgress: (p) => onProgress?.(50 + (p.percentage ?? 0) * 0.45) });
  const set = await finishThumbnails(layout, durationSeconds, spriteUri);
  onProgress?.(100);
  return set;
}
