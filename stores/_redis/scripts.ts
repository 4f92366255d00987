/**
 * The Lua scripts of the Redis store. Keys come only as KEYS and values only as ARGV, never
 * spliced into a script's text, so no topic name can change what a script does.
 * @module
 */

/**
 * Appends an entry unless the stream already ends with an end or fail entry, and trims.
 * One script, so Redis runs it whole: of two instances that end a topic at once, the
 * second sees the first's mark and gets its id; no event can land after a mark.
 *
 * An end or fail mark does not count toward MAXLEN (nothing is appended after it, so the
 * stream's events stay the `events` newest).
 *
 * KEYS[1]: the stream. ARGV: the entry's fields (`k` first) after four values: MAXLEN
 * (`""`: none), `ms` (`""`: none), the expiry of an ended topic (ms, when `ms` is not set), and the field count.
 * Replies `{1, id}` when appended, `{0, id of the mark}` when the topic had ended.
 */
export const APPEND = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1]
if last and last[2][1] == 'k' and last[2][2] ~= 'event' then
  return {0, last[1]}
end
local xadd = {'XADD', KEYS[1]}
if ARGV[1] ~= '' and ARGV[6] == 'event' then
  table.insert(xadd, 'MAXLEN')
  table.insert(xadd, '=')
  table.insert(xadd, ARGV[1])
end
table.insert(xadd, '*')
for i = 5, 4 + tonumber(ARGV[4]) do table.insert(xadd, ARGV[i]) end
local id = redis.call(unpack(xadd))
if ARGV[2] ~= '' then
  local now = redis.call('TIME')
  local oldest = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[2])
  redis.call('XTRIM', KEYS[1], 'MINID', string.format('%.0f', oldest))
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
if ARGV[6] ~= 'event' and ARGV[2] == '' then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1, id}
`;

/** Renews a run's claim if this process still holds it. KEYS[1]: the claim. ARGV: token, ms. Replies 1, or 0 if lost. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

/** Lets go of a run's claim if this process still holds it. KEYS[1]: the claim. ARGV: token. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
