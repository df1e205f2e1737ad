import type { Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
import {
  FairShare,
  IdempotencyStore,
  OwnerBacklog,
  OwnerLeases,
  VideoBudget,
  RateLimiter,
  createMaintenanceQueue,
  createWebhookQueue,
  type JobStoreOptions,
  type MaintenanceQueue,
  type Redis,
  type WebhookQueue,
} from '@vidgen/queue';
import { DeliveryLog, webhookStoreOptions } from '@vidgen/webhooks';

export interface JobControlWiring {
  /** For the API's JobStore: a cancel by the API enqueues the job.cancelled webhook. */
  storeOptions: JobStoreOptions;
  routeDeps: {
    redis: Redis;
    prefix: string;
    maintenance: MaintenanceQueue;
    rateLimiter: RateLimiter;
    idempotency: IdempotencyStore;
    webhookDeliveries: DeliveryLog;
    /** Owner-fair priorities for enqueued jobs; absent with QUEUE_FAIR_SHARE=false (FIFO). */
    fairShare?: FairShare;
    backlog: OwnerBacklog;
    ownerMaxQueuedJobs: number;
    /** OWNER_DAILY_VIDEO_SECONDS; absent when it is 0 (off). */
    videoBudget?: VideoBudget;
    /** Read-only here (running jobs for GET /usage): the workers take and renew the leases. */
    leases: OwnerLeases;
    ownerMaxActiveJobs: number;
  };
  /** The producer queues, for the queue board. */
  queues: { maintenance: MaintenanceQueue; webhooks: WebhookQueue };
  close(): Promise<void>;
}

/** The API's side of job control: producer queues (maintenance, webhooks), idempotency, rate limit, delivery log. */
export function createJobControlWiring(config: Config, redis: Redis, logger: Logger): JobControlWiring {
  const { url, prefix, recordTtlSeconds } = config.redis;
  const maintenance = createMaintenanceQueue({ redisUrl: url, prefix });
  maintenance.on('error', (err) => logger.warn('maintenance queue error', { err: err.message }));
  const webhooks = createWebhookQueue({ redisUrl: url, prefix });
  webhooks.on('error', (err) => logger.warn('webhook queue error', { err: err.message }));
  const storeOptions = webhookStoreOptions({ redis, prefix, queue: webhooks, attempts: config.webhooks.maxAttempts, backoffMs: config.webhooks.backoffMs, logger });
  return {
    storeOptions,
    routeDeps: {
      redis,
      prefix,
      maintenance,
      rateLimiter: new RateLimiter(redis, { prefix, action: 'submit', limit: config.api.rateLimit.submissions, windowMs: config.api.rateLimit.windowSeconds * 1000 }),
      idempotency: new IdempotencyStore(redis, prefix),
      webhookDeliveries: new DeliveryLog(redis, prefix, recordTtlSeconds),
      ...(config.queue.fairShare ? { fairShare: new FairShare(redis, prefix) } : {}),
      backlog: new OwnerBacklog(redis, prefix),
      ownerMaxQueuedJobs: config.limits.ownerMaxQueuedJobs,
      ...(config.limits.ownerDailyVideoSeconds > 0 ? { videoBudget: new VideoBudget({ redis, prefix, limitSeconds: config.limits.ownerDailyVideoSeconds }) } : {}),
      ownerMaxActiveJobs: config.limits.ownerMaxActiveJobs,
      leases: new OwnerLeases({ redis, prefix, cap: config.limits.ownerMaxActiveJobs, leaseMs: config.queue.lockDurationMs }),
    },
    queues: { maintenance, webhooks },
    async close() {
      await Promise.all([maintenance.close().catch(() => undefined), webhooks.close().catch(() => undefined)]);
    },
  };
}
