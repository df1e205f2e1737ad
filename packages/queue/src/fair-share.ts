import type { ChainableCommander, Redis } from 'ioredis';
import type { TransactionReplies } from './job-store';

/**
 * Owner-fair dispatch on Bull's own priorities (start-time fair queuing, weighted by video
 * seconds). Every job gets a virtual start tag when it is enqueued:
 *
 *   tag = max(owner's last tag, virtual now) + cost        cost = planned video seconds (>= 1)
 *
 * and becomes a Bull job with `priority: tag`, so a free worker takes the waiting job with the
 * lowest tag. "Virtual now" is the tag of the latest job a worker started. An owner with a long
 * backlog has tags far in the future, so another owner's new job (tagged from virtual now) goes
 * ahead of that backlog, and its wait is about one job slot, not the whole backlog; an owner who
 * sends many short jobs gets as many video-seconds of service as one who sends a few long ones.
 * No owner starves: tags only grow, and virtual now catches up with every waiting tag.
 *
 * Nothing here is a counter that a dead worker could leak: the two values only move forward, a
 * job's place is its Bull priority (so it survives worker SIGKILLs and a Redis restart with the
 * queue, and a retried job keeps its place), and waiting jobs stay in Bull's wait list, where
 * KEDA, the backlog alerts and bull-board count them.
 *
 * Keys: <prefix>:fair:vnow (string) and <prefix>:fair:owners (hash owner → last tag).
 */
const TAG = `
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local tag = math.max(last, now) + tonumber(ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], tag)
return tag
`;

/** Virtual now moves to a started job's tag, never back (an old retried job starts with a low tag). */
const STARTED = `
local now = tonumber(redis.call('GET', KEYS[1]) or '0')
local tag = tonumber(ARGV[1])
if tag > now then redis.call('SET', KEYS[1], ARGV[1]) end
return 0
`;

interface FairCommands {
  vidgenFairTag(vnowKey: string, ownersKey: string, owner: string, cost: string): Promise<number>;
  vidgenFairStarted(vnowKey: string, tag: string): Promise<number>;
}

/** A job's cost in tags: its planned video seconds, at least 1. */
const costOf = (videoSeconds: number) => String(Math.max(1, Math.ceil(videoSeconds)));

export function fairShareKeys(prefix: string): { vnow: string; owners: string } {
  return { vnow: `${prefix}:fair:vnow`, owners: `${prefix}:fair:owners` };
}

export class FairShare {
  private readonly redis: Redis & FairCommands;
  private readonly keys: { vnow: string; owners: string };

  constructor(redis: Redis, prefix: string) {
    this.redis = redis as Redis & FairCommands;
    this.keys = fairShareKeys(prefix);
    if (!(this.redis as Partial<FairCommands>).vidgenFairTag) {
      redis.defineCommand('vidgenFairTag', { numberOfKeys: 2, lua: TAG });
      redis.defineCommand('vidgenFairStarted', { numberOfKeys: 1, lua: STARTED });
    }
  }

  /** The Bull priority of the owner's next job, which costs `videoSeconds` of service. */
  async tagFor(owner: string, videoSeconds: number): Promise<number> {
    return Number(await this.redis.vidgenFairTag(this.keys.vnow, this.keys.owners, owner, costOf(videoSeconds)));
  }

  /**
   * tagFor inside a transaction of the same client (JobStore.createWith at submit): queues the
   * script and returns how to read the tag from the transaction's replies (throws its error).
   */
  tagIn(tx: ChainableCommander, owner: string, videoSeconds: number): (replies: TransactionReplies) => number {
    const at = tx.length - 1;
    (tx as unknown as FairCommands).vidgenFairTag(this.keys.vnow, this.keys.owners, owner, costOf(videoSeconds));
    return (replies) => {
      const [err, tag] = replies[at] ?? [new Error('the transaction has no reply for the fair-share tag'), null];
      if (err) throw err;
      return Number(tag);
    };
  }

  /** A worker started a job with this priority: virtual now catches up with it. */
  async started(tag: number | undefined): Promise<void> {
    if (typeof tag !== 'number' || !Number.isFinite(tag) || tag <= 0) return;
    await this.redis.vidgenFairStarted(this.keys.vnow, String(tag));
  }
}
