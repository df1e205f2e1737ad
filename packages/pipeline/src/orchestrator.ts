import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { VidgenError, assertRenderedLength, isVidgenError, runPool, silentLogger, type Logger, type StoryboardScene, type ProgressSink, type StageName } from '@vidgen/core';
import { runFfmpeg } from '@vidgen/ffmpeg';
import type { VideoGenerationConfig } from './config';
import { buildConcatArgs, concatListContent } from './concat-args';
import { fontkitMeasurer } from './font-metrics';
import { layoutScene, type SceneLayout } from './layout';
import { builtinPlanner, type Planner } from './planner';
import { groupScenes, silentGroupCount } from './silent-groups';
import { UnitProgress } from './progress-aggregator';
import { sanitizeForFont } from './sanitize-text';
import { buildSceneClipArgs, buildSilentVideoArgs, type DrawLine, type SilentVideoScene } from './scene-args';
import type { TextMeasurer } from './text-measurer';
import { themeFontFiles, type ThemeFonts } from './themes';
import { espeakSynthesizer, ttsAvailable, type SpeechSynthesizer } from './tts';
import { buildWebVtt } from './webvtt';

export interface OrchestratorDeps {
  ffmpegPath: string;
  planner?: Planner;
  synthesizer?: SpeechSynthesizer;
  /** Whether TTS works on this worker; defaults to probing espeak-ng. */
  ttsCheck?: () => Promise<boolean>;
  measurerFor?: (fonts: ThemeFonts) => TextMeasurer;
  logger?: Logger;
  /** MAX_VIDEO_SECONDS: the backstop after speech synthesis (VIDEO_TOO_LONG); default the core's. */
  maxVideoSeconds?: number;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Stage progress; the integrator hands in an isolated sink. */
  onProgress?: ProgressSink;
}

export interface RenderedScene {
  index: number;
  kind: StoryboardScene['kind'];
  title: string;
  text: string;
  startSeconds: number;
  durationSeconds: number;
  narrated: boolean;
  truncated: boolean;
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
  scenes: RenderedScene[];
  warnings: string[];
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

interface SceneWork {
  planned: StoryboardScene;
  layout: SceneLayout;
  durationSeconds: number;
  frames: number;
  narrationFile: string | null;
  /** The last scene fades out; the others cut into the next one's fade-in. */
  last: boolean;
}

/** What rendering one job's scenes needs, passed whole to each step. */
interface SceneRender {
  work: SceneWork[];
  videoPath: string;
  totalSeconds: number;
  scratchDir: string;
  fonts: ThemeFonts;
  signal: AbortSignal | undefined;
  stage: (s: StageName, pct: number) => void;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new VidgenError('JOB_CANCELLED');
}

const pad = (n: number) => String(n).padStart(3, '0');

/**
 * planning → rendering_scenes (narration included) → combining (subtitles
 * included). Later stages belong to the worker; this returns local outputs.
 */
export class VideoGenerationOrchestrator {
  private readonly logger: Logger;

  constructor(
    private readonly config: VideoGenerationConfig,
    private readonly deps: OrchestratorDeps,
  ) {
    this.logger = (deps.logger ?? silentLogger).child({ job_id: config.jobId });
  }

  async run(options: RunOptions = {}): Promise<VideoGenerationResult> {
    const { signal } = options;
    const report = options.onProgress ?? (() => {});
    throwIfAborted(signal);
    const safeId = this.config.jobId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
    const scratchDir = await mkdtemp(path.join(this.config.scratchBaseDir, `vidgen-${safeId}-`));
    const cleanup = () => rm(scratchDir, { recursive: true, force: true });
    try {
      const output = await this.runIn(scratchDir, report, signal);
      return { ...output, cleanup };
    } catch (err) {
      await cleanup();
      if (signal?.aborted) throw new VidgenError('JOB_CANCELLED', { cause: err });
      throw isVidgenError(err) ? err : new VidgenError('RENDER_FAILED', { message: `Rendering failed: ${(err as Error)?.message ?? String(err)}`, cause: err });
    }
  }

