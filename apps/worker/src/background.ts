import type { S3Client } from '@aws-sdk/client-s3';
import { defaultPublicBaseUrl, type Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import { JobStore, compareSigningFingerprint, consumeQueue, createMaintenanceQueue, createWebhookQueue, type JobStoreOptions, type Redis } from '@vidgen/queue';
import { createS3Client, createUrlSigner } from '@vidgen/storage';
import { createEventTokens, createJobPresenter, presentProgress, signingSecretFingerprint } from '@vidgen/jobs';
import { JobProgressTracker } from '@vidgen/progress';
import { DeliveryLog, createWebhookProcessor, webhookStoreOptions } from '@vidgen/webhooks';
import { runWithContext } from '@vidgen/observability';
import { startMaintenance } from './maintenance';

export interface BackgroundWork {
  /** For the worker's JobStore: a terminal transition enqueues the job's webhook event. */
  storeOptions: JobStoreOptions;
  /** Starts consuming the maintenance and webhook queues. */
  start(): void;
  close(): Promise<void>;
}

/**
 * The presenter of webhook bodies: the API's GET presenter built from the same configuration, so a
 * body's job is what GET shows (minus links.events): links absolute under PUBLIC_BASE_URL (development:
 * API_HOST and API_PORT), tokens signed with SIGNING_SECRET, URLs signed like the API's.
 */
function webhookPresenter(config: Config, urls: ReturnType<typeof createUrlSigner>, deliveries: DeliveryLog) {
  const base = config.api.publicBaseUrl ?? defaultPublicBaseUrl(config.api.host, config.api.port);
  return createJobPresenter({
    urls,
    signedUrlTtlSeconds: config.s3.signedUrlTtlSeconds,
    publicUrl: (path) => `${base}${path}`,
    tokens: createEventTokens({ secret: config.api.signingSecret, ttlSeconds: config.api.eventsTokenTtlSeconds }),
    hlsTokens: createEventTokens({ secret: config.api.signingSecret, ttlSeconds: config.s3.signedUrlTtlSeconds, scope: 'hls' }),
    deliveries: (jobId) => deliveries.list(jobId),
  });
}

/**
 * Webhook bodies carry links (hls_url, storyboard_url, links.self) that the API must accept: signed
 * with the API's SIGNING_SECRET. A worker with another secret still delivers, so say it loudly at start.
 */
async function checkSigningSecret(config: Config, redis: Redis, logger: Logger): Promise<void> {
  if (config.api.signingSecretGenerated) {
    logger.warn('SIGNING_SECRET is not set: webhook bodies carry HLS and storyboard links signed with a random per-process secret, which the API refuses (401)');
    return;
  }
  const verdict = await compareSigningFingerprint(redis, config.redis.prefix, signingSecretFingerprint(config.api.signingSecret)).catch(() => 'unknown' as const);
  if (verdict === 'different') logger.error("SIGNING_SECRET differs from the API's: the HLS and storyboard links in webhook bodies will be refused (401); give API and workers the same secret");
}

/**
 * The worker's small queues beside video-generation: object purges (DELETE
 * and cancel of a job, enqueued by the API) and webhook deliveries (enqueued
 * by the JobStore terminal hook of API and workers).
 */
export function createBackgroundWork(config: Config, redis: Redis, s3: S3Client, logger: Logger): BackgroundWork {
  const { url, prefix, recordTtlSeconds } = config.redis;
  const maintenance = createMaintenanceQueue({ redisUrl: url, prefix });
  maintenance.on('error', (err) => logger.warn('maintenance queue error', { err: err.message }));
  const webhooks = createWebhookQueue({ redisUrl: url, prefix });
  webhooks.on('error', (err) => logger.warn('webhook queue error', { err: err.message }));
  // A plain reader for the delivery processor.
  const reader = new JobStore(redis, prefix, { terminalTtlSeconds: recordTtlSeconds });
  const deliveries = new DeliveryLog(redis, prefix, recordTtlSeconds);
  const presigner = config.s3.publicEndpoint ? createS3Client({ ...config.s3, endpoint: config.s3.publicEndpoint }) : s3;
  const urls = createUrlSigner({ client: presigner, bucket: config.s3.bucket, ttlSeconds: config.s3.signedUrlTtlSeconds, cdnBaseUrl: config.s3.cdnBaseUrl });
  const presenter = webhookPresenter(config, urls, deliveries);
  // Record and run read in one script (readJob), as GET reads them.
  const progress = new JobProgressTracker({ redis, prefix });
  const storeOptions = webhookStoreOptions({ redis, prefix, queue: webhooks, attempts: config.webhooks.maxAttempts, backoffMs: config.webhooks.backoffMs, logger });
  return {
    storeOptions,
    start() {
      void checkSigningSecret(config, redis, logger);
      startMaintenance({ queue: maintenance, s3, bucket: config.s3.bucket, logger });
      const processor = createWebhookProcessor({
        getRecord: (jobId) => reader.get(jobId),
        present: async (record) => {
          const { record: current, snapshot } = await progress.readJob(record.job_id);
          const job = current ?? record;
          return presenter.webhookJob(job, presentProgress(job, current ? snapshot : null));
        },
        recordAttempt: (jobId, attempt) => deliveries.record(jobId, attempt),
        secrets: new Map(Object.entries(config.webhooks.secrets)),
        allowPrivate: config.webhooks.allowPrivate,
        timeoutMs: config.webhooks.timeoutMs,
        retryWindowMs: config.webhooks.retryWindowMs,
        logger,
      });
      // Each delivery logs under its job's correlation id, like every other line about the job.
      consumeQueue(webhooks, 4, async (job) => {
        const record = await reader.get(job.data.job_id).catch(() => null);
        return runWithContext({ correlation_id: record?.correlation_id, job_id: job.data.job_id, owner: record?.owner }, () => processor(job));
      });
    },
    async close() {
      await Promise.all([maintenance.close().catch(() => undefined), webhooks.close().catch(() => undefined)]);
      if (presigner !== s3) presigner.destroy();
    },
  };
}
