import { toVidgenError, type JobRecord, type Logger } from '@vidgen/core';
import { runWithContext, setContext, type AttemptOutcome, type WorkerMetrics } from '@vidgen/observability';
import type { ProgressSnapshot, StageRecord } from '@vidgen/progress';
import type { QueuedJob } from '@vidgen/jobs';

export interface InstrumentationDeps {
  tracker: { getSnapshot(jobId: string): Promise<ProgressSnapshot | null> };
  store: { get(jobId: string): Promise<JobRecord | null> };
  metrics: WorkerMetrics;
  logger: Logger;
  now?: () => number;
  /**
   * The render time the handler measured for this attempt, taken once (see
   * AttemptDeps.onRendered in @vidgen/jobs). Without it the stage records' times stand in;
   * they can shrink to the gap between two progress writes on a loaded machine.
   */
  takeRenderMs?: (jobId: string) => number | undefined;
}

type JobHandler = (job: QueuedJob) => Promise<void>;

/** Stages that ran in this attempt: a snapshot also holds the earlier attempts' records until a new run overwrites them. */
function stagesOfAttempt(snapshot: ProgressSnapshot | null, attempt: number, startedAt: number): StageRecord[] {
  if (!snapshot || snapshot.attempt !== attempt) return [];
  return snapshot.stages.filter((s) => s.started_at !== null && s.completed_at !== null && s.duration_ms !== null && Date.parse(s.started_at) >= startedAt);
}

/** Did this attempt end the job? Records keep their status after the job ended, so the end time must fall in this attempt. */
function endedNow(record: JobRecord | null, status: 'completed' | 'failed', startedAt: number): boolean {
  return record?.status === status && record.completed_at !== null && Date.parse(record.completed_at) >= startedAt;
}

/**
 * Wraps the job handler from outside: after each attempt it reads the
 * progress snapshot and the job record, logs one line per finished stage and
 * one per attempt (total and per-stage breakdown), and observes the metrics.
 * The handler's outcome passes through untouched (the same value or error),
 * and nothing here can throw into the queue: reporting failures are logged only.
 */
export function instrumentJobHandler(handler: JobHandler, deps: InstrumentationDeps): JobHandler {
  const { tracker, store, metrics, logger, now = Date.now } = deps;

  const report = async (job: QueuedJob, startedAt: number, error: { value: unknown } | null) => {
    const { job_id } = job.data;
    const [record, snapshot] = await Promise.all([store.get(job_id), tracker.getSnapshot(job_id)]);
    // The handler counts attempts on the record (they go on across stalled recovery and POST /retry);
    // the queue's count restarts with every queue job, so it is only the fallback.
    const attempt = record?.attempt || job.attempt;
    setContext({ attempt });
    const quality = record?.configuration.quality ?? 'unknown';
    const owner = record?.owner;
    const failure = error ? toVidgenError(error.value) : null;
    let outcome: AttemptOutcome;
    if (failure) outcome = endedNow(record, 'failed', startedAt) ? 'failed' : 'retrying';
    else outcome = endedNow(record, 'completed', startedAt) ? 'completed' : 'skipped';

    const stages = stagesOfAttempt(snapshot, attempt, startedAt);
    const breakdown: Record<string, number> = {};
    for (const s of stages) {
      const durationMs = s.duration_ms!;
      breakdown[s.name] = durationMs;
      logger.info('stage finished', { owner, stage: s.name, status: s.status, duration_ms: durationMs });
      // Only stages that ran to completion: a failed stage's time says when it broke, not how long it takes.
      if (s.status === 'done') metrics.stageFinished(s.name, durationMs / 1000);
    }

    const durationMs = now() - startedAt;
    metrics.attemptFinished({ outcome, quality, category: failure?.category }, durationMs / 1000);
    const meta: Record<string, unknown> = { owner, outcome, quality, duration_ms: durationMs, stages: breakdown };
    if (record && (outcome === 'completed' || outcome === 'failed') && record.completed_at) {
      // End to end, queue waits and earlier attempts included.
      meta.since_submit_ms = Date.parse(record.completed_at) - Date.parse(record.created_at);
    }
    if (failure) Object.assign(meta, { code: failure.code, category: failure.category });
    const videoSeconds = outcome === 'completed' ? record?.result?.duration_seconds : undefined;
    const renderMs = deps.takeRenderMs?.(job_id) ?? (breakdown.rendering_scenes ?? 0) + (breakdown.combining ?? 0);
    if (videoSeconds !== undefined && renderMs > 0) {
      const speed = videoSeconds / (renderMs / 1000);
      metrics.renderSpeed(quality, speed);
      Object.assign(meta, { video_seconds: videoSeconds, render_speed: Math.round(speed * 100) / 100 });
    }
    if (outcome === 'failed' || outcome === 'retrying') logger.warn('job attempt finished', meta);
    else logger.info('job attempt finished', meta);
  };

  return async function instrumentedHandler(job: QueuedJob): Promise<void> {
    const { job_id, correlation_id } = job.data;
    const startedAt = now();
    let error: { value: unknown } | null = null;
    try {
      metrics.jobStarted();
    } catch {
      // Metrics never stop a job.
    }
    try {
      await handler(job);
    } catch (err) {
      error = { value: err };
    }
    try {
      await runWithContext({ correlation_id, job_id }, () => report(job, startedAt, error));
    } catch (err) {
      try {
        runWithContext({ correlation_id, job_id }, () => logger.warn('job instrumentation failed', { err }));
      } catch {
        // Even a broken logger must not change the job's outcome.
      }
    } finally {
      try {
        metrics.jobEnded();
      } catch {
        // As above.
      }
    }
    if (error) throw error.value;
  };
}
