import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Whole jobs: a 1-second low-quality job takes ~1 s, a 10-minute 4K one hits the job limit. */
const JOB_BUCKETS = [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600];
const STAGE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Video seconds per wall second: below 1 renders slower than real time. */
const SPEED_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64];
const UPLOAD_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export type AttemptOutcome = 'completed' | 'failed' | 'retrying' | 'skipped';

export interface UploadObservation {
  bytes: number;
  durationMs: number;
  ok: boolean;
  errorCategory?: string;
}

export interface WorkerMetrics {
  /** An attempt began and ended (the active-jobs gauge). */
  jobStarted(): void;
  jobEnded(): void;
  /** One finished attempt; `category` is the error's taxonomy category when it failed. */
  attemptFinished(labels: { outcome: AttemptOutcome; quality: string; category?: string }, seconds: number): void;
  stageFinished(stage: string, seconds: number): void;
  renderSpeed(quality: string, videoSecondsPerWallSecond: number): void;
  observeUpload(event: UploadObservation): void;
  redisError(client: string): void;
  progressFailure(): void;
  /** One request to the language-model endpoint: 'ok' or why it failed (timeout, http_error, rate_limited, …). */
  plannerCall(model: string, outcome: string, seconds: number): void;
  /** One LLM planning: the model's plan ('llm'), a cached one, a fallback to the rules planner, or a failure. */
  planned(model: string, result: 'llm' | 'cached' | 'fallback' | 'failed', seconds: number): void;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  const active = new Gauge({ name: 'vidgen_worker_active_jobs', help: 'Jobs this worker process is running now.', registers });
  const completed = new Counter({ name: 'vidgen_worker_jobs_completed_total', help: 'Jobs completed, by quality.', labelNames: ['quality'], registers });
  const failed = new Counter({
    name: 'vidgen_worker_jobs_failed_total',
    help: 'Jobs that ended failed (permanent error or attempts exhausted), by error category.',
    labelNames: ['category'],
    registers,
  });
  const retried = new Counter({
    name: 'vidgen_worker_job_retries_total',
    help: 'Attempts that failed with a retryable error and went back to the queue, by error category.',
    labelNames: ['category'],
    registers,
  });
  const jobDuration = new Histogram({
    name: 'vidgen_worker_job_duration_seconds',
    help: 'Wall time of one job attempt, by outcome (completed, failed, retrying, skipped) and quality.',
    labelNames: ['outcome', 'quality'],
    buckets: JOB_BUCKETS,
    registers,
  });
  const stageDuration = new Histogram({
    name: 'vidgen_worker_stage_duration_seconds',
    help: 'Duration of each pipeline stage that ran to completion, by stage.',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers,
  });
  const speed = new Histogram({
    name: 'vidgen_worker_render_speed_ratio',
    help: 'Video seconds produced per wall second of rendering and combining, by quality.',
    labelNames: ['quality'],
    buckets: SPEED_BUCKETS,
    registers,
  });
  const uploadBytes = new Counter({ name: 'vidgen_worker_s3_upload_bytes_total', help: 'Bytes uploaded to S3 successfully.', registers });
  const uploadDuration = new Histogram({
    name: 'vidgen_worker_s3_upload_duration_seconds',
    help: 'Duration of one S3 object upload (all parts and the size check), by outcome.',
    labelNames: ['outcome'],
    buckets: UPLOAD_BUCKETS,
    registers,
  });
  const uploadErrors = new Counter({ name: 'vidgen_worker_s3_upload_errors_total', help: 'S3 uploads that failed, by error category.', labelNames: ['category'], registers });
  const redisErrors = new Counter({ name: 'vidgen_worker_redis_errors_total', help: 'Redis connection errors, by client (store, queue).', labelNames: ['client'], registers });
  const progressFailures = new Counter({
    name: 'vidgen_worker_progress_failures_total',
    help: 'Progress writes that failed (the job goes on; clients see stale progress).',
    registers,
  });

  const plannerCalls = new Counter({
    name: 'vidgen_worker_planner_calls_total',
    help: 'Requests to the language-model endpoint, by model and outcome (ok, or the failure: timeout, http_error, rate_limited, network, bad_response, format_unsupported).',
    labelNames: ['model', 'outcome'],
    registers,
  });
  const plannerCallDuration = new Histogram({
    name: 'vidgen_worker_planner_call_duration_seconds',
    help: 'Latency of one request to the language-model endpoint, by model.',
    labelNames: ['model'],
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
    registers,
  });
  const plannings = new Counter({
    name: 'vidgen_worker_plannings_total',
    help: 'LLM plannings, by model and result: llm (the model\'s plan), cached, fallback (the rules planner, with a warning on the job), failed (PLANNER_FAILED).',
    labelNames: ['model', 'result'],
    registers,
  });

  return {
    plannerCall(model, outcome, seconds) {
      plannerCalls.inc({ model, outcome });
      plannerCallDuration.observe({ model }, seconds);
    },
    planned: (model, result) => plannings.inc({ model, result }),
    jobStarted: () => active.inc(),
    jobEnded: () => active.dec(),
    attemptFinished({ outcome, quality, category = 'unknown' }, seconds) {
      jobDuration.observe({ outcome, quality }, seconds);
      if (outcome === 'completed') completed.inc({ quality });
      else if (outcome === 'failed') failed.inc({ category });
      else if (outcome === 'retrying') retried.inc({ category });
    },
    stageFinished: (stage, seconds) => stageDuration.observe({ stage }, seconds),
    renderSpeed: (quality, ratio) => speed.observe({ quality }, ratio),
    observeUpload({ bytes, durationMs, ok, errorCategory = 'unknown' }) {
      uploadDuration.observe({ outcome: ok ? 'ok' : 'error' }, durationMs / 1000);
      if (ok) uploadBytes.inc(bytes);
      else uploadErrors.inc({ category: errorCategory });
    },
    redisError: (client) => redisErrors.inc({ client }),
    progressFailure: () => progressFailures.inc(),
  };
}
