import type { RequestHandler, Response, Router } from 'express';
import Joi from 'joi';
import { JOB_STATUSES, VidgenError, plannedVideoSeconds, validate, type JobRecord, type JobStatus, type Logger } from '@vidgen/core';
import { jobVideoKey, ownerVideosKey, videoIdForJob, videoKey, videoVersionsKey } from '@vidgen/metadata';
import { progressKey } from '@vidgen/progress';
import {
  decodeCursor,
  enqueueJob,
  enqueuePurge,
  listOwnerJobs,
  publishCancel,
  queueJobIdFor,
  queuePositions,
  type FairShare,
  type MaintenanceQueue,
  type OwnerBacklog,
  type VideoBudget,
  type RateLimiter,
  type TransitionResult,
  type Redis,
  type VideoQueue,
} from '@vidgen/queue';
import { deliveriesKey } from '@vidgen/webhooks';
import { setContext } from '@vidgen/observability';
import { route } from '../middleware/errors';
import { takeSubmission } from '../rate-limit';
import { presentProgress, type JobProgressState } from '@vidgen/jobs';
import { jobIdParam, readOwnJob, type JobReader } from './job-state';

export interface JobControlDeps extends JobReader {
  queue: VideoQueue;
  /** Object deletion runs on the workers: the API records and enqueues, it never writes to S3. */
  maintenance: MaintenanceQueue;
  /** The API's request client (listing, control channel, deleting related keys). */
  redis: Redis;
  prefix: string;
  attempts: number;
  backoffMs: number;
  /** A retry starts a render like a submission does, so it spends the same per-owner budget. */
  rateLimiter?: RateLimiter;
  /** Owner-fair Bull priorities (QUEUE_FAIR_SHARE); absent: FIFO. */
  fairShare?: FairShare;
  /** Each owner's queued jobs, counted for OWNER_MAX_QUEUED_JOBS. */
  backlog?: OwnerBacklog;
  /** OWNER_MAX_QUEUED_JOBS (0 or absent: no limit). */
  ownerMaxQueuedJobs?: number;
  /** OWNER_DAILY_VIDEO_SECONDS (absent: no budget). */
  videoBudget?: VideoBudget;
  /** Partial outputs may still be landing when a cancel arrives: a second purge sweeps them after this delay. */
  cancelSweepDelayMs?: number;
  logger: Logger;
}

/** 429 QUEUE_QUOTA_EXCEEDED when the owner already has OWNER_MAX_QUEUED_JOBS jobs queued. */
export async function assertQueueQuota(deps: Pick<JobControlDeps, 'backlog' | 'ownerMaxQueuedJobs'>, owner: string): Promise<void> {
  const limit = deps.ownerMaxQueuedJobs ?? 0;
  if (!deps.backlog || limit <= 0) return;
  const queued = await deps.backlog.count(owner, limit);
  if (queued >= limit) throw new VidgenError('QUEUE_QUOTA_EXCEEDED', { details: { limit, queued } });
}

/**
 * Reserves the planned seconds of a submission (its Bull job id) in the owner's daily video
 * budget, or answers 429 VIDEO_QUOTA_EXCEEDED with the time the budget frees up (Retry-After).
 */
export async function reserveVideoSeconds(deps: Pick<JobControlDeps, 'videoBudget'>, owner: string, bullJobId: string, requested: number, res: Response, now: number = Date.now()): Promise<void> {
  if (!deps.videoBudget) return;
  const r = await deps.videoBudget.reserve(owner, bullJobId, requested);
  if (r.ok) return;
  const retryAfterSeconds = r.freesAt ? Math.max(1, Math.ceil((r.freesAt.getTime() - now) / 1000)) : null;
  if (retryAfterSeconds !== null) res.setHeader('Retry-After', String(retryAfterSeconds));
  throw new VidgenError('VIDEO_QUOTA_EXCEEDED', {
    details: {
      limit_seconds: deps.videoBudget.limitSeconds,
      used_seconds: r.usedSeconds,
      reserved_seconds: r.reservedSeconds,
      requested_seconds: Math.round(requested * 1000) / 1000,
      retry_after: r.freesAt?.toISOString() ?? null,
      retry_after_seconds: retryAfterSeconds,
    },
  });
}

/**
 * Presents a job as GET shows it. `queuePosition`: the job's place when the caller has read it
 * already (a list page reads all of its queued jobs' at once); undefined: read it here if queued.
 */
export type JobPresenter = (record: JobRecord, state: JobProgressState, queuePosition?: number | null) => Promise<unknown>;

