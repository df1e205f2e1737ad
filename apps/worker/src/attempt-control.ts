import type { Config } from '@vidgen/config';
import type { Logger } from '@vidgen/core';
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
