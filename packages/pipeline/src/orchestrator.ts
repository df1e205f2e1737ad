import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  VidgenError,
  assertRenderedLength,
  isVidgenError,
  runPool,
  silentLogger,
  type Logger,
  type PlannedScene,
  type PlanResult,
  type ProgressSink,
  type RenderPlan,
  type SceneSpeech,
  type SceneTimeline,
  type StageName,
} from '@vidgen/core';
import { runFfmpeg } from '@vidgen/ffmpeg';
import { SILENCE_LUFS, mixAudio, type AudioPlan, type MixAudioResult, type MusicSpec } from './audio';
import { burnedCaptions, captionCues, placeWords } from './captions';
import type { VideoGenerationConfig } from './config';
import { buildAudioTrackArgs } from './concat-args';
import { FrameSceneRenderer } from './frame-renderer';
import { builtinPlanner, type Planner } from './planner';
import { UnitProgress } from './progress-aggregator';
import type { RenderStillsOptions, RenderedClip, SceneRange, SceneRenderer } from './scene-renderer';
import { samePassLadder, type SamePassLadder } from './delivery/hls-ladder';
import { encoderSettingsFor } from './encoder';
import type { ThumbnailSet } from './delivery/thumbnails';
import { sceneTextLines } from './scene-text';
import { narrationScript, spokenTimeline } from './narration-script';
import { ttsAvailable } from './tts';
import { rangeFrames, splitUnits, unitCount } from './units';
import { createSynthesizer, workerVoices, type EngineSetup } from './voice/engines';
import type { SentenceTiming, SpeechSynthesizer, TtsEngine, WordTiming } from './voice/types';
import { buildWebVtt, type SubtitleCue } from './webvtt';

/** The video's audio track, AAC at its length, encoded during the render (buildAudioTrackArgs). */
const audioTrackPath = (scratchDir: string) => path.join(scratchDir, 'audio-track.m4a');

export interface OrchestratorDeps {
  ffmpegPath: string;
  planner?: Planner;
  /**
   * The worker's narration voice. A job naming another voice
   * (configuration.voice) gets that one; without either, the best engine
   * installed speaks (Festival with the HTS voice, else flite, else espeak-ng).
   */
  synthesizer?: SpeechSynthesizer;
  /** TTS_ENGINE, TTS_SENTENCE_TIMEOUT_MS and binaries for the synthesizers built here. */
  tts?: EngineSetup & { engine?: TtsEngine };
  /** Whether TTS works on this worker; defaults to probing the engines. */
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
  /**
   * Poster, thumbnails and sprite painted beside the units (renderStills) into
   * <scratchDir>/delivery: the delivery then needs no decode of the MP4. Absent: none.
   */
  stills?: { count: number; thumbnailWidth: number };
  /**
   * HLS delivery: the lower rungs of the job's ladder are encoded by the render
   * units from the same frames (split + scale in each unit's ffmpeg), with
   * keyframes at every multiple of segmentSeconds in every rung, the top
   * included. Absent: the MP4 alone (a later step encodes rungs from it).
   */
  hls?: { segmentSeconds: number };
}

/** A lower HLS rung encoded in the render pass: an MP4 (video + the top's audio) to remux into segments. */
export interface RenderedRendition {
  label: string;
  width: number;
  height: number;
  fps: number;
  path: string;
}

export interface RenderedScene {
  index: number;
  kind: PlannedScene['kind'];
  layout: PlannedScene['layout'];
  /** The scene's visible text, flattened (what the subtitles of a silent video show). */
  text: string;
  /** What the narration says (the author's narration or the visible text), or null for a silent scene. */
  spoken: string | null;
  startSeconds: number;
  durationSeconds: number;
  narrated: boolean;
}

