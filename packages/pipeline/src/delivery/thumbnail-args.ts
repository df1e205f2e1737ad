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
