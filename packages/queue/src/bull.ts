import Bull from 'bull';
import { QUEUE_NAME, type QueuePayload } from '@vidgen/core';
import { createBullClient, type Redis } from './redis';

export type VideoQueue = Bull.Queue<QueuePayload>;
export type VideoJob = Bull.Job<QueuePayload>;

export interface QueueOptions {
  redisUrl: string;
  prefix: string;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  maxStalledCount?: number;
}

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
    settings: options.settings,
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
  const { redisUrl, prefix, lockDurationMs = 30000, stalledIntervalMs = 30000, maxStalledCount = 2 } = options;
  return createBullQueue<QueuePayload>(QUEUE_NAME, {
    redisUrl,
    prefix,
    settings: { lockDuration: lockDurationMs, lockRenewTime: Math.floor(lockDurationMs / 2), stalledInterval: stalledIntervalMs, maxStalledCount },
  });
}

export interface EnqueueOptions {
  attempts: number;
  backoffMs: number;
  /** The Bull job id; default the job id. A resubmitted job needs a fresh one (queueJobIdFor). */
  bullJobId?: string;
  /** Bull priority (lower runs first): the owner-fair tag from FairShare.tagFor; absent: plain FIFO. */
  priority?: number;
}

/**
 * Adds a job under our own job id. Finished Bull jobs are removed from Bull's
 * sets: the record under our keys is the source of truth (Bull #770, #1361).
 */
export function enqueueJob(queue: VideoQueue, payload: QueuePayload, options: EnqueueOptions): Promise<VideoJob> {
  return queue.add(payload, {
    jobId: options.bullJobId ?? payload.job_id,
    ...(options.priority ? { priority: options.priority } : {}),
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    removeOnComplete: true,
    removeOnFail: true,
  });
}
