import { VidgenError, classifyS3Failure } from '@vidgen/core';
import { RetriesExhausted, backoffDelayMs, toStorageError, withRetry } from '@vidgen/storage';

const s3Error = (name: string, status?: number) => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });

describe('classifyS3Failure', () => {
  it.each([
    [s3Error('SlowDown', 503), true],
    [s3Error('InternalError', 500), true],
    [s3Error('ServiceUnavailable', 503), true],
    [s3Error('Unknown', 502), true],
    [s3Error('Throttling', 400), true],
    [s3Error('RequestTimeout', 400), true],
    [s3Error('TimeoutError'), true],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
    [s3Error('AccessDenied', 403), false],
    [s3Error('NoSuchBucket', 404), false],
    [s3Error('InvalidAccessKeyId', 403), false],
    [s3Error('SignatureDoesNotMatch', 403), false],
    [s3Error('Unknown', 400), false],
    [Object.assign(new Error('no such file'), { code: 'ENOENT' }), false],
  ])('%s → retryable %s', (err, retryable) => {
    expect(classifyS3Failure(err).retryable).toBe(retryable);
  });
});

describe('backoffDelayMs', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles the ceiling per retry and caps it', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(n, policy, () => 0.999999))).toEqual([99, 199, 399, 799, 999, 999]);
  });
  it('is jittered over [0, ceiling)', () => {
    expect(backoffDelayMs(3, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(3, policy, () => 0.5)).toBe(200);
  });
});

describe('withRetry', () => {
  const policy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000 };
  const sleeps: number[] = [];
  const sleep = async (ms: number) => void sleeps.push(ms);
  beforeEach(() => (sleeps.length = 0));

  it('retries retryable failures with backoff until one succeeds', async () => {
    let calls = 0;
    const out = await withRetry(
      async () => {
        if (++calls < 3) throw s3Error('SlowDown', 503);
        return 'ok';
      },
      { policy, sleep, random: () => 0.5 },
    );
    expect(out).toEqual({ value: 'ok', attempts: 3 });
    expect(sleeps).toEqual([50, 100]);
  });

  it('stops at the attempt limit with the last failure', async () => {
    const err = await withRetry(() => Promise.reject(s3Error('SlowDown', 503)), { policy, sleep }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetriesExhausted);
    expect(err).toMatchObject({ attempts: 4, retryable: true });
    expect(sleeps).toHaveLength(3);
  });

  it('does not retry a permanent failure', async () => {
    const err = await withRetry(() => Promise.reject(s3Error('AccessDenied', 403)), { policy, sleep }).catch((e: unknown) => e);
    expect(err).toMatchObject({ attempts: 1, retryable: false });
    expect(sleeps).toEqual([]);
  });

  it('honours the retryable flag of our own errors', async () => {
    let calls = 0;
    await withRetry(
      async () => {
        if (++calls === 1) throw new VidgenError('STORAGE_SIZE_MISMATCH');
      },
      { policy, sleep },
    );
    expect(calls).toBe(2);
  });
});

describe('toStorageError', () => {
  it('categorizes permanent and retryable failures with a suggested action', () => {
    const denied = toStorageError(s3Error('AccessDenied', 403), 'Upload of k');
    expect(denied).toMatchObject({ code: 'STORAGE_PERMANENT_FAILURE', category: 'storage', retryable: false });
    const slow = toStorageError(s3Error('SlowDown', 503), 'Upload of k', 5);
    expect(slow).toMatchObject({ code: 'STORAGE_UPLOAD_FAILED', category: 'storage', retryable: true, details: { attempts: 5, http_status: 503 } });
    expect(slow.message).toContain('after 5 attempts');
    expect(slow.suggestedAction.length).toBeGreaterThan(10);
  });
});
