import { renderedBefore, type JobError, type Logger, type StageName, type VidgenError } from '@vidgen/core';
import type { JobStore, VideoBudget, VideoJob } from '@vidgen/queue';

export function toJobError(err: VidgenError, stage: StageName | null, attempt: number): JobError {
  const e: JobError = {
    code: err.code,
    category: err.category,
    message: err.message,
    suggested_action: err.suggestedAction,
    retryable: err.retryable,
    stage,
    attempt,
    occurred_at: new Date().toISOString(),
  };
  // Details carry facts such as ffmpeg's stderr tail; stack traces stay in the logs.
  if (err.details !== undefined) e.details = err.details;
  return e;
}

export interface FailedAttempt {
  job: VideoJob;
  error: VidgenError;
  /** The last stage the attempt reached. */
  stage: StageName | null;
  attempt: number;
  /** fail() also ends the attempt's progress run (one script), so there is no run to finish here. */
  store: Pick<JobStore, 'markRetrying' | 'fail'>;
  /** OWNER_DAILY_VIDEO_SECONDS, with the job's owner; absent: no budget. */
  budget?: { seconds: Pick<VideoBudget, 'release' | 'charge'>; owner: string };
  logger: Logger;
}

/**
 * The one failure hook of a video job attempt. A retryable error with Bull
 * attempts left puts the record back to queued with the error (Bull retries
 * with backoff); otherwise the record fails, and a permanent error also ends
 * the Bull job at once (discard). A job that ended elsewhere meanwhile
 * (cancelled by the API, or deleted) refuses both transitions: then nothing
 * is recorded and the attempt simply returns. Throws for Bull otherwise.
 */
export async function recordFailure(failed: FailedAttempt): Promise<void> {
  const { job, error: e, stage, attempt, store, logger } = failed;
  const { job_id } = job.data;
  const attemptsLeft = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
  // A shutdown is not the job's fault: it goes back to the queue even on its last Bull attempt.
  const shutdown = e.code === 'WORKER_SHUTDOWN';
  const willRetry = e.retryable && (attemptsLeft || shutdown);
  logger.error('job attempt failed', { err: e, code: e.code, category: e.category, stage, will_retry: willRetry });
  const jobError = toJobError(e, stage, attempt);
  const outcome = willRetry ? await store.markRetrying(job_id, jobError, attempt) : await store.fail(job_id, jobError, attempt);
  if (outcome !== 'ok') {
    logger.info('the job ended elsewhere meanwhile; the attempt stops without recording a failure', { status: outcome });
    return;
  }
  if (willRetry) {
    // Bull decides from the job's in-memory options whether it retries (Job.moveToFailed).
    if (!attemptsLeft) job.opts.attempts = job.attemptsMade + 2;
    throw e;
  }
  if (failed.budget) {
    // The job ended: its reserved seconds come back unless its video was rendered (then they are spent).
    const { seconds, owner } = failed.budget;
    const bullJobId = String(job.id);
    await (renderedBefore(stage) ? seconds.charge(owner, bullJobId) : seconds.release(owner, bullJobId)).catch((err) => logger.warn('settling the video seconds of a failed job failed', { err }));
  }
  // A permanent error gets no further attempts.
  if (!e.retryable) await job.discard();
  throw e;
}
