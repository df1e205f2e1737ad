import type { S3Client } from '@aws-sdk/client-s3';
import { presignGetUrl } from './urls';

/** S3 presigned URLs live at most 7 days (SigV4). */
export const MAX_SIGNED_URL_TTL_SECONDS = 7 * 24 * 3600;

export interface UrlSignerOptions {
  /** A client configured for the endpoint clients reach (S3_PUBLIC_ENDPOINT, else S3_ENDPOINT). */
  client: S3Client;
  bucket: string;
  ttlSeconds: number;
  /** When set, objects are public behind a CDN: plain URLs `<cdnBaseUrl>/<key>`, no signature. */
  cdnBaseUrl?: string;
}

export interface ObjectUrl {
  url: string;
  /** null for CDN URLs, which do not expire. */
  expiresAt: Date | null;
}

export interface UrlSigner {
  /** `signingDate` signs as of that time, so answers cached for one window carry identical URLs. */
  url(key: string, options?: { downloadName?: string; signingDate?: Date }): Promise<ObjectUrl>;
}

/** Joins a CDN base and an object key, encoding each path segment. */
export function cdnUrl(base: string, key: string): string {
  return `${base.replace(/\/+$/, '')}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function createUrlSigner(options: UrlSignerOptions): UrlSigner {
  const { client, bucket, cdnBaseUrl } = options;
  const ttl = Math.max(1, Math.min(options.ttlSeconds, MAX_SIGNED_URL_TTL_SECONDS));
  return {
    async url(key, { downloadName, signingDate } = {}) {
      if (cdnBaseUrl) return { url: cdnUrl(cdnBaseUrl, key), expiresAt: null };
      return presignGetUrl({ client, bucket, key, expiresInSeconds: ttl, downloadName, signingDate });
    },
  };
}
