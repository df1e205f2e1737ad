import type { Writable } from 'node:stream';
import { VidgenError, type RenderPlan } from '@vidgen/core';
import { runFfmpeg, type FfmpegProgress, type RunFfmpegOptions } from '@vidgen/ffmpeg';
import type { EncoderSettings } from './encoder';
import type { PainterModule } from './painter';
import type { SceneRange } from './scene-renderer';
import { buildUnitEncodeArgs, countFrames, paintedRuns, type UnitRung } from './unit-args';
import { rangeFrames } from './units';

/** Everything one unit needs, as plain data (it crosses into a worker thread). */
export interface UnitJob {
  plan: RenderPlan;
  range: SceneRange;
  output: string;
  encoder: EncoderSettings;
  threads?: number;
  ffmpegPath: string;
  /** Module path of the drawing library (createPainter, motionRanges). */
  painterModule: string;
  /** Lower HLS rungs encoded from the same frames (buildUnitEncodeArgs); absent: the top clip alone. */
  rungs?: UnitRung[];
  /** Unit-local keyframes of every output (the segment starts inside the unit); with rungs. */
  keyframes?: number[];
}

export interface UnitDone {
  paintedFrames: number;
  warnings: string[];
}

export type UnitMessage =
  | { type: 'pid'; pid: number }
  | { type: 'frames'; frames: number }
  | ({ type: 'done' } & UnitDone)
  | { type: 'error'; code: string | null; message: string; details: unknown };

export interface PaintUnitHooks {
  signal?: AbortSignal;
  /** ffmpeg's pid once it runs (the parent kills its group on cancel). */
  onPid?: (pid: number) => void;
  /** Output frames encoded so far in this unit, from ffmpeg's progress. */
  onFrames?: (frames: number) => void;
}

/** ffmpeg stopped reading: its own exit says why. */
export class PipeClosed extends Error {
  constructor() {
    super('ffmpeg closed its input');
  }
}

/**
 * Resolves once `stdin` takes `chunk` (at once, or after 'drain'); rejects if
 * the pipe closes first. `onFlushed` runs once the stream is done with the
 * chunk (handed to the OS, or failed): only then may its bytes be reused.
 */
export function write(stdin: Writable, chunk: Buffer, onFlushed?: () => void): Promise<void> {
  if (stdin.destroyed || stdin.writableEnded) return Promise.reject(new PipeClosed());
  if (stdin.write(chunk, () => onFlushed?.())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      stdin.off('drain', onDrain);
      stdin.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new PipeClosed());
    stdin.on('drain', onDrain);
    stdin.on('close', onClose);
  });
}

export interface FeedFfmpegOptions extends Pick<RunFfmpegOptions, 'ffmpegPath' | 'args' | 'expectedDurationSeconds' | 'onProgress'> {
  signal?: AbortSignal;
  /** ffmpeg's pid once it runs. */
  onPid?: (pid: number) => void;
  /** What is fed ("frames", "stills"), for the error when ffmpeg stops reading early. */
  what: string;
}

/**
 * Runs ffmpeg reading stdin and `feed`s it (feed writes, feedFfmpeg ends the pipe).
 * Both sides share one abort: a failed feed stops ffmpeg, which would otherwise wait
 * for input that will not come. The outcome, once both have settled: a cancel wins,
 * then the feed's own error, then ffmpeg's (it explains the pipe error it causes);
 * a pipe ffmpeg closed while it still exited cleanly is a render failure.
 */
