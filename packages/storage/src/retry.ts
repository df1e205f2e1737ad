import { VidgenError, classifyS3Failure } from '@vidgen/core';
import { backoffDelayMs, type RetryPolicy } from './retry-policy';

export interface RetryRunOptions {
  policy: RetryPolicy;
  signal?: AbortSignal;
  /** Called before each retry with the failure and the delay about to be waited. */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string; err: unknown }) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export class RetriesExhausted extends Error {
  constructor(
    readonly lastError: unknown,
    readonly attempts: number,
    readonly retryable: boolean,
  ) {
    super(`gave up after ${attempts} attempt(s)`);
    this.name = 'RetriesExhausted';
  }
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new VidgenError('JOB_CANCELLED', { message: 'Aborted during backoff.' }));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new VidgenError('JOB_CANCELLED', { message: 'Aborted during backoff.' }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds, a failure is permanent, or the policy's
 * attempts are used up; throws RetriesExhausted carrying the last failure.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, options: RetryRunOptions): Promise<{ value: T; attempts: number }> {
  const { policy, signal, onRetry, sleep = defaultSleep, random } = options;
  for (let n = 1; ; n++) {
    try {
      return { value: await attempt(n), attempts: n };
    } catch (err) {
      if (signal?.aborted || (err instanceof VidgenError && err.code === 'JOB_CANCELLED')) throw err;
      // A nested retry (a multipart upload's part) already used its attempts: final.
      if (err instanceof RetriesExhausted) throw err;
      const verdict = err instanceof VidgenError ? { retryable: err.retryable, reason: err.code } : classifyS3Failure(err);
      if (!verdict.retryable || n >= policy.maxAttempts) throw new RetriesExhausted(err, n, verdict.retryable);
      const delayMs = backoffDelayMs(n, policy, random);
      onRetry?.({ attempt: n, delayMs, reason: verdict.reason, err });
      await sleep(delayMs, signal);
    }
  }
}
