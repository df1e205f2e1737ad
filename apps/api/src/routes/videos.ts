import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { S3Client } from '@aws-sdk/client-s3';
import { VidgenError, validateGenerateRequest, type JobRecord, type Logger } from '@vidgen/core';
import { setContext } from '@vidgen/observability';
import { enqueueJob, type VideoQueue } from '@vidgen/queue';
import { presignGetUrl } from '@vidgen/storage';
import { route } from '../middleware/errors';
import type { JobProgressState } from '../progress-view';
import type { EventTokens } from '../tokens';
import { eventsPath, jobIdParam, jobPath, readOwnJob, type JobReader } from './job-state';

export { jobPath };

export interface VideosRouteDeps extends JobReader {
  queue: VideoQueue;
  /** Mints the short-lived token of links.events. */
  tokens: EventTokens;
  /** Signs download URLs for the endpoint clients use (S3_PUBLIC_ENDPOINT or S3_ENDPOINT). */
  presigner: S3Client;
  bucket: string;
  signedUrlTtlSeconds: number;
  allowUltra: boolean;
  narrationEnabled: boolean;
  attempts: number;
  backoffMs: number;
  enqueueTimeoutMs: number;
  logger: Logger;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new VidgenError('REDIS_UNAVAILABLE', { message: 'The queue did not accept the job in time.' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export function createVideosRouter(deps: VideosRouteDeps): Router {
  const { store, queue, presigner, bucket, signedUrlTtlSeconds, logger } = deps;
  const router = Router();

  async function present(record: JobRecord, state: JobProgressState) {
    let result = null;
    if (record.status === 'completed' && record.result) {
      const video = record.result.outputs.find((o) => o.kind === 'video');
      const signed = video ? await presignGetUrl({ client: presigner, bucket, key: video.key, expiresInSeconds: signedUrlTtlSeconds }) : null;
      result = {
        video_url: signed?.url ?? null,
        video_url_expires_at: signed?.expiresAt.toISOString() ?? null,
        duration_seconds: record.result.duration_seconds,
        outputs: record.result.outputs,
      };
    }
    return {
      job_id: record.job_id,
      status: state.status,
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
      result,
      links: {
        self: jobPath(record.job_id),
        // EventSource cannot send headers: the stream URL carries its own short-lived credential.
        events: `${eventsPath(record.job_id)}?token=${encodeURIComponent(deps.tokens.mint(record.job_id, record.owner))}`,
      },
    };
  }

  route(router, '/generate', {
    post: async (req, res) => {
      // req.is() is null without a body (then validation reports the missing body), false for another type.
      if (req.is('application/json') === false) throw new VidgenError('UNSUPPORTED_MEDIA_TYPE');
      const request = validateGenerateRequest(req.body, { allowUltra: deps.allowUltra, narrationEnabled: deps.narrationEnabled });
      const jobId = randomUUID();
      const owner = req.owner!;
      setContext({ job_id: jobId });
      const record = await store.create({
        job_id: jobId,
        owner,
        correlation_id: req.correlationId,
        configuration: request.configuration,
        created_at: new Date().toISOString(),
      });
      try {
        await withTimeout(
          enqueueJob(queue, { job_id: jobId, correlation_id: req.correlationId }, { attempts: deps.attempts, backoffMs: deps.backoffMs }),
          deps.enqueueTimeoutMs,
        );
      } catch (err) {
        // Nothing half-made stays behind: the client is told to retry and no queued record lingers.
        await store.remove(jobId, owner).catch(() => undefined);
        throw err instanceof VidgenError ? err : new VidgenError('REDIS_UNAVAILABLE', { cause: err });
      }
      logger.info('job submitted', { quality: request.configuration.quality });
      res
        .status(202)
        .location(jobPath(jobId))
        .json({ job_id: jobId, status: record.status, progress: record.progress, links: { self: jobPath(jobId) } });
    },
  });

  route(router, '/jobs/:job_id', {
    get: async (req, res) => {
      const jobId = jobIdParam(req.params);
      const job = await readOwnJob(deps, jobId, req.owner!);
      if (!job) throw new VidgenError('JOB_NOT_FOUND');
      setContext({ job_id: jobId });
      res.setHeader('Cache-Control', 'no-store');
      res.json(await present(job.record, job.state));
    },
  });

  return router;
}
