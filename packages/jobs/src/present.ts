import {
  STAGE_NAMES,
  isTerminalStatus,
  safeFileName,
  urlWindow,
  type JobRecord,
  type JobStatus,
  type Logger,
  type ProgressStage,
  type StageRecord,
  type StageStatus,
  type TerminalStatus,
} from '@vidgen/core';
import { hlsMasterPath, jobPath, signedEventsPath, storyboardPath, withHlsToken, type PublicUrl } from './links';
import type { EventTokens } from './tokens';

/** One stage of a run as a job shows it (the run stores StageRecords). */
export type StageView = StageRecord;

export interface ProgressView {
  percentage: number;
  stage: ProgressStage;
  stage_percentage: number;
  stages: StageView[];
  eta_seconds: number | null;
}

/**
 * What the presenter reads of a job's progress run: ProgressSnapshot of
 * @vidgen/progress (JobProgressTracker.readJob) has this shape.
 */
export interface RunView extends ProgressView {
  attempt: number;
  status: 'processing' | TerminalStatus;
  /** Increases with every write to the run, its end included. */
  version: number;
}

/** What GET shows about progress and what every SSE event carries: one function, so both are equal. */
export interface JobProgressState {
  job_id: string;
  status: JobStatus;
  attempt: number;
  /** The run's version (0 before the first run): the SSE event id. */
  version: number;
  progress: ProgressView;
}

function pendingStages(): StageView[] {
  return STAGE_NAMES.map((name) => ({ name, status: 'pending', started_at: null, completed_at: null, duration_ms: null }));
}

/** Unfinished stages of an ended job take its outcome (a run that never started, or one ended before the record said so). */
function settle(stages: StageView[], outcome: StageStatus, from: readonly StageStatus[]): StageView[] {
  return stages.map((s) => (from.includes(s.status) ? { ...s, status: outcome } : s));
}

/**
 * A job's progress: the record says its status, the run where it is. Each fact
 * has one home: a terminal transition of the record ends its run in the same
 * script (JobStore), so a finished record never comes with a run still
 * processing and nothing needs reconciling. What remains is which run belongs
 * to the record: a retry puts the record back to queued while the last
 * attempt's run is still stored, and a pickup marks the record processing
 * before its run starts; both show as queued.
 */
export function presentProgress(record: JobRecord, run: RunView | null): JobProgressState {
  const { job_id, status } = record;
  const base = { job_id, status, version: run?.version ?? 0 };

  if (status === 'completed') {
    const stages = run ? settle(run.stages, 'done', ['pending', 'active']) : settle(pendingStages(), 'done', ['pending']);
    return {
      ...base,
      attempt: run?.attempt ?? record.attempt,
      progress: { percentage: 100, stage: 'completed', stage_percentage: 100, stages, eta_seconds: 0 },
    };
  }
  if (isTerminalStatus(status)) {
    // Where the run stopped; the interrupted stage shows as failed (as the run's end marks it). No run: nothing ran.
    return {
      ...base,
      attempt: run?.attempt ?? record.attempt,
      progress: {
        percentage: run?.percentage ?? 0,
        stage: status,
        stage_percentage: run?.stage_percentage ?? 0,
        stages: run ? settle(run.stages, 'failed', ['active']) : pendingStages(),
        eta_seconds: null,
      },
    };
  }
  // Processing with the current attempt's run: the run as is.
  if (status === 'processing' && run?.status === 'processing' && run.attempt === record.attempt) {
    const { percentage, stage, stage_percentage, stages, eta_seconds } = run;
    return { ...base, attempt: run.attempt, progress: { percentage, stage, stage_percentage, stages, eta_seconds } };
  }
  // Queued, waiting for a retry, or picked up but the run not started yet.
  return {
    ...base,
    attempt: record.attempt,
    progress: { percentage: 0, stage: 'queued', stage_percentage: 0, stages: pendingStages(), eta_seconds: null },
  };
}

/** The JSON of one SSE event: exactly the fields GET shows for them. */
export function eventData(state: JobProgressState): { job_id: string; status: JobStatus; progress: ProgressView } {
  return { job_id: state.job_id, status: state.status, progress: state.progress };
}

/** Object URLs: UrlSigner of @vidgen/storage (presigned for the endpoint clients reach, or CDN URLs). */
export interface ObjectUrls {
  /** `signingDate` signs as of that time, so answers inside one signing window carry identical URLs. */
  url(key: string, options?: { downloadName?: string; signingDate?: Date }): Promise<{ url: string; expiresAt: Date | null }>;
}

export interface JobPresenterOptions {
  urls: ObjectUrls;
  /** SIGNED_URL_TTL_SECONDS: URLs are signed at the start of a window of half of it (urlWindow). */
  signedUrlTtlSeconds: number;
  /** Makes every link absolute (PUBLIC_BASE_URL): configuration, never a request. */
  publicUrl: PublicUrl;
  /** Mints the token of links.events. */
  tokens: EventTokens;
  /** Mints the token of result.hls_url and storyboard_url (scope "hls"); without it there are none. */
  hlsTokens?: EventTokens;
  /** Places in the queue of queued jobs; without it a queued job's queue_position is null. */
  queuePositions?: (jobIds: readonly string[]) => Promise<(number | null)[]>;
  /** The attempts listed under webhook.deliveries. */
  deliveries?: (jobId: string) => Promise<readonly unknown[]>;
  /** The clock of the signing windows (tests move it). */
  now?: () => number;
  logger?: Logger;
}

