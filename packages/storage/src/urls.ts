import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { safeFileName } from '@vidgen/core';

export interface PresignOptions {
  /** A client configured for the endpoint that clients download from (S3_PUBLIC_ENDPOINT or S3_ENDPOINT). */
  client: S3Client;
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** A download variant: Content-Disposition: attachment with this (sanitized) file name. */
  downloadName?: string;
  /** Sign as of this time (default now), so answers within one caching window carry identical URLs. */
  signingDate?: Date;
}

export { safeFileName };

export async function presignGetUrl(options: PresignOptions): Promise<{ url: string; expiresAt: Date }> {
  const { client, bucket, key, expiresInSeconds, downloadName, signingDate } = options;
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ResponseContentDisposition: downloadName ? `attachment; filename="${safeFileName(downloadName)}"` : undefined,
  });
  const signedAt = signingDate ?? new Date();
  const url = await getSignedUrl(client, command, { expiresIn: expiresInSeconds, signingDate: signedAt });
  return { url, expiresAt: new Date(signedAt.getTime() + expiresInSeconds * 1000) };
}
