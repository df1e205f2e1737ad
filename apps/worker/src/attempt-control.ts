import type { Config } from '@vidgen/config';
import { VidgenError, type Logger } from '@vidgen/core';
import { CancellationRegistry } from './cancellation';
import { AttemptSignals } from '@vidgen/jobs';

export interface AttemptControl {
  /** Handed to the job handler: one signal per running attempt. */
  signals: AttemptSignals;
  /** Subscribes to the control channel (cancels published by the API). */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Cancels from the API, the per-attempt time limit (JOB_TIMEOUT_MS) and shutdown aborts, in one place. */
export function createAttemptControl(config: Config, logger: Logger, isCancelled: (jobId: string) => Promise<boolean>): AttemptControl {
  const registry = new CancellationRegistry({ redisUrl: config.redis.url, prefix: config.redis.prefix, logger });
  const signals = new AttemptSignals({ registry, timeoutMs: config.worker.jobTimeoutMs, isCancelled });
  return {
    signals,
    start: () => registry.start(),
    close: () => registry.close(),
  };
}

export interface DrainOptions {
  /** The consumer: close() stops taking jobs and waits for the active ones; close(true) does not wait. */
  queue: { close(doNotWait?: boolean): Promise<void> };
  signals: Pick<AttemptSignals, 'abortAll'>;
  /** WORKER_SHUTDOWN_GRACE_MS: how long the active jobs may run on. */
  graceMs: number;
  /** After the abort: how long the aborted attempts get to record themselves and clean up. */
  abortWaitMs?: number;
  logger: Logger;
}

function within<T>(promise: Promise<T>, ms: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    timer.unref();
    promise.then(
      () => (clearTimeout(timer), resolve(true)),
      () => (clearTimeout(timer), resolve(true)),
    );
  });
}

/**
 * Graceful shutdown of the job consumer. Bull's close() stops taking jobs and
 * waits for the active ones. Past the grace period the active attempts are
 * aborted with WORKER_SHUTDOWN: ffmpeg is killed, the scratch dir removed,
 * the record goes back to queued with that error as last_error, and the
 * handler throws it, so Bull moves the job to delayed (its backoff) for
 * another worker; a shutdown never uses up a job's last attempt. Only if the
 * aborted attempts do not settle in time is the queue closed without them;
 * their jobs then return through Bull's stalled-job check once the lock expires.
 */
export async function drainJobs(options: DrainOptions): Promise<void> {
  const { queue, signals, graceMs, abortWaitMs = 15000, logger } = options;
  const closed = queue.close();
  if (await within(closed, graceMs)) return;
  const aborted = signals.abortAll(() => new VidgenError('WORKER_SHUTDOWN'));
  logger.warn('grace period over: aborting the active jobs, they return to the queue', { grace_ms: graceMs, job_ids: aborted });
  if (await within(closed, abortWaitMs)) return;
  logger.warn('aborted jobs did not settle; closing the queue without them, they return when their locks expire');
  await queue.close(true).catch(() => undefined);
}
