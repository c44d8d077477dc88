import { MetricSourceError } from '../../domain/errors';
import type { RedisCommand, RedisCommandRunner, RedisReply } from './RedisCommandRunner';

/**
 * Where Redis is: a `redis://`/`rediss://` URL (TCP), or an Upstash REST URL and token.
 * This is also the shape of the JSON secret behind `REDIS_SECRET_ARN`.
 */
export interface RedisConnectionConfig {
  url?: string;
  restUrl?: string;
  token?: string;
  timeoutMs?: number;
}

/**
 * Chooses the client: `redis://`/`rediss://` -> ioredis; an http(s) REST URL with a token ->
 * @upstash/redis. Throws MetricSourceError when neither is usable (nothing can be attempted).
 *
 * The driver is imported on the first command (a dynamic import), so a process loads only the
 * one its configuration names, and only once a pool reads Redis: the Lambda bundles keep each
 * driver in its own chunk (see infra/bundling).
 *
 * @example
 * redisRunnerFromConfig({ url: 'redis://localhost:6379' }).kind // 'tcp'
 */
export function redisRunnerFromConfig(config: RedisConnectionConfig): RedisCommandRunner {
  const { url, token, timeoutMs } = config;
  if (url && /^rediss?:\/\//i.test(url)) {
    return lazyRunner('tcp', async () => (await import('./ioredisRunner')).ioredisRunner(url, { timeoutMs }));
  }
  // An Upstash URL passed as `url` (as UPSTASH_REDIS_REST_URL often is) is accepted too.
  const restUrl = config.restUrl ?? (url && /^https?:\/\//i.test(url) ? url : undefined);
  if (restUrl) {
    if (!/^https?:\/\//i.test(restUrl)) {
      throw new MetricSourceError(`Expected the Upstash REST URL to start with https:// (got ${restUrl})`);
    }
    if (!token) throw new MetricSourceError(`Upstash REST URL ${restUrl} is set but its token is missing`);
    return lazyRunner('rest', async () => (await import('./upstashRunner')).upstashRunner({ url: restUrl, token, timeoutMs }));
  }
  if (url) throw new MetricSourceError(`Expected a redis://, rediss:// or https:// URL (got ${url.split('@').pop()})`);
  throw new MetricSourceError('No Redis configured: set REDIS_URL, or UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN');
}

/**
 * Reads `REDIS_URL`, or `UPSTASH_REDIS_REST_URL` + `UPSTASH_REDIS_REST_TOKEN`; undefined when
 * neither is set (`REDIS_SECRET_ARN` is resolved by the composition root, which then passes the
 * parsed secret to `redisRunnerFromConfig`).
 */
export function redisConfigFromEnv(env: Record<string, string | undefined>): RedisConnectionConfig | undefined {
  if (env.REDIS_URL) return { url: env.REDIS_URL };
  if (env.UPSTASH_REDIS_REST_URL) return { restUrl: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN };
  return undefined;
}

/** A runner whose driver is loaded and connected by the first pipeline, never before. */
function lazyRunner(kind: RedisCommandRunner['kind'], load: () => Promise<RedisCommandRunner>): RedisCommandRunner {
  let runner: Promise<RedisCommandRunner> | undefined;
  let closed = false;
  const loaded = () =>
    (runner ??= load().catch((error: unknown) => {
      runner = undefined;
      throw new MetricSourceError(`The ${kind === 'tcp' ? 'redis:// (ioredis)' : 'Upstash REST'} client could not be loaded`, { cause: error });
    }));
  return {
    kind,
    async pipeline(commands: readonly RedisCommand[]): Promise<RedisReply[]> {
      if (closed) throw new MetricSourceError('Redis runner is closed');
      if (commands.length === 0) return [];
      return (await loaded()).pipeline(commands);
    },
    async close() {
      closed = true;
      const open = await runner?.catch(() => undefined);
      await open?.close();
    },
  };
}
