/** One Redis command as sent on the wire, e.g. `['LLEN', 'celery']`. */
export type RedisCommand = readonly (string | number)[];

/** The reply to one command of a pipeline: a result, or the server's error for that command. */
export interface RedisReply {
  result?: unknown;
  error?: string;
}

/**
 * The narrowest client the Redis metric source needs: send a batch of commands in ONE round
 * trip and get one reply per command, in order. Implemented over ioredis (TCP) and
 * @upstash/redis (REST), so the metric logic is the same for both.
 *
 * `pipeline` rejects only when the batch as a whole could not be exchanged (connection refused,
 * timeout, HTTP 401/5xx); a command the server refused is an `error` in its reply.
 */
export interface RedisCommandRunner {
  /** `tcp` (redis:// via ioredis) or `rest` (Upstash REST). */
  readonly kind: 'tcp' | 'rest';
  pipeline(commands: readonly RedisCommand[]): Promise<RedisReply[]>;
  /** Releases the connection; the runner is not used afterwards. */
  close(): Promise<void>;
}
