import type { SpritePlan } from './thumbnail-plan';

export interface FramesArgsInput {
  input: string;
  /** One output per timestamp, with its size. */
  frames: ReadonlyArray<{ atSeconds: number; width: number; height: number; output: string }>;
}

/**
 * One ffmpeg run that grabs one JPEG per timestamp: each frame gets its own
 * fast input seek (-ss before -i), so nothing is decoded twice.
 */
export function framesArgs({ input, frames }: FramesArgsInput): string[] {
  const inputs = frames.flatMap((f) => ['-ss', f.atSeconds.toFixed(3), '-i', input]);
  const outputs = frames.flatMap((f, i) => ['-map', `${i}:v:0`, '-frames:v', '1', '-vf', `scale=${f.width}:${f.height}`, '-q:v', '3', '-f', 'image2', '-update', '1', f.output]);
  return [...inputs, ...outputs];
}

/** The sprite sheet: a frame every interval, scaled to a tile, tiled into one JPEG. */
export function spriteArgs(input: string, plan: SpritePlan, output: string): string[] {
  const filter = `fps=1/${plan.intervalSeconds}:round=down,scale=${plan.tileWidth}:${plan.tileHeight},tile=${plan.columns}x${plan.rows}`;
  return ['-i', input, '-an', '-vf', filter, '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-update', '1', output];
}

export interface StillsArgsInput {
  /** The piped frames' size and ffmpeg pixel format (the painter's). */
  width: number;
  height: number;
  pixelFormat: 'rgba' | 'bgra' | 'bgr24';
  /** Frames piped: 1 poster, then `thumbnails.count`, then `sprite` tiles. */
  poster: { output: string };
  thumbnails: { count: number; width: number; height: number; /** image2 pattern, numbered from 1 */ pattern: string };
  sprite: { plan: SpritePlan; output: string };
}

/**
 * One ffmpeg that turns raw painted frames on stdin into every still: the
 * first frame the full-size poster, the next `count` the thumbnails, the rest
 * the sprite's tiles (scaled and tiled). Frames are told apart by their index
 * (trim), so nothing but numbers and our own paths go into the arguments. Pure.
 */
export function stillsArgs(input: StillsArgsInput): string[] {
  const { width, height, pixelFormat, poster, thumbnails: t, sprite } = input;
  const p = sprite.plan;
  const firstTile = 1 + t.count;
  const graph = [
    '[0:v]split=3[p][t][s]',
    '[p]trim=end_frame=1[poster]',
    `[t]trim=start_frame=1:end_frame=${firstTile},setpts=PTS-STARTPTS,scale=${t.width}:${t.height}[thumbs]`,
    `[s]trim=start_frame=${firstTile},setpts=PTS-STARTPTS,scale=${p.tileWidth}:${p.tileHeight},tile=${p.columns}x${p.rows}[sprite]`,
  ].join(';');
  return [
    // One frame a second: every frame its own timestamp, none dropped or repeated on the way out.
    '-f', 'rawvideo', '-pix_fmt', pixelFormat, '-s', `${width}x${height}`, '-r', '1', '-i', 'pipe:0',
    // A few dozen small pictures: one thread, so the stills take no cores from the units beside them.
    '-filter_complex_threads', '1', '-filter_complex', graph, '-threads', '1',
    '-map', '[poster]', '-frames:v', '1', '-q:v', '3', '-f', 'image2', '-update', '1', poster.output,
    '-map', '[thumbs]', '-frames:v', String(t.count), '-q:v', '3', '-f', 'image2', '-start_number', '1', t.pattern,
    '-map', '[sprite]', '-frames:v', '1', '-q:v', '4', '-f', 'image2', '-update', '1', sprite.output,
  ];
}
