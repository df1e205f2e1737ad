import Bull from 'bull';
import { QUEUE_HISTORY, createBullQueue } from './bull';

/** Small queues beside video-generation: deleting a job's objects, delivering webhooks. */
export const MAINTENANCE_QUEUE = 'maintenance';
export const WEBHOOK_QUEUE = 'webhooks';

/** Deletes every object (every version) under a job's key prefix. */
export interface PurgeObjectsPayload {
  type: 'purge_objects';
  job_id: string;
  owner: string;
  correlation_id: string;
}

export type MaintenancePayload = PurgeObjectsPayload;

/** One webhook event of a job; the delivery builds the body from the record at send time. */
export interface WebhookPayload {
  event_id: string;
  event: 'job.completed' | 'job.failed' | 'job.cancelled';
  job_id: string;
  /** Epoch ms of the event: deliveries stop once WEBHOOK_RETRY_WINDOW_MS has passed since. */
  occurred_at: number;
}

export type MaintenanceQueue = Bull.Queue<MaintenancePayload>;
export type WebhookQueue = Bull.Queue<WebhookPayload>;

export function createMaintenanceQueue(options: { redisUrl: string; prefix: string }): MaintenanceQueue {
  return createBullQueue<MaintenancePayload>(MAINTENANCE_QUEUE, options);
}

export function createWebhookQueue(options: { redisUrl: string; prefix: string }): WebhookQueue {
  return createBullQueue<WebhookPayload>(WEBHOOK_QUEUE, options);
}

/** Object deletion is idempotent, so a few retries cover a storage hiccup. */
export function enqueuePurge(queue: MaintenanceQueue, payload: PurgeObjectsPayload, options: { delayMs?: number } = {}) {
  return queue.add(payload, { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, delay: options.delayMs ?? 0, ...QUEUE_HISTORY });
}

/** The purge verb of the maintenance queue, as the lifecycle calls it (PurgeQueue in @vidgen/jobs). */
export function purgeQueue(queue: MaintenanceQueue) {
  return {
    async enqueuePurge(payload: Omit<PurgeObjectsPayload, 'type'>, options: { delayMs?: number } = {}): Promise<void> {
      await enqueuePurge(queue, { type: 'purge_objects', ...payload }, options);
    },
  };
}