/** Places in the queue of these jobs, in one call; all null when Redis fails (a read never fails for it). */
export function readQueuePositions(deps: Pick<JobControlDeps, 'queue' | 'redis' | 'prefix'>, jobIds: readonly string[]): Promise<(number | null)[]> {
  return queuePositions(deps.queue, deps.redis, deps.prefix, jobIds).catch(() => jobIds.map(() => null));
}

export const listQuerySchema = Joi.object({
  status: Joi.string().valid(...JOB_STATUSES),
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string().max(400),
}).unknown(false);

/** Removes a job that is still waiting in Bull; an active one is aborted by its worker through the control channel. */
async function dropFromQueue(deps: JobControlDeps, jobId: string): Promise<void> {
  const bullJob = await deps.queue.getJob(await deps.store.queueJobId(jobId));
  if (!bullJob) return;
  const state = await bullJob.getState();
  if (state === 'waiting' || state === 'delayed' || state === 'paused') await bullJob.remove().catch(() => undefined);
}

/**
 * Cancels a queued or processing job: the record moves to cancelled
 * atomically (JobStore.cancel, which ends the progress run in the same
 * script, so event streams end at once), a waiting Bull job is removed, the
 * workers are told to abort (publishCancel), and partial outputs are purged.
 * Returns the refusing status when the job had ended.
 */
async function cancelJob(deps: JobControlDeps, record: JobRecord, correlationId: string): Promise<TransitionResult> {
  const jobId = record.job_id;
  const outcome = await deps.store.cancel(jobId);
  if (outcome !== 'ok') return outcome;
  // A cancelled job gives back the video seconds it reserved (a settled charge stays: its video was rendered).
  if (deps.videoBudget) {
    await deps.store
      .queueJobId(jobId)
      .then((bullJobId) => deps.videoBudget!.release(record.owner, bullJobId))
      .catch((err) => deps.logger.warn('releasing the video seconds of a cancelled job failed', { err }));
  }
  await dropFromQueue(deps, jobId).catch((err) => deps.logger.warn('removing the cancelled job from the queue failed', { err }));
  const receivers = await publishCancel(deps.redis, deps.prefix, jobId);
  if (record.started_at || record.status === 'processing') {
    const purge = { type: 'purge_objects' as const, job_id: jobId, owner: record.owner, correlation_id: correlationId };
    await enqueuePurge(deps.maintenance, purge);
    await enqueuePurge(deps.maintenance, purge, { delayMs: deps.cancelSweepDelayMs ?? 30000 });
  }
  deps.logger.info('job cancelled', { previous_status: record.status, control_receivers: receivers });
  return 'ok';
}

export interface JobControlHandlers {
  list: RequestHandler;
  cancel: RequestHandler;
  retry: RequestHandler;
  remove: RequestHandler;
}

