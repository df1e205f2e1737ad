import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { VidgenError, checkGenerateRequest, type JobRecord, type Logger, type Planner } from '@vidgen/core';
import { setContext, type ApiMetrics } from '@vidgen/observability';
import { createJobPresenter, jobPath, submitJob, type EventTokens, type JobProgressState, type PublicUrl, type SubmitDeps } from '@vidgen/jobs';
import type { UrlSigner } from '@vidgen/storage';
import { route } from '../middleware/errors';
import { withRetryAfter } from '../rate-limit';
import { jobIdParam, readOwnJob } from './job-state';
import type { DeliveryLog } from '@vidgen/webhooks';
import { idempotencyKeyOf } from '../idempotency';
import { createJobControlHandlers, readQueuePositions, registerJobControlRoutes, type JobControlDeps } from './job-control';
import { registerPlanRoute } from './scenes';
import { submitPolicyFor, type SubmitPolicyDeps } from '../submit-policy';

export { jobPath };

export interface VideosRouteDeps extends JobControlDeps, SubmitPolicyDeps {
  /** Admit, record and enqueue (@vidgen/jobs); without `idempotency` the Idempotency-Key header is ignored. */
  submit: SubmitDeps;
  /** The attempts listed under webhook.deliveries. */
  webhookDeliveries?: Pick<DeliveryLog, 'list'>;
  /** Mints the short-lived token of links.events. */
  tokens: EventTokens;
  /** PLANNER: what POST /plan previews with; absent: the rules planner. */
  planner?: Planner;
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

export function createVideosRouter(deps: VideosRouteDeps): Router {
  const { logger } = deps;
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
      const idempotencyKey = deps.submit.idempotency ? idempotencyKeyOf(req.get('idempotency-key')) : null;
      const submission = { jobId: randomUUID(), owner, correlationId: req.correlationId, request, plannedSeconds, idempotencyKey };
      const submitted = await withRetryAfter(res, () => submitJob({ ...deps.submit, setContext }, submission));
      const { record } = submitted;
      if (submitted.kind === 'replay') {
        res
          .status(200)
          .location(jobPath(record.job_id))
          .json({ job_id: record.job_id, status: record.status, progress: record.progress, links: { self: deps.publicUrl(jobPath(record.job_id)) } });
        return;
      }
      deps.metrics?.jobSubmitted(request.configuration.quality);
      res
        .status(202)
        .location(jobPath(record.job_id))
        .json({ job_id: record.job_id, status: record.status, progress: record.progress, links: { self: deps.publicUrl(jobPath(record.job_id)) } });
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