  private async runIn(scratchDir: string, report: ProgressSink, signal: AbortSignal | undefined): Promise<VideoGenerationOutput> {
    const { config } = this;
    const { width, height, fps } = config;
    const warnings: string[] = [];

    if (config.narration) {
      const available = await (this.deps.ttsCheck ?? (() => ttsAvailable()))();
      if (!available) throw new VidgenError('TTS_UNAVAILABLE');
    }

    // planning
    const stage = (s: StageName, pct: number) => report(s, pct);
    stage('planning', 0);
    const planner = this.deps.planner ?? builtinPlanner;
    const planned = await planner.plan({ topic: config.topic, context: config.context || undefined, scenes: config.scenes ?? undefined }, signal);
    throwIfAborted(signal);
    if (planned.length === 0) throw new VidgenError('RENDER_FAILED', { message: 'The planner produced no scenes.' });
    const fonts = themeFontFiles(config.theme);
    const measurer = (this.deps.measurerFor ?? fontkitMeasurer)(fonts);
    const laidOut = planned.map((scene, i) => {
      const title = sanitizeForFont(scene.title, measurer, 'bold');
      const text = sanitizeForFont(scene.text, measurer, 'regular');
      const replaced = [...new Set([...title.replaced, ...text.replaced])];
      if (replaced.length > 0) warnings.push(`scene ${i + 1}: replaced characters the font cannot draw with U+FFFD: ${replaced.join(', ')}`);
      const layout = layoutScene({ width, height, title: title.text, text: text.text, measurer });
      if (layout.truncated) warnings.push(`scene ${i + 1}: text too long for one screen; it was shortened with an ellipsis`);
      return { planned: scene, layout };
    });
    stage('planning', 100);

    // rendering_scenes (narration first: it can lengthen scenes)
    throwIfAborted(signal);
    stage('rendering_scenes', 0);
    const speech = config.narration ? await this.narrate(planned, scratchDir, signal) : planned.map(() => null);
    const work: SceneWork[] = laidOut.map(({ planned: p, layout }, i) => {
      const s = speech[i] ?? null;
      const wanted = s ? Math.max(p.durationSeconds, s.seconds + 0.6) : p.durationSeconds;
      const frames = Math.max(1, Math.ceil(wanted * fps - 1e-6));
      return { planned: p, layout, frames, durationSeconds: frames / fps, narrationFile: s?.file ?? null, last: i === laidOut.length - 1 };
    });
    const totalSeconds = work.reduce((a, w) => a + w.durationSeconds, 0);
    assertRenderedLength(work.map((w) => w.durationSeconds), this.deps.maxVideoSeconds); // speech is known, nothing is encoded yet
    const videoPath = path.join(scratchDir, 'video.mp4');
    const render: SceneRender = { work, videoPath, totalSeconds, scratchDir, fonts, signal, stage };
    if (work.every((w) => w.narrationFile === null)) await this.renderSilent(render);
    else await this.renderAndCombineClips(render);
    const scenes: RenderedScene[] = [];
    let start = 0;
    work.forEach((w, i) => {
      scenes.push({
        index: i,
        kind: w.planned.kind,
        title: w.planned.title,
        text: w.planned.text,
        startSeconds: start,
        durationSeconds: w.durationSeconds,
        narrated: w.narrationFile !== null,
        truncated: w.layout.truncated,
      });
      start += w.durationSeconds;
    });
    let subtitlesPath: string | null = null;
    if (config.subtitles) {
      subtitlesPath = path.join(scratchDir, 'subtitles.vtt');
      const cues = scenes.map((s) => ({ startSeconds: s.startSeconds, endSeconds: s.startSeconds + s.durationSeconds, text: [s.title, s.text].filter(Boolean).join('\n') }));
      await writeFile(subtitlesPath, buildWebVtt(cues));
    }
    stage('combining', 100);
    return { videoPath, subtitlesPath, durationSeconds: totalSeconds, width, height, fps, scenes, warnings, scratchDir };
  }

