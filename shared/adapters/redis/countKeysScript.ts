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
