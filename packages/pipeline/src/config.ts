import Joi from 'joi';
import {
  ASPECTS,
  DEFAULT_ASPECT,
  QUALITIES,
  QUALITY_PRESETS,
  THEME_NAMES,
  captionsSchema,
  frameSizeFor,
  musicSchema,
  sceneSpecSchema,
  validate,
  voiceSchema,
  type Aspect,
  type CaptionMode,
  type JobRecord,
  type MusicPresetName,
  type Quality,
  type SceneSpec,
  type ThemeName,
  type VoiceFieldsInput,
} from '@vidgen/core';
import { availableCores, effectiveSceneConcurrency } from './concurrency';
import { encoderSettingsFor, type EncoderSettings } from './encoder';

export const DEFAULT_THEME: ThemeName = 'dark';

/** Everything the orchestrator needs, derived from a job record and the worker's options. */
export interface VideoGenerationConfig {
  jobId: string;
  topic: string;
  context: string;
  /** Explicit storyboard, or null for the planner; a scene's `narration` is what is said instead of its visible text. */
  scenes: SceneSpec[] | null;
  quality: Quality;
  aspect: Aspect;
  progressBar: boolean;
  width: number;
  height: number;
  fps: number;
  encoder: EncoderSettings;
  theme: ThemeName;
  subtitles: boolean;
  narration: boolean;
  /** `<engine>:<name>` (configuration.voice), or null for the worker's default voice. */
  voice: string | null;
  /** The music bed, or null for none. */
  music: { preset: MusicPresetName; volume?: number } | null;
  /** Where the spoken captions go: the WebVTT sidecar (default) or also drawn into the video. */
  captions: CaptionMode;
  /** Render units in flight at most (units of consecutive scenes, each a worker thread and an ffmpeg). */
  sceneConcurrency: number;
  /** Cores the units' x264 threads are divided among, so parallel encoders do not oversubscribe. */
  cores: number;
  /** The job's scratch dir is created under this and removed afterwards. */
  scratchBaseDir: string;
}

export interface IntegratorConfigOptions {
  scratchBaseDir: string;
  /** Cores to cap scene concurrency by; defaults to this machine's. */
  cores?: number;
}

export const videoGenerationConfigSchema = Joi.object({
  jobId: Joi.string().min(1).max(200).required(),
  topic: Joi.string().min(1).max(200).required(),
  context: Joi.string().allow('').max(5000).required(),
  scenes: Joi.array().items(sceneSpecSchema).min(1).max(50).allow(null).required(),
  quality: Joi.string()
    .valid(...QUALITIES)
    .required(),
  aspect: Joi.string()
    .valid(...ASPECTS)
    .required(),
  progressBar: Joi.boolean().required(),
  width: Joi.number().integer().min(16).max(7680).required(),
  height: Joi.number().integer().min(16).max(4320).required(),
  fps: Joi.number().integer().min(1).max(120).required(),
  encoder: Joi.object({
    videoCodec: Joi.string().valid('libx264').required(),
    x264Preset: Joi.string()
      .valid('ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow')
      .required(),
    crf: Joi.number().min(0).max(51).required(),
    pixelFormat: Joi.string().valid('yuv420p').required(),
    gopFrames: Joi.number().integer().min(1).required(),
    audioCodec: Joi.string().valid('aac').required(),
    audioBitrateKbps: Joi.number().integer().min(32).max(512).required(),
    audioSampleRate: Joi.number().valid(48000).required(),
    audioChannels: Joi.number().valid(2).required(),
  }).required(),
  theme: Joi.string()
    .valid(...THEME_NAMES)
    .required(),
  subtitles: Joi.boolean().required(),
  narration: Joi.boolean().required(),
  voice: voiceSchema.allow(null).required(),
  music: musicSchema.allow(null).required(),
  captions: captionsSchema.required(),
  sceneConcurrency: Joi.number().integer().min(1).max(8).required(),
  cores: Joi.number().integer().min(1).max(1024).required(),
  scratchBaseDir: Joi.string().min(1).required(),
}).unknown(false);

/**
 * Job record → VideoGenerationConfig, re-validated: a bad job fails with
 * VALIDATION_FAILED here, before anything renders. Pure.
 */
export function buildVideoGenerationConfig(job: JobRecord, options: IntegratorConfigOptions): VideoGenerationConfig {
  // The voice fields are read in voice-fields.ts's shape (the API's schema owns them).
  const c = (job.configuration ?? {}) as Partial<JobRecord['configuration']> & VoiceFieldsInput;
  const quality = c.quality ?? 'medium';
  const preset = QUALITY_PRESETS[quality] ?? QUALITY_PRESETS.medium;
  const cores = Math.max(1, Math.floor(options.cores ?? availableCores()));
  const sceneConcurrency = QUALITY_PRESETS[quality] ? effectiveSceneConcurrency({ requested: c.max_scene_concurrency, quality, cores }) : 1;
  const aspect = c.aspect ?? DEFAULT_ASPECT;
  const size = QUALITY_PRESETS[quality] && (ASPECTS as readonly string[]).includes(aspect) ? frameSizeFor(quality, aspect) : { width: preset.width, height: preset.height };
  const candidate = {
    jobId: job.job_id,
    topic: c.topic,
    context: c.scenes ? '' : (c.context ?? ''),
    scenes: c.scenes ?? null,
    quality,
    aspect,
    progressBar: c.progress_bar ?? false,
    width: size.width,
    height: size.height,
    fps: preset.fps,
    encoder: encoderSettingsFor(preset),
    theme: c.theme ?? DEFAULT_THEME,
    subtitles: c.subtitles ?? true,
    narration: c.narration ?? false,
    voice: c.voice ?? null,
    music: c.music && c.music.preset !== 'none' ? c.music : null,
    captions: c.captions ?? 'sidecar',
    sceneConcurrency,
    cores,
    scratchBaseDir: options.scratchBaseDir,
  };
  return Object.freeze(validate<VideoGenerationConfig>(videoGenerationConfigSchema, candidate));
}
