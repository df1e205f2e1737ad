import type { Redis } from 'ioredis';
import { asRedisError } from './job-store';

/**
 * <prefix>:owner:<owner>:video: hash of the owner's charges for OWNER_DAILY_VIDEO_SECONDS,
 * Bull job id → `<r|s>:<seconds>:<at ms>`: r = reserved at submit (planned length), s = settled
 * (rendered length, or the planned one for a job that failed after its video was rendered).
 * Keyed by Bull job id, so a job's automatic retries share its one charge and a manual retry
 * (a new Bull job id, queueJobIdFor) is charged as the new submission it is.
 */
export function ownerVideoKey(prefix: string, owner: string): string {
  return `${prefix}:owner:${owner}:video`;
}

export const DAY_MS = 24 * 3600 * 1000;

/**
 * Reads the owner's charges, drops those that no longer count (settled ones older than the
 * window; reservations older than two windows, left by a job that never ended, so that a leak
 * is bounded), and returns the totals and the settled charges by time.
 */
const SCAN = `
local function scan(key, now, window)
  local entries = redis.call('HGETALL', key)
  local used, reserved, settled = 0, 0, {}
  for i = 1, #entries, 2 do
    local state, secs, at = string.match(entries[i + 1], '^(%a):([%d%.]+):(%d+)$')
    secs = tonumber(secs)
    at = tonumber(at)
    if state == nil or (state == 's' and at <= now - window) or (state == 'r' and at <= now - 2 * window) then
      redis.call('HDEL', key, entries[i])
    elseif state == 's' then
      used = used + secs
      settled[#settled + 1] = { at, secs }
    else
      reserved = reserved + secs
    end
  end
  table.sort(settled, function(a, b) return a[1] < b[1] end)
  return used, reserved, settled
end
`;

/**
 * Reserves `seconds` for a Bull job if the owner's used + reserved + seconds stays within the
 * limit; a job that holds a charge already keeps it. Otherwise says when enough settled charges
 * leave the window for it to fit (-1: only jobs still running or queued can free it).
 * ARGV: member, seconds, limit, now, window. Returns {ok, used, reserved, frees_at}.
 */
const RESERVE = `${SCAN}
local now, window = tonumber(ARGV[4]), tonumber(ARGV[5])
local used, reserved, settled = scan(KEYS[1], now, window)
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  return { 1, tostring(used), tostring(reserved), '0' }
end
local seconds, limit = tonumber(ARGV[2]), tonumber(ARGV[3])
if used + reserved + seconds <= limit then
  redis.call('HSET', KEYS[1], ARGV[1], 'r:' .. ARGV[2] .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], 2 * window)
  return { 1, tostring(used), tostring(reserved + seconds), '0' }
end
local need, freed, at = used + reserved + seconds - limit, 0, -1
for _, charge in ipairs(settled) do
  freed = freed + charge[2]
  if freed >= need then at = charge[1] + window break end
end
return { 0, tostring(used), tostring(reserved), tostring(at) }
`;

/** ARGV: now, window. Returns {used, reserved, next settled charge's expiry or -1}. */
const USAGE = `${SCAN}
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local used, reserved, settled = scan(KEYS[1], now, window)
local nextAt = -1
if #settled > 0 then nextAt = settled[1][1] + window end
return { tostring(used), tostring(reserved), tostring(nextAt) }
`;

/**
 * Settles a job's charge to `seconds` (ARGV[2]; empty: the reserved amount) as of now; a charge
 * settled already stays as it is (a re-delivered job settles again). ARGV: member, seconds, now, window.
 */
const SETTLE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and string.sub(current, 1, 2) == 's:' then return 0 end
local seconds = ARGV[2]
if seconds == '' then
  if not current then return 0 end
  seconds = string.match(current, '^%a:([%d%.]+):')
end
redis.call('HSET', KEYS[1], ARGV[1], 's:' .. seconds .. ':' .. ARGV[3])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[4]))
return 1
`;

/** Drops a job's reservation; a settled charge stays (the video was rendered). ARGV: member. */
const RELEASE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and string.sub(current, 1, 2) == 'r:' then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 1
end
return 0
`;

interface BudgetCommands {
  vidgenBudgetReserve(key: string, member: string, seconds: string, limit: string, now: string, window: string): Promise<[number, string, string, string]>;
  vidgenBudgetUsage(key: string, now: string, window: string): Promise<[string, string, string]>;
  vidgenBudgetSettle(key: string, member: string, seconds: string, now: string, window: string): Promise<number>;
  vidgenBudgetRelease(key: string, member: string): Promise<number>;
}

export interface VideoBudgetOptions {
  redis: Redis;
  prefix: string;
  /** OWNER_DAILY_VIDEO_SECONDS. */
  limitSeconds: number;
  windowMs?: number;
  now?: () => number;
}

export type Reservation = { ok: true; usedSeconds: number; reservedSeconds: number } | { ok: false; usedSeconds: number; reservedSeconds: number; freesAt: Date | null };

