import Bull from 'bull';
import { QUEUE_NAME, type QueuePayload } from '@vidgen/core';
import { createBullClient, type Redis } from './redis';

export type VideoQueue = Bull.Queue<QueuePayload>;
export type VideoJob = Bull.Job<QueuePayload>;
/** A job of any of our Bull queues (tools that run their own queue use it without depending on bull). */
export type QueueJob<T> = Bull.Job<T>;
/** Any of our Bull queues (video-generation, webhooks, maintenance), e.g. for the queue board. */
export type BullQueue<T = unknown> = Bull.Queue<T>;

export interface QueueOptions {
  redisUrl: string;
  prefix: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
  /** Wait after a Redis error in the processing loop (see DEFAULT_RETRY_PROCESS_DELAY_MS). */
  retryProcessDelayMs?: number;
}

/**
 * Bull waits `retryProcessDelay` after an error in its processing loop before
 * it asks Redis for the next job again (bull/lib/queue.js,
 * _processJobOnNextTick). Its default of 5 s kept workers idle for up to 5 s
 * after Redis came back; 1 s costs at most one error line per second per
 * queue while Redis is down.
 */
export const DEFAULT_RETRY_PROCESS_DELAY_MS = 1000;

/**
 * A Bull queue whose clients are Bull-safe (see createBullClient) and closed
 * together with it: Bull closes only the connections it made itself, never
 * those from createClient.
 */
export function createBullQueue<T>(name: string, options: { redisUrl: string; prefix: string; settings?: Bull.AdvancedSettings }): Bull.Queue<T> {
  const clients: Redis[] = [];
  const queue = new Bull<T>(name, {
    prefix: options.prefix,
    createClient: () => {
      const client = createBullClient(options.redisUrl);
      clients.push(client);
      return client;
    },
    settings: { retryProcessDelay: DEFAULT_RETRY_PROCESS_DELAY_MS, ...options.settings },
  });
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

/** The `video-generation` queue, with the lock and stalled-job settings of the deployment. */
export function createVideoQueue(options: QueueOptions): VideoQueue {
  const { redisUrl, prefix, lockDurationMs = 30000, stalledIntervalMs = 30000, maxStalledCount = 2, retryProcessDelayMs = DEFAULT_RETRY_PROCESS_DELAY_MS } = options;
  return createBullQueue<QueuePayload>(QUEUE_NAME, {
    redisUrl,
    prefix,
    settings: { lockDuration: lockDurationMs, lockRenewTime: Math.floor(lockDurationMs / 2), stalledInterval: stalledIntervalMs, maxStalledCount, retryProcessDelay: retryProcessDelayMs },
  });
}

/**
 * How long finished Bull jobs stay in Bull's completed and failed sets, for
 * every queue: history for the queue board (operators see what ran and why
 * it failed). Bounded by age and count, so Bull's sets stay small (Bull #770,
 * #1361); trimming happens as later jobs finish. Our own records under our
 * keys remain the source of truth, and retries never reuse a Bull job id
 * (queueJobIdFor), so a kept job never blocks a new one.
 */
export const QUEUE_HISTORY = {
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10000 },
} as const satisfies Pick<Bull.JobOptions, 'removeOnComplete' | 'removeOnFail'>;

export interface EnqueueOptions {
  attempts: number;
  backoffMs: number;
  /** The Bull job id; default the job id. A resubmitted job needs a fresh one (queueJobIdFor). */
  bullJobId?: string;
  /** Bull priority (lower runs first): the owner-fair tag from FairShare.tagFor; absent: plain FIFO. */
  priority?: number;
}

/** Adds a job under our own job id; finished Bull jobs are kept as QUEUE_HISTORY says. */
export function enqueueJob(queue: VideoQueue, payload: QueuePayload, options: EnqueueOptions): Promise<VideoJob> {
  return queue.add(payload, {
    jobId: options.bullJobId ?? payload.job_id,
    ...(options.priority ? { priority: options.priority } : {}),
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    ...QUEUE_HISTORY,
  });
}
