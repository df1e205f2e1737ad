import { createHash } from 'node:crypto';

/**
 * Metadata key layout, under the deployment prefix. The keys of one video
 * share the hash tag `{<video_id>}`, so its versioned writes are one atomic
 * script on one Redis Cluster slot. The job → video link shares the job's
 * tag and the owner index is its own key: on a cluster those two are written
 * after the video, not atomically with it. Readers go job → video, and a
 * repeated first write is idempotent, so a crash between the writes is
 * repaired by the retry that follows it.
 *
 *   <prefix>:video:{<video_id>}            hash: video_id, job_id, owner, version, created_at, updated_at
 *   <prefix>:video:{<video_id>}:versions   hash: "<n>" → JSON of version n (every version stays readable)
 *   <prefix>:job:{<job_id>}:video          string: the job's video_id
 *   <prefix>:owner:<owner>:videos          sorted set: video ids by creation time
 */
export const videoKey = (prefix: string, videoId: string) => `${prefix}:video:{${videoId}}`;
export const videoVersionsKey = (prefix: string, videoId: string) => `${prefix}:video:{${videoId}}:versions`;
export const jobVideoKey = (prefix: string, jobId: string) => `${prefix}:job:{${jobId}}:video`;
export const ownerVideosKey = (prefix: string, owner: string) => `${prefix}:owner:${owner}:videos`;

/** A job has one video; its id is derived from the job id, so a repeated first write finds the same video. */
export function videoIdForJob(jobId: string): string {
  const h = createHash('sha256').update(`vidgen:video:${jobId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
