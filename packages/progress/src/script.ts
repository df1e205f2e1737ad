import { createHash } from 'node:crypto';
import { STAGE_NAMES, type StageWeights } from '@vidgen/core';
import { END_RUN_LUA } from '@vidgen/queue';

/**
 * The one Lua script behind every progress write. Checking and writing in one
 * script is what makes concurrent writers safe: no writer can slip between
 * another's check and its write.
 *
 * KEYS[1] progress hash, KEYS[2] job record hash (same hash tag).
 * ARGV[1] op: start | update | skip | finish
 * ARGV[2] run id (start: the new run id)   ARGV[3] now (ms)
 * ARGV[4] channel                          ARGV[5] job id, JSON-encoded
 * ARGV[6] start: attempt | update, skip: stage | finish: terminal status
 * ARGV[7] update: stage percentage (validated, clamped, rounded by the caller)
 * ARGV[8] finish: TTL seconds
 *
 * Replies {reason} when refused, or
 * {'ok', version, run_id, percentage, shown stage, current stage, stage percentage}.
 * Numbers travel as strings: Lua numbers in replies would be truncated to integers.
 */
const BODY = `
local N = #NAMES
local key, jobkey = KEYS[1], KEYS[2]
local op, run, now = ARGV[1], ARGV[2], ARGV[3]
-- Only what every op needs, plus the target stage's status (ARGV[6] is a stage for update/skip).
-- 'base' is the exact sum of finished stages' weights, so a same-stage update needs no loop.
local h = redis.call('HMGET', key, 'run_id', 'status', 'stage', 'stage_percentage', 'percentage',
  'attempt', 'version', 'base', ARGV[6] .. ':status')

-- Appends field/value pairs; fixed arity avoids a vararg table per call (this runs on every update).
local function push(t, a, b, c, d, e, g)
  local n = #t
  t[n + 1], t[n + 2] = a, b
  if c then t[n + 3], t[n + 4] = c, d end
  if e then t[n + 5], t[n + 6] = e, g end
end

-- %.17g round-trips a double exactly (tostring keeps only 14 digits).
local function exact(x) return string.format('%.17g', x) end

-- Same arithmetic and order as overallPercentage in @vidgen/core: finished
-- stages in registry order (base), then the active stage's share; clamp; 2 decimals.
local function overall(base, w, sp)
  local sum = base + w * (sp / 100)
  if sum < 0 then sum = 0 elseif sum > 100 then sum = 100 end
  return math.floor(sum * 100 + 0.5) / 100
end

local function finishedWeight(status)
  local sum = 0
  for i = 1, N do
    if status[i] == 'done' or status[i] == 'skipped' then sum = sum + WEIGHTS[i] end
  end
  return sum
end

-- s carries strings only: number formatting is the costliest part of this script.
local function commit(f, s)
  local version = tostring((tonumber(h[7]) or 0) + 1)
  push(f, 'version', version, 'updated_at', now)
  redis.call('HSET', key, unpack(f))
  local shown = s.stage
  if s.status ~= 'processing' then shown = s.status end
  -- Built by hand rather than cjson: every value is a number, a registry name, our own
  -- UUID, or the job id, which the caller passes already JSON-encoded (ARGV[5]).
  redis.call('PUBLISH', ARGV[4], '{"job_id":' .. ARGV[5] .. ',"version":' .. version ..
    ',"run_id":"' .. s.run .. '","attempt":' .. s.attempt .. ',"status":"' .. s.status ..
    '","stage":"' .. shown .. '","current_stage":"' .. s.stage ..
    '","stage_percentage":' .. s.sp .. ',"percentage":' .. s.pct .. ',"updated_at":' .. now .. '}')
  return {'ok', version, s.run, s.pct, shown, s.stage, s.sp}
end

if op == 'start' then
  -- A new run resets stage state explicitly; a terminal job stays terminal. That includes
  -- a job whose record ended before its worker started the run (cancelled between pickup
  -- and here): the run would otherwise show processing for a job that no one runs.
  if h[2] and h[2] ~= 'processing' then return {'terminal'} end
  local record = redis.call('HGET', jobkey, 'status')
  if record == 'completed' or record == 'failed' or record == 'cancelled' then return {'terminal'} end
  local f = {'run_id', run, 'attempt', ARGV[6], 'status', 'processing', 'stage', NAMES[1],
    'stage_percentage', '0', 'percentage', '0', 'base', '0', 'run_started_at', now}
  for i = 1, N do
    local n = NAMES[i]
    if i == 1 then
      push(f, n .. ':status', 'active', n .. ':started_at', now, n .. ':completed_at', '')
    else
      push(f, n .. ':status', 'pending', n .. ':started_at', '', n .. ':completed_at', '')
    end
  end
  -- Retention applies only after finish; an active job must never expire.
  redis.call('PERSIST', key)
  redis.call('PERSIST', jobkey)
  return commit(f, {run = run, attempt = ARGV[6], status = 'processing', stage = NAMES[1], sp = '0', pct = '0'})
end

if not h[1] then return {'no_run'} end
if h[1] ~= run then return {'stale_run'} end
if h[2] ~= 'processing' then return {'terminal'} end

local cur = INDEX[h[3]]
local sp = tonumber(h[4])
local stored = tonumber(h[5])
local base = tonumber(h[8]) or 0
local s = {run = run, attempt = h[6], status = 'processing', stage = h[3], sp = h[4], pct = h[5]}
local f = {}

if op == 'update' or op == 'skip' then
  local idx = INDEX[ARGV[6]]
  if not idx then return {'unknown_stage'} end
  local target = h[9]
  -- Stages move forward only; a finished (done/skipped) stage takes no more updates.
  if idx < cur then return {'stage_regress'} end
  if idx == cur and target ~= 'active' then return {'stage_regress'} end
  if idx > cur and target ~= 'pending' then return {'stage_regress'} end

  local p, pString = sp, h[4]
  if op == 'update' then
    p, pString = tonumber(ARGV[7]), ARGV[7]
    if not p or p ~= p or p < 0 or p > 100 then return {'invalid_percentage'} end
    if idx == cur and p < sp then return {'percentage_regress'} end
  end

  local active = true
  if idx > cur or op == 'skip' then
    -- A status change: read all statuses once, apply it, recompute the finished weight.
    local status = redis.call('HMGET', key, STATUS_FIELDS)
    if op == 'update' then
      for i = cur, idx - 1 do
        if status[i] == 'pending' or status[i] == 'active' then
          status[i] = 'done'
          push(f, NAMES[i] .. ':status', 'done', NAMES[i] .. ':completed_at', now)
        end
      end
      status[idx] = 'active'
      push(f, NAMES[idx] .. ':status', 'active', NAMES[idx] .. ':started_at', now)
      cur = idx
    else
      -- skip: the current stage or a later one; it counts as finished from now on.
      status[idx] = 'skipped'
      push(f, NAMES[idx] .. ':status', 'skipped', NAMES[idx] .. ':completed_at', now)
      if idx == cur then p, pString = 100, '100' end
    end
    active = status[cur] == 'active'
    base = finishedWeight(status)
    push(f, 'base', exact(base))
  end

  local w = 0
  if active then w = WEIGHTS[cur] end
  local pct = overall(base, w, p)
  if pct < stored then return {'percentage_regress'} end
  s.stage, s.sp, s.pct = NAMES[cur], pString, tostring(pct)
  push(f, 'stage', NAMES[cur], 'stage_percentage', pString, 'percentage', s.pct)
  return commit(f, s)
end

if op == 'finish' then
  local st = ARGV[6]
  if st ~= 'completed' and st ~= 'failed' and st ~= 'cancelled' then return {'invalid_status'} end
  -- The same ending as a terminal transition of the job record (JobStore), which normally ends the run itself.
  local ended = endRun(key, st, now, ARGV[4], ARGV[5])
  redis.call('EXPIRE', key, ARGV[8])
  redis.call('EXPIRE', jobkey, ARGV[8])
  return ended
end

return redis.error_reply('unknown progress op ' .. tostring(op))
`;

export interface ProgressScript {
  /** Name to register with ioredis defineCommand; differs per weights, so trackers with different weights can share a client. */
  readonly name: string;
  readonly lua: string;
}

/** Builds the script with the registry's stage order and the given (normalized) weights baked in. */
export function buildProgressScript(weights: StageWeights): ProgressScript {
  const names = STAGE_NAMES.map((n) => `'${n}'`).join(', ');
  const index = STAGE_NAMES.map((n, i) => `${n} = ${i + 1}`).join(', ');
  const statusFields = STAGE_NAMES.map((n) => `'${n}:status'`).join(', ');
  // String(n) is the shortest exact form of a double, so Lua parses the same weights TypeScript uses.
  const values = STAGE_NAMES.map((n) => String(weights[n])).join(', ');
  // The registry is spliced in as literals so no per-call loop rebuilds it.
  const lua = [`local NAMES = {${names}}`, `local INDEX = {${index}}`, `local WEIGHTS = {${values}}`, END_RUN_LUA, BODY.replaceAll('STATUS_FIELDS', statusFields)].join('\n');
  const name = `vidgenProgress_${createHash('sha1').update(lua).digest('hex').slice(0, 12)}`;
  return { name, lua };
}
