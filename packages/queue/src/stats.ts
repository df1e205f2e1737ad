import type { QueueStats } from '@vidgen/core';
import type { VideoQueue } from './bull';
import { countParked } from './owner-leases';

export type VideoQueueStats = QueueStats;

/** A parked job is put back again about every second while workers are free; an entry older than this one is a job that left. */
const PARKED_WITHIN_MS = 60000;

/**
 * Counts by state and the age of the oldest waiting job. Bull pushes new jobs
 * on the left of the wait list and takes from the right, so the oldest one is
 * the last element: `getWaiting(0, 0)` reads it (Bull reverses list ranges).
 */
export async function readQueueStats(queue: VideoQueue, now: () => number = Date.now): Promise<VideoQueueStats> {
  const prefix = (queue as unknown as { keyPrefix: string }).keyPrefix;
  const [counts, oldest, parked] = await Promise.all([queue.getJobCounts(), queue.getWaiting(0, 0), countParked(queue.client, prefix, PARKED_WITHIN_MS, now())]);
  const first = oldest[0];
  return {
    waiting: counts.waiting,
    active: counts.active,
    delayed: counts.delayed,
    failed: counts.failed,
    completed: counts.completed,
    parked,
    oldestWaitingAgeSeconds: first ? Math.max(0, (now() - first.timestamp) / 1000) : null,
  };
}
