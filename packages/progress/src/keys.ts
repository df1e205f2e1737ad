import { jobKey, jobProgressKey } from '@vidgen/queue';

/**
 * Progress keys. The progress hash shares the job record's hash tag `{<job_id>}`,
 * so one script can check and write both on Redis Cluster.
 *
 *   <prefix>:job:{<job_id>}:progress   hash: run, overall and per-stage state
 *   <prefix>:progress                  pub/sub channel: one notification per accepted update
 */
export const progressKey: (prefix: string, jobId: string) => string = jobProgressKey;

/** One channel for all jobs, so an API replica fans out SSE from a single subscriber connection. */
export function progressChannel(prefix: string): string {
  return `${prefix}:progress`;
}

export { jobKey };