export interface VideoGenerationOutput {
  /** H.264/AAC MP4 inside scratchDir. */
  videoPath: string;
  /** WebVTT sidecar inside scratchDir, or null when subtitles are off. */
  subtitlesPath: string | null;
  /** The sidecar's cues (what is spoken when narrated), for the HLS subtitles rendition; null when subtitles are off. */
  captions: SubtitleCue[] | null;
  /** The one audio track: its plan (speech placed at scene starts, music) and the mix's measurements; null mix for a silent track. */
  audio: { plan: AudioPlan; mix: MixAudioResult | null };
  /** The narration: the voice that spoke and every word on the video's timeline; null when not narrated. */
  narration: { voice: string; timing: 'word' | 'sentence'; words: WordTiming[] } | null;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  /** The plan the video was drawn from (plain data). */
  plan: RenderPlan;
  /** Poster, thumbnails and sprite painted from the plan (RunOptions.stills), or null. */
  stills: ThumbnailSet | null;
  /** The lower HLS rungs encoded beside the top (RunOptions.hls), lowest first; empty without. */
  renditions: RenderedRendition[];
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

/** Where a unit's clip of a lower rung goes, beside its top clip (unit-000.mp4 → unit-000-480p.mp4). */
const rungClipPath = (unitClip: string, label: string) => unitClip.replace(/\.mp4$/, `-${label}.mp4`);

/** The share of rendering_scenes' progress that speech synthesis reports (measured: about a sixth of the stage's wall time on the narrated bench job). */
const SPEECH_PROGRESS_SHARE = 15;

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
      const output = await this.runIn(scratchDir, report, signal, options);
      return { ...output, cleanup };
    } catch (err) {
      await cleanup();
      if (signal?.aborted) throw new VidgenError('JOB_CANCELLED', { cause: err });
      throw isVidgenError(err) ? err : new VidgenError('RENDER_FAILED', { message: `Rendering failed: ${(err as Error)?.message ?? String(err)}`, cause: err });
    }
  }

  private async runIn(scratchDir: string, report: ProgressSink, signal: AbortSignal | undefined, options: RunOptions): Promise<VideoGenerationOutput> {
    const { onPlanned, stills: stillsSpec, hls } = options;
    const { config } = this;
    if (config.narration) {
      const available = await (this.deps.ttsCheck ?? (() => ttsAvailable(this.deps.tts ?? {})))();
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

    // rendering_scenes: speech first (its timings go into the plan), then the units, the audio track beside them
    stage('rendering_scenes', 0);
    // Speech takes the first SPEECH_PROGRESS_SHARE percent of the stage (scenes spoken), the units the rest.
    const speechShare = config.narration ? SPEECH_PROGRESS_SHARE : 0;
    const narration = config.narration ? await this.narrate(planned, scratchDir, signal, (done) => stage('rendering_scenes', Math.floor((speechShare * done) / planned.length))) : null;
    const spoken = narration?.scenes ?? planned.map(() => null);
    const timedPlan = this.renderer.plan(planned, { speech: spoken.map((s): SceneSpeech | null => s && { seconds: s.seconds, ...(s.timeline ? { timeline: s.timeline } : {}), ...(s.minSeconds ? { minSeconds: s.minSeconds } : {}) }) });
    // Speech is known and nothing is encoded yet: a real overrun of the estimate fails here, permanently.
    assertRenderedLength(timedPlan.scenes.map((s) => s.frames / timedPlan.fps), this.deps.maxVideoSeconds);
    // Every spoken word on the video's timeline: the captions' source.
    const words = placeWords(spoken.flatMap((s, i) => (s ? [{ startSeconds: timedPlan.scenes[i]!.startFrame / timedPlan.fps, words: s.words }] : [])));
    // Burned captions are part of the picture, so they travel in the plan.
    const plan: RenderPlan = narration && config.captions === 'burned' ? { ...timedPlan, captions: burnedCaptions(words, timedPlan.fps, timedPlan.totalFrames) } : timedPlan;
    const audioPlan = buildAudioPlan(plan, spoken, config.music);
    const audioPath = path.join(scratchDir, 'audio.wav');
    const stillsDir = path.join(scratchDir, 'delivery');
    const ranges = splitUnits(plan, unitCount(plan, config.sceneConcurrency));
    const ladder = hls ? samePassLadder({ quality: config.quality, width: plan.width, height: plan.height, fps: plan.fps, totalFrames: plan.totalFrames, unitStarts: ranges.map((r) => rangeFrames(plan, r).startFrame), segmentSeconds: hls.segmentSeconds }) : null;
    const { clips, mix, stills } = await this.renderWithAudio(plan, ranges, ladder, audioPlan, audioPath, scratchDir, stillsSpec ? { ...stillsSpec, outDir: stillsDir } : null, signal, (pct) => stage('rendering_scenes', Math.min(99, speechShare + (pct * (100 - speechShare)) / 100)));
    if (audioPlan.speech.length > 0 && !(mix!.voiceLoudness.integratedLufs > SILENCE_LUFS)) {
      // Never a silent video labelled narrated.
      throw new VidgenError('TTS_FAILED', { message: 'The narration is silent: the engine wrote WAVs without sound.', details: { engine: narration!.synthesizer.engine, reason: 'silent' } });
    }
    stage('rendering_scenes', 100);

    // combining: one stream-copy join of the clips and the audio track (encoded beside the units)
    throwIfAborted(signal);
    stage('combining', 0);
    const videoPath = path.join(scratchDir, 'video.mp4');
    await this.renderer.assemble(clips, {
      plan,
      output: videoPath,
      audioTrack: audioTrackPath(scratchDir),
      scratchDir,
      signal,
      onPercent: (pct) => stage('combining', Math.min(99, pct)),
    });
    // Stream copies (no decode, no encode): every rung at once.
    const renditions: RenderedRendition[] = await runPool(
      ladder?.rungs ?? [],
      Math.max(1, ladder?.rungs.length ?? 0),
      async (r) => {
        const output = path.join(scratchDir, `rendition-${r.label}.mp4`);
        await this.renderer.assembleRung(clips.map((c) => ({ ...c, path: rungClipPath(c.path, r.label) })), { plan, output, video: videoPath, scratchDir, label: r.label, signal });
        return { label: r.label, width: r.width, height: r.height, fps: r.fps, path: output };
      },
      { signal },
    );
    const scenes: RenderedScene[] = plan.scenes.map((s, i) => ({
      index: i,
      kind: s.kind,
      layout: s.layout,
      text: sceneTextLines(s.content).join('\n'),
      spoken: spoken[i]?.text ?? null,
      startSeconds: s.startFrame / plan.fps,
      durationSeconds: s.frames / plan.fps,
      narrated: spoken[i] != null,
    }));
    let subtitlesPath: string | null = null;
    let captions: SubtitleCue[] | null = null;
    if (config.subtitles) {
      // Narrated: what is spoken, timed to the words; silent: the on-screen text per scene.
      captions = narration ? captionCues(words) : scenes.map((s) => ({ startSeconds: s.startSeconds, endSeconds: s.startSeconds + s.durationSeconds, text: s.text }));
      subtitlesPath = path.join(scratchDir, 'subtitles.vtt');
      await writeFile(subtitlesPath, buildWebVtt(captions));
    }
    stage('combining', 100);
    const warnings = [...new Set(clips.flatMap((c) => c.warnings))];
    return {
      videoPath,
      subtitlesPath,
      captions,
      audio: { plan: audioPlan, mix },
      narration: narration ? { voice: narration.synthesizer.voice, timing: narration.timing, words } : null,
      durationSeconds: plan.totalFrames / plan.fps,
      width: plan.width,
      height: plan.height,
      fps: plan.fps,
      plan,
      stills,
      renditions,
      scenes,
      warnings,
      paintedFrames: clips.reduce((n, c) => n + c.paintedFrames, 0),
      units: clips.length,
      scratchDir,
    };
  }

  /**
   * The render units, the audio mix and the stills run side by side (the mix
   * and the stills need only the plan and the speech). A failure of any stops
   * the others, and none is left running when this settles.
   */
  private async renderWithAudio(
    plan: RenderPlan,
    ranges: SceneRange[],
    ladder: SamePassLadder | null,
    audioPlan: AudioPlan,
    audioPath: string,
    scratchDir: string,
    stillsSpec: RenderStillsOptions | null,
    signal: AbortSignal | undefined,
    onPercent: (pct: number) => void,
  ): Promise<{ clips: RenderedClip[]; mix: MixAudioResult | null; stills: ThumbnailSet | null }> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) stop.abort();
    const needsMix = audioPlan.speech.length > 0 || audioPlan.music !== undefined;
    const settle = <T>(p: Promise<T>) =>
      p.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => {
          stop.abort();
          return { ok: false as const, error };
        },
      );
    try {
      const [units, audio, stills] = await Promise.all([
        settle(this.renderUnits(plan, ranges, ladder, scratchDir, stop.signal, onPercent)),
        settle(
          (async () => {
            const mix = needsMix ? await mixAudio({ ffmpegPath: this.deps.ffmpegPath, plan: audioPlan, output: audioPath, scratchDir, signal: stop.signal }) : null;
            // Encoded here, beside the units, so the join after them only copies (audioTrackPath).
            const args = buildAudioTrackArgs({ encoder: this.config.encoder, totalSeconds: plan.totalFrames / plan.fps, audio: mix ? audioPath : undefined, output: audioTrackPath(scratchDir) });
            await runFfmpeg({ ffmpegPath: this.deps.ffmpegPath, args, signal: stop.signal, logger: this.logger });
            return mix;
          })(),
        ),
        settle(stillsSpec ? this.renderer.renderStills(plan, { ...stillsSpec, signal: stop.signal }) : Promise.resolve(null)),
      ]);
      // The first real failure wins over the cancellation it caused in the others.
      const failures = [units, audio, stills].filter((r) => !r.ok).map((r) => (r as { error: unknown }).error);
      if (failures.length > 0) throw failures.find((e) => !(isVidgenError(e) && e.code === 'JOB_CANCELLED')) ?? failures[0];
      return { clips: (units as { value: RenderedClip[] }).value, mix: (audio as { value: MixAudioResult | null }).value, stills: (stills as { value: ThumbnailSet | null }).value };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Units of consecutive scenes, in parallel up to the scene concurrency, the
   * cores divided among them for x264. Progress is frames encoded (painted or
   * held) over the plan's frames, so it only rises.
   */
  private async renderUnits(plan: RenderPlan, ranges: SceneRange[], ladder: SamePassLadder | null, scratchDir: string, signal: AbortSignal | undefined, onPercent: (pct: number) => void): Promise<RenderedClip[]> {
    const frames = ranges.map((r) => {
      const { startFrame, endFrame } = rangeFrames(plan, r);
      return endFrame - startFrame;
    });
    const progress = new UnitProgress(frames);
    // The core budget: the cores (PipelineIntegrator's `cores`, the machine's by default) divided among the units; in a
    // unit, the top encoder gets its share and each lower rung a share by its pixel rate (at least one thread).
    const unitThreads = Math.max(1, Math.floor(this.config.cores / ranges.length));
    const threads = ranges.length > 1 ? unitThreads : undefined;
    const topRate = plan.width * plan.height * plan.fps;
    const rungThreads = (r: { width: number; height: number; fps: number }) => Math.max(1, Math.round((unitThreads * r.width * r.height * r.fps) / topRate));
    return runPool(
      ranges,
      ranges.length,
      async (range, u) => {
        const output = path.join(scratchDir, `unit-${pad(u)}.mp4`);
        const { startFrame, endFrame } = rangeFrames(plan, range);
        const clip = await this.renderer.renderUnit(plan, range, {
          output,
          threads,
          ...(ladder && ladder.rungs.length > 0
            ? {
                rungs: ladder.rungs.map((r) => ({ width: r.width, height: r.height, fps: r.fps, encoder: encoderSettingsFor(r.preset), threads: rungThreads(r), output: rungClipPath(output, r.label) })),
                keyframes: ladder.keyframes.filter((f) => f >= startFrame && f < endFrame).map((f) => f - startFrame),
              }
            : {}),
          signal,
          onFrames: (n) => onPercent(progress.update(u, n)),
        });
        onPercent(progress.complete(u));
        return clip;
      },
      { signal },
    );
  }

  /** The job's voice: configuration.voice, else the worker's synthesizer, else the best engine installed. */
  private async synthesizer(): Promise<SpeechSynthesizer> {
    const { voice } = this.config;
    const given = this.deps.synthesizer;
    if (voice && given?.voice !== voice) return createSynthesizer(voice, this.deps.tts);
    if (given) return given;
    return createSynthesizer(await defaultVoice(this.deps.tts ?? {}), this.deps.tts);
  }

  /**
   * Each scene's narration (the author's, else its visible text, an item a
   * sentence) spoken into its own WAV, the text through a file, with the
   * entrances its timings give. A scene that should speak and stays silent
   * is TTS_FAILED, never a silent scene labelled narrated.
   */
  private async narrate(planned: readonly PlannedScene[], scratchDir: string, signal: AbortSignal | undefined, onSpoken: (scenesDone: number) => void): Promise<Narration> {
    const synthesizer = await this.synthesizer();
    // The author's scenes map one to one onto the planned ones.
    const specs = this.config.scenes && this.config.scenes.length === planned.length ? this.config.scenes : null;
    let timing: 'word' | 'sentence' = 'word';
    let done = 0;
    const scenes = await runPool(
      [...planned],
      this.config.sceneConcurrency,
      async (scene, i): Promise<SpokenScene | null> => {
        const script = narrationScript(scene.layout, scene.content, specs?.[i]?.narration);
        if (!script.text.trim()) {
          onSpoken(++done);
          return null;
        }
        const textFile = path.join(scratchDir, `narration-${pad(i)}.txt`);
        const wavFile = path.join(scratchDir, `narration-${pad(i)}.wav`);
        await writeFile(textFile, script.text);
        let synthesis;
        try {
          synthesis = await synthesizer.synthesize({ textFile, wavFile, signal });
        } catch (err) {
          if (isVidgenError(err) && err.code === 'TTS_FAILED') {
            throw new VidgenError('TTS_FAILED', { message: `Scene ${i}: ${err.message}`, details: { ...(err.details as object), scene: i }, cause: err });
          }
          throw err;
        }
        if (synthesis.words.length === 0 || !(synthesis.durationSeconds > 0)) {
          throw new VidgenError('TTS_FAILED', { message: `${synthesizer.engine} spoke nothing for scene ${i}`, details: { engine: synthesizer.engine, scene: i, sentence: 0, reason: 'empty' } });
        }
        if (synthesis.timing === 'sentence') timing = 'sentence';
        onSpoken(++done);
        const timeline = spokenTimeline({ layout: scene.layout, content: scene.content, animation: scene.animation, script, words: synthesis.words, sentences: synthesis.sentences });
        return {
          text: script.text.replace(/\n/g, ' '),
          wavFile,
          seconds: synthesis.durationSeconds,
          words: synthesis.words,
          sentences: synthesis.sentences,
          timeline,
          minSeconds: specs?.[i]?.duration_seconds,
        };
      },
      { signal },
    );
    return { synthesizer, timing, scenes };
  }
}

