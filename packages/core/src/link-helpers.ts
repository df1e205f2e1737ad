/** Pure helpers of the links a job hands out (GET, webhook bodies, metadata). */

/**
 * A window of signing: answers whose URLs expire (GET of a job, its webhook body,
 * metadata) sign them at the start of the window (half the URL lifetime), so every
 * answer inside one window carries the same URLs, valid for at least half their lifetime.
 */
export interface UrlWindow {
  index: number;
  /** When the URLs of this window were signed. */
  signedAt: Date;
  /** Seconds left in this window: the max-age the answer may be cached for. */
  remainingSeconds: number;
}

export function urlWindow(nowMs: number, urlTtlSeconds: number): UrlWindow {
  const size = Math.max(1, Math.floor(urlTtlSeconds / 2)) * 1000;
  const index = Math.floor(nowMs / size);
  const start = index * size;
  return { index, signedAt: new Date(start), remainingSeconds: Math.max(0, Math.floor((start + size - nowMs) / 1000)) };
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
