import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface PresignOptions {
  /** A client configured for the endpoint that clients download from (S3_PUBLIC_ENDPOINT or S3_ENDPOINT). */
  client: S3Client;
  bucket: string;
  key: string;
  expiresInSeconds: number;
  /** A download variant: Content-Disposition: attachment with this (sanitized) file name. */
  downloadName?: string;
}

/** Reduces a name to characters safe inside a quoted Content-Disposition filename. */
export function safeFileName(name: string, fallback = 'video'): string {
  const cleaned = name
    .normalize('NFKD')
    .replace(/[^\w.\- ]+/g, '')
    .trim()
    .replace(/\s+/g, '-')
    .slice(0, 100);
  return cleaned || fallback;
}

export async function presignGetUrl(options: PresignOptions): Promise<{ url: string; expiresAt: Date }> {
  const { client, bucket, key, expiresInSeconds, downloadName } = options;
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: key,
    ResponseContentDisposition: downloadName ? `attachment; filename="${safeFileName(downloadName)}"` : undefined,
  });
  const url = await getSignedUrl(client, command, { expiresIn: expiresInSeconds });
  return { url, expiresAt: new Date(Date.now() + expiresInSeconds * 1000) };
}
