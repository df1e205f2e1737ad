import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { asRedisError } from './job-store';

/** Idempotency keys live 24 hours after their first use. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** `<prefix>:idem:<owner>:<sha256 of the key>`: scoped per owner; hashing keeps any client key safe as a Redis key. */
export function idempotencyKey(prefix: string, owner: string, key: string): string {
  return `${prefix}:idem:${owner}:${createHash('sha256').update(key).digest('hex')}`;
}

export interface IdempotencyEntry {
  fingerprint: string;
  job_id: string;
}

export type ClaimResult = { claimed: true } | { claimed: false; existing: IdempotencyEntry | null };

/**
 * Claims an Idempotency-Key for a new job with SET NX, so concurrent first
 * requests agree on one job id: the winner creates the job, the others get
 * the winner's entry. `existing` is null only if the entry vanished between
 * the two commands (released by a failed first request).
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds = IDEMPOTENCY_TTL_SECONDS,
  ) {}

  async claim(owner: string, key: string, entry: IdempotencyEntry): Promise<ClaimResult> {
    const k = idempotencyKey(this.prefix, owner, key);
    try {
      const set = await this.redis.set(k, JSON.stringify(entry), 'EX', this.ttlSeconds, 'NX');
      if (set === 'OK') return { claimed: true };
      const raw = await this.redis.get(k);
      return { claimed: false, existing: raw ? (JSON.parse(raw) as IdempotencyEntry) : null };
    } catch (err) {
      throw asRedisError(err);
    }
  }

  /** Frees a key whose first request failed before its job existed, so a retry of it can succeed. */
  async release(owner: string, key: string, jobId: string): Promise<void> {
    const k = idempotencyKey(this.prefix, owner, key);
    // Only our own claim: a later request may own the key by now.
    await this.redis.eval("if redis.call('GET', KEYS[1]) and string.find(redis.call('GET', KEYS[1]), ARGV[1], 1, true) then return redis.call('DEL', KEYS[1]) end return 0", 1, k, `"job_id":"${jobId}"`);
  }
}
