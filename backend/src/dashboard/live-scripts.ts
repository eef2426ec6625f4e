import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from '../redis/redis-connection.ts';
import { SUBJECT_KINDS, VISITORS_KIND } from '../ingest/event-kinds.ts';

// Lua keeps each step atomic inside Redis: an ingest batch is counted entirely or not at all, and a
// rebuild swaps its snapshot in without a window where a reader sees half of it.

/**
 * Applies a batch of events ([kind code, key, id/direction, ms or opening range, person]) to a store-day's counters:
 * the entrance ('e') by direction, every subject kind by the codes and hash fields of event-kinds.ts. The batch is
 * summed in Lua first, so Redis runs one HINCRBY per counter and one PFADD per zone instead of several
 * commands per event (the ingest path's largest cost); sums, maxima and HyperLogLogs come out the same.
 */
const APPLY_EVENT = `
local function applyAll(counters, recent, visitorsPrefix, expireAt, events)
  -- "recent" exists only for a while after a rebuild: events in it were already in the rebuild's snapshot.
  local checkRecent = redis.call('EXISTS', recent) == 1
  local sums, visitors, longest = {}, {}, {}
  local function add(field, n) sums[field] = (sums[field] or 0) + n end
  for _, ev in ipairs(events) do
    if not checkRecent or redis.call('SISMEMBER', recent, ev[2]) == 0 then
      local kind, id = ev[1], ev[3]
      if kind == 'e' then
        add(id, 1)
        -- ev[4]: the index of the opening range the crossing falls in (absent outside opening hours)
        if type(ev[4]) == 'number' then add((id == 'in' and 'si:' or 'so:') .. ev[4], 1) end
${SUBJECT_KINDS.map(
  ({ live }) => `      elseif kind == '${live.code}' then
        add('${live.countField}:' .. id, 1)
        add('${live.msField}:' .. id, ev[4])${
          live.visitors
            ? `
        local people = visitors[id]
        if not people then people = {}; visitors[id] = people end
        people[#people + 1] = ev[5]`
            : ''
        }${
          live.maxField
            ? `
        local top = '${live.maxField}:' .. id
        if not longest[top] or ev[4] > longest[top] then longest[top] = ev[4] end`
            : ''
        }
`,
).join('')}      end
    end
  end
  for field, n in pairs(sums) do redis.call('HINCRBY', counters, field, n) end
  for id, people in pairs(visitors) do
    local hll = visitorsPrefix .. id
    for i = 1, #people, 500 do redis.call('PFADD', hll, unpack(people, i, math.min(i + 499, #people))) end
    redis.call('EXPIREAT', hll, expireAt)
  end
  for field, wait in pairs(longest) do
    local top = tonumber(redis.call('HGET', counters, field) or '-1')
    if wait > top then redis.call('HSET', counters, field, wait) end
  end
end
`;

/**
 * KEYS state, counters, pending, recent; ARGV visitorsPrefix, expireAt, events JSON. → 0 skipped, 1 parked, 2 counted.
 * While a reconciliation runs the batch is counted (readers keep seeing current numbers) and parked too:
 * the reconciliation replaces the counters with its snapshot and re-applies the parked batches not in it.
 */
const RECORD = `${APPLY_EVENT}
local state = redis.call('GET', KEYS[1])
if not state then return 0 end
local reconciling = string.sub(state, 1, 12) == 'reconciling:'
if state ~= 'ready' then
  redis.call('RPUSH', KEYS[3], ARGV[3])
  redis.call('EXPIRE', KEYS[3], 300)
  if not reconciling then return 1 end
end
applyAll(KEYS[2], KEYS[4], ARGV[1], ARGV[2], cjson.decode(ARGV[3]))
redis.call('EXPIREAT', KEYS[2], ARGV[2])
return 2`;

/** KEYS state, pending; ARGV token, lock ms. Takes the rebuild lock and clears a dead rebuild's parked batches. */
const BEGIN_REBUILD = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('DEL', KEYS[2])
  return 1
