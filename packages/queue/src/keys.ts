/**
 * The Redis key layout. Every key starts with the deployment's QUEUE_PREFIX.
 * A job's keys share the hash tag `{<job_id>}` so multi-key scripts on one job
 * stay in one Redis Cluster slot.
 *
 *   <prefix>:job:{<job_id>}            hash: the job record
 *   <prefix>:job:{<job_id>}:progress   hash: the job's progress (written by @vidgen/progress)
 *   <prefix>:progress                  pub/sub channel: one notification per accepted progress write
 *   <prefix>:owner:<owner>:jobs        sorted set: an owner's job ids by creation time
 *   <prefix>:owner:<owner>:queued      sorted set: the owner's enqueued job ids (OwnerBacklog)
 *   <prefix>:owner:<owner>:active      sorted set: the owner's run leases, Bull job id → expiry (OwnerLeases)
 *   <prefix>:owner:<owner>:video       hash: the owner's video-seconds charges by Bull job id (VideoBudget)
 *   <prefix>:parked                    sorted set: jobs parked for their owner's run cap, for the gauge
 *   <prefix>:signing-secret-fingerprint string: the API's SIGNING_SECRET fingerprint (deployment-facts.ts)
 *   <prefix>:video-generation:*        Bull's own keys for the queue
 */
export function jobKey(prefix: string, jobId: string): string {
  return `${prefix}:job:{${jobId}}`;
}

/**
 * The job's progress hash. @vidgen/progress owns its content; the job store
 * only needs the key to give it the record's retention (see JobStore).
 */
export function jobProgressKey(prefix: string, jobId: string): string {
  return `${jobKey(prefix, jobId)}:progress`;
}

/** One pub/sub channel for all jobs' progress events, so an API replica fans out SSE from a single subscriber connection. */
export function progressChannel(prefix: string): string {
  return `${prefix}:progress`;
}

export function ownerJobsKey(prefix: string, owner: string): string {
  return `${prefix}:owner:${owner}:jobs`;
}
