import type { OutputRecord } from './output';
import type { ErrorCategory, ErrorCode } from './errors';
import type { JobStatus, ProgressStage, StageName } from './stages';
import type { Aspect, SceneSpec } from './scene-model';
import type { CaptionMode, MusicPresetName } from './voice-fields';

export const QUALITIES = ['low', 'medium', 'high', 'ultra'] as const;
export type Quality = (typeof QUALITIES)[number];

export interface QualityPreset {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** x264 constant rate factor and preset: chosen for text-on-colour content. */
  readonly crf: number;
  readonly x264Preset: string;
  readonly audioBitrateKbps: number;
  readonly label: string;
}

export const QUALITY_PRESETS: Readonly<Record<Quality, QualityPreset>> = Object.freeze({
  low: { width: 854, height: 480, fps: 15, crf: 28, x264Preset: 'veryfast', audioBitrateKbps: 96, label: '480p' },
  medium: { width: 1280, height: 720, fps: 30, crf: 23, x264Preset: 'veryfast', audioBitrateKbps: 128, label: '720p' },
  high: { width: 1920, height: 1080, fps: 60, crf: 21, x264Preset: 'veryfast', audioBitrateKbps: 160, label: '1080p' },
  ultra: { width: 3840, height: 2160, fps: 60, crf: 20, x264Preset: 'veryfast', audioBitrateKbps: 192, label: '2160p' },
});

/** Named visual themes; the pipeline maps each to colours and fonts. */
export const THEME_NAMES = ['dark', 'light', 'ocean', 'sand'] as const;
export type ThemeName = (typeof THEME_NAMES)[number];


/** What a client asks for, after validation and defaults. */
export interface JobConfiguration {
  topic: string;
  /** Source text for the built-in planner; unused when `scenes` is given. */
  context?: string;
  quality: Quality;
  /** An explicit storyboard (1..50 scenes, the scene model): planned as given. */
  scenes?: SceneSpec[];
  theme?: ThemeName;
  /** Frame shape; absent means 16:9. Each quality keeps its short side (frameSizeFor). */
  aspect?: Aspect;
  /** A thin progress bar along the bottom; absent means none. */
  progress_bar?: boolean;
  /** WebVTT sidecar; absent at submit means on for a narrated job (what is spoken), off otherwise. */
  subtitles?: boolean;
  /** Spoken narration; absent at submit means the deployment's NARRATION_DEFAULT, which the API writes into the record. */
  narration?: boolean;
  /** `<engine>:<voice name>`, one of the voices live workers announce (GET /api/v1/capabilities); absent: the default voice. */
  voice?: string;
  /** A synthesized music bed under the narration; absent means none. */
  music?: { preset: MusicPresetName; volume?: number };
  /** 'burned': the spoken line drawn in the video (narrated jobs); 'sidecar': subtitles.vtt only. */
  captions?: CaptionMode;
  /** Upper bound for scenes rendered in parallel; the worker caps it by quality and cores. */
  max_scene_concurrency?: number;
  /** Delivery formats; absent means DEFAULT_OUTPUT_FORMATS (both). */
  formats?: OutputFormat[];
  /** What a planner should aim for; the language-model planner reads all of it, the rules planner the length. */
  planner_hints?: PlannerHints;
}

/** configuration.planner_hints: guidance for the planner, never a guarantee. */
export interface PlannerHints {
  /** Who the video is for ("beginners", "engineers"). */
  audience?: string;
  /** How it should sound ("friendly", "formal"). */
  tone?: string;
  /** Length to aim for, in seconds; the deployment's MAX_VIDEO_SECONDS bounds it at submit. */
  target_seconds?: number;
  /** A BCP 47 language tag ("en", "de-CH") the scenes should be written in. */
  language?: string;
}

/** Something a job did differently from what was asked, though it succeeded (the planner fell back, say). */
export interface JobWarning {
  code: string;
  stage: StageName;
  message: string;
  details?: unknown;
}

/** "mp4": the progressive file; "hls": the HLS package (master + one variant per rendition). */
export const OUTPUT_FORMATS = ['mp4', 'hls'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
export const DEFAULT_OUTPUT_FORMATS: readonly OutputFormat[] = OUTPUT_FORMATS;

export interface GenerateRequest {
  configuration: JobConfiguration;
  /** Receives signed job.completed / job.failed / job.cancelled events (packages/webhooks). */
  callback_url?: string;
}

/** The error detail kept on a job record (no stack traces: those go to logs). */
export interface JobError {
  code: ErrorCode;
  category: ErrorCategory;
  message: string;
  suggested_action: string;
  retryable: boolean;
  stage: StageName | null;
  attempt: number;
  occurred_at: string;
  details?: unknown;
}

/** What the worker stores when a job completes. URLs are signed by the API at read time. */
export interface JobResult {
  outputs: OutputRecord[];
  duration_seconds: number;
}

export interface JobProgress {
  percentage: number;
  stage: ProgressStage;
}

/** The job record under our own Redis keys: the source of truth for a job. */
export interface JobRecord {
  job_id: string;
  owner: string;
  correlation_id: string;
  status: JobStatus;
  /** A summary of `status`, not stored (statusProgress in @vidgen/queue): the job's progress run holds where it is. */
  progress: JobProgress;
  configuration: JobConfiguration;
  attempt: number;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  completed_at: string | null;
  error: JobError | null;
  result: JobResult | null;
  /** Where terminal events are POSTed; absent or null: no webhook. */
  callback_url?: string | null;
  /** What the job did differently from what was asked (planner fallbacks); empty or absent: none. */
  warnings?: JobWarning[];
}

/** A record transition's outcome: 'ok', or why it was refused (the job's status, 'missing', 'stale'). */
export type TransitionResult = 'ok' | 'missing' | 'stale' | JobStatus;

/** What travels in the Bull job: ids, never data (the handler reloads the record). */
export interface QueuePayload {
  job_id: string;
  correlation_id: string;
}

/**
 * A job as a handler sees it, without the queue library: what it carries, which attempt of
 * this queue job runs, and the two outcomes a thrown error alone cannot say. JobQueue
 * (@vidgen/jobs) hands these out; BullJobQueue (@vidgen/queue) makes them from Bull's jobs.
 */
export interface QueuedJob<T = QueuePayload> {
  /** The queue's id of this job (a resubmitted job gets a fresh one, see queueJobIdFor). */
  id: string;
  data: T;
  /** 1 on the first attempt of this queue job. */
  attempt: number;
  attemptsAllowed: number;
  /**
   * Grants this queue job one more attempt even when this is its last, so the error the handler
   * throws next retries it (a shutdown is not the job's fault).
   */
  retryEvenIfLast(): void;
  /** No further attempts for the error the handler throws next. */
  failPermanently(): Promise<void>;
}

/** The video queue's counts, for the queue gauges and the scale report. */
export interface QueueStats {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** Jobs held back for their owner's OWNER_MAX_ACTIVE_JOBS recently (also counted in `delayed` while they sit there). */
  parked: number;
  /** Seconds since the oldest waiting job was created; null when none waits. */
  oldestWaitingAgeSeconds: number | null;
}

export const QUEUE_NAME = 'video-generation';

/** The queue job id of a job's n-th submission: the job id, then `<job_id>-r<n>` after the n-th POST /retry (queue job ids are unique). */
export function queueJobIdFor(jobId: string, resubmission: number): string {
  return resubmission > 0 ? `${jobId}-r${resubmission}` : jobId;
}

// The planner's pure timing logic lives in core so the API can check the planned duration without ffmpeg.
export * from './storyboard';
