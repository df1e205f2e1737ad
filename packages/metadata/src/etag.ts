/** The ETag names the version and the signing window (urlWindow, @vidgen/core): a new window means a new ETag, so a 304 can never keep a client on expired URLs. */
export { urlWindow, type UrlWindow } from '@vidgen/core';

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