  /**
   * A silent job: every scene's length is known up front, so scenes are rendered
   * by as few ffmpeg processes as the parallelism needs. Each group of
   * consecutive scenes is one ffmpeg (scenes joined by the concat filter, one
   * encode: no per-scene start-up, IDR or lookahead warm-up). A short video is
   * one group writing the final MP4 directly; a long one is split into up to
   * `sceneConcurrency` groups rendered in parallel and joined by stream copy.
   */
  private async renderSilent(render: SceneRender): Promise<void> {
    const { config } = this;
    const { work, videoPath, totalSeconds, scratchDir, signal, stage } = render;
    const groups = groupScenes(work.map((w) => w.frames), silentGroupCount(totalSeconds, work.length, config.sceneConcurrency)).map((indices) =>
      indices.map((index) => ({ w: work[index]!, index })),
    );
    const frames = groups.map((g) => g.reduce((a, x) => a + x.w.frames, 0));
    const progress = new UnitProgress(frames);
    const single = groups.length === 1;
    const parts = await runPool(
      groups,
      groups.length,
      async (group, g) => {
        const output = single ? videoPath : path.join(scratchDir, `part-${pad(g)}.mp4`);
        const seconds = group.reduce((a, x) => a + x.w.durationSeconds, 0);
        await this.renderSilentGroup(render, group, output, seconds, single ? undefined : config.threadsPerScene, (pct) => {
          stage('rendering_scenes', Math.min(99, progress.update(g, ((frames[g] ?? 0) * pct) / 100)));
        });
        stage('rendering_scenes', Math.min(99, progress.complete(g)));
        return { path: output, durationSeconds: seconds };
      },
      { signal },
    );
    stage('rendering_scenes', 100);
    throwIfAborted(signal);
    stage('combining', 0);
    if (!single) await this.join(render, parts);
  }

  /** Joins rendered parts in order by stream copy (the concat demuxer): the `combining` stage's ffmpeg. */
  private async join(render: SceneRender, parts: ReadonlyArray<{ path: string; durationSeconds: number }>): Promise<void> {
    const { videoPath, totalSeconds, scratchDir, signal, stage } = render;
    const listFile = path.join(scratchDir, 'concat.txt');
    await writeFile(listFile, concatListContent(parts));
    await runFfmpeg({
      ffmpegPath: this.deps.ffmpegPath,
      args: buildConcatArgs({ listFile, output: videoPath }),
      expectedDurationSeconds: totalSeconds,
      onProgress: (p) => stage('combining', Math.min(99, p.percentage ?? 0)),
      signal,
      logger: this.logger,
    });
  }

  /** Per-scene clips (in parallel) joined by the concat demuxer: needed when narration decides scene lengths and audio. */
  private async renderAndCombineClips(render: SceneRender): Promise<void> {
    const { config } = this;
    const { work, signal, stage } = render;
    const progress = new UnitProgress(work.map((w) => w.frames));
    const clips = await runPool(
      work,
      config.sceneConcurrency,
      async (w, i) => {
        const clip = await this.renderScene(render, w, i, (frame) => stage('rendering_scenes', progress.update(i, frame)));
        stage('rendering_scenes', progress.complete(i));
        return clip;
      },
      { signal },
    );
    stage('rendering_scenes', 100);

    // combining
    throwIfAborted(signal);
    stage('combining', 0);
    await this.join(
      render,
      clips.map((clip, i) => ({ path: clip, durationSeconds: work[i]?.durationSeconds ?? 0 })),
    );
  }

