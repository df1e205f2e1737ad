import { VidgenError, classifyS3Failure } from '@vidgen/core';

/**
 * Maps an S3/SDK failure into the taxonomy: the ones classifyS3Failure calls
 * permanent (403, no bucket, bad keys) become STORAGE_PERMANENT_FAILURE, the
 * rest a retryable STORAGE_UPLOAD_FAILED. `attempts` is how many our retry policy made.
 */
export function toStorageError(err: unknown, action: string, attempts?: number): VidgenError {
  if (err instanceof VidgenError) return err;
  const e = err as { name?: string; Code?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? e?.Code ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const verdict = classifyS3Failure(err);
  const after = attempts && attempts > 1 ? ` after ${attempts} attempts` : '';
  return new VidgenError(verdict.retryable ? 'STORAGE_UPLOAD_FAILED' : 'STORAGE_PERMANENT_FAILURE', {
    message: `${action} failed${after}: ${name}${status ? ` (HTTP ${status})` : ''}${e?.code ? ` ${e.code}` : ''}`,
    retryable: verdict.retryable,
    cause: err,
    details: { s3_error: name, http_status: status ?? null, reason: verdict.reason, attempts: attempts ?? null },
  });
}