interface SpokenScene {
  text: string;
  wavFile: string;
  seconds: number;
  /** From the start of the scene's WAV. */
  words: WordTiming[];
  sentences: SentenceTiming[];
  timeline: SceneTimeline | null;
  minSeconds?: number;
}

interface Narration {
  synthesizer: SpeechSynthesizer;
  timing: 'word' | 'sentence';
  scenes: Array<SpokenScene | null>;
}

/** The one audio track of the plan: each scene's speech at its first frame, the music bed under all of it. Pure. */
export function buildAudioPlan(plan: RenderPlan, speech: ReadonlyArray<{ wavFile: string } | null>, music: MusicSpec | null): AudioPlan {
  return {
    durationSeconds: plan.totalFrames / plan.fps,
    speech: plan.scenes.flatMap((s, i) => (speech[i] ? [{ file: speech[i]!.wavFile, startSeconds: s.startFrame / plan.fps }] : [])),
    ...(music && music.preset !== 'none' ? { music } : {}),
  };
}

const defaultVoices = new Map<string, Promise<string>>();

/** The voice of the best engine installed (probed once per process and setup: Festival loads its library to list voices). */
function defaultVoice(setup: EngineSetup & { engine?: TtsEngine }): Promise<string> {
  const key = JSON.stringify(setup);
  let found = defaultVoices.get(key);
  if (!found) {
    found = workerVoices(setup).then((v) => v.defaultVoice);
    // A failed probe (no engine yet) is asked again next time.
    found.catch(() => defaultVoices.delete(key));
    defaultVoices.set(key, found);
  }
  return found;
}
