import { VidgenError, type JobRecord } from '@vidgen/core';
import type { JobProgressTracker } from '@vidgen/progress';
import type { JobStore } from '@vidgen/queue';
import { presentProgress, type JobProgressState } from '@vidgen/jobs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

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
 * indistinguishable from a missing one (null). Record and run come from one
 * script call (JobProgressTracker.readJob): a pickup writes the record first
 * (markProcessing) and starts the run second, and an atomic read of both never
 * pairs a record with a run written after it.
 */
export async function readOwnJob(reader: JobReader, jobId: string, owner: string): Promise<{ record: JobRecord; state: JobProgressState } | null> {
  const { record, snapshot } = await reader.tracker.readJob(jobId);
  if (!record || record.owner !== owner) return null;
  return { record, state: presentProgress(record, snapshot) };
}
