import type { S3Client } from '@aws-sdk/client-s3';
import { defaultPublicBaseUrl, type Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import { JobStore, consumeQueue, createMaintenanceQueue, createWebhookQueue, type JobStoreOptions, type Redis } from '@vidgen/queue';
import { createS3Client, createUrlSigner } from '@vidgen/storage';
import { DeliveryLog, createWebhookProcessor, presentJobForWebhook, webhookStoreOptions } from '@vidgen/webhooks';
import { runWithContext } from '@vidgen/observability';
import { startMaintenance } from './maintenance';

export interface BackgroundWork {
  /** For the worker's JobStore: a terminal transition enqueues the job's webhook event. */
  storeOptions: JobStoreOptions;
  /** Starts consuming the maintenance and webhook queues. */
  start(): void;
  close(): Promise<void>;
}

/** links.self of a webhook body: absolute under PUBLIC_BASE_URL, like every link the API shows (development: API_HOST and API_PORT). */
const jobUrl = (config: Config) => {
  const base = config.api.publicBaseUrl ?? defaultPublicBaseUrl(config.api.host, config.api.port);
  return (jobId: string) => `${base}/api/v1/videos/jobs/${jobId}`;
};

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
  const storeOptions = webhookStoreOptions({ redis, prefix, queue: webhooks, attempts: config.webhooks.maxAttempts, backoffMs: config.webhooks.backoffMs, logger });
  return {
    storeOptions,
    start() {
      startMaintenance({ queue: maintenance, s3, bucket: config.s3.bucket, logger });
      const processor = createWebhookProcessor({
        getRecord: (jobId) => reader.get(jobId),
        present: (record) => presentJobForWebhook(record, { signVideo: (key) => urls.url(key), jobPath: jobUrl(config) }),
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
