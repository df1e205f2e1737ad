import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  endpoint?: string;
  region: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: boolean;
  /**
   * 'when_required' for stores that mishandle aws-chunked bodies: with the SDK's
   * default checksums, a streamed PutObject goes aws-chunked with a trailing
   * CRC32, and s3rver 3.7 stores that framing inside the object.
   */
  requestChecksum: 'when_supported' | 'when_required';
  maxAttempts: number;
  /**
   * Send PutObject and UploadPart bodies as UNSIGNED-PAYLOAD instead of
   * SHA-256-hashing every byte for the signature (over plain HTTP the SDK
   * hashes each part). For uploads whose content S3UploadManager checks
   * afterwards by MD5 (S3_VERIFY_ETAG): that check covers the same bytes.
   */
  unsignedUploadPayload?: boolean;
}

const UPLOAD_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);

/**
 * The SDK's logger. Given one, the SDK logs every command at info and every
 * failed one at error; without one it warns on console for each failed
 * streaming request. All of these failures reach the caller, which classifies
 * and logs them in its own JSON lines (S3UploadManager retries a failed part
 * itself: the SDK can't replay a stream body). Other SDK warnings still reach stderr.
 */
const sdkLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...args: unknown[]) => {
    if (!/non-retryable streaming request/.test(String(args[0]))) console.warn(...args);
  },
  error: () => undefined,
};

export function createS3Client(options: S3ClientOptions): S3Client {
  const { endpoint, region, credentials, forcePathStyle, requestChecksum, maxAttempts } = options;
  const checksum = requestChecksum === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  const client = new S3Client({
    endpoint,
    region,
    // A copy: the SDK marks credential objects it resolves, and app config is frozen.
    credentials: credentials ? { ...credentials } : undefined,
    forcePathStyle,
    maxAttempts,
    requestChecksumCalculation: checksum,
    responseChecksumValidation: checksum,
    logger: sdkLogger,
  });
  if (options.unsignedUploadPayload) {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        // The signer takes a preset x-amz-content-sha256 as the payload hash. One already set
        // (STREAMING-UNSIGNED-PAYLOAD-TRAILER, for an aws-chunked body with a trailing checksum) stays.
        if (UPLOAD_COMMANDS.has(context.commandName ?? '') && request.headers && !request.headers['x-amz-content-sha256']) {
          request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        }
        return next(args);
      },
      { step: 'build', name: 'vidgenUnsignedUploadPayload' },
    );
  }
  return client;
}
