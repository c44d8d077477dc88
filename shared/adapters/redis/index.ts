export { COUNT_KEYS_SCRIPT } from './countKeysScript';
export { redisConfigFromEnv, redisRunnerFromConfig, type RedisConnectionConfig } from './fromEnv';
export { ioredisRunner, type IoredisRunnerOptions } from './ioredisRunner';
export type { RedisCommand, RedisCommandRunner, RedisReply } from './RedisCommandRunner';
export { commandFor, RedisMetricSource, type RedisMetricStats } from './RedisMetricSource';
export { upstashRunner, type UpstashRunnerOptions } from './upstashRunner';
