/**
 * Lua for `count_keys`: SCANs the pattern server-side (1,000 keys per step) and counts keys
 * whose string value, or hash `field`, equals one of the wanted values; every match when none
 * is given. Running it inside Redis keeps a tick to one round trip however many keys match.
 *
 * ARGV: [1] glob pattern, [2] hash field or '' for string values, [3..] wanted values.
 * Keys of another type (WRONGTYPE) are skipped, not fatal: one stray key must not hide a pool.
 * Not cluster-safe (keys are not declared); poolscale targets single-node Redis and Upstash.
 */
export const COUNT_KEYS_SCRIPT = `
local pattern = ARGV[1]
local field = ARGV[2]
local wanted = {}
local any = #ARGV < 3
for i = 3, #ARGV do wanted[ARGV[i]] = true end
local cursor = '0'
local count = 0
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    if any and field == '' then
      count = count + 1
    else
      local value
      if field == '' then
        value = redis.pcall('GET', key)
      else
        value = redis.pcall('HGET', key, field)
      end
      if type(value) == 'string' and (any or wanted[value]) then
        count = count + 1
      end
    end
  end
until cursor == '0'
return count
`;

/**
 * Lua for many `count_keys` questions at once: ONE SCAN of the keys matching `ARGV[1]` (the
 * patterns' common literal prefix, so Redis filters in C), each key tested against every
 * question's Lua pattern (see globToLuaPattern), a key's value fetched at most once per field.
 * Per-question SCANs each walk the whole keyspace; this walks it once per tick.
 *
 * ARGV: [1] SCAN MATCH glob, [2] number of questions, then per question: Lua pattern,
 * hash field or '', number of wanted values, the wanted values. Returns one count per question.
 */
export const COUNT_KEYS_BATCH_SCRIPT = `
local match = ARGV[1]
local total = tonumber(ARGV[2])
local questions = {}
local at = 3
for n = 1, total do
  local wantedCount = tonumber(ARGV[at + 2])
  local wanted = {}
  for w = 1, wantedCount do wanted[ARGV[at + 2 + w]] = true end
  questions[n] = { pattern = ARGV[at], field = ARGV[at + 1], any = wantedCount == 0, wanted = wanted }
  at = at + 3 + wantedCount
end
local counts = {}
for n = 1, total do counts[n] = 0 end
local cursor = '0'
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', match, 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    local values = {}
    for n = 1, total do
      local question = questions[n]
      if string.find(key, question.pattern) then
        if question.any and question.field == '' then
          counts[n] = counts[n] + 1
        else
          local value = values[question.field]
          if value == nil then
            if question.field == '' then
              value = redis.pcall('GET', key)
            else
              value = redis.pcall('HGET', key, question.field)
            end
            if type(value) ~= 'string' then value = false end
            values[question.field] = value
          end
          if value and (question.any or question.wanted[value]) then
            counts[n] = counts[n] + 1
          end
        end
      end
    end
  end
until cursor == '0'
return counts
`;
