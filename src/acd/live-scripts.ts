// Lua run inside Redis, so a check and the write that depends on it are one step for
// every instance. Agent hash fields: state, reason, since, callId, pending, offerId, version.

/** How many pending state events a relay pass takes (state-relay.ts). */
export const STATE_EVENTS_BATCH = 100;

/**
 * A script that appends a state event returns the whole list when it is at most this long
 * (the usual case: the drain after each change empties it), so the drain that follows
 * starts from it instead of reading the list again. A longer list (the relay behind, say
 * Postgres away) is not sent back with every change: the drain reads it.
 */
export const STATE_EVENTS_HEAD = 8;

/**
 * An agent's hash and whether its reservation is alive, in one step (one command instead
 * of a MULTI of two). KEYS: agent hash, agent reservation. Returns {flat hash, 0|1}.
 */
export const READ_AGENT = `
return {redis.call('HGETALL', KEYS[1]), redis.call('EXISTS', KEYS[2])}
`;

/**
 * Compare-and-set of an agent's status. KEYS: agent hash, agent reservation, call
 * reservation (of the call the agent was reserved for), the pending state events list.
 * ARGV: expected version, the offer id whose reservation keys to drop ('' for none), the
 * agent.state_changed event as JSON ('' for none), the expected state, since and offer id,
 * '1' when the agent's reservation is expected alive ('' to not look), then field/value
 * pairs. The event is appended in the same step as the write, so a change never exists
 * without its event. The expected status may be one an instance remembers from its last
 * change rather than one just read: the fields beside the version tell a hash rebuilt
 * after Redis lost it (its version starts again) from the one remembered.
 * Returns {new version, the pending list} ({new version} when no event was given or the
 * list is longer than STATE_EVENTS_HEAD),
 * or {-1, flat hash, 0|1} with what is there when it is not what was expected, so the
 * caller tries again without reading first.
 */
export const CAS_AGENT = `
local cur = redis.call('HMGET', KEYS[1], 'version', 'state', 'since', 'offerId')
if (cur[1] or '0') ~= ARGV[1] or (cur[2] or '') ~= ARGV[4] or (cur[3] or '0') ~= ARGV[5] or (cur[4] or '') ~= ARGV[6]
  or (ARGV[7] == '1' and redis.call('EXISTS', KEYS[2]) == 0) then
  return {-1, redis.call('HGETALL', KEYS[1]), redis.call('EXISTS', KEYS[2])}
end
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
local pending = 0
if ARGV[3] ~= '' then pending = redis.call('RPUSH', KEYS[4], ARGV[3]) end
local off = ARGV[2]
if off ~= '' then
  if redis.call('GET', KEYS[2]) == off then redis.call('DEL', KEYS[2]) end
  local c = redis.call('GET', KEYS[3])
  if c and string.sub(c, -string.len(off)) == off then redis.call('DEL', KEYS[3]) end
end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
if pending == 0 or pending > ${STATE_EVENTS_HEAD} then return {version} end
return {version, redis.call('LRANGE', KEYS[4], 0, -1)}
`;

/**
 * Offers a ready agent one call. KEYS: agent hash, agent reservation, call reservation,
 * the pending state events list. ARGV: call id, offer id, ttl ms, now ms, agent id,
 * ring-all group id ('' for none: one agent per call; with a group, every agent reserved
 * under it may ring for the call), the agent.state_changed event as JSON (its durationMs is
 * filled in here: only the script knows since when the agent was ready). Refuses an agent who is not ready
 * and a call already offered to someone, so two instances can never double-assign.
 * Both reservation keys expire: a crashed instance leaves nothing reserved for long.
 * Returns {'ok', since, pending, new version, the pending list (when an event was given
 * and the list is at most STATE_EVENTS_HEAD long)} or {refusal, detail}.
 */
export const RESERVE = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {'missing', ''} end
if state == 'reserved' and redis.call('EXISTS', KEYS[2]) == 0 then return {'expired', state} end
if state ~= 'ready' then return {'busy', state} end
local taken = redis.call('GET', KEYS[3])
local group = ARGV[6] or ''
if taken and not (group ~= '' and taken == 'group ' .. group) then return {'call_taken', taken} end
local since = redis.call('HGET', KEYS[1], 'since') or ARGV[4]
local pending = redis.call('HGET', KEYS[1], 'pending') or ''
redis.call('HSET', KEYS[1], 'state', 'reserved', 'reason', '', 'since', ARGV[4], 'callId', ARGV[1], 'offerId', ARGV[2])
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if group ~= '' then
  redis.call('SET', KEYS[3], 'group ' .. group, 'PX', ARGV[3])
else
  redis.call('SET', KEYS[3], ARGV[5] .. ' ' .. ARGV[2], 'PX', ARGV[3])
end
if ARGV[7] and ARGV[7] ~= '' then
  local e = cjson.decode(ARGV[7])
  e.data.durationMs = math.max(0, tonumber(ARGV[4]) - (tonumber(since) or tonumber(ARGV[4])))
  local n = redis.call('RPUSH', KEYS[4], cjson.encode(e))
  if n <= ${STATE_EVENTS_HEAD} then return {'ok', since, pending, version, redis.call('LRANGE', KEYS[4], 0, -1)} end
end
return {'ok', since, pending, version}
`;

/** Ends a ring-all round's hold on the call. KEYS: call reservation. ARGV: group id. */
export const RELEASE_GROUP = `
if redis.call('GET', KEYS[1]) == 'group ' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * Puts back an agent's status rebuilt from Postgres after Redis lost it. KEYS: agent hash,
 * the pending state events list. ARGV: '1' to overwrite a hash that exists (Redis came
 * back from an old snapshot), '0' to keep one written since Redis came back empty; the
 * agent.state_changed event of the rebuild as JSON ('' when the journal already has the
 * agent in this state); then field/value pairs. Returns 1 when written. The event goes
 * with the write, so a rebuild that loses the race to a live change journals nothing.
 * The version moves on, so a change prepared against the old hash fails its
 * compare-and-set and is read again.
 */
export const RESTORE_AGENT = `
if ARGV[1] ~= '1' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local v = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
redis.call('DEL', KEYS[1])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('HSET', KEYS[1], 'version', tostring(v + 1))
if ARGV[2] ~= '' then redis.call('RPUSH', KEYS[2], ARGV[2]) end
return 1
`;

/**
 * Forgets relayed state events and sends the signals of the changes they journaled.
 * KEYS: the pending state events list. ARGV: how many entries, the entries read from its
 * head in order, then channel/message pairs to publish. When the head is still those
 * entries (nobody else drained them meanwhile) it is trimmed off; else each is removed by
 * value, once. The signals leave in the same step: one round trip where a change's
 * PUBLISH was another. Returns how many left.
 */
export const ACK_STATE_EVENTS = `
local n = tonumber(ARGV[1])
local head = redis.call('LRANGE', KEYS[1], 0, n - 1)
local same = #head == n
if same then
  for i = 1, n do
    if head[i] ~= ARGV[i + 1] then same = false break end
  end
end
local gone = 0
if same then
  redis.call('LTRIM', KEYS[1], n, -1)
  gone = n
else
  for i = 1, n do gone = gone + redis.call('LREM', KEYS[1], 1, ARGV[i + 1]) end
end
for i = n + 2, #ARGV - 1, 2 do redis.call('PUBLISH', ARGV[i], ARGV[i + 1]) end
return gone
`;
