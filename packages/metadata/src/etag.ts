/**
 * Caching metadata whose URLs expire. URLs are signed at the start of a
 * signing window (half the URL lifetime), so every answer inside one window
 * carries the same URLs, valid for at least half their lifetime. The ETag
 * names the version and the window: a new window means a new ETag, so a 304
 * can never keep a client on expired URLs.
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

export function metadataEtag(videoId: string, version: number, windowIndex: number): string {
  return `"${videoId}.v${version}.w${windowIndex}"`;
}

/** The version an If-Match / If-None-Match value names, or null when it isn't one of ours. */
export function versionFromEtag(value: string | undefined, videoId: string): number | null {
  if (!value) return null;
  const m = /^(?:W\/)?"([^".]+)\.v(\d+)\.w\d+"$/.exec(value.trim());
  if (!m || m[1] !== videoId) return null;
  return Number(m[2]);
}
