import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { VidgenError, type Logger, silentLogger } from '@vidgen/core';
import { toStorageError } from './errors';

export interface UploadFileOptions {
  client: S3Client;
  bucket: string;
  key: string;
  filePath: string;
  contentType: string;
  partSizeBytes: number;
  queueSize: number;
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
  logger?: Logger;
}

export interface UploadedObject {
  key: string;
  size_bytes: number;
  etag: string | null;
}

/**
 * Streams a file from disk (multipart above one part), then confirms with
 * HeadObject that the stored size equals the file's: a size mismatch fails
 * the upload instead of completing a job with a corrupt object.
 */
export async function uploadFile(options: UploadFileOptions): Promise<UploadedObject> {
  const { client, bucket, key, filePath, contentType, partSizeBytes, queueSize, onProgress, signal, logger = silentLogger } = options;
  const { size } = await stat(filePath);
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(filePath), ContentType: contentType, ContentLength: size },
    partSize: partSizeBytes,
    queueSize,
    // A failed multipart upload is aborted, leaving no orphan parts.
    leavePartsOnError: false,
  });
  const onAbort = () => void upload.abort().catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  upload.on('httpUploadProgress', (p) => onProgress?.(p.loaded ?? 0, size));
  const started = Date.now();
  try {
    await upload.done();
  } catch (err) {
    if (signal?.aborted) throw new VidgenError('JOB_CANCELLED', { message: 'Upload aborted.' });
    throw toStorageError(err, `Upload of ${key}`);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  let head;
  try {
    head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    throw toStorageError(err, `HeadObject of ${key}`);
  }
  if (head.ContentLength !== size) {
    throw new VidgenError('STORAGE_SIZE_MISMATCH', {
      message: `Stored size of ${key} is ${head.ContentLength} bytes, the file has ${size}.`,
      details: { key, expected_bytes: size, stored_bytes: head.ContentLength ?? null },
    });
  }
  logger.info('uploaded object', { key, size_bytes: size, duration_ms: Date.now() - started });
  return { key, size_bytes: size, etag: head.ETag ?? null };
}
