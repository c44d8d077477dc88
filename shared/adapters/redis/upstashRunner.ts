import { Redis } from '@upstash/redis';
import { MetricSourceError } from '../../domain/errors';
import type { RedisCommand, RedisCommandRunner, RedisReply } from './RedisCommandRunner';

export interface UpstashRunnerOptions {
  /** `UPSTASH_REDIS_REST_URL`, e.g. `https://eu1-xyz.upstash.io`. */
  url: string;
  /** `UPSTASH_REDIS_REST_TOKEN`. */
  token: string;
  /** Per-request timeout (default 2 s). */
  timeoutMs?: number;
  /** Extra attempts after a network error (default 1); HTTP errors are never retried. */
  retries?: number;
}

type UpstashPipeline = ReturnType<Redis['pipeline']>;

/**
 * The commands the metric source sends, mapped onto the typed pipeline of @upstash/redis
 * (it has no public "send this raw command" in a pipeline). Arguments arrive as wire values.
 */
const enqueue: Record<string, (pipeline: UpstashPipeline, args: (string | number)[]) => void> = {
  LLEN: (p, [key]) => p.llen(String(key)),
  GET: (p, [key]) => p.get(String(key)),
  HGET: (p, [key, field]) => p.hget(String(key), String(field)),
  EXISTS: (p, keys) => p.exists(...keys.map(String)),
  EVAL: (p, [script, keyCount, ...rest]) => {
    const count = Number(keyCount);
    p.eval(String(script), rest.slice(0, count).map(String), rest.slice(count).map(String));
  },
  PING: (p) => p.ping(),
};

/**
 * A RedisCommandRunner over the Upstash REST API: one `POST /pipeline` per batch.
 *
 * Automatic deserialization is off (values stay the strings Redis stored), telemetry is off,
 * and every request carries its own timeout signal.
 *
 * @example
 * const runner = upstashRunner({ url: process.env.UPSTASH_REDIS_REST_URL!, token: '...' });
 */
export function upstashRunner(options: UpstashRunnerOptions): RedisCommandRunner {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const redis = new Redis({
    url: options.url,
    token: options.token,
    automaticDeserialization: false,
    enableTelemetry: false,
    readYourWrites: false,
    retry: { retries: options.retries ?? 1, backoff: (attempt) => 100 * 2 ** attempt },
    // A function, not a signal: each request gets a fresh timeout, and the client then throws
    // on abort (with a fixed signal it would fake a 200 reply instead).
    signal: () => AbortSignal.timeout(timeoutMs),
  });
  let closed = false;

  return {
    kind: 'rest',
    async pipeline(commands: readonly RedisCommand[]): Promise<RedisReply[]> {
      if (closed) throw new MetricSourceError('Upstash runner is closed');
      if (commands.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const [name, ...args] of commands) {
        const add = enqueue[String(name).toUpperCase()];
        if (!add) throw new MetricSourceError(`Command ${String(name)} is not supported over Upstash REST`);
        add(pipeline, args);
      }
      let replies: unknown;
      try {
        replies = await pipeline.exec({ keepErrors: true });
      } catch (error) {
        throw new MetricSourceError(`Upstash REST at ${options.url} failed: ${describe(error, timeoutMs)}`, {
          cause: error,
        });
      }
      if (!Array.isArray(replies) || replies.length !== commands.length) {
        throw new MetricSourceError(
          `Upstash REST returned ${Array.isArray(replies) ? replies.length : 'no'} replies for ${commands.length} commands`,
        );
      }
      return (replies as { result?: unknown; error?: string }[]).map(({ result, error }) =>
        error ? { error: String(error) } : { result },
      );
    },
    async close() {
      // Stateless HTTP: nothing to release beyond refusing further use.
      closed = true;
    },
  };
}

/** A short cause: the client appends the whole request body to HTTP errors, drop it. */
function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  let message = (error instanceof Error ? error.message : String(error)).split(', command was:')[0] ?? '';
  // fetch() says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, ...) is its cause.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && cause.message && !message.includes(cause.message)) message += ` (${cause.message})`;
  if (/unauthori[sz]ed|WRONGPASS|invalid token/i.test(message)) {
    return `authorization refused (check the token): ${message}`;
  }
  return message.length > 300 ? `${message.slice(0, 300)}...` : message;
}
