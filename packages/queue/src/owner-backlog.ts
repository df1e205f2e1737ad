import type { ChainableCommander, Redis } from 'ioredis';
import { jobKey } from './keys';
import { asRedisError } from './job-store';
import type { VideoQueue } from './bull';

/** <prefix>:owner:<owner>:queued: sorted set of the owner's job ids that were queued, by enqueue time. */
export function ownerQueuedKey(prefix: string, owner: string): string {
  return `${prefix}:owner:${owner}:queued`;
}

/**
 * An owner's queued jobs, for OWNER_MAX_QUEUED_JOBS. The API adds a job when it enqueues it and
 * nobody removes it on the way out: a member counts only while its record says `queued`, and
 * members that say otherwise (started, ended, expired, deleted) are pruned when a count needs
 * them. So a worker killed at any point leaves nothing wrong behind, unlike a counter it would
 * have had to decrement.
 */
export class OwnerBacklog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async add(owner: string, jobId: string, at: number = Date.now()): Promise<void> {
    await this.redis.zadd(ownerQueuedKey(this.prefix, owner), at, jobId);
  }

  /**
   * add() as part of a transaction (JobStore.create's at submit). Written before the enqueue, the
   * member counts from the moment the record exists; if the enqueue then fails the record is
   * removed and the member is pruned like any other stale one.
   */
  addIn(tx: ChainableCommander, owner: string, jobId: string, at: number = Date.now()): void {
    tx.zadd(ownerQueuedKey(this.prefix, owner), at, jobId);
  }

  async remove(owner: string, jobId: string): Promise<void> {
    await this.redis.zrem(ownerQueuedKey(this.prefix, owner), jobId);
  }

  /**
   * The owner's queued jobs, exact once it reaches `atLeast`: below it the set's size is an upper
   * bound and answers at once; at or above it every member's status is read and stale ones go.
   */
  async count(owner: string, atLeast: number): Promise<number> {
    try {
      return await this.countOrThrow(owner, atLeast);
    } catch (err) {
      // Redis down: REDIS_UNAVAILABLE (503), like every other read of the submit path.
      throw asRedisError(err);
    }
  }

  private async countOrThrow(owner: string, atLeast: number): Promise<number> {
    const key = ownerQueuedKey(this.prefix, owner);
    const size = await this.redis.zcard(key);
    if (size < atLeast) return size;
    const members = await this.redis.zrange(key, 0, -1);
    const pipeline = this.redis.pipeline();
    for (const id of members) pipeline.hget(jobKey(this.prefix, id), 'status');
    const statuses = ((await pipeline.exec()) ?? []).map(([, status]) => status);
    const stale = members.filter((_, i) => statuses[i] !== 'queued');
    if (stale.length > 0) await this.redis.zrem(key, ...stale);
    return members.length - stale.length;
  }
}

/**
 * KEYS[1] Bull's wait list, KEYS[2] its priority set, KEYS[3..] the jobs' records; ARGV the job ids
 * in KEYS order. A job's Bull id is its job id, or `<job id>-r<n>` after its n-th resubmission
 * (queueJobIdFor); the record's `resubmissions` field says which. -1: not waiting.
 *
 * A prioritized job (every job under fair share) sits in the wait list where its priority ranks
 * it: Bull inserts it behind every waiting job of a lower or equal priority (addJobWithPriority),
 * so counted from the run end (the right) it is among the places [lower, upto) where `lower` jobs
 * have a lower priority and `upto` a lower or equal one; among equal priorities the list keeps
 * arrival order, while the set orders ties by id. Fair-share tags tie across owners all the time
 * (two owners' tags climb from the same virtual now by the same cost). So the script tries the
 * rank first (confirmed with LINDEX: right without ties), then reads just the window of the ties
 * (LRANGE: O(distance from the nearer end / list node) to reach it, then O(ties)). A job found
 * there gets the place of the index it was found at, so the window is only where to look first and
 * never makes a place wrong. Only a job not found there (not prioritized, or moved by Bull out of
 * priority order, e.g. a stalled job pushed back to the run end) falls back to LPOS, a scan of the
 * list. A list page of 19 jobs whose tags tie with another owner's, 12,000 jobs waiting: ~11 ms of
 * Redis time per call before (an LPOS scan for most of them), ~0.2 ms now (docs/performance.md).
 */
const QUEUE_POSITIONS = `
local wait = KEYS[1]
local len = redis.call('LLEN', wait)
local out = {}
for i = 3, #KEYS do
  local id = ARGV[i - 2]
  local n = tonumber(redis.call('HGET', KEYS[i], 'resubmissions') or '0') or 0
  if n > 0 then id = id .. '-r' .. string.format('%d', n) end
  local place = -1
  if len > 0 then
    local found = false
    -- Without ties the rank is the place: one LINDEX confirms it.
    local rank = redis.call('ZRANK', KEYS[2], id)
    if rank and rank < len and redis.call('LINDEX', wait, len - 1 - rank) == id then
      place = rank
      found = true
    end
    local score = (not found and rank) and redis.call('ZSCORE', KEYS[2], id)
    if score then
      local lower = redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. score)
      local upto = redis.call('ZCOUNT', KEYS[2], '-inf', score)
      if upto <= len then
        local window = redis.call('LRANGE', wait, len - upto, len - 1 - lower)
        for j = #window, 1, -1 do
          if window[j] == id then
            place = upto - j
            found = true
            break
          end
        end
      end
    end
    if not found then
      local pos = redis.call('LPOS', wait, id)
      if pos then place = len - 1 - pos end
    end
  end
  out[i - 2] = place
end
return out
`;

interface QueuePositionsCommand {
  vidgenQueuePositions(numberOfKeys: number, ...keysAndArgs: string[]): Promise<number[]>;
}

/**
 * Jobs that would run before each of these: its distance from the right end of Bull's wait list,
 * which is the run order (workers take from the right; prioritized jobs are inserted at their
 * place). Null when the Bull job is not waiting (delayed for a retry backoff, active, gone).
 * Computed on read, so no dispatch writes anything per waiting job; one script call for all of
 * them (a list page's queued jobs), where one job used to take three round trips (its Bull id, LLEN, LPOS).
 */
export async function queuePositions(queue: VideoQueue, redis: Redis, prefix: string, jobIds: readonly string[]): Promise<(number | null)[]> {
  if (jobIds.length === 0) return [];
  const client = redis as Redis & Partial<QueuePositionsCommand>;
  if (typeof client.vidgenQueuePositions !== 'function') redis.defineCommand('vidgenQueuePositions', { lua: QUEUE_POSITIONS });
  const keys = [queue.toKey('wait'), queue.toKey('priority'), ...jobIds.map((id) => jobKey(prefix, id))];
  const reply = await (redis as Redis & QueuePositionsCommand).vidgenQueuePositions(keys.length, ...keys, ...jobIds);
  return reply.map((p) => (p < 0 ? null : p));
}
