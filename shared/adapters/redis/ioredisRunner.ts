import { Redis } from 'ioredis';
import { MetricSourceError } from '../../domain/errors';
import type { RedisCommand, RedisCommandRunner, RedisReply } from './RedisCommandRunner';

/** Messages ioredis gives each command of a batch when the connection itself is gone. */
const CONNECTION_LOST = /Stream isn't writeable|Connection is closed/i;

export interface IoredisRunnerOptions {
  /** Connect and per-command timeout (default 2 s): a tick must not hang on a dead Redis. */
  timeoutMs?: number;
}

/**
 * A RedisCommandRunner over a `redis://` or `rediss://` URL (ioredis).
 *
 * The offline queue is off so that while Redis is down a pipeline fails at once with the last
 * connection error, instead of waiting for a reconnect that may never come.
 *
 * @example
 * const runner = ioredisRunner('redis://127.0.0.1:6379');
 * const replies = await runner.pipeline([['LLEN', 'celery']]);
 */
export function ioredisRunner(url: string, options: IoredisRunnerOptions = {}): RedisCommandRunner {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    // Keep reconnecting in the background (a warm Lambda outlives a Redis restart), but slowly.
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let lastError: Error | undefined;
  // Without a listener ioredis prints every connection error; we report them through replies.
  client.on('error', (error: Error) => {
    lastError = error;
  });
  client.on('ready', () => {
    lastError = undefined;
  });
  let connecting: Promise<void> | undefined;
  let closed = false;

  const ensureConnected = async () => {
    if (client.status === 'ready') return;
    if (client.status === 'wait' || client.status === 'end') {
      connecting ??= client.connect().finally(() => {
        connecting = undefined;
      });
    }
    if (connecting) await connecting;
  };

  const unavailable = (error: unknown) => {
    const cause = lastError ?? error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new MetricSourceError(`Redis at ${redact(url)} is unavailable: ${detail}`, { cause });
  };

  return {
    kind: 'tcp',
    async pipeline(commands: readonly RedisCommand[]): Promise<RedisReply[]> {
      if (closed) throw new MetricSourceError('Redis runner is closed');
      if (commands.length === 0) return [];
      try {
        await ensureConnected();
      } catch (error) {
        throw unavailable(error);
      }
      if (client.status !== 'ready') {
        throw unavailable(new Error(`connection lost (${client.status}), commands are not queued while it is down`));
      }
      const batch = client.pipeline();
      for (const [name, ...args] of commands) batch.call(String(name), args);
      let replies: [Error | null, unknown][] | null;
      try {
        replies = await batch.exec();
      } catch (error) {
        throw unavailable(error);
      }
      if (replies === null || replies.length !== commands.length) {
        throw new MetricSourceError(`Redis returned ${replies?.length ?? 0} replies for ${commands.length} commands`);
      }
      // The connection can drop between the status check and the write: ioredis then fails each
      // command of the batch with a stream error. That is the source being down, not a bad command.
      const lost = replies.find(([error]) => error && CONNECTION_LOST.test(error.message));
      if (lost) throw unavailable(lost[0]);
      return replies.map(([error, result]) => (error ? { error: error.message } : { result }));
    },
    async close() {
      closed = true;
      try {
        await client.quit();
      } catch {
        // quit() fails when the connection is already down; disconnect() always works.
      }
      client.disconnect();
    },
  };
}

/** Hides the password of `redis://user:password@host` in messages. */
function redact(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}