export function createJobControlHandlers(deps: JobControlDeps, present: JobPresenter): JobControlHandlers {
  const { store, logger } = deps;

  const ownJob = async (params: Record<string, unknown>, owner: string) => {
    const jobId = jobIdParam(params);
    const job = await readOwnJob(deps, jobId, owner);
    if (!job) throw new VidgenError('JOB_NOT_FOUND');
    setContext({ job_id: jobId });
    return job;
  };

  const presentCurrent = async (jobId: string, owner: string) => {
    const job = await readOwnJob(deps, jobId, owner);
    if (!job) throw new VidgenError('JOB_NOT_FOUND');
    return present(job.record, job.state);
  };

  return {
    list: async (req, res) => {
      const query = validate<{ status?: JobStatus; limit: number; cursor?: string }>(listQuerySchema, req.query);
      const cursor = query.cursor === undefined ? null : decodeCursor(query.cursor);
      if (query.cursor !== undefined && !cursor) {
        throw new VidgenError('VALIDATION_FAILED', { details: [{ field: 'cursor', message: 'not a cursor from next_cursor', type: 'any.invalid' }] });
      }
      const page = await listOwnerJobs(deps.redis, deps.prefix, { owner: req.owner!, limit: query.limit, cursor, status: query.status });
      const snapshots = await deps.tracker.getSnapshots(page.records.map((r) => r.job_id));
      const states = page.records.map((record, i) => presentProgress(record, snapshots[i] ?? null));
      const queued = page.records.filter((_, i) => states[i]!.status === 'queued').map((r) => r.job_id);
      const positions = new Map(queued.map((id, i) => [id, i]));
      const places = await readQueuePositions(deps, queued);
      const jobs = await Promise.all(
        page.records.map((record, i) => {
          const at = positions.get(record.job_id);
          return present(record, states[i]!, at === undefined ? undefined : places[at]);
        }),
      );
      res.setHeader('Cache-Control', 'no-store');
      res.json({ jobs, next_cursor: page.nextCursor });
    },

    cancel: async (req, res) => {
      const { record } = await ownJob(req.params, req.owner!);
      const outcome = await cancelJob(deps, record, req.correlationId);
      if (outcome === 'missing') throw new VidgenError('JOB_NOT_FOUND');
      if (outcome !== 'ok') throw new VidgenError('JOB_NOT_CANCELLABLE', { details: { status: outcome } });
      res.status(202).json(await presentCurrent(record.job_id, req.owner!));
    },

    retry: async (req, res) => {
      const { record } = await ownJob(req.params, req.owner!);
      // A manual retry is a new submission: its own place, rate and video seconds (under the Bull job id it will get).
      const nextBullJobId = queueJobIdFor(record.job_id, (await store.resubmissions(record.job_id)) + 1);
      let reserved = false;
      if (record.status === 'failed' || record.status === 'cancelled') {
        await assertQueueQuota(deps, req.owner!);
        await takeSubmission(deps.rateLimiter, req.owner!, res);
        await reserveVideoSeconds(deps, req.owner!, nextBullJobId, plannedVideoSeconds(record.configuration), res);
        reserved = Boolean(deps.videoBudget);
      }
      const outcome = await store.resubmit(record.job_id);
      // Refused because it is not failed or cancelled (any more): a concurrent retry that won holds the reservation.
      if (!outcome.ok && reserved && outcome.status !== 'queued' && outcome.status !== 'processing') await deps.videoBudget!.release(req.owner!, nextBullJobId).catch(() => undefined);
      if (!outcome.ok) {
        if (outcome.status === 'missing') throw new VidgenError('JOB_NOT_FOUND');
        throw new VidgenError('JOB_NOT_RETRYABLE', { details: { status: outcome.status } });
      }
      const bullJobId = queueJobIdFor(record.job_id, outcome.resubmission);
      try {
        const priority = await deps.fairShare?.tagFor(record.owner, plannedVideoSeconds(record.configuration));
        await enqueueJob(deps.queue, { job_id: record.job_id, correlation_id: req.correlationId }, { attempts: deps.attempts, backoffMs: deps.backoffMs, bullJobId, priority });
      } catch (err) {
        // The job must not sit queued with nothing in the queue: it goes back to failed, and the client may retry again.
        const e = new VidgenError('REDIS_UNAVAILABLE', { cause: err, message: 'The queue did not accept the job.' });
        if (reserved) await deps.videoBudget!.release(record.owner, bullJobId).catch(() => undefined);
        await store
          .fail(record.job_id, { code: e.code, category: e.category, message: e.message, suggested_action: e.suggestedAction, retryable: true, stage: null, attempt: record.attempt, occurred_at: new Date().toISOString() })
          .catch(() => undefined);
        throw e;
      }
      await deps.backlog?.add(record.owner, record.job_id).catch((err) => logger.warn('owner backlog update failed', { err }));
      logger.info('job resubmitted', { previous_status: record.status, resubmission: outcome.resubmission, bull_job_id: bullJobId });
      res.status(202).json(await presentCurrent(record.job_id, req.owner!));
    },

    remove: async (req, res) => {
      const { record } = await ownJob(req.params, req.owner!);
      const jobId = record.job_id;
      if (record.status === 'queued' || record.status === 'processing') await cancelJob(deps, record, req.correlationId);
      await enqueuePurge(deps.maintenance, { type: 'purge_objects', job_id: jobId, owner: record.owner, correlation_id: req.correlationId });
      const videoId = videoIdForJob(jobId);
      const related = [progressKey(deps.prefix, jobId), deliveriesKey(deps.prefix, jobId), jobVideoKey(deps.prefix, jobId), videoKey(deps.prefix, videoId), videoVersionsKey(deps.prefix, videoId)];
      await store.delete(jobId, record.owner, related);
      await deps.redis.zrem(ownerVideosKey(deps.prefix, record.owner), videoId);
      logger.info('job deleted', { previous_status: record.status });
      res.status(204).end();
    },
  };
}

/** The job-control paths besides DELETE /jobs/:job_id, which shares its path (and its 405 answer) with GET in videos.ts. */
export function registerJobControlRoutes(router: Router, handlers: JobControlHandlers): void {
  route(router, '/jobs', { get: handlers.list });
  route(router, '/jobs/:job_id/cancel', { post: handlers.cancel });
  route(router, '/jobs/:job_id/retry', { post: handlers.retry });
}
