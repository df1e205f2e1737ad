/**
 * Our retry policy for S3 calls, on top of the SDK's own (explicitly
 * configured) maxAttempts. Pure: classification and backoff, no I/O.
 */
export interface RetryPolicy {
  /** Attempts our policy makes in total (1 = no retry). */
  maxAttempts: number;
  /** Base of the exponential backoff. */
  baseDelayMs: number;
  /** Ceiling of one backoff delay. */
  maxDelayMs: number;
}

export type FailureClass = { retryable: true; reason: string } | { retryable: false; reason: string };

const PERMANENT_NAMES = new Set([
  'AccessDenied',
  'AllAccessDisabled',
  'Forbidden',
  'InvalidAccessKeyId',
  'InvalidBucketName',
  'NoSuchBucket',
  'SignatureDoesNotMatch',
  'InvalidToken',
  'ExpiredToken',
  'AccountProblem',
  'CredentialsProviderError',
]);

const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'TooManyRequestsException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  'NetworkingError',
]);

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

interface S3LikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  cause?: unknown;
}

/** Decides whether retrying an S3 failure can help. Unknown failures without an HTTP status are permanent. */
export function classifyS3Failure(err: unknown): FailureClass {
  const e = (err ?? {}) as S3LikeError;
  const name = e.name ?? e.Code ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? (e.cause as S3LikeError | undefined)?.code;
  if (PERMANENT_NAMES.has(name)) return { retryable: false, reason: name };
  if (RETRYABLE_NAMES.has(name)) return { retryable: true, reason: name };
  if (code && RETRYABLE_CODES.has(code)) return { retryable: true, reason: code };
  if (status !== undefined) {
    if (status >= 500 || status === 429 || status === 408) return { retryable: true, reason: `HTTP ${status}` };
    return { retryable: false, reason: `HTTP ${status}` };
  }
  if (/socket hang up|ECONNRESET|timed? ?out/i.test(e.message ?? '')) return { retryable: true, reason: 'connection' };
  return { retryable: false, reason: name };
}

/**
 * Full-jitter exponential backoff: a uniform delay in [0, min(max, base·2^(n-1))]
 * before retry n (n ≥ 1). `random` is injectable for tests.
 */
export function backoffDelayMs(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}
