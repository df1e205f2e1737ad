import { VidgenError, type ErrorCode } from './errors';
import type { StageName } from './stages';

/** Where a failure happened, as far as classification cares: a pipeline stage, or outside one. */
export type FailureStage = StageName | null;

// The one vocabulary of raw failures (Redis, sockets, S3). classifyError, the S3 retry
// policy (classifyS3Failure, used by @vidgen/storage) and @vidgen/queue's asRedisError all
// decide from these sets, so a failure is never permanent in one place and retryable in another.

/** ioredis's words (and Redis's replies) for "the server is unreachable or not serving". */
const REDIS_FAILURE =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|Reached the max retries|LOADING Redis|READONLY You can't write|CLUSTERDOWN/i;
/** Socket-level errno codes (node:net, node:dns, undici): the connection failed, not the request. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET']);
/** The same failures named only in a message (clients that drop `code`; ioredis's "Command timed out"). */
const NETWORK_MESSAGE = /socket hang up|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|timed? ?out/i;
/**
 * S3 error codes after which retrying cannot help: refusals of the request's identity or
 * target (AWS "Error responses" list: AccessDenied, AccountProblem and AllAccessDisabled
 * are 403, NoSuchBucket 404, InvalidBucketName 400), and the SDK's own credential errors.
 */
const S3_PERMANENT = new Set([
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
/**
 * S3 error codes worth another attempt, whatever their status: throttling, timeouts, server
 * faults, and BadDigest (400: the Content-MD5 we sent did not match the bytes S3 received,
 * i.e. they were damaged on the way; a fresh attempt sends them again).
 */
const S3_RETRYABLE = new Set([
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
  'BadDigest',
]);
const RENDER_STAGES: ReadonlySet<string> = new Set(['planning', 'rendering_scenes', 'combining', 'generating_thumbnails', 'encoding_renditions', 'extracting_metadata']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  isJoi?: unknown;
  Code?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}

function asErrorLike(err: unknown): ErrorLike {
  return err !== null && typeof err === 'object' ? (err as ErrorLike) : {};
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** The errno code of a socket failure, on the error or on its cause (the SDK wraps them). */
function networkCode(e: ErrorLike): string | null {
  for (const code of [e.code, asErrorLike(e.cause).code]) if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  return null;
}

/** True when the error says Redis is unreachable or not serving (a connection failure, not a command error). */
export function isRedisFailure(err: unknown): boolean {
  const e = asErrorLike(err);
  return REDIS_FAILURE.test(stringOf(e.message)) || e.name === 'MaxRetriesPerRequestError';
}

/**
 * True when the error is a failed connection (by errno code, or by message where the
 * client dropped the code). For callers that know which service they called; classifyError,
 * which does not, goes by the code alone.
 */
export function isConnectionFailure(err: unknown): boolean {
  const e = asErrorLike(err);
  return networkCode(e) !== null || NETWORK_MESSAGE.test(stringOf(e.message));
}

export type FailureClass = { retryable: true; reason: string } | { retryable: false; reason: string };

/**
 * Decides whether retrying a failed S3 call can help, from the SDK error's name
 * (see S3_PERMANENT, S3_RETRYABLE), a socket failure, or the HTTP status (5xx, 429
 * and 408 retryable, any other status permanent). A failure with none of these is
 * permanent. Pure.
 */
export function classifyS3Failure(err: unknown): FailureClass {
  const e = asErrorLike(err);
  const name = stringOf(e.name) || stringOf(e.Code) || 'Error';
  const status = e.$metadata?.httpStatusCode;
  if (S3_PERMANENT.has(name)) return { retryable: false, reason: name };
  if (S3_RETRYABLE.has(name)) return { retryable: true, reason: name };
  const code = networkCode(e);
  if (code) return { retryable: true, reason: code };
  if (status !== undefined) {
    if (status >= 500 || status === 429 || status === 408) return { retryable: true, reason: `HTTP ${status}` };
    return { retryable: false, reason: `HTTP ${status}` };
  }
  if (NETWORK_MESSAGE.test(stringOf(e.message))) return { retryable: true, reason: 'connection' };
  return { retryable: false, reason: name };
}

function isAbort(e: ErrorLike): boolean {
  return e.name === 'AbortError' || e.code === 'ABORT_ERR';
}

/** The abort reason, when an AbortSignal was aborted with a VidgenError (cancellation, time limit). */
function abortReason(err: unknown): VidgenError | null {
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause instanceof VidgenError ? cause : null;
}

function make(code: ErrorCode, err: unknown, retryable?: boolean): VidgenError {
  return new VidgenError(code, { cause: err, ...(retryable === undefined ? {} : { retryable }) });
}

/**
 * Maps anything a pipeline stage throws into the taxonomy, by what the error
 * is and where it happened: our own errors pass through; an abort becomes its
 * reason (JOB_CANCELLED or JOB_TIMEOUT) or JOB_CANCELLED; Joi validation →
 * VALIDATION_FAILED; Redis connection failures → REDIS_UNAVAILABLE; S3 SDK
 * errors → STORAGE_* (permanent where classifyS3Failure says so; throttling and
 * 5xx → STORAGE_UNAVAILABLE, other retryable ones by stage); a missing
 * binary → RENDER_TOOL_UNAVAILABLE; a full disk → SCRATCH_SPACE_EXHAUSTED;
 * anything else in a rendering stage → RENDER_FAILED, while uploading →
 * STORAGE_UPLOAD_FAILED, elsewhere → INTERNAL_ERROR. Pure: no I/O, no clock.
 */
export function classifyError(err: unknown, stage: FailureStage): VidgenError {
  if (err instanceof VidgenError) return err;
  const e = asErrorLike(err);
  if (isAbort(e)) return abortReason(err) ?? make('JOB_CANCELLED', err);
  if (e.isJoi === true || e.name === 'ValidationError') return make('VALIDATION_FAILED', err);
  const code = stringOf(e.code);
  if (code === 'ENOSPC' || code === 'EDQUOT') return make('SCRATCH_SPACE_EXHAUSTED', err);
  if (code === 'ENOENT' && typeof e.syscall === 'string' && e.syscall.startsWith('spawn')) return make('RENDER_TOOL_UNAVAILABLE', err);
  if (isRedisFailure(err)) return make('REDIS_UNAVAILABLE', err);
  if (e.$metadata !== undefined) {
    const status = e.$metadata.httpStatusCode ?? 0;
    if (!classifyS3Failure(err).retryable) return make('STORAGE_PERMANENT_FAILURE', err);
    if (status >= 500 || status === 429 || e.name === 'SlowDown' || e.name === 'ServiceUnavailable') return make('STORAGE_UNAVAILABLE', err);
    return make(stage === 'uploading' ? 'STORAGE_UPLOAD_FAILED' : 'STORAGE_UNAVAILABLE', err);
  }
  if (networkCode(e) !== null) {
    if (stage === 'uploading') return make('STORAGE_UPLOAD_FAILED', err);
    if (stage === null || stage === 'queued' || stage === 'finalizing') return make('REDIS_UNAVAILABLE', err);
  }
  if (stage !== null && RENDER_STAGES.has(stage)) return make('RENDER_FAILED', err);
  if (stage === 'uploading') return make('STORAGE_UPLOAD_FAILED', err);
  return make('INTERNAL_ERROR', err);
}
