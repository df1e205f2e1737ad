import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VidgenError, buildRenderPlan, isErrorCode, silentLogger, type Logger, type PlannedScene, type RenderPlan, type RenderPlanConfiguration, type RenderPlanOptions } from '@vidgen/core';
import { killProcessGroup, runFfmpeg } from '@vidgen/ffmpeg';
import { buildAssembleArgs, buildRungAssembleArgs, concatListContent } from './concat-args';
import type { EncoderSettings } from './encoder';
import { finishThumbnails, thumbnailLayout, type ThumbnailSet } from './delivery/thumbnails';
import { stillFrames } from './delivery/thumbnail-plan';
import type { StillsJob } from './paint-stills';
import type { UnitDone, UnitJob, UnitMessage } from './paint-unit';
import { defaultPainterModule } from './painter';
import type { AssembleOptions, AssembleRungOptions, RenderStillsOptions, RenderUnitOptions, RenderedClip, SceneRange, SceneRenderer } from './scene-renderer';
import { releaseUnitThread, takeUnitThread } from './unit-threads';
import { rangeFrames } from './units';

export interface FrameSceneRendererOptions {
  ffmpegPath: string;
  encoder: EncoderSettings;
  /** The job's output format: quality, aspect, theme, progress bar. */
  format: RenderPlanConfiguration;
  /** The drawing library's module path (createPainter, motionRanges); @vidgen/render by default. */
  painterModule?: string;
  logger?: Logger;
}

/** How long a cancelled unit's worker may take to stop its ffmpeg before the thread is terminated. */
const UNIT_ABORT_GRACE_MS = 5000;

function unitError(m: Extract<UnitMessage, { type: 'error' }>): VidgenError {
  const code = isErrorCode(m.code) ? m.code : 'RENDER_FAILED';
  return new VidgenError(code, { message: code === 'RENDER_FAILED' && !m.code ? `Rendering failed: ${m.message}` : m.message, details: m.details ?? undefined });
}

/**
 * Draws frames with the painter and pipes them into ffmpeg: each unit in its
 * own worker thread (painting is synchronous CPU work; the job's event loop
 * stays free), ffmpeg holding every still frame, units joined by stream copy.
 */
export class FrameSceneRenderer implements SceneRenderer {
  private readonly logger: Logger;
  private readonly painterModule: string;

  constructor(private readonly options: FrameSceneRendererOptions) {
    this.logger = options.logger ?? silentLogger;
    this.painterModule = options.painterModule ?? defaultPainterModule();
  }

  plan(scenes: readonly PlannedScene[], options: RenderPlanOptions = {}): RenderPlan {
    return buildRenderPlan(this.options.format, scenes, options);
  }

  /**
   * One unit in a worker thread. A cancel kills the unit's ffmpeg group and
   * terminates the worker; this settles only once the worker has exited, so no
   * thread or process outlives it.
   */
  async renderUnit(plan: RenderPlan, range: SceneRange, options: RenderUnitOptions): Promise<RenderedClip> {
    const { output, threads, signal, onFrames, rungs, keyframes } = options;
    const { startFrame, endFrame } = rangeFrames(plan, range);
    const job: UnitJob = { plan, range, output, encoder: this.options.encoder, threads, ffmpegPath: this.options.ffmpegPath, painterModule: this.painterModule, rungs, keyframes };
    const done = await this.inWorker(job, signal, (frames) => onFrames?.(Math.min(frames, endFrame - startFrame)));
    return { path: output, range, startFrame, endFrame, paintedFrames: done.paintedFrames, warnings: done.warnings };
  }

  /**
   * The poster, the thumbnails and the sprite sheet (with its storyboard),
   * painted from the plan at the instants renderThumbnails grabs from the MP4
   * and encoded straight to JPEG by one ffmpeg, in a worker thread: no decode
   * of the video. Can run beside the units.
   */
  async renderStills(plan: RenderPlan, options: RenderStillsOptions): Promise<ThumbnailSet> {
    const { outDir, count, thumbnailWidth, signal } = options;
    await mkdir(outDir, { recursive: true });
    const durationSeconds = plan.totalFrames / plan.fps;
    const layout = thumbnailLayout({ outDir, durationSeconds, width: plan.width, height: plan.height, count, thumbnailWidth });
    const job: StillsJob = {
      kind: 'stills',
      plan,
      frames: stillFrames({ fps: plan.fps, totalFrames: plan.totalFrames, count, sprite: layout.sprite.plan }),
      outputs: {
        poster: { output: layout.poster.path },
        thumbnails: { count, width: thumbnailWidth, height: layout.thumbnails[0]?.height ?? 2, pattern: layout.thumbnailPattern },
        sprite: { plan: layout.sprite.plan, output: layout.sprite.path },
      },
      ffmpegPath: this.options.ffmpegPath,
      painterModule: this.painterModule,
    };
    await this.inWorker(job, signal);
    return finishThumbnails(layout, durationSeconds);
  }

