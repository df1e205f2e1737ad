import { renderedBefore, type JobError, type Logger, type StageName, type VidgenError } from '@vidgen/core';
import type { JobRecords, QueuedJob, VideoSeconds } from './ports';

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
  job: QueuedJob;
  error: VidgenError;
  /** The last stage the attempt reached. */
  stage: StageName | null;
  attempt: number;
  /** fail() also ends the attempt's progress run (one script), so there is no run to finish here. */
  store: Pick<JobRecords, 'markRetrying' | 'fail'>;
  /** OWNER_DAILY_VIDEO_SECONDS, with the job's owner; absent: no budget. */
  budget?: { seconds: Pick<VideoSeconds, 'release' | 'charge'>; owner: string };
  logger: Logger;
}

/**
 * The one failure hook of a video job attempt. A retryable error with queue
 * attempts left puts the record back to queued with the error (the queue
 * retries with backoff); otherwise the record fails, and a permanent error
 * also ends the queue job at once (failPermanently). A job that ended
 * elsewhere meanwhile (cancelled by the API, or deleted) refuses both
 * transitions: then nothing is recorded and the attempt simply returns.
 * Throws for the queue otherwise.
 */
export async function recordFailure(failed: FailedAttempt): Promise<void> {
  const { job, error: e, stage, attempt, store, logger } = failed;
  const { job_id } = job.data;
  const attemptsLeft = job.attempt < job.attemptsAllowed;
  // A shutdown is not the job's fault: it goes back to the queue even on its last queue attempt.
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
    if (!attemptsLeft) job.retryEvenIfLast();
    throw e;
  }
  if (failed.budget) {
    // The job ended: its reserved seconds come back unless its video was rendered (then they are spent).
    const { seconds, owner } = failed.budget;
    await (renderedBefore(stage) ? seconds.charge(owner, job.id) : seconds.release(owner, job.id)).catch((err) => logger.warn('settling the video seconds of a failed job failed', { err }));
  }
  // A permanent error gets no further attempts.
  if (!e.retryable) await job.failPermanently();
  throw e;
}
