import type { VideoQueue } from './bull';

export interface VideoQueueStats {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  oldestWaitingAgeSeconds: number | null;
}

/**
 * Counts by state and the age of the oldest waiting job. Bull pushes new jobs
 * on the left of the wait list and takes from the right, so the oldest one is
 * the last element: `getWaiting(0, 0)` reads it (Bull reverses list ranges).
 */
export async function readQueueStats(queue: VideoQueue, now: () => number = Date.now): Promise<VideoQueueStats> {
  const [counts, oldest] = await Promise.all([queue.getJobCounts(), queue.getWaiting(0, 0)]);
  const first = oldest[0];
  return {
    waiting: counts.waiting,
    active: counts.active,
    delayed: counts.delayed,
    failed: counts.failed,
    completed: counts.completed,
    oldestWaitingAgeSeconds: first ? Math.max(0, (now() - first.timestamp) / 1000) : null,
  };
}
