import { VidgenError, plannedVideoSeconds, queueJobIdFor, type JobRecord, type Logger } from '@vidgen/core';
import type { Backlog, FairTags, JobDataOwner, JobQueue, JobRecords, PublishCancel, PurgeQueue, TransitionResult, VideoSeconds } from './ports';
import { assertQueueQuota, reserveVideoSeconds, takeSubmission, type AdmitDeps } from './submit';
import { toJobError } from './failure';

export interface ControlDeps extends AdmitDeps {
  store: Pick<JobRecords, 'cancel' | 'queueJobId' | 'resubmissions' | 'resubmit' | 'fail' | 'deleteWith'>;
  queue: Pick<JobQueue, 'enqueue' | 'remove'>;
  /** Object deletion runs on the workers: the API records and enqueues, it never writes to S3. */
  purges: PurgeQueue;
  /** Tells the workers to abort the job's running attempt. */
  publishCancel: PublishCancel;
  /** The other packages' data about a job (progress, metadata, webhook deliveries), deleted with its record. */
  jobData: readonly JobDataOwner[];
  attempts: number;
  backoffMs: number;
  backlog?: Pick<Backlog, 'count' | 'add'>;
  /** Owner-fair priorities (QUEUE_FAIR_SHARE); absent: FIFO. */
  fairShare?: Pick<FairTags, 'tagFor'>;
  videoBudget?: Pick<VideoSeconds, 'reserve' | 'release' | 'limitSeconds'>;
  /** Partial outputs may still be landing when a cancel arrives: a second purge sweeps them after this delay. */
  cancelSweepDelayMs?: number;
  logger: Logger;
}

/**
 * Cancels a queued or processing job: the record moves to cancelled
 * atomically (JobStore.cancel, which ends the progress run in the same
 * script, so event streams end at once), a waiting queue job is removed, the
 * workers are told to abort (publishCancel), and partial outputs are purged. Returns the refusing status when the job had ended.
 */
export async function cancelJob(deps: ControlDeps, record: JobRecord, correlationId: string): Promise<TransitionResult> {
  const jobId = record.job_id;
  const outcome = await deps.store.cancel(jobId);
  if (outcome !== 'ok') return outcome;
  // A cancelled job gives back the video seconds it reserved (a settled charge stays: its video was rendered).
  if (deps.videoBudget) {
    await deps.store
      .queueJobId(jobId)
      .then((queueJobId) => deps.videoBudget!.release(record.owner, queueJobId))
      .catch((err) => deps.logger.warn('releasing the video seconds of a cancelled job failed', { err }));
  }
  // An active one is aborted by its worker through the control channel.
  await deps.store
    .queueJobId(jobId)
    .then((queueJobId) => deps.queue.remove(queueJobId))
    .catch((err) => deps.logger.warn('removing the cancelled job from the queue failed', { err }));
  const receivers = await deps.publishCancel(jobId);
  if (record.started_at || record.status === 'processing') {
    const purge = { job_id: jobId, owner: record.owner, correlation_id: correlationId };
    await deps.purges.enqueuePurge(purge);
    await deps.purges.enqueuePurge(purge, { delayMs: deps.cancelSweepDelayMs ?? 30000 });
  }
  deps.logger.info('job cancelled', { previous_status: record.status, control_receivers: receivers });
  return 'ok';
}

/**
 * POST /retry: a failed or cancelled job is admitted like a new submission (its own place, rate
 * and video seconds, under the queue job id it will get) and enqueued again; a job refused
 * because it is not failed or cancelled (any more) gets JOB_NOT_RETRYABLE. Returns the resubmission.
 */
export async function retryJob(deps: ControlDeps, record: JobRecord, correlationId: string): Promise<{ resubmission: number; queueJobId: string }> {
  const { store, logger } = deps;
  const owner = record.owner;
  const nextQueueJobId = queueJobIdFor(record.job_id, (await store.resubmissions(record.job_id)) + 1);
  let reserved = false;
  if (record.status === 'failed' || record.status === 'cancelled') {
    await assertQueueQuota(deps, owner);
    await takeSubmission(deps.rateLimiter, owner);
    await reserveVideoSeconds(deps, owner, nextQueueJobId, plannedVideoSeconds(record.configuration));
    reserved = Boolean(deps.videoBudget);
  }
  const outcome = await store.resubmit(record.job_id);
  // Refused because it is not failed or cancelled (any more): a concurrent retry that won holds the reservation.
  if (!outcome.ok && reserved && outcome.status !== 'queued' && outcome.status !== 'processing') await deps.videoBudget!.release(owner, nextQueueJobId).catch(() => undefined);
  if (!outcome.ok) {
    if (outcome.status === 'missing') throw new VidgenError('JOB_NOT_FOUND');
    throw new VidgenError('JOB_NOT_RETRYABLE', { details: { status: outcome.status } });
  }
  const queueJobId = queueJobIdFor(record.job_id, outcome.resubmission);
  try {
    const priority = await deps.fairShare?.tagFor(owner, plannedVideoSeconds(record.configuration));
    await deps.queue.enqueue({ job_id: record.job_id, correlation_id: correlationId }, { attempts: deps.attempts, backoffMs: deps.backoffMs, queueJobId, priority });
  } catch (err) {
    // The job must not sit queued with nothing in the queue: it goes back to failed, and the client may retry again.
    const e = new VidgenError('REDIS_UNAVAILABLE', { cause: err, message: 'The queue did not accept the job.' });
    if (reserved) await deps.videoBudget!.release(owner, queueJobId).catch(() => undefined);
    await store
      .fail(record.job_id, toJobError(e, null, record.attempt))
      .catch(() => undefined);
    throw e;
  }
  await deps.backlog?.add(owner, record.job_id).catch((err) => logger.warn('owner backlog update failed', { err }));
  logger.info('job resubmitted', { previous_status: record.status, resubmission: outcome.resubmission, bull_job_id: queueJobId });
  return { resubmission: outcome.resubmission, queueJobId };
}

/**
 * DELETE: a running job is cancelled first; its objects are purged by the workers; the record and
 * every other package's data about the job (progress, metadata, webhook deliveries) go in one
 * transaction.
 */
export async function deleteJob(deps: ControlDeps, record: JobRecord, correlationId: string): Promise<void> {
  const jobId = record.job_id;
  if (record.status === 'queued' || record.status === 'processing') await cancelJob(deps, record, correlationId);
  await deps.purges.enqueuePurge({ job_id: jobId, owner: record.owner, correlation_id: correlationId });
  await deps.store.deleteWith(jobId, record.owner, (tx) => {
    for (const data of deps.jobData) data.forgetJobIn(tx, jobId, record.owner);
  });
  deps.logger.info('job deleted', { previous_status: record.status });
}
