import type Bull from 'bull';
import type { Logger } from '@vidgen/core';
import type { OwnerLeases } from './owner-leases';

/**
 * How long a job whose owner is at OWNER_MAX_ACTIVE_JOBS stays out of the wait list before a
 * worker looks at it again, plus up to half of it at random so that an owner's parked jobs do
 * not come back all at once. Short, because a free slot is only noticed on the next look.
 */
export const PARK_DELAY_MS = 1000;

export interface OwnerGateDeps<T> {
  leases: Pick<OwnerLeases, 'acquire' | 'release' | 'parked' | 'unparked'>;
  /** The job's owner, or null when the job is not runnable (ended, deleted): the handler then settles it. */
  ownerOf: (job: Bull.Job<T>) => Promise<string | null>;
  /** A job really starts (it holds a lease): owner-fair scheduling's virtual clock follows it. */
  onStart?: (job: Bull.Job<T>) => void;
  parkDelayMs?: number;
  random?: () => number;
  logger: Logger;
}

/**
 * Puts an active Bull job back in the delayed set without spending one of its attempts, from
 * inside its handler. Bull has no "not now" outcome for a processor: resolving completes the job
 * and rejecting spends an attempt (Job.moveToFailed saves attemptsMade+1 before it retries). So
 * the one call Bull makes on a resolved handler, job.moveToCompleted (bull/lib/queue.js,
 * processJob → handleCompleted), is replaced on this job object by Bull's own moveToDelayed,
 * which checks the worker's lock, releases it and moves the job from active to delayed in one
 * script. Returning null tells processJob there is no next job fetched with it. Bull then emits
 * a local 'completed' event for it; nothing in the worker listens to that.
 */
export function parkJob<T>(job: Bull.Job<T>, delayMs: number): void {
  // Job#moveToDelayed is in bull/lib/job.js (4.x) but not in its type declarations.
  const bullJob = job as Bull.Job<T> & { moveToDelayed(timestamp: number, ignoreLock?: boolean): Promise<void> };
  job.moveToCompleted = async () => {
    await bullJob.moveToDelayed(Date.now() + delayMs);
    return null as unknown as [unknown, string];
  };
}

/**
 * OWNER_MAX_ACTIVE_JOBS in front of the job handler. A job runs only when its owner has a free
 * run slot (a lease, see OwnerLeases); otherwise it is parked (back to Bull's delayed set for a
 * moment, its record still queued, no attempt spent) and the worker takes the next waiting job,
 * so another owner's work is not held up behind it. The lease is released when the handler
 * returns or throws; a worker killed meanwhile stops renewing it and it expires.
 *
 * Jobs that are not runnable (ended, deleted) go straight to the handler, which settles them.
 */
export function gateByOwner<T>(handler: (job: Bull.Job<T>) => Promise<void>, deps: OwnerGateDeps<T>): (job: Bull.Job<T>) => Promise<void> {
  const { leases, ownerOf, logger, parkDelayMs = PARK_DELAY_MS, random = Math.random } = deps;
  return async function ownerGatedHandler(job: Bull.Job<T>): Promise<void> {
    const bullJobId = String(job.id);
    const owner = await ownerOf(job);
    if (owner === null) {
      await leases.unparked(bullJobId).catch(() => undefined);
      return handler(job);
    }
    if (!(await leases.acquire(owner, bullJobId))) {
      const delay = Math.round(parkDelayMs * (1 + random() / 2));
      parkJob(job, delay);
      await leases.parked(bullJobId).catch((err) => logger.warn('parked gauge update failed', { err }));
      logger.debug('owner at OWNER_MAX_ACTIVE_JOBS: job parked', { bull_job_id: bullJobId, owner, delay_ms: delay });
      return;
    }
    deps.onStart?.(job);
    try {
      await handler(job);
    } finally {
      // A failed release only keeps the slot until the lease expires.
      await leases.release(owner, bullJobId).catch((err) => logger.warn('releasing the owner lease failed', { err }));
    }
  };
}
