import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VidgenError, assertRenderedLength, isVidgenError, runPool, silentLogger, type Logger, type PlannedScene, type PlanResult, type ProgressSink, type RenderPlan, type StageName } from '@vidgen/core';
import type { VideoGenerationConfig } from './config';
import { FrameSceneRenderer } from './frame-renderer';
import { builtinPlanner, type Planner } from './planner';
import { UnitProgress } from './progress-aggregator';
import type { RenderedClip, SceneRenderer } from './scene-renderer';
import { sceneTextLines } from './scene-text';
import { espeakSynthesizer, ttsAvailable, type SpeechSynthesizer } from './tts';
import { rangeFrames, splitUnits, unitCount } from './units';
import { buildWebVtt } from './webvtt';

export interface OrchestratorDeps {
  ffmpegPath: string;
  planner?: Planner;
  synthesizer?: SpeechSynthesizer;
  /** Whether TTS works on this worker; defaults to probing espeak-ng. */
  ttsCheck?: () => Promise<boolean>;
  /** The drawing library's module path, loaded in each unit's worker thread; @vidgen/render by default. */
  painterModule?: string;
  logger?: Logger;
  /** MAX_VIDEO_SECONDS: the backstop after speech synthesis (VIDEO_TOO_LONG); default the core's. */
  maxVideoSeconds?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Stage progress; the integrator hands in an isolated sink. */
  onProgress?: ProgressSink;
  /** The planning stage's outcome (planner, model, tokens, warnings), once it is known; must not throw. */
  onPlanned?: (result: PlanResult) => void;
}

export interface RenderedScene {
  index: number;
  kind: PlannedScene['kind'];
  layout: PlannedScene['layout'];
  /** The scene's visible text, flattened (what the subtitles show and the narration speaks). */
  text: string;
  startSeconds: number;
  durationSeconds: number;
  narrated: boolean;
}

export interface VideoGenerationOutput {
  /** H.264/AAC MP4 inside scratchDir. */
  videoPath: string;
  /** WebVTT sidecar inside scratchDir, or null when subtitles are off. */
  subtitlesPath: string | null;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  /** The plan the video was drawn from (plain data). */
  plan: RenderPlan;
  scenes: RenderedScene[];
  warnings: string[];
  /** Frames painted and piped into ffmpeg (the rest ffmpeg held), of plan.totalFrames. */
  paintedFrames: number;
  /** Render units the scenes were split into (each a worker thread and an ffmpeg). */
  units: number;
  scratchDir: string;
}

/**
 * The outputs live in the job's scratch dir: the caller uploads them and then
 * calls cleanup() in its own finally. On failure or cancel run() removes the
 * scratch dir itself before it rejects.
 */
export interface VideoGenerationResult extends VideoGenerationOutput {
  cleanup(): Promise<void>;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new VidgenError('JOB_CANCELLED');
}

const pad = (n: number) => String(n).padStart(3, '0');

/**
 * planning → rendering_scenes (narration first: it can lengthen scenes) →
 * combining (subtitles included). The plan is data in between: units render
 * from the plan and their scene range alone. Later stages belong to the
 * worker; this returns local outputs.
 */
export class VideoGenerationOrchestrator {
  private readonly logger: Logger;
  private readonly renderer: SceneRenderer;

  constructor(
    private readonly config: VideoGenerationConfig,
    private readonly deps: OrchestratorDeps,
  ) {
    this.logger = (deps.logger ?? silentLogger).child({ job_id: config.jobId });
    this.renderer = new FrameSceneRenderer({
      ffmpegPath: deps.ffmpegPath,
      encoder: config.encoder,
      format: { quality: config.quality, aspect: config.aspect, theme: config.theme, progress_bar: config.progressBar },
      painterModule: deps.painterModule,
      logger: this.logger,
    });
  }

  async run(options: RunOptions = {}): Promise<VideoGenerationResult> {
    const { signal } = options;
    const report = options.onProgress ?? (() => {});
    throwIfAborted(signal);
    const safeId = this.config.jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
    const scratchDir = await mkdtemp(path.join(this.config.scratchBaseDir, `vidgen-${safeId}-`));
    const cleanup = () => rm(scratchDir, { recursive: true, force: true });
    try {
      const output = await this.runIn(scratchDir, report, signal, options.onPlanned);
      return { ...output, cleanup };
    } catch (err) {
      await cleanup();
      if (signal?.aborted) throw new VidgenError('JOB_CANCELLED', { cause: err });
      throw isVidgenError(err) ? err : new VidgenError('RENDER_FAILED', { message: `Rendering failed: ${(err as Error)?.message ?? String(err)}`, cause: err });
    }
  }

