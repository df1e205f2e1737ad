import type Redis from 'ioredis';
import { scanKeys } from '@vidgen/queue';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Pure: a key without the prefix, the run's job ids as <id> (other uuids as <other-id>). */
export function keyKind(key: string, prefix: string, ids: ReadonlySet<string>): string {
  return key.slice(prefix.length + 1).replace(UUID, (m) => (ids.has(m) ? '<id>' : '<other-id>'));
}

/** How many keys of each kind are under the prefix (SCAN, never KEYS). */
export async function keyKinds(redis: Redis, prefix: string, ids: ReadonlySet<string>): Promise<Record<string, number>> {
  const kinds: Record<string, number> = {};
  for await (const keys of scanKeys(redis, prefix)) {
    for (const key of keys) {
      const kind = keyKind(key, prefix, ids);
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
  }
  return kinds;
}

/**
 * What may stay once every job has ended: each job's retained records (README, "Redis keys"), its
 * video's metadata (a video id of its own), the owner indexes (jobs, videos, the queued set the queue
 * quota prunes on read), the owner's run leases (a killed worker's lease stays until it expires, the
 * key with it) and video-seconds charges (kept for the rolling day), the parked-jobs gauge's set, the
 * owner-fair scheduler's two keys, and Bull's kept history (QUEUE_HISTORY: finished jobs of each
 * queue by age and count, with their completed/failed sets).
 */
const RETAINED = [
  /^job:\{<id>\}(:(progress|video|webhooks))?$/,
  /^video:\{<(other-)?id>\}(:versions)?$/,
  /^owner:[^:]+:(jobs|videos|queued|active|video)$/,
  /^parked$/,
  /^fair:(vnow|owners)$/,
  /^(video-generation|webhooks|maintenance):(<id>|<other-id>|evt_<other-id>)$/,
  /^(video-generation|webhooks|maintenance):(completed|failed)$/,
];
/** Bull's own counters and markers per queue; never a job hash, a lock or a non-empty wait/active list. */
const BULL_BOOKKEEPING = /^[a-z-]+:(id|stalled-check|meta|meta-paused)$/;

/** Pure: the key kinds that should not be there after `jobs` jobs ended, with their counts. */
export function unexpectedKeys(kinds: Record<string, number>, jobs: number): Array<[string, number]> {
  return Object.entries(kinds).filter(([kind, count]) => !((RETAINED.some((r) => r.test(kind)) && count <= jobs) || BULL_BOOKKEEPING.test(kind)));
}