export interface VideoUsage {
  limitSeconds: number;
  usedSeconds: number;
  reservedSeconds: number;
  remainingSeconds: number;
  /** When the oldest settled charge leaves the window; null: none to leave. */
  nextFreeAt: Date | null;
  windowSeconds: number;
}

/** Seconds as Redis stores them: milliseconds precision, no exponent. */
const secondsArg = (s: number) => String(Math.max(0, Math.round(s * 1000) / 1000));
const round = (s: number) => Math.round(s * 1000) / 1000;

/**
 * OWNER_DAILY_VIDEO_SECONDS: each owner's video seconds in a rolling window (24 h). A submission
 * reserves its planned length, completion settles the charge to the rendered length, a cancel or
 * a failure before rendering releases it. Each step is one script on the owner's one key, so API
 * replicas and workers never race each other over the total.
 */
export class VideoBudget {
  private readonly redis: Redis & BudgetCommands;
  private readonly prefix: string;
  readonly limitSeconds: number;
  readonly windowMs: number;
  private readonly now: () => number;

  constructor(options: VideoBudgetOptions) {
    const { redis, prefix, limitSeconds, windowMs = DAY_MS, now = Date.now } = options;
    this.redis = redis as Redis & BudgetCommands;
    this.prefix = prefix;
    this.limitSeconds = limitSeconds;
    this.windowMs = windowMs;
    this.now = now;
    if (!(this.redis as Partial<BudgetCommands>).vidgenBudgetReserve) {
      redis.defineCommand('vidgenBudgetReserve', { numberOfKeys: 1, lua: RESERVE });
      redis.defineCommand('vidgenBudgetUsage', { numberOfKeys: 1, lua: USAGE });
      redis.defineCommand('vidgenBudgetSettle', { numberOfKeys: 1, lua: SETTLE });
      redis.defineCommand('vidgenBudgetRelease', { numberOfKeys: 1, lua: RELEASE });
    }
  }

  private key(owner: string): string {
    return ownerVideoKey(this.prefix, owner);
  }

  /** Reserves the planned seconds of a submission (Bull job id), or says when the budget frees up. */
  async reserve(owner: string, bullJobId: string, seconds: number): Promise<Reservation> {
    const [ok, used, reserved, at] = await this.call(() => this.redis.vidgenBudgetReserve(this.key(owner), bullJobId, secondsArg(seconds), String(this.limitSeconds), String(this.now()), String(this.windowMs)));
    const totals = { usedSeconds: round(Number(used)), reservedSeconds: round(Number(reserved)) };
    if (Number(ok) === 1) return { ok: true, ...totals };
    return { ok: false, ...totals, freesAt: Number(at) > 0 ? new Date(Number(at)) : null };
  }

  /** The rendered length replaces the reservation, counted from now. */
  async settle(owner: string, bullJobId: string, seconds: number): Promise<void> {
    await this.call(() => this.redis.vidgenBudgetSettle(this.key(owner), bullJobId, secondsArg(seconds), String(this.now()), String(this.windowMs)));
  }

  /** A job that failed after its video was rendered: the reservation becomes a charge as it is. */
  async charge(owner: string, bullJobId: string): Promise<void> {
    await this.call(() => this.redis.vidgenBudgetSettle(this.key(owner), bullJobId, '', String(this.now()), String(this.windowMs)));
  }

  /** Drops a reservation (cancel, failure before rendering, a submission that did not go through). */
  async release(owner: string, bullJobId: string): Promise<boolean> {
    return (await this.call(() => this.redis.vidgenBudgetRelease(this.key(owner), bullJobId))) === 1;
  }

  async usage(owner: string): Promise<VideoUsage> {
    const [used, reserved, next] = await this.call(() => this.redis.vidgenBudgetUsage(this.key(owner), String(this.now()), String(this.windowMs)));
    const usedSeconds = round(Number(used));
    const reservedSeconds = round(Number(reserved));
    return {
      limitSeconds: this.limitSeconds,
      usedSeconds,
      reservedSeconds,
      remainingSeconds: round(Math.max(0, this.limitSeconds - usedSeconds - reservedSeconds)),
      nextFreeAt: Number(next) > 0 ? new Date(Number(next)) : null,
      windowSeconds: this.windowMs / 1000,
    };
  }

  /**
   * What a running job may still render within the budget: the owner's remaining seconds plus the
   * job's own reservation (its planned length is already counted among the reserved).
   */
  async headroomFor(owner: string, bullJobId: string): Promise<number> {
    const [usage, own] = await Promise.all([this.usage(owner), this.call(() => this.redis.hget(this.key(owner), bullJobId))]);
    const reserved = own?.startsWith('r:') ? Number(own.split(':')[1]) : 0;
    return round(usage.remainingSeconds + (Number.isFinite(reserved) ? reserved : 0));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // Redis down: REDIS_UNAVAILABLE (503), like every other read of the submit path.
      throw asRedisError(err);
    }
  }
}
