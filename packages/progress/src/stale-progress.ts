import type { Redis } from 'ioredis';
import { jobKey, progressKey } from './keys';

/**
 * KEYS[1] progress hash, KEYS[2] job record (same hash tag). Deletes the
 * progress only while the record is processing (this worker just picked it
 * up) and the progress still holds an ended run.
 */
const RESET = `
if redis.call('HGET', KEYS[2], 'status') ~= 'processing' then return 0 end
local status = redis.call('HGET', KEYS[1], 'status')
if not status or status == 'processing' then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/**
 * The tracker keeps an ended run terminal and refuses a new one. A job
 * resubmitted with POST /retry after it failed or was cancelled mid-run still
 * has that ended run: its new attempt clears it first. The check and the
 * delete are one script, so a job cancelled meanwhile keeps its progress.
 */
export function createStaleProgressReset(redis: Redis, prefix: string): (jobId: string) => Promise<boolean> {
  return async (jobId) => (await redis.eval(RESET, 2, progressKey(prefix, jobId), jobKey(prefix, jobId))) === 1;
}
