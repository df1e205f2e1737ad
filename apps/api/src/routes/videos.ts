import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { VidgenError, checkGenerateRequest, type JobRecord, type Logger, type Planner } from '@vidgen/core';
import { urlWindow } from '@vidgen/metadata';
import { setContext, type ApiMetrics } from '@vidgen/observability';
import { submitJob, type SubmitDeps } from '@vidgen/jobs';
import { safeFileName, type UrlSigner } from '@vidgen/storage';
import { route } from '../middleware/errors';
import { withRetryAfter } from '../rate-limit';
import type { JobProgressState } from '../progress-view';
import type { EventTokens } from '../tokens';
import { jobIdParam, jobPath, readOwnJob, signedEventsPath, type PublicUrl } from './job-state';
import { hlsMasterPath, storyboardPath, withHlsToken } from './hls';
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

  async function present(record: JobRecord, state: JobProgressState, queuePosition?: number | null) {
    let result = null;
    if (record.status === 'completed' && record.result) {
      const video = record.result.outputs.find((o) => o.kind === 'video');
      // Signed as of the window's start, so every read inside one window gets the same URLs (valid at least half
      // their lifetime) from the signer's cache instead of presigning them again per request.
      const { signedAt } = urlWindow((deps.now ?? Date.now)(), deps.signedUrlTtlSeconds);
      const sign = (key: string, downloadName?: string) => deps.urls.url(key, { downloadName, signingDate: signedAt });
      const signed = video ? await sign(video.key) : null;
      const download = video ? await sign(video.key, `${safeFileName(record.configuration.topic)}.mp4`) : null;
      const outputs = record.result.outputs;
      const has = (kind: string) => outputs.some((o) => o.kind === kind);
      const subtitles = outputs.find((o) => o.kind === 'subtitles');
      const poster = outputs.find((o) => o.kind === 'poster');
      // Served by the API (rewritten with signed segment and sprite URLs); the token lets players in.
      const viaApi = (path: string) => deps.publicUrl(withHlsToken(path, deps.hlsTokens!, record.job_id, record.owner));
      // Which URL a client got, for support; the logger redacts its signature and credential.
      if (signed) logger.debug('signed download url issued', { url: signed.url, expires_at: signed.expiresAt?.toISOString() ?? null });
      result = {
        video_url: signed?.url ?? null,
        video_url_expires_at: signed?.expiresAt?.toISOString() ?? null,
        download_url: download?.url ?? null,
        hls_url: has('hls_master') && deps.hlsTokens ? viaApi(hlsMasterPath(record.job_id)) : null,
        // For a <track>: the bucket (or CDN) serves it, with its CORS rule.
        subtitles_url: subtitles ? (await sign(subtitles.key)).url : null,
        poster_url: poster ? (await sign(poster.key)).url : null,
        storyboard_url: has('storyboard') && has('sprite') && deps.hlsTokens ? viaApi(storyboardPath(record.job_id)) : null,
        duration_seconds: record.result.duration_seconds,
        outputs: record.result.outputs,
      };
    }
    // Jobs that would run before it, computed on read (nothing is written per waiting job).
    const position = state.status !== 'queued' ? undefined : queuePosition !== undefined ? queuePosition : (await readQueuePositions(deps, [record.job_id]))[0]!;
    return {
      job_id: record.job_id,
      status: state.status,
      ...(position !== undefined ? { queue_position: position } : {}),
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
      // What the job did differently from what was asked (a planner fallback); empty: nothing.
      warnings: record.warnings ?? [],
      result,
      webhook: record.callback_url ? { callback_url: record.callback_url, deliveries: (await deps.webhookDeliveries?.list(record.job_id)) ?? [] } : null,
      links: {
        self: deps.publicUrl(jobPath(record.job_id)),
        // EventSource cannot send headers: the stream URL carries its own short-lived credential.
        events: deps.publicUrl(signedEventsPath(deps.tokens, record.job_id, record.owner)),
      },
    };
  }

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
