import { MetricSourceError, ScaleTargetError } from '../../domain/errors';
import type { MetricSpec, Policy } from '../../domain/policy';
import type { RedisCommandRunner } from './RedisCommandRunner';

type CountKeysSpec = Extract<MetricSpec, { source: 'redis'; type: 'count_keys' }>;

/**
 * Lua: the keys matching a glob whose string value, or hash `field`, equals one of the wanted
 * values (every match when none is given). The same test as COUNT_KEYS_SCRIPT, returning the
 * keys instead of their count: one round trip however many keys there are.
 *
 * ARGV: [1] glob pattern, [2] hash field or '' for string values, [3..] wanted values.
 */
export const LIST_KEYS_SCRIPT = `
local pattern = ARGV[1]
local field = ARGV[2]
local wanted = {}
local any = #ARGV < 3
for i = 3, #ARGV do wanted[ARGV[i]] = true end
local cursor = '0'
local found = {}
repeat
  local page = redis.call('SCAN', cursor, 'MATCH', pattern, 'COUNT', 1000)
  cursor = page[1]
  for _, key in ipairs(page[2]) do
    local value
    if field == '' then
      value = redis.pcall('GET', key)
    else
      value = redis.pcall('HGET', key, field)
    end
    if type(value) == 'string' and (any or wanted[value]) then
      found[#found + 1] = key
    end
  end
until cursor == '0'
return found
`;

/**
 * The metric that says how many workers of a pool are busy: the `busyMetric` of its first
 * buffer rule, else the observation named `busy`.
 */
export function busyMetricOf(pool: Policy): { name: string; spec: MetricSpec | undefined } {
  const buffer = pool.rules.find((rule) => rule.type === 'buffer');
  const name = buffer && 'busyMetric' in buffer ? buffer.busyMetric : 'busy';
  return { name, spec: pool.metrics[name] };
}

/**
 * The task a busy key names: the part the pattern's single `*` matched (`bot_status:*` and
 * `bot_status:<task id or ARN>`), else the key's last `:`-separated segment.
 */
export function taskFromKey(pattern: string, key: string): string {
  const star = pattern.indexOf('*');
  if (star >= 0 && pattern.indexOf('*', star + 1) < 0 && !/[?[\\]/.test(pattern)) {
    const prefix = pattern.slice(0, star);
    const suffix = pattern.slice(star + 1);
    if (key.startsWith(prefix) && key.endsWith(suffix) && key.length > prefix.length + suffix.length) {
      return key.slice(prefix.length, key.length - suffix.length);
    }
  }
  return key.slice(key.lastIndexOf(':') + 1);
}

/**
 * The `busyTasks` provider of EcsScaleTarget for pools with `target.protectBusyTasks`: the
 * pool's busy metric must be a Redis `count_keys` whose keys name the task (`bot_status:<task
 * id>` = `ACTIVE`); the keys it counts as busy are the tasks to protect. Anything else cannot
 * say which tasks are busy: a non-retryable ScaleTargetError says so, and EcsScaleTarget refuses
 * the scale-in. A Redis failure is a MetricSourceError (worth another try next tick).
 *
 * @example
 * new EcsScaleTarget({ busyTasks: redisBusyTasks(ioredisRunner('redis://cache:6379')) });
 */
export function redisBusyTasks(runner: RedisCommandRunner | undefined): (pool: Policy) => Promise<string[]> {
  return async (pool) => {
    const { name, spec } = busyMetricOf(pool);
    if (!spec || spec.source !== 'redis' || spec.type !== 'count_keys') {
      const found = spec ? `${spec.source}${'type' in spec ? ` ${String(spec.type)}` : ''}` : 'not defined';
      throw new ScaleTargetError(
        `protectBusyTasks needs the busy metric "${name}" of pool "${pool.id}" to be a redis count_keys whose keys name the tasks (it is ${found}): scale-in refused`,
        false,
      );
    }
    if (!runner) {
      throw new ScaleTargetError(
        `protectBusyTasks of pool "${pool.id}" reads its busy tasks from Redis, and no Redis is configured (REDIS_URL, REDIS_SECRET_ARN, ...): scale-in refused`,
        false,
      );
    }
    const keys = await listBusyKeys(runner, spec);
    return keys.map((key) => taskFromKey(spec.pattern, key));
  };
}

async function listBusyKeys(runner: RedisCommandRunner, spec: CountKeysSpec): Promise<string[]> {
  const wanted = spec.equals === undefined ? [] : Array.isArray(spec.equals) ? spec.equals : [spec.equals];
  const [reply] = await runner.pipeline([['EVAL', LIST_KEYS_SCRIPT, 0, spec.pattern, spec.field ?? '', ...wanted]]);
  if (!reply || reply.error !== undefined) {
    throw new MetricSourceError(`Redis could not list the busy keys ${spec.pattern}: ${reply?.error ?? 'no reply'}`);
  }
  if (!Array.isArray(reply.result)) throw new MetricSourceError(`Redis answered ${typeof reply.result} for the busy keys ${spec.pattern}`);
  return reply.result.map(String);
}
