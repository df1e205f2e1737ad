import type { Redis } from 'ioredis';

/** <prefix>:owner:<owner>:active: sorted set of the owner's running job ids (Bull job ids) by lease expiry (ms). */
export function ownerLeasesKey(prefix: string, owner: string): string {
  return `${prefix}:owner:${owner}:active`;
}

/** <prefix>:parked: sorted set of Bull job ids put back because their owner was at OWNER_MAX_ACTIVE_JOBS, by when. */
export function parkedKey(prefix: string): string {
  return `${prefix}:parked`;
}

/**
 * Takes one of the owner's `cap` run slots for a job, or renews the one it holds (a stalled
 * job picked up again keeps its slot). Expired leases (a SIGKILLed worker renews nothing) go
 * first, so a dead worker holds a slot at most one lease long. Returns 1 (run) or 0 (full).
 */
const ACQUIRE = `
local now = tonumber(ARGV[3])
local lease = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], lease)
  redis.call('ZREM', KEYS[2], ARGV[1])
  return 1
end
return 0
`;

/** Extends a lease this worker still holds; one that expired meanwhile is not taken back (its slot may be another job's now). */
const RENEW = `
if not redis.call('ZSCORE', KEYS[1], ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

interface LeaseCommands {
  vidgenLeaseAcquire(key: string, parked: string, jobId: string, cap: string, now: string, leaseMs: string): Promise<number>;
  vidgenLeaseRenew(key: string, now: string, leaseMs: string, jobId: string): Promise<number>;
}

export interface OwnerLeasesOptions {
  redis: Redis;
  prefix: string;
  /** OWNER_MAX_ACTIVE_JOBS: run slots per owner across all workers; 0: no limit (leases still count the running jobs). */
  cap: number;
  /** How long a lease lives without a renewal (the worker's heartbeat renews it at a third of this). */
  leaseMs: number;
  now?: () => number;
}

/**
 * OWNER_MAX_ACTIVE_JOBS with leases that expire, not a counter: a job runs only while it holds
 * one of its owner's `cap` leases, the worker running it renews the lease on a heartbeat, and a
 * worker that dies (SIGKILL, lost host) simply stops renewing, so its slot frees itself after
 * `leaseMs`. Taking a lease is one script, so two workers on different machines never both take
 * the owner's last slot.
 */
export class OwnerLeases {
  private readonly redis: Redis & LeaseCommands;
  private readonly prefix: string;
  readonly cap: number;
  readonly leaseMs: number;
  private readonly now: () => number;
  /** The leases this process holds: Bull job id → owner. */
  private readonly held = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(options: OwnerLeasesOptions) {
    const { redis, prefix, cap, leaseMs, now = Date.now } = options;
    this.redis = redis as Redis & LeaseCommands;
    this.prefix = prefix;
    this.cap = cap > 0 ? cap : Number.MAX_SAFE_INTEGER;
    this.leaseMs = leaseMs;
    this.now = now;
    if (!(this.redis as Partial<LeaseCommands>).vidgenLeaseAcquire) {
      redis.defineCommand('vidgenLeaseAcquire', { numberOfKeys: 2, lua: ACQUIRE });
      redis.defineCommand('vidgenLeaseRenew', { numberOfKeys: 1, lua: RENEW });
    }
  }

  /** Takes a run slot of `owner` for the Bull job, or says the owner is at its cap (false). */
  async acquire(owner: string, bullJobId: string): Promise<boolean> {
    const got = await this.redis.vidgenLeaseAcquire(ownerLeasesKey(this.prefix, owner), parkedKey(this.prefix), bullJobId, String(this.cap), String(this.now()), String(this.leaseMs));
    if (got === 1) this.held.set(bullJobId, owner);
    return got === 1;
  }

  async release(owner: string, bullJobId: string): Promise<void> {
    this.held.delete(bullJobId);
    await this.redis.zrem(ownerLeasesKey(this.prefix, owner), bullJobId);
  }

  /** Renews every lease this process holds; the heartbeat calls it. Returns how many were still held. */
  async renew(): Promise<number> {
    if (this.held.size === 0) return 0;
    const now = String(this.now());
    // One call per lease: the keys of different owners may sit in different Redis Cluster slots.
    const kept = await Promise.all([...this.held].map(([jobId, owner]) => this.redis.vidgenLeaseRenew(ownerLeasesKey(this.prefix, owner), now, String(this.leaseMs), jobId)));
    return kept.reduce((a, b) => a + Number(b), 0);
  }

  /** Renews the held leases every third of a lease until stop(); errors go to `onError` (the next beat tries again). */
  startHeartbeat(onError: (err: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew().catch(onError), Math.max(100, Math.floor(this.leaseMs / 3)));
    this.timer.unref();
  }

  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The owner's running jobs (unexpired leases), across all workers. */
  async running(owner: string): Promise<number> {
    return this.redis.zcount(ownerLeasesKey(this.prefix, owner), `(${this.now()}`, '+inf');
  }

  /** Notes that a job was put back for its owner's cap (for the `parked` queue gauge). */
  async parked(bullJobId: string): Promise<void> {
    await this.redis.zadd(parkedKey(this.prefix), this.now(), bullJobId);
  }

  /** A parked job that is no longer parked (it ended, or was found not runnable). */
  async unparked(bullJobId: string): Promise<void> {
    await this.redis.zrem(parkedKey(this.prefix), bullJobId);
  }
}

/**
 * Jobs put back for their owner's cap within the last `withinMs`: a parked job is put back
 * again every park delay while workers are free, so older entries are jobs that ended or were
 * cancelled meanwhile, and are dropped here.
 */
export async function countParked(redis: Redis, prefix: string, withinMs: number, now: number = Date.now()): Promise<number> {
  const key = parkedKey(prefix);
  await redis.zremrangebyscore(key, '-inf', now - withinMs);
  return redis.zcard(key);
}
