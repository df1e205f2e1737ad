import { VidgenError, type ErrorCode } from './errors';
import type { StageName } from './stages';

/** Where a failure happened, as far as classification cares: a pipeline stage, or outside one. */
export type FailureStage = StageName | null;

const REDIS_FAILURE =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|MaxRetriesPerRequest|Reached the max retries|LOADING Redis|READONLY You can't write|CLUSTERDOWN/i;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** S3 errors the SDK reports with a name; any of these means retrying cannot help. */
const S3_PERMANENT = new Set(['AccessDenied', 'NoSuchBucket', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'InvalidBucketName', 'AllBucketsDisabled']);
const RENDER_STAGES: ReadonlySet<string> = new Set(['planning', 'rendering_scenes', 'combining', 'generating_thumbnails', 'encoding_renditions', 'extracting_metadata']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  isJoi?: unknown;
  $metadata?: { httpStatusCode?: number };
  $fault?: unknown;
}

function asErrorLike(err: unknown): ErrorLike {
  return err !== null && typeof err === 'object' ? (err as ErrorLike) : {};
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
 * errors → STORAGE_* (4xx permanent, 5xx/throttling retryable); a missing
 * binary → RENDER_TOOL_UNAVAILABLE; a full disk → SCRATCH_SPACE_EXHAUSTED;
 * anything else in a rendering stage → RENDER_FAILED, while uploading →
 * STORAGE_UPLOAD_FAILED, elsewhere → INTERNAL_ERROR. Pure: no I/O, no clock.
 */
export function classifyError(err: unknown, stage: FailureStage): VidgenError {
  if (err instanceof VidgenError) return err;
  const e = asErrorLike(err);
  if (isAbort(e)) return abortReason(err) ?? make('JOB_CANCELLED', err);
  if (e.isJoi === true || e.name === 'ValidationError') return make('VALIDATION_FAILED', err);
  const message = typeof e.message === 'string' ? e.message : '';
  const code = typeof e.code === 'string' ? e.code : '';
  if (code === 'ENOSPC' || code === 'EDQUOT') return make('SCRATCH_SPACE_EXHAUSTED', err);
  if (code === 'ENOENT' && typeof e.syscall === 'string' && e.syscall.startsWith('spawn')) return make('RENDER_TOOL_UNAVAILABLE', err);
  if (REDIS_FAILURE.test(message) || e.name === 'MaxRetriesPerRequestError') return make('REDIS_UNAVAILABLE', err);
  if (e.$metadata !== undefined) {
    const status = e.$metadata.httpStatusCode ?? 0;
    if ((typeof e.name === 'string' && S3_PERMANENT.has(e.name)) || status === 403 || status === 404) return make('STORAGE_PERMANENT_FAILURE', err);
    if (status >= 500 || status === 429 || e.name === 'SlowDown' || e.name === 'ServiceUnavailable') return make('STORAGE_UNAVAILABLE', err);
    return make(stage === 'uploading' ? 'STORAGE_UPLOAD_FAILED' : 'STORAGE_UNAVAILABLE', err);
  }
  if (NETWORK_CODES.has(code)) {
    if (stage === 'uploading') return make('STORAGE_UPLOAD_FAILED', err);
    if (stage === null || stage === 'queued' || stage === 'finalizing') return make('REDIS_UNAVAILABLE', err);
  }
  if (stage !== null && RENDER_STAGES.has(stage)) return make('RENDER_FAILED', err);
  if (stage === 'uploading') return make('STORAGE_UPLOAD_FAILED', err);
  return make('INTERNAL_ERROR', err);
}
