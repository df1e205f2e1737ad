import type { Redis } from 'ioredis';
import { asRedisError } from './job-store';

/**
 * Sliding-window log in one sorted set per owner and action: members are
 * unique ids scored by the Redis server's clock (TIME), so every API replica
 * counts against the same window. ARGV: limit, window ms, member.
 * Returns {1, 0} when allowed, {0, retry_after_ms} when refused.
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  local retry = tonumber(oldest[2]) + window - now
  if retry < 1 then retry = 1 end
  return {0, retry}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
`;

export function rateLimitKey(prefix: string, action: string, owner: string): string {
  return `${prefix}:ratelimit:${action}:${owner}`;
}

export interface RateLimitDecision {
  allowed: boolean;
  /** Whole seconds until a slot frees up (Retry-After); 0 when allowed. */
  retryAfterSeconds: number;
}

interface LimiterCommands {
  vidgenSlidingWindow(key: string, limit: string, windowMs: string, member: string): Promise<[number, number]>;
}

export interface RateLimiterOptions {
  prefix: string;
  action: string;
  /** Requests allowed per window; 0 disables the limit. */
  limit: number;
  windowMs: number;
}

let sequence = 0;

export class RateLimiter {
  private readonly redis: Redis & LimiterCommands;

  constructor(
    redis: Redis,
    private readonly options: RateLimiterOptions,
  ) {
    this.redis = redis as Redis & LimiterCommands;
    if (!(this.redis as Partial<LimiterCommands>).vidgenSlidingWindow) {
      redis.defineCommand('vidgenSlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
    }
  }

  async take(owner: string): Promise<RateLimitDecision> {
    const { prefix, action, limit, windowMs } = this.options;
    if (limit <= 0) return { allowed: true, retryAfterSeconds: 0 };
    const member = `${process.pid}:${Date.now()}:${++sequence}:${Math.random().toString(36).slice(2)}`;
    try {
      const [allowed, retryMs] = await this.redis.vidgenSlidingWindow(rateLimitKey(prefix, action, owner), String(limit), String(windowMs), member);
      return allowed === 1 ? { allowed: true, retryAfterSeconds: 0 } : { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) };
    } catch (err) {
      throw asRedisError(err);
    }
  }
}
