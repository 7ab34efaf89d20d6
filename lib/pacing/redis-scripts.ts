/**
 * Lua for the shared gate, adaptive state and retry budget. Each script is one atomic step, so
 * processes never interleave a read and a write. Numbers travel as strings: Redis truncates Lua
 * numbers to integers on the way out, and rates and budgets are fractional (stored with %.17g,
 * since Lua's tostring keeps only 14 digits and 3 + 1/3 + 1/3 + 1/3 would stay below 4).
 * The concurrency arithmetic mirrors `lowerConcurrency`/`raiseConcurrency` in adaptive-math.ts.
 */

const RETURN_STATE = `
local v = redis.call('HMGET', KEYS[1], 'gate', 'lastMax', 'throttleAt', 'conc', 'restart', 'probe')
return {v[1] or '0', v[2] or '0', v[3] or '0', v[4] or '', v[5] or '0', v[6] or '0'}`;

/**
 * KEYS[1] state hash. ARGV: now, openAt, lastMax|'' (a throttle), decrease 0|1, ceiling|'',
 * inFlight, beta, ttlMs, restart rate, probing 0|1, counted 0|1 (a rate-limit answer: the episode
 * counters apply), backlogged 0|1 (calls were queued: the ended episode is kept). A throttle's
 * recovery starts when the gate opens.
 *
 * Episodes (see rate-estimate.ts): COUNT_SEND_SCRIPT counts every process's sends since the
 * episode began; a fresh counted throttle ends it (length, and sent less refused less the
 * throttled one), appends it to the last four in 'eps' (not a probing one: the linear model does
 * not hold for it) and starts the next at the gate's opening. A counted answer that is not fresh
 * was refused in the episode just ended, and amends it, unless it answers a send counted as
 * 'stale' (made while the gate was closed, by a process that did not know yet, so never counted).
 *
 * Returns the state (as READ_STATE_SCRIPT), whether the gate was open ('1'|'0'), the kept episodes
 * (JSON [[seconds, accepted], …]), the ended episode's seconds and accepted ('' when none) and,
 * when it was a probe's, its sends as COUNT_SEND_SCRIPT kept them ('sentBefore:atMs:rate;…', else '').
 */
export const BACKOFF_SCRIPT = `
local gateRaw = redis.call('HGET', KEYS[1], 'gate')
local gate = gateRaw and tonumber(gateRaw) or 0
local now = tonumber(ARGV[1])
local fresh = now >= gate
local counted = ARGV[11] == '1'
local eps = '[]'
local endedSeconds, endedAccepted, probeSends = '', '', ''
if counted and not fresh then
  -- A refusal of a send that was never counted (made while the gate was closed, by a process that
  -- did not know yet: COUNT_SEND_SCRIPT's 'stale') takes nothing off.
  local stale = tonumber(redis.call('HGET', KEYS[1], 'stale') or '0')
  if stale > 0 then
    redis.call('HSET', KEYS[1], 'stale', tostring(stale - 1))
  else
    local raw = redis.call('HGET', KEYS[1], 'eps')
    if raw then
      local list = cjson.decode(raw)
      local last = list[#list]
      if last then last[2] = math.max(0, last[2] - 1) end
      redis.call('HSET', KEYS[1], 'eps', cjson.encode(list))
    end
  end
end
if fresh and ARGV[3] ~= '' then
  local recoveryAt = math.max(now, tonumber(ARGV[2]))
  if counted then
    local list = cjson.decode(redis.call('HGET', KEYS[1], 'eps') or '[]')
    local startRaw = redis.call('HGET', KEYS[1], 'epStart')
    local start = startRaw and tonumber(startRaw)
    if start and now >= start then
      local sent = tonumber(redis.call('HGET', KEYS[1], 'epSent') or '0')
      local seconds = (now - start) / 1000
      local accepted = math.max(0, sent - 1)
      endedSeconds = string.format('%.17g', seconds)
      endedAccepted = tostring(accepted)
      if redis.call('HGET', KEYS[1], 'probe') == '1' then
        probeSends = redis.call('HGET', KEYS[1], 'pSends') or ''
      end
      if ARGV[12] == '1' and redis.call('HGET', KEYS[1], 'probe') ~= '1' then
        table.insert(list, {seconds, accepted})
        if #list > 4 then table.remove(list, 1) end
      end
    end
    eps = cjson.encode(list)
    if #list == 0 then eps = '[]' end
    redis.call('HSET', KEYS[1], 'eps', eps, 'epSent', '0', 'epStart', string.format('%.17g', recoveryAt), 'stale', '0')
    redis.call('HDEL', KEYS[1], 'pSends')
  end
  redis.call('HSET', KEYS[1], 'lastMax', ARGV[3], 'restart', ARGV[9], 'probe', ARGV[10], 'throttleAt', string.format('%.17g', recoveryAt))
end
if fresh and ARGV[4] == '1' then
  local raw = redis.call('HGET', KEYS[1], 'conc')
  local base = (raw and tonumber(raw)) or tonumber(ARGV[5]) or math.max(1, tonumber(ARGV[6]))
  redis.call('HSET', KEYS[1], 'conc', tostring(math.max(1, math.floor(base * tonumber(ARGV[7])))))
end
if tonumber(ARGV[2]) > gate then redis.call('HSET', KEYS[1], 'gate', ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[8])
local v = redis.call('HMGET', KEYS[1], 'gate', 'lastMax', 'throttleAt', 'conc', 'restart', 'probe')
return {v[1] or '0', v[2] or '0', v[3] or '0', v[4] or '', v[5] or '0', v[6] or '0', fresh and '1' or '0', eps, endedSeconds, endedAccepted, probeSends}`;

