import Redis from 'ioredis';
import { JobProgressTracker } from '@vidgen/progress';
import { JobStore, createVideoQueue, type VideoQueue } from '@vidgen/queue';
import type { TestEnv } from '@vidgen/testing';

/** What a worker test reads and writes besides the worker: the store, the tracker and the queue of its prefix. */
export interface JobWorld {
  redis: Redis;
  store: JobStore;
  tracker: JobProgressTracker;
  queue: VideoQueue;
  close(): Promise<void>;
}

export function openJobWorld(env: TestEnv): JobWorld {
  const redis = new Redis(env.env.REDIS_URL!);
  const queue = createVideoQueue({ redisUrl: env.env.REDIS_URL!, prefix: env.prefix });
  return {
    redis,
    store: new JobStore(redis, env.prefix),
    tracker: new JobProgressTracker({ redis, prefix: env.prefix }),
    queue,
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}
