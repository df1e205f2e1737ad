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

/** The `video-generation` queue, with fresh Bull-safe clients per connection role. */
export function createVideoQueue(options: QueueOptions): VideoQueue {
  const { redisUrl, prefix, lockDurationMs = 30000, stalledIntervalMs = 30000, maxStalledCount = 2 } = options;
  const clients: Redis[] = [];
  const queue = new Bull<QueuePayload>(QUEUE_NAME, {
    prefix,
    createClient: () => {
      const client = createBullClient(redisUrl);
      clients.push(client);
      return client;
    },
    settings: {
      lockDuration: lockDurationMs,
      lockRenewTime: Math.floor(lockDurationMs / 2),
      stalledInterval: stalledIntervalMs,
      maxStalledCount,
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

export interface EnqueueOptions {
  attempts: number;
  backoffMs: number;
  /** The Bull job id; default the job id. A resubmitted job needs a fresh one (queueJobIdFor). */
  bullJobId?: string;
}

/**
 * Adds a job under our own job id. Finished Bull jobs are removed from Bull's
 * sets: the record under our keys is the source of truth (Bull #770, #1361).
 */
export function enqueueJob(queue: VideoQueue, payload: QueuePayload, options: EnqueueOptions): Promise<VideoJob> {
  return queue.add(payload, {
    jobId: options.bullJobId ?? payload.job_id,
    attempts: options.attempts,
    backoff: { type: 'exponential', delay: options.backoffMs },
    removeOnComplete: true,
    removeOnFail: true,
  });
}
