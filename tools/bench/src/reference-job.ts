import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JobRecord } from '@vidgen/core';

/** The reference job's file: 6 scenes × 5 s (title, bullets, stat, chart, steps, closing), dark, no narration. */
export const REFERENCE_JOB_FILE = path.join(__dirname, '..', 'fixtures', 'reference-job.json');

/** The reference job's configuration, read afresh (callers change their copy). */
export function referenceConfiguration(): JobRecord['configuration'] {
  return (JSON.parse(readFileSync(REFERENCE_JOB_FILE, 'utf8')) as { configuration: JobRecord['configuration'] }).configuration;
}

/** A job record as a worker holds it when it starts the pipeline (processing, attempt 1). */
export function benchJobRecord(jobId: string, configuration: JobRecord['configuration']): JobRecord {
  const now = new Date().toISOString();
  return {
    job_id: jobId,
    owner: 'bench',
    correlation_id: 'bench',
    status: 'processing',
    progress: { percentage: 0, stage: 'queued' },
    configuration,
    attempt: 1,
    created_at: now,
    updated_at: now,
    started_at: now,
    completed_at: null,
    error: null,
    result: null,
  };
}

/** utime + stime of this process and of its waited-for children, in seconds (/proc/self/stat, USER_HZ 100). */
export function cpuSeconds(): { self: number; children: number } {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  // Fields 14-17 of proc(5), counted from the state field (3) here.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  return { self: (f[11]! + f[12]!) / 100, children: (f[13]! + f[14]!) / 100 };
}