  /** Writes each laid-out line of scene i to its own file: user text reaches ffmpeg only through files. */
  private async writeLines(w: SceneWork, i: number, scratchDir: string, fonts: ThemeFonts): Promise<DrawLine[]> {
    const lines: DrawLine[] = [];
    for (const [j, line] of w.layout.lines.entries()) {
      const textFile = path.join(scratchDir, `scene-${pad(i)}-line-${pad(j)}.txt`);
      await writeFile(textFile, line.text);
      lines.push({ textFile, fontFile: line.weight === 'bold' ? fonts.bold : fonts.regular, sizePx: line.sizePx, x: line.x, baseline: line.baseline });
    }
    return lines;
  }

  /** One group of consecutive silent scenes in one ffmpeg. */
  private async renderSilentGroup(
    render: SceneRender,
    group: ReadonlyArray<{ w: SceneWork; index: number }>,
    output: string,
    seconds: number,
    threads: number | undefined,
    onPercent: (pct: number) => void,
  ): Promise<void> {
    const { scratchDir, fonts, signal } = render;
    const scenes: SilentVideoScene[] = [];
    for (const { w, index } of group) scenes.push({ durationSeconds: w.durationSeconds, lines: await this.writeLines(w, index, scratchDir, fonts), rule: w.layout.rule, fadeOut: w.last });
    throwIfAborted(signal);
    const result = await runFfmpeg({
      ffmpegPath: this.deps.ffmpegPath,
      args: buildSilentVideoArgs({ ...this.look(), scenes, threads, output }),
      expectedDurationSeconds: seconds,
      onProgress: (p) => onPercent(p.percentage ?? 0),
      signal,
      logger: this.logger,
    });
    this.warnOnGlyphs(result.stderrTail, { scenes: group.map((x) => x.index) });
  }

  /** The frame and encoder settings every scene shares. */
  private look() {
    const { width, height, fps, encoder, theme } = this.config;
    return { width, height, fps, encoder, background: theme.background, textColor: theme.text, accentColor: theme.accent };
  }

  private warnOnGlyphs(stderrTail: string, meta: Record<string, unknown>): void {
    if (/glyph/i.test(stderrTail)) this.logger.warn('ffmpeg reported glyph problems', { ...meta, stderr_tail: stderrTail.slice(-500) });
  }

  private async narrate(planned: StoryboardScene[], scratchDir: string, signal: AbortSignal | undefined): Promise<Array<{ file: string; seconds: number } | null>> {
    const synthesizer = this.deps.synthesizer ?? espeakSynthesizer();
    return runPool(
      planned,
      this.config.sceneConcurrency,
      async (scene, i) => {
        const spoken = [scene.title, scene.text].filter(Boolean).join('. ');
        if (!spoken.trim()) return null;
        const textFile = path.join(scratchDir, `narration-${pad(i)}.txt`);
        const wavFile = path.join(scratchDir, `narration-${pad(i)}.wav`);
        await writeFile(textFile, spoken);
        const seconds = await synthesizer.synthesize({ textFile, wavFile, signal });
        return { file: wavFile, seconds };
      },
      { signal },
    );
  }

  private async renderScene(render: SceneRender, w: SceneWork, i: number, onFrame: (frame: number) => void): Promise<string> {
    const { config } = this;
    const { scratchDir, fonts, signal } = render;
    const lines = await this.writeLines(w, i, scratchDir, fonts);
    throwIfAborted(signal);
    const output = path.join(scratchDir, `scene-${pad(i)}.mp4`);
    const args = buildSceneClipArgs({
      ...this.look(),
      durationSeconds: w.durationSeconds,
      lines,
      rule: w.layout.rule,
      narrationFile: w.narrationFile,
      output,
      fadeOut: w.last,
      threads: config.threadsPerScene,
    });
    const result = await runFfmpeg({
      ffmpegPath: this.deps.ffmpegPath,
      args,
      expectedDurationSeconds: w.durationSeconds,
      onProgress: (p) => onFrame(p.frame),
      signal,
      logger: this.logger,
    });
    this.warnOnGlyphs(result.stderrTail, { scene: i });
    return output;
  }
}