  /**
   * Runs a job in a render thread (unit-threads.ts). A thread whose job
   * ended cleanly goes back to the pool; after a failure or an abort it is
   * terminated, and the promise settles once it is gone (its ffmpeg reaped).
   */
  private inWorker(job: UnitJob | StillsJob, signal: AbortSignal | undefined, onFrames?: (frames: number) => void): Promise<UnitDone> {
    if (signal?.aborted) return Promise.reject(new VidgenError('JOB_CANCELLED'));
    const { painterModule } = job;
    return new Promise<UnitDone>((resolve, reject) => {
      const worker = takeUnitThread(painterModule);
      let pid: number | undefined;
      let outcome: { done: UnitDone } | { error: unknown } | null = null;
      let grace: NodeJS.Timeout | null = null;
      let settled = false;
      const settle = () => {
        if (settled || !outcome) return;
        settled = true;
        if (grace) clearTimeout(grace);
        signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        const result = outcome;
        if ('done' in result) {
          releaseUnitThread(painterModule, worker);
          resolve(result.done);
        } else {
          void worker.terminate().then(() => reject(result.error));
        }
      };
      // The thread stops its ffmpeg and reaps it (a terminated thread's children would stay zombies); terminate only if it hangs.
      const onAbort = () => {
        outcome = { error: new VidgenError('JOB_CANCELLED') };
        worker.postMessage({ type: 'abort' });
        killProcessGroup(pid);
        grace = setTimeout(settle, UNIT_ABORT_GRACE_MS);
      };
      const onMessage = (m: UnitMessage) => {
        if (m.type === 'pid') pid = m.pid;
        else if (m.type === 'frames') onFrames?.(m.frames);
        else if (m.type === 'done') {
          outcome ??= { done: { paintedFrames: m.paintedFrames, warnings: m.warnings } };
          settle();
        } else if (m.type === 'error') {
          outcome ??= { error: unitError(m) };
          settle();
        }
      };
      const onError = (err: Error) => {
        outcome ??= { error: new VidgenError('RENDER_FAILED', { message: `Render unit failed: ${err.message}`, cause: err }) };
        killProcessGroup(pid);
      };
      const onExit = (code: number) => {
        outcome ??= { error: new VidgenError('RENDER_FAILED', { message: `Render unit exited with code ${code} before it finished` }) };
        settle();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage({ type: 'job', job });
    });
  }


  /** A lower rung's unit clips joined by stream copy, with the finished top MP4's audio copied in. */
  async assembleRung(clips: readonly RenderedClip[], options: AssembleRungOptions): Promise<void> {
    const { plan, output, video, scratchDir, label, signal } = options;
    const ordered = orderedClips(clips, plan);
    const listFile = path.join(scratchDir, `units-${label}.txt`);
    await writeFile(listFile, concatListContent(ordered.map((c) => ({ path: c.path, durationSeconds: (c.endFrame - c.startFrame) / plan.fps }))));
    await runFfmpeg({ ffmpegPath: this.options.ffmpegPath, args: buildRungAssembleArgs({ listFile, video, totalSeconds: plan.totalFrames / plan.fps, output }), signal, logger: this.logger });
  }

  async assemble(clips: readonly RenderedClip[], options: AssembleOptions): Promise<void> {
    const { plan, output, audio, audioTrack, scratchDir, signal, onPercent } = options;
    const ordered = orderedClips(clips, plan);
    const totalSeconds = plan.totalFrames / plan.fps;
    const listFile = path.join(scratchDir, 'units.txt');
    await writeFile(listFile, concatListContent(ordered.map((c) => ({ path: c.path, durationSeconds: (c.endFrame - c.startFrame) / plan.fps }))));
    await runFfmpeg({
      ffmpegPath: this.options.ffmpegPath,
      args: buildAssembleArgs({ listFile, encoder: this.options.encoder, totalSeconds, audio, audioTrack, output }),
      expectedDurationSeconds: totalSeconds,
      onProgress: (p) => onPercent?.(p.percentage ?? 0),
      signal,
      logger: this.logger,
    });
  }
}

/** The clips in plan order; they must cover the plan's frames exactly once. */
function orderedClips(clips: readonly RenderedClip[], plan: RenderPlan): RenderedClip[] {
  const ordered = [...clips].sort((a, b) => a.startFrame - b.startFrame);
  let expected = 0;
  for (const clip of ordered) {
    if (clip.startFrame !== expected) throw new VidgenError('RENDER_FAILED', { message: `render units leave a gap or overlap at frame ${expected}` });
    expected = clip.endFrame;
  }
  if (expected !== plan.totalFrames) throw new VidgenError('RENDER_FAILED', { message: `render units cover ${expected} of ${plan.totalFrames} frames` });
  return ordered;
}
