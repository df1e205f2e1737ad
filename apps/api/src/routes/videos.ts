import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { VidgenError, checkGenerateRequest, type JobRecord, type Logger, type Planner } from '@vidgen/core';
import { setContext, type ApiMetrics } from '@vidgen/observability';
import { enqueueJob, type TransactionReplies, type VideoQueue } from '@vidgen/queue';
import type { UrlSigner } from '@vidgen/storage';
import { route } from '../middleware/errors';
import { takeSubmission } from '../rate-limit';
import { createJobPresenter, jobPath, type EventTokens, type JobProgressState, type PublicUrl } from '@vidgen/jobs';
import { jobIdParam, readOwnJob } from './job-state';
import type { IdempotencyStore, RateLimiter } from '@vidgen/queue';
import type { DeliveryLog } from '@vidgen/webhooks';
import { claimSubmission, idempotencyKeyOf } from '../idempotency';
import { assertQueueQuota, createJobControlHandlers, readQueuePositions, reserveVideoSeconds, registerJobControlRoutes, type JobControlDeps } from './job-control';
import { registerPlanRoute } from './scenes';
import { submitPolicyFor, type SubmitPolicyDeps } from '../submit-policy';

export { jobPath };

export interface VideosRouteDeps extends JobControlDeps, SubmitPolicyDeps {
  queue: VideoQueue;
  /** Per-owner submission limit; absent: no limit. */
  rateLimiter?: RateLimiter;
  /** Idempotency-Key support on POST /generate; absent: the header is ignored. */
  idempotency?: IdempotencyStore;
  /** The attempts listed under webhook.deliveries. */
  webhookDeliveries?: Pick<DeliveryLog, 'list'>;
  /** Mints the short-lived token of links.events. */
  tokens: EventTokens;
  /** PLANNER: what POST /plan previews with; absent: the rules planner. */
  planner?: Planner;
  attempts: number;
  backoffMs: number;
  enqueueTimeoutMs: number;
  logger: Logger;
  /** Counts accepted jobs by quality. */
  metrics?: ApiMetrics;
  /** Output URLs: presigned for the endpoint clients reach (S3_PUBLIC_ENDPOINT or S3_ENDPOINT), or CDN URLs. */
  urls: UrlSigner;
  /** SIGNED_URL_TTL_SECONDS: the URLs are signed at the start of a window of half of it (urlWindow), as metadata's are. */
  signedUrlTtlSeconds: number;
  /** The clock of the signing windows (tests move it). */
  now?: () => number;
  /** Mints the token of result.hls_url (scope "hls"); without it there is no hls_url. */
  hlsTokens?: EventTokens;
  /** Makes every link absolute (PUBLIC_BASE_URL). */
  publicUrl: PublicUrl;
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
  const { store, queue, logger } = deps;
  const router = Router();

  const presenter = createJobPresenter({
    urls: deps.urls,
    signedUrlTtlSeconds: deps.signedUrlTtlSeconds,
    publicUrl: deps.publicUrl,
    tokens: deps.tokens,
    hlsTokens: deps.hlsTokens,
    queuePositions: (jobIds) => readQueuePositions(deps, jobIds),
    deliveries: async (jobId) => (await deps.webhookDeliveries?.list(jobId)) ?? [],
    now: deps.now,
    logger,
  });
  const present = (record: JobRecord, state: JobProgressState, queuePosition?: number | null) => presenter.job(record, state, queuePosition);

  const control = createJobControlHandlers(deps, present);

  route(router, '/generate', {
    post: async (req, res) => {
      // req.is() is null without a body (then validation reports the missing body), false for another type.
      if (req.is('application/json') === false) throw new VidgenError('UNSUPPORTED_MEDIA_TYPE');
      const { request, plannedSeconds } = checkGenerateRequest(req.body, await submitPolicyFor(req.body, deps));
      const owner = req.owner!;
      const idempotencyKey = deps.idempotency ? idempotencyKeyOf(req.get('idempotency-key')) : null;
      const jobId = randomUUID();
      if (idempotencyKey) {
        const claim = await claimSubmission({ idempotency: deps.idempotency!, store }, owner, idempotencyKey, request, jobId);
        if (claim.kind === 'replay') {
          const { record: original } = claim;
          setContext({ job_id: original.job_id });
          res
            .status(200)
            .location(jobPath(original.job_id))
            .json({ job_id: original.job_id, status: original.status, progress: original.progress, links: { self: deps.publicUrl(jobPath(original.job_id)) } });
          return;
        }
      }
      // A failed first request frees its key, so the client's retry with it can succeed.
      const releaseKey = () => (idempotencyKey ? deps.idempotency!.release(owner, idempotencyKey, jobId).catch(() => undefined) : undefined);
      await assertQueueQuota(deps, owner).catch(async (err) => {
        await releaseKey();
        throw err;
      });
      await takeSubmission(deps.rateLimiter, owner, res).catch(async (err) => {
        await releaseKey();
        throw err;
      });
      // The planned length (speech estimate included) is held in the owner's daily budget until the job ends.
      await reserveVideoSeconds(deps, owner, jobId, plannedSeconds, res).catch(async (err) => {
        await releaseKey();
        throw err;
      });
      const releaseSeconds = () => deps.videoBudget?.release(owner, jobId).catch(() => undefined);
      setContext({ job_id: jobId });
      // One transaction: the record, its owner's backlog entry (OWNER_MAX_QUEUED_JOBS counts it while the record
      // says queued, see OwnerBacklog) and its fair-share tag.
      let readTag: ((replies: TransactionReplies) => number) | undefined;
      const created = await store
        .createWith(
          {
            job_id: jobId,
            owner,
            correlation_id: req.correlationId,
            configuration: request.configuration,
            created_at: new Date().toISOString(),
            ...(request.callback_url ? { callback_url: request.callback_url } : {}),
          },
          (tx) => {
            deps.backlog?.addIn(tx, owner, jobId);
            readTag = deps.fairShare?.tagIn(tx, owner, plannedSeconds);
          },
        )
        .catch(async (err) => {
          await releaseSeconds();
          await releaseKey();
          throw err;
        });
      const { record } = created;
      try {
        const priority = readTag?.(created.replies);
        await withTimeout(
          enqueueJob(queue, { job_id: jobId, correlation_id: req.correlationId }, { attempts: deps.attempts, backoffMs: deps.backoffMs, priority }),
          deps.enqueueTimeoutMs,
        );
      } catch (err) {
        // Nothing half-made stays behind: the client is told to retry and no queued record lingers.
        await store.remove(jobId, owner).catch(() => undefined);
        await releaseSeconds();
        await releaseKey();
        throw err instanceof VidgenError ? err : new VidgenError('REDIS_UNAVAILABLE', { cause: err });
      }
      logger.info('job submitted', { quality: request.configuration.quality });
      deps.metrics?.jobSubmitted(request.configuration.quality);
      res
        .status(202)
        .location(jobPath(jobId))
        .json({ job_id: jobId, status: record.status, progress: record.progress, links: { self: deps.publicUrl(jobPath(jobId)) } });
    },
  });

  registerPlanRoute(router, deps);

  route(router, '/jobs/:job_id', {
    get: async (req, res) => {
      const jobId = jobIdParam(req.params);
      const job = await readOwnJob(deps, jobId, req.owner!);
      if (!job) throw new VidgenError('JOB_NOT_FOUND');
      setContext({ job_id: jobId });
      res.setHeader('Cache-Control', 'no-store');
      res.json(await present(job.record, job.state));
    },
    delete: control.remove,
  });
  registerJobControlRoutes(router, control);

  return router;
}
