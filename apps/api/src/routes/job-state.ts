import { VidgenError, type JobRecord } from '@vidgen/core';
import type { JobProgressTracker } from '@vidgen/progress';
import type { JobStore } from '@vidgen/queue';
import { presentProgress, type JobProgressState } from '../progress-view';
import type { EventTokens } from '../tokens';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export const jobPath = (jobId: string) => `/api/v1/videos/jobs/${jobId}`;
export const eventsPath = (jobId: string) => `${jobPath(jobId)}/events`;

/**
 * Makes a path of this API absolute: under PUBLIC_BASE_URL, or in development
 * the API's own host and port. Every link a job shows goes through it, so a
 * client on another origin (a web page, a webhook receiver) can follow it as is.
 */
export type PublicUrl = (path: string) => string;

/** The job's event stream with a fresh short-lived token (browsers' EventSource can't send headers), resuming after `lastEventId` when given. */
export function signedEventsPath(tokens: EventTokens, jobId: string, owner: string, lastEventId: number | null = null): string {
  const resume = lastEventId === null ? '' : `&last_event_id=${lastEventId}`;
  return `${eventsPath(jobId)}?token=${encodeURIComponent(tokens.mint(jobId, owner))}${resume}`;
}

/** The job id of the path; anything that is not one of our UUIDs is simply not found. */
export function jobIdParam(params: Record<string, unknown>): string {
  const jobId = String(params.job_id ?? '');
  if (!UUID.test(jobId)) throw new VidgenError('JOB_NOT_FOUND');
  return jobId;
}

export interface JobReader {
  store: JobStore;
  tracker: JobProgressTracker;
}

/**
 * Reads a job of `owner` with its progress; another owner's job is
 * indistinguishable from a missing one (null). Record and snapshot come from
 * one script call (JobProgressTracker.readJob): the worker writes the record first
 * (markProcessing, complete, fail) and the tracker second (startRun, finish),
 * and an atomic read of both never pairs a still-processing record with a
 * finished run.
 */
export async function readOwnJob(reader: JobReader, jobId: string, owner: string): Promise<{ record: JobRecord; state: JobProgressState } | null> {
  const { record, snapshot } = await reader.tracker.readJob(jobId);
  if (!record || record.owner !== owner) return null;
  return { record, state: presentProgress(record, snapshot) };
}
