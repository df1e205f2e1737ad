/**
 * Our retry policy for S3 calls, on top of the SDK's own (explicitly
 * configured) maxAttempts. Pure: backoff here, classification in @vidgen/core.
 */
export interface RetryPolicy {
  /** Attempts our policy makes in total (1 = no retry). */
  maxAttempts: number;
  /** Base of the exponential backoff. */
  baseDelayMs: number;
  /** Ceiling of one backoff delay. */
  maxDelayMs: number;
}

/**
 * Full-jitter exponential backoff: a uniform delay in [0, min(max, base·2^(n-1))]
 * before retry n (n ≥ 1). `random` is injectable for tests.
 */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
