import type { RequestHandler, Router } from 'express';
import Joi from 'joi';
import { JOB_STATUSES, VidgenError, validate, type JobRecord, type JobStatus } from '@vidgen/core';
import { cancelJob, deleteJob, presentProgress, retryJob, type ControlDeps, type JobProgressState, type JobQueue } from '@vidgen/jobs';
import { decodeCursor, listOwnerJobs, type Redis } from '@vidgen/queue';
import { setContext } from '@vidgen/observability';
import { route } from '../middleware/errors';
import { withRetryAfter } from '../rate-limit';
import { jobIdParam, readOwnJob, type JobReader } from './job-state';

export interface JobControlDeps extends JobReader {
  /** The video queue, for queue positions. */
  queue: Pick<JobQueue, 'positions'>;
  /** The API's request client (listing). */
  redis: Redis;
  prefix: string;
  /** Cancel, retry and delete (@vidgen/jobs). */
  control: ControlDeps;
}

/**
 * Presents a job as GET shows it. `queuePosition`: the job's place when the caller has read it
 * already (a list page reads all of its queued jobs' at once); undefined: read it here if queued.
 */
export type JobPresenter = (record: JobRecord, state: JobProgressState, queuePosition?: number | null) => Promise<unknown>;

/** Places in the queue of these jobs, in one call; all null when Redis fails (a read never fails for it). */
export function readQueuePositions(deps: Pick<JobControlDeps, 'queue'>, jobIds: readonly string[]): Promise<(number | null)[]> {
  return deps.queue.positions(jobIds).catch(() => jobIds.map(() => null));
}

export const listQuerySchema = Joi.object({
  status: Joi.string().valid(...JOB_STATUSES),
  limit: Joi.number().integer().min(1).max(100).default(20),
  cursor: Joi.string().max(400),
}).unknown(false);

export interface JobControlHandlers {
  list: RequestHandler;
  cancel: RequestHandler;
  retry: RequestHandler;
  remove: RequestHandler;
}

export function createJobControlHandlers(deps: JobControlDeps, present: JobPresenter): JobControlHandlers {
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
      const outcome = await cancelJob(deps.control, record, req.correlationId);
      if (outcome === 'missing') throw new VidgenError('JOB_NOT_FOUND');
      if (outcome !== 'ok') throw new VidgenError('JOB_NOT_CANCELLABLE', { details: { status: outcome } });
      res.status(202).json(await presentCurrent(record.job_id, req.owner!));
    },

    retry: async (req, res) => {
      const { record } = await ownJob(req.params, req.owner!);
      await withRetryAfter(res, () => retryJob(deps.control, record, req.correlationId));
      res.status(202).json(await presentCurrent(record.job_id, req.owner!));
    },

    remove: async (req, res) => {
      const { record } = await ownJob(req.params, req.owner!);
      await deleteJob(deps.control, record, req.correlationId);
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
