import Bull from 'bull';
import { createBullClient, type Redis } from './redis';

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

/** A Bull queue with Bull-safe clients per connection role, closed together with it. */
export function createAuxQueue<T>(name: string, options: { redisUrl: string; prefix: string }): Bull.Queue<T> {
  const clients: Redis[] = [];
  const queue = new Bull<T>(name, {
    prefix: options.prefix,
    createClient: () => {
      const client = createBullClient(options.redisUrl);
      clients.push(client);
      return client;
    },
  });
  // Bull closes only the connections it made itself, never those from createClient.
  const close = queue.close.bind(queue);
  queue.close = async (doNotWaitJobs?: boolean) => {
    try {
      await close(doNotWaitJobs);
    } finally {
      for (const client of clients) client.disconnect();
    }
  };
  return queue;
}

export function createMaintenanceQueue(options: { redisUrl: string; prefix: string }): MaintenanceQueue {
  return createAuxQueue<MaintenancePayload>(MAINTENANCE_QUEUE, options);
}

export function createWebhookQueue(options: { redisUrl: string; prefix: string }): WebhookQueue {
  return createAuxQueue<WebhookPayload>(WEBHOOK_QUEUE, options);
}

/** Object deletion is idempotent, so a few retries cover a storage hiccup. */
export function enqueuePurge(queue: MaintenanceQueue, payload: PurgeObjectsPayload, options: { delayMs?: number } = {}) {
  return queue.add(payload, { attempts: 5, backoff: { type: 'exponential', delay: 1000 }, delay: options.delayMs ?? 0, removeOnComplete: true, removeOnFail: 100 });
}
