import type { EventTokens } from './tokens';

/** The API's paths a job links to; made absolute with a PublicUrl. */
export const jobPath = (jobId: string) => `/api/v1/videos/jobs/${jobId}`;
export const eventsPath = (jobId: string) => `${jobPath(jobId)}/events`;
export const hlsMasterPath = (jobId: string) => `${jobPath(jobId)}/hls/master.m3u8`;
export const storyboardPath = (jobId: string) => `${jobPath(jobId)}/storyboard.vtt`;

/**
 * Makes a path of the API absolute: under PUBLIC_BASE_URL, or in development
 * the API's own host and port. Every link a job shows goes through it, so a
 * client on another origin (a web page, a webhook receiver) can follow it as is.
 */
export type PublicUrl = (path: string) => string;

/** The job's event stream with a fresh short-lived token (browsers' EventSource can't send headers), resuming after `lastEventId` when given. */
export function signedEventsPath(tokens: EventTokens, jobId: string, owner: string, lastEventId: number | null = null): string {
  const resume = lastEventId === null ? '' : `&last_event_id=${lastEventId}`;
  return `${eventsPath(jobId)}?token=${encodeURIComponent(tokens.mint(jobId, owner))}${resume}`;
}

/** A path of the HLS routes with a fresh "hls" token (players and thumbnail plugins send no headers). */
export const withHlsToken = (path: string, hlsTokens: EventTokens, jobId: string, owner: string) => `${path}?token=${encodeURIComponent(hlsTokens.mint(jobId, owner))}`;
