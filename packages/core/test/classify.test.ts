import { VidgenError, classifyError, classifyS3Failure, isConnectionFailure, isRedisFailure } from '@vidgen/core';

function errno(code: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${code} happened`), { code, ...extra });
}

function s3Error(name: string, status: number): Error {
  return Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status }, $fault: status >= 500 ? 'server' : 'client' });
}

describe('classifyError', () => {
  it('passes our own errors through unchanged', () => {
    const e = new VidgenError('RENDER_FAILED', { details: { exit_code: 1 } });
    expect(classifyError(e, 'combining')).toBe(e);
  });

  it('turns an abort into its reason, or into JOB_CANCELLED', () => {
    const timeout = new VidgenError('JOB_TIMEOUT');
    const aborted = Object.assign(new Error('The operation was aborted'), { name: 'AbortError', cause: timeout });
    expect(classifyError(aborted, 'rendering_scenes')).toBe(timeout);
    const plain = Object.assign(new Error('aborted'), { name: 'AbortError' });
    expect(classifyError(plain, 'uploading')).toMatchObject({ code: 'JOB_CANCELLED', category: 'cancelled', retryable: false });
  });

  it('maps a Joi validation error (bad configuration) to validation', () => {
    const joi = Object.assign(new Error('"topic" is required'), { name: 'ValidationError', isJoi: true, details: [] });
    expect(classifyError(joi, 'planning')).toMatchObject({ code: 'VALIDATION_FAILED', category: 'validation', retryable: false });
  });

  it.each([
    ['Connection is closed.', null],
    ['Reached the max retries per request limit (which is 2).', 'finalizing'],
    ["Stream isn't writeable and enableOfflineQueue options is false", 'queued'],
  ] as const)('maps the Redis failure %p to dependency_unavailable', (message, stage) => {
    expect(classifyError(new Error(message), stage)).toMatchObject({ code: 'REDIS_UNAVAILABLE', category: 'dependency_unavailable', retryable: true });
  });

  it('maps S3 SDK errors to storage, permanent for 4xx refusals and retryable for 5xx', () => {
    expect(classifyError(s3Error('AccessDenied', 403), 'uploading')).toMatchObject({ code: 'STORAGE_PERMANENT_FAILURE', category: 'storage', retryable: false });
    expect(classifyError(s3Error('NoSuchBucket', 404), 'uploading')).toMatchObject({ code: 'STORAGE_PERMANENT_FAILURE' });
    expect(classifyError(s3Error('InternalError', 500), 'uploading')).toMatchObject({ code: 'STORAGE_UNAVAILABLE', category: 'storage', retryable: true });
    expect(classifyError(s3Error('SlowDown', 503), null)).toMatchObject({ code: 'STORAGE_UNAVAILABLE', retryable: true });
    expect(classifyError(s3Error('BadDigest', 400), 'uploading')).toMatchObject({ code: 'STORAGE_UPLOAD_FAILED', retryable: true });
  });

  it('maps network failures by stage: uploads to storage, bookkeeping to Redis', () => {
    expect(classifyError(errno('ECONNRESET'), 'uploading')).toMatchObject({ code: 'STORAGE_UPLOAD_FAILED' });
    expect(classifyError(errno('ECONNREFUSED'), null)).toMatchObject({ code: 'REDIS_UNAVAILABLE' });
  });

  it('maps a missing binary and a full disk to their own retryable codes', () => {
    expect(classifyError(errno('ENOENT', { syscall: 'spawn /opt/ffmpeg', path: '/opt/ffmpeg' }), 'rendering_scenes')).toMatchObject({
      code: 'RENDER_TOOL_UNAVAILABLE',
      retryable: true,
    });
    expect(classifyError(errno('ENOSPC'), 'combining')).toMatchObject({ code: 'SCRATCH_SPACE_EXHAUSTED', retryable: true });
  });

  it('maps unknown errors by stage: rendering stages → RENDER_FAILED, uploading → storage, elsewhere → INTERNAL_ERROR', () => {
    for (const stage of ['planning', 'rendering_scenes', 'combining', 'extracting_metadata'] as const) {
      expect(classifyError(new Error('boom'), stage)).toMatchObject({ code: 'RENDER_FAILED', category: 'rendering' });
    }
    expect(classifyError(new Error('boom'), 'uploading')).toMatchObject({ code: 'STORAGE_UPLOAD_FAILED', category: 'storage' });
    const internal = classifyError(new Error('secret redis://u:p@h'), null);
    expect(internal).toMatchObject({ code: 'INTERNAL_ERROR', category: 'internal' });
    expect(internal.message).not.toContain('redis://');
    expect(classifyError('a string', 'finalizing').code).toBe('INTERNAL_ERROR');
  });

  it('keeps the original error as the cause', () => {
    const original = new Error('boom');
    expect(classifyError(original, 'combining').cause).toBe(original);
  });
});

describe('one vocabulary for classifyError and classifyS3Failure', () => {
  // AWS's S3 error list names AllAccessDisabled (403); there is no AllBucketsDisabled.
  it.each(['AccessDenied', 'AllAccessDisabled', 'AccountProblem', 'InvalidAccessKeyId', 'ExpiredToken'])('%s is permanent for both', (name) => {
    expect(classifyS3Failure(s3Error(name, 403))).toEqual({ retryable: false, reason: name });
    expect(classifyError(s3Error(name, 403), 'uploading')).toMatchObject({ code: 'STORAGE_PERMANENT_FAILURE', retryable: false });
  });

  it('retries a BadDigest (bytes damaged on the way) and refuses another 4xx in both', () => {
    expect(classifyS3Failure(s3Error('BadDigest', 400))).toEqual({ retryable: true, reason: 'BadDigest' });
    expect(classifyS3Failure(s3Error('InvalidArgument', 400))).toEqual({ retryable: false, reason: 'HTTP 400' });
    expect(classifyError(s3Error('InvalidArgument', 400), 'uploading')).toMatchObject({ code: 'STORAGE_PERMANENT_FAILURE', retryable: false });
  });

  it('reads a socket failure from the cause the SDK wraps it in', () => {
    const wrapped = Object.assign(new Error('request failed'), { cause: errno('ECONNRESET') });
    expect(classifyS3Failure(wrapped)).toEqual({ retryable: true, reason: 'ECONNRESET' });
    expect(classifyError(wrapped, 'uploading')).toMatchObject({ code: 'STORAGE_UPLOAD_FAILED' });
  });

  it('tells a Redis connection failure from a command error', () => {
    expect(isRedisFailure(new Error('LOADING Redis is loading the dataset in memory'))).toBe(true);
    expect(isRedisFailure(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' }))).toBe(true);
    expect(isRedisFailure(new Error('ERR wrong number of arguments'))).toBe(false);
    expect(isConnectionFailure(new Error('Command timed out'))).toBe(true);
    expect(isConnectionFailure(errno('EHOSTUNREACH'))).toBe(true);
    expect(isConnectionFailure(new Error('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe(false);
  });
});
