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
}

export function createS3Client(options: S3ClientOptions): S3Client {
  const { endpoint, region, credentials, forcePathStyle, requestChecksum, maxAttempts } = options;
  const checksum = requestChecksum === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  return new S3Client({
    endpoint,
    region,
    // A copy: the SDK marks credential objects it resolves, and app config is frozen.
    credentials: credentials ? { ...credentials } : undefined,
    forcePathStyle,
    maxAttempts,
    requestChecksumCalculation: checksum,
    responseChecksumValidation: checksum,
  });
}
