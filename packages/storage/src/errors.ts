import { VidgenError } from '@vidgen/core';

const PERMANENT = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'NoSuchBucket', 'AllAccessDisabled', 'InvalidBucketName', 'Forbidden']);

/** Maps an S3/SDK failure into the taxonomy: permanent ones (403, no bucket, bad keys) are not retryable. */
export function toStorageError(err: unknown, action: string): VidgenError {
  if (err instanceof VidgenError) return err;
  const e = err as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const name = e?.name ?? e?.Code ?? 'Error';
  const status = e?.$metadata?.httpStatusCode;
  const permanent = PERMANENT.has(name) || status === 403 || status === 404 || status === 400;
  return new VidgenError('STORAGE_UPLOAD_FAILED', {
    message: `${action} failed: ${name}${status ? ` (HTTP ${status})` : ''}`,
    retryable: !permanent,
    cause: err,
    details: { s3_error: name, http_status: status ?? null },
  });
}
