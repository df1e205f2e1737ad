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
  /** Signed URLs kept per signing date (see createUrlSigner); 0 turns the cache off. Default 10,000. */
  cacheEntries?: number;
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

/**
 * Signs GET URLs. A URL signed with an explicit `signingDate` is a pure function
 * of (key, download name, date), so it is kept and handed out again: readers
 * sign at the start of a signing window (urlWindow in @vidgen/metadata), and
 * without the cache every GET of a completed job presigned the same URLs again
 * (the AWS SDK's middleware stack per URL was the API's largest cost in
 * `pnpm load --profile get`). Only the newest two signing dates are kept (a
 * request may straddle a window boundary), at most `cacheEntries` URLs.
 * Without a signingDate a URL is signed now, every time.
 */
export function createUrlSigner(options: UrlSignerOptions): UrlSigner {
  const { client, bucket, cdnBaseUrl, cacheEntries = 10_000 } = options;
  const ttl = Math.max(1, Math.min(options.ttlSeconds, MAX_SIGNED_URL_TTL_SECONDS));
  const cache = new SignedUrlCache(cacheEntries);
  return {
    async url(key, { downloadName, signingDate } = {}) {
      if (cdnBaseUrl) return { url: cdnUrl(cdnBaseUrl, key), expiresAt: null };
      const sign = () => presignGetUrl({ client, bucket, key, expiresInSeconds: ttl, downloadName, signingDate });
      if (!signingDate || cacheEntries <= 0) return sign();
      return cache.get(signingDate.getTime(), `${downloadName ?? ''}\n${key}`, sign);
    },
  };
}

/** Promises of signed URLs by signing date, then by download name and key; a failed signing is not kept. */
class SignedUrlCache {
  private readonly byDate = new Map<number, Map<string, Promise<ObjectUrl>>>();
  private size = 0;

  constructor(private readonly maxEntries: number) {}

  get(date: number, id: string, sign: () => Promise<ObjectUrl>): Promise<ObjectUrl> {
    let urls = this.byDate.get(date);
    if (!urls) {
      const dates = [...this.byDate.keys()];
      // Older than both kept dates: signed, not kept.
      if (dates.length >= 2 && dates.every((d) => d > date)) return sign();
      urls = new Map();
      this.byDate.set(date, urls);
      for (const old of [...this.byDate.keys()].sort((x, y) => y - x).slice(2)) this.drop(old);
    }
    const hit = urls.get(id);
    if (hit) return hit;
    if (this.size >= this.maxEntries) this.evictOne();
    const pending = sign();
    const kept = urls;
    kept.set(id, pending);
    this.size++;
    pending.catch(() => {
      if (this.byDate.get(date) === kept && kept.get(id) === pending) {
        kept.delete(id);
        this.size--;
      }
    });
    return pending;
  }

  private drop(date: number): void {
    this.size -= this.byDate.get(date)?.size ?? 0;
    this.byDate.delete(date);
  }

  /** The oldest entry of the oldest date that has one (Maps iterate in insertion order). */
  private evictOne(): void {
    for (const date of [...this.byDate.keys()].sort((x, y) => x - y)) {
      const urls = this.byDate.get(date)!;
      const first = urls.keys().next();
      if (first.done) continue;
      urls.delete(first.value);
      this.size--;
      return;
    }
  }
}