/** A job as GET /jobs/:id shows it. */
export type JobView = ReturnType<typeof shape<{ self: string; events: string }>>;
/** A job as a webhook body carries it: the same, links.self only. */
export type WebhookJobView = ReturnType<typeof shape<{ self: string }>>;

export interface JobPresenter {
  /**
   * The job as GET /jobs/:id shows it (and the list, cancel and retry answers).
   * `queuePosition`: the job's place when the caller has read it already (a list
   * page reads all of its queued jobs' at once); undefined: read here if queued.
   */
  job(record: JobRecord, state: JobProgressState, queuePosition?: number | null): Promise<JobView>;
  /** The `job` of a webhook body: exactly what GET shows, minus links.events (the event stream has ended). */
  webhookJob(record: JobRecord, state: JobProgressState): Promise<WebhookJobView>;
}

interface ResultView {
  video_url: string | null;
  video_url_expires_at: string | null;
  download_url: string | null;
  hls_url: string | null;
  subtitles_url: string | null;
  poster_url: string | null;
  storyboard_url: string | null;
  duration_seconds: number;
  outputs: NonNullable<JobRecord['result']>['outputs'];
}

function shape<L>(record: JobRecord, state: JobProgressState, position: number | null | undefined, result: ResultView | null, webhook: { callback_url: string; deliveries: readonly unknown[] } | null, links: L) {
  return {
    job_id: record.job_id,
    status: state.status,
    ...(position !== undefined ? { queue_position: position } : {}),
    progress: state.progress,
    configuration: record.configuration,
    attempt: state.attempt,
    created_at: record.created_at,
    updated_at: record.updated_at,
    started_at: record.started_at,
    completed_at: record.completed_at,
    error: record.status === 'failed' ? record.error : null,
    // While a retry is pending the job is queued again; the previous attempt's error stays visible.
    last_error: record.status !== 'failed' ? record.error : null,
    // What the job did differently from what was asked (a planner fallback); empty: nothing.
    warnings: record.warnings ?? [],
    result,
    webhook,
    links,
  };
}

/**
 * The one presenter of a job: GET /jobs/:id, the list, the cancel and retry
 * answers and the webhook body's `job` (with presentProgress: every SSE event).
 * Built from configuration alone (no request), so the API and the worker show
 * the same job with the same links.
 */
export function createJobPresenter(options: JobPresenterOptions): JobPresenter {
  const { urls, signedUrlTtlSeconds, publicUrl, tokens, hlsTokens, queuePositions, deliveries, now = Date.now, logger } = options;

  async function resultOf(record: JobRecord): Promise<ResultView | null> {
    if (record.status !== 'completed' || !record.result) return null;
    const outputs = record.result.outputs;
    const video = outputs.find((o) => o.kind === 'video');
    // Signed as of the window's start, so every read inside one window gets the same URLs (valid at least half
    // their lifetime) from the signer's cache instead of presigning them again per request.
    const { signedAt } = urlWindow(now(), signedUrlTtlSeconds);
    const sign = (key: string, downloadName?: string) => urls.url(key, { downloadName, signingDate: signedAt });
    const signed = video ? await sign(video.key) : null;
    const download = video ? await sign(video.key, `${safeFileName(record.configuration.topic)}.mp4`) : null;
    const has = (kind: string) => outputs.some((o) => o.kind === kind);
    const subtitles = outputs.find((o) => o.kind === 'subtitles');
    const poster = outputs.find((o) => o.kind === 'poster');
    // Served by the API (rewritten with signed segment and sprite URLs); the token lets players in.
    const viaApi = (path: string) => publicUrl(withHlsToken(path, hlsTokens!, record.job_id, record.owner));
    // Which URL a client got, for support; the logger redacts its signature and credential.
    if (signed) logger?.debug('signed download url issued', { url: signed.url, expires_at: signed.expiresAt?.toISOString() ?? null });
    return {
      video_url: signed?.url ?? null,
      video_url_expires_at: signed?.expiresAt?.toISOString() ?? null,
      download_url: download?.url ?? null,
      hls_url: has('hls_master') && hlsTokens ? viaApi(hlsMasterPath(record.job_id)) : null,
      // For a <track>: the bucket (or CDN) serves it, with its CORS rule.
      subtitles_url: subtitles ? (await sign(subtitles.key)).url : null,
      poster_url: poster ? (await sign(poster.key)).url : null,
      storyboard_url: has('storyboard') && has('sprite') && hlsTokens ? viaApi(storyboardPath(record.job_id)) : null,
      duration_seconds: record.result.duration_seconds,
      outputs,
    };
  }

  /** The fields GET shows, whichever links the caller adds. */
  async function build<L>(record: JobRecord, state: JobProgressState, queuePosition: number | null | undefined, links: L) {
    const result = await resultOf(record);
    // Jobs that would run before it, computed on read (nothing is written per waiting job).
    let position: number | null | undefined;
    if (state.status === 'queued') position = queuePosition !== undefined ? queuePosition : queuePositions ? ((await queuePositions([record.job_id]))[0] ?? null) : null;
    const webhook = record.callback_url ? { callback_url: record.callback_url, deliveries: (await deliveries?.(record.job_id)) ?? [] } : null;
    return shape(record, state, position, result, webhook, links);
  }

  const self = (record: JobRecord) => publicUrl(jobPath(record.job_id));
  return {
    job: (record, state, queuePosition) =>
      build(record, state, queuePosition, {
        self: self(record),
        // EventSource cannot send headers: the stream URL carries its own short-lived credential.
        events: publicUrl(signedEventsPath(tokens, record.job_id, record.owner)),
      }),
    webhookJob: (record, state) => build(record, state, undefined, { self: self(record) }),
  };
}
