import { STAGE_NAMES } from '@vidgen/core';

/**
 * A job's progress run ends in the same script as its record's terminal transition
 * (JobStore.complete, fail, cancel), so a reader never sees a finished record with a
 * run still processing. This Lua chunk defines `endRun(key, status, now, channel, job)`:
 * it ends the processing run in progress hash `key` with terminal `status` at `now`
 * (ms), counts the write as a new version and PUBLISHes the progress event on `channel`
 * (`job` is the job id, JSON-encoded). A completed run's unfinished stages become done
 * and its percentage 100; a failed or cancelled run keeps its percentage, and the
 * interrupted stage is marked failed. Returns nil when the hash holds no processing run,
 * else {'ok', version, run_id, percentage, shown stage, current stage, stage percentage}.
 *
 * Here rather than in @vidgen/progress because the job store runs it and @vidgen/progress
 * depends on this package; the tracker's own `finish` op runs the same chunk.
 */
export const END_RUN_LUA = `
local END_NAMES = {${STAGE_NAMES.map((n) => `'${n}'`).join(', ')}}
local END_INDEX = {${STAGE_NAMES.map((n, i) => `${n} = ${i + 1}`).join(', ')}}
local function endRun(key, st, now, channel, job)
  local h = redis.call('HMGET', key, 'run_id', 'status', 'stage', 'stage_percentage', 'percentage', 'attempt', 'version')
  if not h[1] or h[2] ~= 'processing' then return nil end
  local stages = redis.call('HMGET', key, ${STAGE_NAMES.map((n) => `'${n}:status'`).join(', ')})
  local stage, sp, pct = h[3], h[4], h[5]
  local f = {}
  if st == 'completed' then
    for i = 1, #END_NAMES do
      if stages[i] == 'pending' or stages[i] == 'active' then
        local n = #f
        f[n + 1], f[n + 2], f[n + 3], f[n + 4] = END_NAMES[i] .. ':status', 'done', END_NAMES[i] .. ':completed_at', now
      end
    end
    sp, pct = '100', '100'
  else
    local cur = END_INDEX[stage]
    if cur and stages[cur] == 'active' then
      local n = #f
      f[n + 1], f[n + 2], f[n + 3], f[n + 4] = stage .. ':status', 'failed', stage .. ':completed_at', now
    end
  end
  local version = tostring((tonumber(h[7]) or 0) + 1)
  local n = #f
  f[n + 1], f[n + 2], f[n + 3], f[n + 4], f[n + 5], f[n + 6] = 'status', st, 'stage_percentage', sp, 'percentage', pct
  f[n + 7], f[n + 8], f[n + 9], f[n + 10] = 'version', version, 'updated_at', now
  redis.call('HSET', key, unpack(f))
  -- The same event as every progress write (see @vidgen/progress's script): the shown stage is the status.
  redis.call('PUBLISH', channel, '{"job_id":' .. job .. ',"version":' .. version ..
    ',"run_id":"' .. h[1] .. '","attempt":' .. h[6] .. ',"status":"' .. st ..
    '","stage":"' .. st .. '","current_stage":"' .. stage ..
    '","stage_percentage":' .. sp .. ',"percentage":' .. pct .. ',"updated_at":' .. now .. '}')
  return {'ok', version, h[1], pct, st, stage, sp}
end
`;