end
return 0`;

/**
 * KEYS state, pending; ARGV token, lock ms. A reconciliation of a `ready` store-day starts: from now on
 * batches are parked (and still counted) until the swap. Any other state: 0 (nothing to reconcile, or a
 * rebuild or another reconciliation is running).
 */
const BEGIN_RECONCILE = `
if redis.call('GET', KEYS[1]) ~= 'ready' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('DEL', KEYS[2])
return 1`;

/**
 * KEYS state, counters, pending, recent, next recent; ARGV token, visitorsPrefix, expireAt, counter fields JSON.
 * Ends a rebuild or a reconciliation, if it still holds the state: the snapshot's counters replace the
 * old ones, its recent keys become `recent`, and each parked batch is applied minus what the snapshot counted.
 */
const FINISH_REBUILD = `${APPLY_EVENT}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('EXISTS', KEYS[5]) == 1 then redis.call('RENAME', KEYS[5], KEYS[4]) else redis.call('DEL', KEYS[4]) end
redis.call('DEL', KEYS[2])
local fields = cjson.decode(ARGV[4])
for i = 1, #fields, 500 do
  redis.call('HSET', KEYS[2], unpack(fields, i, math.min(i + 499, #fields)))
end
for _, batch in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
  applyAll(KEYS[2], KEYS[4], ARGV[2], ARGV[3], cjson.decode(batch))
end
redis.call('DEL', KEYS[3])
redis.call('SET', KEYS[1], 'ready')
redis.call('EXPIREAT', KEYS[1], ARGV[3])
redis.call('EXPIREAT', KEYS[2], ARGV[3])
return 1`;

/** KEYS state, counters, cameras; ARGV visitorsPrefix. → [ready 0|1 (a reconciling store-day is readable), counter fields, zone/visitors pairs (the kind counting visitors), camera board fields]. */
const READ_LIVE = `
local state = redis.call('GET', KEYS[1])
local ready = (state == 'ready' or (state and string.sub(state, 1, 12) == 'reconciling:')) and 1 or 0
local counters, visitors = {}, {}
if ready == 1 then
  counters = redis.call('HGETALL', KEYS[2])
  for i = 1, #counters, 2 do
    local f = counters[i]
    if string.sub(f, 1, 3) == '${VISITORS_KIND.live.countField}:' then
      local zone = string.sub(f, 4)
      visitors[#visitors + 1] = zone
      visitors[#visitors + 1] = redis.call('PFCOUNT', ARGV[1] .. zone)
    end
  end
end
return { ready, counters, visitors, redis.call('HGETALL', KEYS[3]) }`;

/**
 * A camera board lives a week past its last write: heartbeats keep an active store's board alive, and a
 * silent store's board is rebuilt from PostgreSQL when next read, so nothing piles up in Redis.
 */
const BOARD_TTL_S = 7 * 86_400;

/** KEYS board; ARGV field, received ms, value. Keeps the newest heartbeat whatever order the writers arrive in. */
const RECORD_HEARTBEAT = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local t = tonumber(string.match(cur, '^(%d+)|'))
  if t and t >= tonumber(ARGV[2]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. '|' .. ARGV[3])
redis.call('EXPIRE', KEYS[1], ${BOARD_TTL_S})
return 1`;

/** KEYS board; ARGV generation read before the PostgreSQL query, camera fields JSON, heartbeat triples JSON. */
const FILL_CAMERA_BOARD = `
if (redis.call('HGET', KEYS[1], '_gen') or '0') ~= ARGV[1] then return 0 end
local cams = cjson.decode(ARGV[2])
for i = 1, #cams, 2 do redis.call('HSET', KEYS[1], cams[i], cams[i + 1]) end
local beats = cjson.decode(ARGV[3])
for i = 1, #beats, 3 do
  local cur = redis.call('HGET', KEYS[1], beats[i])
  local t = cur and tonumber(string.match(cur, '^(%d+)|'))
  if not t or t < tonumber(beats[i + 1]) then redis.call('HSET', KEYS[1], beats[i], beats[i + 1] .. '|' .. beats[i + 2]) end
end
redis.call('HSET', KEYS[1], '_ready', '1')
redis.call('EXPIRE', KEYS[1], ${BOARD_TTL_S})
return 1`;

/** KEYS board. A camera was added: the cached list is stale, and a rebuild already running must not mark it ready. */
const INVALIDATE_CAMERA_BOARD = `
redis.call('HINCRBY', KEYS[1], '_gen', 1)
redis.call('HDEL', KEYS[1], '_ready')
redis.call('EXPIRE', KEYS[1], ${BOARD_TTL_S})
return 1`;

const SCRIPTS = {
  winkLiveRecord: { numberOfKeys: 4, lua: RECORD },
  winkLiveBeginRebuild: { numberOfKeys: 2, lua: BEGIN_REBUILD },
  winkLiveBeginReconcile: { numberOfKeys: 2, lua: BEGIN_RECONCILE },
  winkLiveFinishRebuild: { numberOfKeys: 5, lua: FINISH_REBUILD },
  winkLiveRead: { numberOfKeys: 3, lua: READ_LIVE },
  winkCameraHeartbeat: { numberOfKeys: 1, lua: RECORD_HEARTBEAT },
  winkCameraBoardFill: { numberOfKeys: 1, lua: FILL_CAMERA_BOARD },
  winkCameraBoardInvalidate: { numberOfKeys: 1, lua: INVALIDATE_CAMERA_BOARD },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type Arg = string | number;

/** The scripts as commands (EVALSHA, falling back to EVAL once after a Redis restart forgot them). */
export interface LiveScripts {
  run<T>(name: ScriptName, ...args: Arg[]): Promise<T>;
  queue(pipe: ChainableCommander, name: ScriptName, ...args: Arg[]): void;
}

export function liveScripts(redis: RedisClient): LiveScripts {
  for (const [name, def] of Object.entries(SCRIPTS)) {
    if (!(name in redis)) redis.defineCommand(name, def);
  }
  type Callable = Record<ScriptName, (...args: Arg[]) => unknown>;
  return {
    run: <T>(name: ScriptName, ...args: Arg[]) => (redis as unknown as Callable)[name](...args) as Promise<T>,
    queue: (pipe, name, ...args) => {
      (pipe as unknown as Callable)[name](...args);
    },
  };
}