/**
 * KEYS[1] state hash. ARGV: now, ttlMs, restMs, spacingMs, probeSendsKept. One send of any process:
 * counted in the episode under way, or the first of a new one when nothing was sent for restMs
 * (the bucket rested). As in process, the episode's start is projected back from its third send
 * at the spacing (the first sends of a storm reach the vendor late, and across processes later
 * still). While the rate is a probe's, the episode's first probeSendsKept sends are kept with
 * their rate ('sentBefore:atMs:rate;' in 'pSends'), for the crossing (rate-estimate.ts crossingEpisode).
 */
export const COUNT_SEND_SCRIPT = `
local now = tonumber(ARGV[1])
-- A send while the gate is closed came from a process that did not know yet (its shared-state
-- read is cached for a few ms): it belongs to no episode, and must not start the next one. It is
-- counted as 'stale', so that its refusal is not taken off the episode that ended (BACKOFF_SCRIPT).
local gateRaw = redis.call('HGET', KEYS[1], 'gate')
if gateRaw and now < tonumber(gateRaw) then
  redis.call('HINCRBY', KEYS[1], 'stale', 1)
  return 0
end
local lastRaw = redis.call('HGET', KEYS[1], 'lastSend')
if not lastRaw or now - tonumber(lastRaw) >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'epSent', '0', 'epStart', ARGV[1])
  redis.call('HDEL', KEYS[1], 'pSends')
end
local sent = redis.call('HINCRBY', KEYS[1], 'epSent', 1)
local spacing = tonumber(ARGV[4])
if spacing > 0 and sent <= tonumber(ARGV[5]) and redis.call('HGET', KEYS[1], 'probe') == '1' then
  local kept = redis.call('HGET', KEYS[1], 'pSends') or ''
  redis.call('HSET', KEYS[1], 'pSends', kept .. string.format('%d:%.17g:%.17g;', sent - 1, now, 1000 / spacing))
end
if sent == 3 then
  redis.call('HSET', KEYS[1], 'epStart', string.format('%.17g', now - 2 * spacing))
end
redis.call('HSET', KEYS[1], 'lastSend', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * KEYS[1] state hash. ARGV: throttleAt the caller saw, lastMax, restart, probing 0|1, ttlMs.
 * Replaces the rates a throttle stored, unless another throttle has been stored since.
 */
export const SET_THROTTLE_SCRIPT = `
local at = redis.call('HGET', KEYS[1], 'throttleAt')
if at and tonumber(at) == tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'lastMax', ARGV[2], 'restart', ARGV[3], 'probe', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
end
${RETURN_STATE}`;

/** KEYS[1] state hash. ARGV: ceiling|''. */
export const RAISE_CONCURRENCY_SCRIPT = `
local raw = redis.call('HGET', KEYS[1], 'conc')
if raw then
  local current = tonumber(raw)
  local nextValue = current + 1 / math.max(1, math.floor(current))
  local ceiling = tonumber(ARGV[1])
  if ceiling and nextValue >= ceiling then
    redis.call('HDEL', KEYS[1], 'conc')
  else
    redis.call('HSET', KEYS[1], 'conc', string.format('%.17g', nextValue))
  end
end
${RETURN_STATE}`;

/** KEYS[1] state hash. */
export const READ_STATE_SCRIPT = RETURN_STATE;

/** KEYS[1] budget key (absent = full). ARGV: capacity, ttlMs, the tokens a retry needs (RETRY_TOKEN_COST). Returns 1 when a token was taken. */
export const TAKE_TOKEN_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
local tokens = (raw and tonumber(raw)) or tonumber(ARGV[1])
if tokens < tonumber(ARGV[3]) then return 0 end
redis.call('SET', KEYS[1], string.format('%.17g', tokens - 1), 'PX', ARGV[2])
return 1`;

/** KEYS[1] budget key. ARGV: amount, capacity, ttlMs. */
export const REFILL_TOKENS_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local tokens = math.min(tonumber(ARGV[2]), tonumber(raw) + tonumber(ARGV[1]))
if tokens >= tonumber(ARGV[2]) then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], string.format('%.17g', tokens), 'PX', ARGV[3])
end
return 1`;

/**
 * KEYS[1] last-start key. ARGV: minTimeMs, ttlMs. Uses the Redis server's clock, so hosts with
 * skewed clocks still space their sends. Unlike the memory store, a late claim gets no credit for
 * its due slot: consecutive slots leave from different processes whose lag between claim and wire
 * nobody sees, and spacing every claim from the previous actual one keeps the combined rate at the
 * vendor just under the limit instead of exactly on it. Returns the milliseconds to wait as a
 * string (fractional), '0' when claimed.
 */
export const CLAIM_START_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local raw = redis.call('GET', KEYS[1])
if raw then
  local due = tonumber(raw) + tonumber(ARGV[1])
  if due > now then return string.format('%.17g', due - now) end
end
redis.call('SET', KEYS[1], string.format('%.17g', now), 'PX', ARGV[2])
return '0'`;
