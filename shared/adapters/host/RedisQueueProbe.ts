import { Redis } from 'ioredis';
import { MetricSourceError } from '../../domain/errors';

/** Lengths of Redis lists, in one pipeline: the agent's `queue_length` and `busy` per pool. */
export class RedisQueueProbe {
  private readonly client: Redis;

  constructor(url: string) {
    // No offline queue and one retry: a down Redis must fail this interval fast, not stall it.
    this.client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    this.client.on('error', () => {});
  }

  async lengths(keys: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (keys.length === 0) return result;
    try {
      await connectOnce(this.client);
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.llen(key);
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, value], index) => {
        if (!error && typeof value === 'number') result.set(keys[index]!, value);
      });
      return result;
    } catch (error) {
      throw new MetricSourceError(`Redis queue lengths unavailable: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Celery's backlog on a Redis broker for a pool's queues: tasks ready (each queue's list and
   * its priority sub-lists `<queue>\x06\x16<N>`, kombu's `sep`, N = 1..9 to cover custom
   * `priority_steps`) plus tasks delivered to a worker but not acknowledged (the `unacked`
   * hash), counted by their routing key. With `task_acks_late` the unacked hash holds the
   * running tasks as well as the prefetched ones: those whose id is in `running` (what the
   * pool's workers report running) are left out, so the backlog is ready + prefetched whatever
   * the setting. (Tasks running with acks_late on workers the agent does not inspect, other
   * hosts', still count.)
   */
  async celeryBacklog(queues: readonly string[], running: ReadonlySet<string> = new Set()): Promise<number> {
    try {
      await connectOnce(this.client);
      const pipeline = this.client.pipeline();
      for (const queue of queues) {
        pipeline.llen(queue);
        for (let priority = 1; priority <= 9; priority++) pipeline.llen(`${queue}${CELERY_PRIORITY_SEP}${priority}`);
      }
      pipeline.hvals(CELERY_UNACKED_KEY);
      const replies = (await pipeline.exec()) ?? [];
      let total = 0;
      for (const [error, value] of replies) {
        if (error) throw error;
        if (typeof value === 'number') total += value;
      }
      const unacked = replies.at(-1)?.[1];
      const wanted = new Set(queues);
      for (const entry of Array.isArray(unacked) ? (unacked as string[]) : []) {
        const { queue, taskId } = unackedEntry(entry);
        if (wanted.has(queue ?? '') && !(taskId !== undefined && running.has(taskId))) total++;
      }
      return total;
    } catch (error) {
      throw new MetricSourceError(`Celery backlog unavailable: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

/** kombu's Redis transport: priority lists are `<queue><sep><priority>`. */
export const CELERY_PRIORITY_SEP = '\x06\x16';
/** kombu's Redis transport `unacked_key`: delivery tag -> JSON [message, exchange, routing key]. */
export const CELERY_UNACKED_KEY = 'unacked';

/**
 * The queue an `unacked` entry was taken from (its routing key: Celery routes by queue name) and
 * its task id (Celery's message protocol 2: `headers.id`; also the `correlation_id`).
 */
function unackedEntry(entry: string): { queue?: string; taskId?: string } {
  try {
    const [message, exchange, routingKey] = JSON.parse(entry) as [
      { headers?: { id?: unknown }; properties?: { correlation_id?: unknown; delivery_info?: { routing_key?: string } } },
      string,
      string,
    ];
    const queue = routingKey || message?.properties?.delivery_info?.routing_key || exchange;
    const id = message?.headers?.id ?? message?.properties?.correlation_id;
    return { ...(queue ? { queue } : {}), ...(typeof id === 'string' ? { taskId: id } : {}) };
  } catch {
    return {};
  }
}

const connecting = new WeakMap<Redis, Promise<void>>();

/**
 * Connects a lazy client (no offline queue) once: concurrent callers wait for the same
 * attempt instead of sending on a socket that is still connecting.
 */
export async function connectOnce(client: Redis): Promise<void> {
  if (client.status === 'ready') return;
  let attempt = connecting.get(client);
  if (!attempt) {
    attempt = (
      client.status === 'wait' || client.status === 'end'
        ? client.connect()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error(`Redis not ready (${client.status})`)), 3_000);
            client.once('ready', () => {
              clearTimeout(timer);
              resolve();
            });
          })
    ).finally(() => connecting.delete(client));
    connecting.set(client, attempt);
  }
  await attempt;
}