  private async runIn(scratchDir: string, report: ProgressSink, signal: AbortSignal | undefined, onPlanned?: (result: PlanResult) => void): Promise<VideoGenerationOutput> {
    const { config } = this;
    if (config.narration) {
      const available = await (this.deps.ttsCheck ?? (() => ttsAvailable()))();
      if (!available) throw new VidgenError('TTS_UNAVAILABLE');
    }

    // planning
    const stage = (s: StageName, pct: number) => report(s, pct);
    stage('planning', 0);
    const planner = this.deps.planner ?? builtinPlanner;
    const planning = await planner.plan({ topic: config.topic, context: config.context || undefined, scenes: config.scenes ?? undefined, narration: config.narration }, signal);
    const planned = planning.scenes;
    throwIfAborted(signal);
    onPlanned?.(planning);
    if (planned.length === 0) throw new VidgenError('RENDER_FAILED', { message: 'The planner produced no scenes.' });
    stage('planning', 100);

    // rendering_scenes: speech first (its lengths go into the plan), then the units
    stage('rendering_scenes', 0);
    const speech = config.narration ? await this.narrate(planned, scratchDir, signal) : null;
    const plan = this.renderer.plan(planned, { speechSeconds: speech?.map((s) => s?.seconds ?? null) });
    // Speech is known and nothing is encoded yet: a real overrun of the estimate fails here, permanently.
    assertRenderedLength(plan.scenes.map((s) => s.frames / plan.fps), this.deps.maxVideoSeconds);
    const clips = await this.renderUnits(plan, scratchDir, signal, (pct) => stage('rendering_scenes', Math.min(99, pct)));
    stage('rendering_scenes', 100);

    // combining: one stream-copy join with one audio track
    throwIfAborted(signal);
    stage('combining', 0);
    const videoPath = path.join(scratchDir, 'video.mp4');
    await this.renderer.assemble(clips, {
      plan,
      output: videoPath,
      narration: speech?.map((s) => s?.file ?? null),
      scratchDir,
      signal,
      onPercent: (pct) => stage('combining', Math.min(99, pct)),
    });
    const scenes: RenderedScene[] = plan.scenes.map((s, i) => ({
      index: i,
      kind: s.kind,
      layout: s.layout,
      text: sceneTextLines(s.content).join('\n'),
      startSeconds: s.startFrame / plan.fps,
      durationSeconds: s.frames / plan.fps,
      narrated: speech?.[i] != null,
    }));
    let subtitlesPath: string | null = null;
    if (config.subtitles) {
      subtitlesPath = path.join(scratchDir, 'subtitles.vtt');
      await writeFile(subtitlesPath, buildWebVtt(scenes.map((s) => ({ startSeconds: s.startSeconds, endSeconds: s.startSeconds + s.durationSeconds, text: s.text }))));
    }
    stage('combining', 100);
    const warnings = [...new Set(clips.flatMap((c) => c.warnings))];
    return {
      videoPath,
      subtitlesPath,
      durationSeconds: plan.totalFrames / plan.fps,
      width: plan.width,
      height: plan.height,
      fps: plan.fps,
      plan,
      scenes,
      warnings,
      paintedFrames: clips.reduce((n, c) => n + c.paintedFrames, 0),
      units: clips.length,
      scratchDir,
    };
  }

  /**
   * Units of consecutive scenes, in parallel up to the scene concurrency, the
   * cores divided among them for x264. Progress is frames encoded (painted or
   * held) over the plan's frames, so it only rises.
   */
  private async renderUnits(plan: RenderPlan, scratchDir: string, signal: AbortSignal | undefined, onPercent: (pct: number) => void): Promise<RenderedClip[]> {
    const ranges = splitUnits(plan, unitCount(plan, this.config.sceneConcurrency));
    const frames = ranges.map((r) => {
      const { startFrame, endFrame } = rangeFrames(plan, r);
      return endFrame - startFrame;
    });
    const progress = new UnitProgress(frames);
    const threads = ranges.length > 1 ? Math.max(1, Math.floor(this.config.cores / ranges.length)) : undefined;
    return runPool(
      ranges,
      ranges.length,
      async (range, u) => {
        const clip = await this.renderer.renderUnit(plan, range, {
          output: path.join(scratchDir, `unit-${pad(u)}.mp4`),
          threads,
          signal,
          onFrames: (n) => onPercent(progress.update(u, n)),
        });
        onPercent(progress.complete(u));
        return clip;
      },
      { signal },
    );
  }

  /** Each scene's visible text spoken into its own WAV (the text travels through a file). */
  private async narrate(planned: readonly PlannedScene[], scratchDir: string, signal: AbortSignal | undefined): Promise<Array<{ file: string; seconds: number } | null>> {
    const synthesizer = this.deps.synthesizer ?? espeakSynthesizer();
    return runPool(
      [...planned],
      this.config.sceneConcurrency,
      async (scene, i) => {
        const spoken = sceneTextLines(scene.content).join('. ');
        if (!spoken.trim()) return null;
        const textFile = path.join(scratchDir, `narration-${pad(i)}.txt`);
        const wavFile = path.join(scratchDir, `narration-${pad(i)}.wav`);
        await writeFile(textFile, spoken);
        const { durationSeconds: seconds } = await synthesizer.synthesize({ textFile, wavFile, signal });
        return { file: wavFile, seconds };
      },
      { signal },
    );
  }
}