export async function feedFfmpeg(options: FeedFfmpegOptions, feed: (pipe: Writable, signal: AbortSignal) => Promise<void>): Promise<void> {
  const { signal, onPid, what, ...run } = options;
  const local = new AbortController();
  const abort = () => local.abort();
  signal?.addEventListener('abort', abort, { once: true });
  if (signal?.aborted) local.abort();
  let stdin: Writable | null = null;
  try {
    const encoding = runFfmpeg({
      ...run,
      signal: local.signal,
      onStdin: (pipe, pid) => {
        stdin = pipe;
        onPid?.(pid);
      },
    });
    const piping = (async () => {
      const pipe = stdin as Writable | null;
      if (!pipe) return; // ffmpeg never started: its own outcome says why
      await feed(pipe, local.signal);
      pipe.end();
    })().catch((err: unknown) => {
      if (!(err instanceof PipeClosed)) local.abort();
      throw err;
    });
    const [encoded, piped] = await Promise.allSettled([encoding, piping]);
    if (signal?.aborted) throw new VidgenError('JOB_CANCELLED');
    if (piped.status === 'rejected' && !(piped.reason instanceof PipeClosed)) throw piped.reason;
    if (encoded.status === 'rejected') throw encoded.reason;
    if (piped.status === 'rejected') throw new VidgenError('RENDER_FAILED', { message: `ffmpeg stopped reading ${what} but exited cleanly` });
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * Renders one unit in the current thread: paints only the frames inside the
 * motion ranges (and the unit's first), pipes them into ffmpeg with
 * backpressure, and lets ffmpeg hold every other frame (see unit-args.ts).
 * Painting frame n+1 overlaps the pipe taking frame n. Frame buffers are
 * reused once the pipe has flushed them (a few are in flight at most): a new
 * 3.7 MB buffer per 720p frame costs page faults and GC for nothing.
 */
export async function paintUnit(job: UnitJob, hooks: PaintUnitHooks = {}): Promise<UnitDone> {
  const { plan, range, output, encoder, threads, ffmpegPath, painterModule, rungs, keyframes } = job;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const drawing = require(painterModule) as PainterModule;
  // bgr24: three bytes a pixel to pipe, and ffmpeg's fast path to yuv420p (about a third of rgba's conversion CPU).
  const painter = drawing.createPainter(plan, { pixelFormat: 'bgr24' });
  if (painter.width !== plan.width || painter.height !== plan.height) throw new VidgenError('RENDER_FAILED', { message: `painter size ${painter.width}x${painter.height} is not the plan's ${plan.width}x${plan.height}` });
  const { startFrame, endFrame } = rangeFrames(plan, range);
  const runs = paintedRuns(drawing.motionRanges(plan), startFrame, endFrame);
  const args = buildUnitEncodeArgs({
    width: plan.width,
    height: plan.height,
    fps: plan.fps,
    pixelFormat: painter.pixelFormat,
    runs: runs.map(([a, b]) => [a - startFrame, b - startFrame] as const),
    unitFrames: endFrame - startFrame,
    encoder,
    threads,
    output,
    rungs,
    keyframes,
  });

  const frameBytes = plan.width * plan.height * (painter.pixelFormat === 'bgr24' ? 3 : 4);
  const feed = {
    ffmpegPath,
    args,
    expectedDurationSeconds: (endFrame - startFrame) / plan.fps,
    onProgress: (p: FfmpegProgress) => hooks.onFrames?.(p.frame),
    signal: hooks.signal,
    onPid: hooks.onPid,
    what: 'frames',
  };
  await feedFfmpeg(feed, async (pipe, signal) => {
    let pending: Promise<void> = Promise.resolve();
    let last: Buffer | null = null;
    const free: Buffer[] = [];
    for (const [a, b] of runs) {
      for (let n = a; n < b; n++) {
        if (signal.aborted) throw new VidgenError('JOB_CANCELLED');
        const frame = painter.frame(n, free.pop() ?? Buffer.allocUnsafe(frameBytes));
        await pending;
        pending = write(pipe, frame, () => free.push(frame));
        last = frame;
      }
    }
    await pending;
    // The sentinel: the last picture again, one slot past the unit's end (see holdTimestampExpression); nothing paints any more, so its bytes are intact.
    if (last) await write(pipe, last);
  });
  return { paintedFrames: countFrames(runs), warnings: [...painter.warnings] };
}
