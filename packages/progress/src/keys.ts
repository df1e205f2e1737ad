import { jobKey, jobProgressKey, progressChannel } from '@vidgen/queue';

/**
 * Progress keys. The progress hash shares the job record's hash tag `{<job_id>}`,
 * so one script can check and write both on Redis Cluster.
 *
 *   <prefix>:job:{<job_id>}:progress   hash: run, overall and per-stage state
 *   <prefix>:progress                  pub/sub channel: one notification per accepted update
 */
export const progressKey: (prefix: string, jobId: string) => string = jobProgressKey;

export { jobKey, progressChannel };
