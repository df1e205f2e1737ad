import { VidgenError, type RenderPlan } from '@vidgen/core';
import { stillsArgs, type StillsArgsInput } from './delivery/thumbnail-args';
import type { StillFrames } from './delivery/thumbnail-plan';
import { feedFfmpeg, write } from './paint-unit';
import type { PainterModule } from './painter';

/** Everything the stills need, as plain data (it crosses into a worker thread). */
export interface StillsJob {
  kind: 'stills';
  plan: RenderPlan;
  frames: StillFrames;
  /** The outputs (stillsArgs without the frame size and pixel format, which the painter gives). */
  outputs: Pick<StillsArgsInput, 'poster' | 'thumbnails' | 'sprite'>;
  ffmpegPath: string;
  painterModule: string;
}

/**
 * Paints the poster's, the thumbnails' and the sprite tiles' frames (a frame is
 * a pure function of its number, so a frame ffmpeg held in the video is painted
 * here like any other) and pipes them into one ffmpeg that writes every JPEG.
 * Nothing decodes the MP4. Runs in the current thread (a worker's).
 */
export async function paintStills(job: StillsJob, hooks: { signal?: AbortSignal; onPid?: (pid: number) => void } = {}): Promise<{ warnings: string[] }> {
  const { plan, frames, outputs, ffmpegPath, painterModule } = job;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const drawing = require(painterModule) as PainterModule;
  const painter = drawing.createPainter(plan, { pixelFormat: 'bgr24' });
  const order = [frames.poster, ...frames.thumbnails, ...frames.sprite];
  if (order.length !== 1 + outputs.thumbnails.count + outputs.sprite.plan.count) throw new VidgenError('RENDER_FAILED', { message: 'stills: frame count does not match the outputs' });
  const args = stillsArgs({ width: painter.width, height: painter.height, pixelFormat: painter.pixelFormat, ...outputs });
  await feedFfmpeg({ ffmpegPath, args, signal: hooks.signal, onPid: hooks.onPid, what: 'stills' }, async (pipe, signal) => {
    // Repeated frames (a short video's tiles) are painted once.
    let last: { n: number; frame: Buffer } | null = null;
    for (const n of order) {
      if (signal.aborted) throw new VidgenError('JOB_CANCELLED');
      // A fresh buffer each time: the pipe may still hold the one before.
      const frame: Buffer = last?.n === n ? last.frame : painter.frame(n);
      await write(pipe, frame);
      last = { n, frame };
    }
  });
  return { warnings: [...painter.warnings] };
}
