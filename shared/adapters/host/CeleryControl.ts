/**
 * Celery's remote control ("pidbox") spoken directly over its Redis broker, as `celery
 * inspect` / `celery control` do through kombu (kombu 5.2, Celery 5.2):
 *
 * - a command is a kombu message PUBLISHed on the fanout channel `/<db>.celery.pidbox`, its
 *   body (base64 JSON) `{ method, arguments, destination: [node names], ticket, reply_to }`;
 * - each addressed worker answers by LPUSHing `{ <node>: <result> }` on the reply queue bound
 *   to the `reply.celery.pidbox` exchange under our routing key (the binding is a member of
 *   the set `_kombu.binding.reply.celery.pidbox`: `<key>\x06\x16\x06\x16<queue>`).
 *
 * Why not run `python -m celery -A app inspect ...`: each call costs a Python start and an app
 * import (~0.5 s of CPU here), every interval and every drain poll; the protocol is four Redis
 * commands. The agent reads the backlog from the same Redis anyway. Other brokers (RabbitMQ)
 * are not supported by this adapter.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MetricSourceError } from '../../domain/errors';
import { connectOnce } from './RedisQueueProbe';

const SEP = '\x06\x16';
const EXCHANGE = 'celery.pidbox';
const REPLY_EXCHANGE = 'reply.celery.pidbox';
const POLL_MS = 20;

/** Tasks a worker holds: running now, and prefetched (received, not started). */
export interface CeleryLoad {
  active: number;
  reserved: number;
  /** The ids of the tasks running (`inspect active`). */
  activeIds: readonly string[];
}

export class CeleryControl {
  private readonly client: Redis;
  private clock = 0;

  constructor(brokerUrl: string) {
    this.client = new Redis(brokerUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    this.client.on('error', () => {});
  }

  /**
   * Sends `method` to the worker nodes `destination` and collects their answers until every
   * one has answered or `timeoutMs` passed. Nodes that did not answer are absent.
   */
  async broadcast<T>(method: string, args: Record<string, unknown>, destination: readonly string[], timeoutMs = 1_000): Promise<Map<string, T>> {
    const replies = new Map<string, T>();
    if (destination.length === 0) return replies;
    await connectOnce(this.client);
    const routingKey = randomUUID();
    const queue = `${routingKey}.${REPLY_EXCHANGE}`;
    const binding = `${routingKey}${SEP}${SEP}${queue}`;
    const ticket = randomUUID();
    const body = { method, arguments: args, destination, pattern: null, matcher: null, ticket, reply_to: { exchange: REPLY_EXCHANGE, routing_key: routingKey } };
    const message = {
      body: Buffer.from(JSON.stringify(body)).toString('base64'),
      'content-encoding': 'utf-8',
      'content-type': 'application/json',
      headers: { clock: ++this.clock, expires: Date.now() / 1000 + timeoutMs / 1000 },
      properties: { delivery_mode: 2, delivery_info: { exchange: EXCHANGE, routing_key: '' }, priority: 0, body_encoding: 'base64', delivery_tag: randomUUID() },
    };
    const db = this.client.options.db ?? 0;
    try {
      await this.client.sadd(`_kombu.binding.${REPLY_EXCHANGE}`, binding);
      await this.client.publish(`/${db}.${EXCHANGE}`, JSON.stringify(message));
      const deadline = Date.now() + timeoutMs;
      while (replies.size < destination.length && Date.now() < deadline) {
        const raw = await this.client.rpop(queue);
        if (raw === null) {
          await new Promise((resolve) => setTimeout(resolve, POLL_MS));
          continue;
        }
        const reply = parseReply<T>(raw, ticket);
        for (const [node, result] of reply) replies.set(node, result);
      }
      return replies;
    } catch (error) {
      throw new MetricSourceError(`Celery remote control (${method}) failed: ${(error as Error).message}`, { cause: error });
    } finally {
      await this.client.multi().srem(`_kombu.binding.${REPLY_EXCHANGE}`, binding).del(queue).exec().catch(() => undefined);
    }
  }

  /**
   * Active and reserved task counts per node; nodes that did not answer are absent. `reserved`
   * is asked first and `active` after its answers, never both at once: a task only moves from
   * reserved to active (to done), so a task moving between the two questions is seen by one of
   * them. Asked together, a worker could answer `active` before a reserved task started and
   * `reserved` after: the task in neither, and a drain would call a busy worker idle.
   */
  async loads(nodes: readonly string[], timeoutMs = 1_000): Promise<Map<string, CeleryLoad>> {
    const reserved = await this.broadcast<unknown[]>('reserved', {}, nodes, timeoutMs);
    const active = await this.broadcast<unknown[]>('active', {}, [...reserved.keys()], timeoutMs);
    const loads = new Map<string, CeleryLoad>();
    for (const node of nodes) {
      const a = active.get(node);
      const r = reserved.get(node);
      if (Array.isArray(a) && Array.isArray(r)) {
        const activeIds = a.flatMap((task) => (typeof (task as { id?: unknown })?.id === 'string' ? [(task as { id: string }).id] : []));
        loads.set(node, { active: a.length, reserved: r.length, activeIds });
      }
    }
    return loads;
  }

  /** Stops `node` consuming from `queue` (it still runs the tasks it holds). True when it confirmed. */
  async cancelConsumer(node: string, queue: string, timeoutMs = 2_000): Promise<boolean> {
    const replies = await this.broadcast<{ ok?: string; error?: string }>('cancel_consumer', { queue }, [node], timeoutMs);
    return replies.get(node)?.ok !== undefined;
  }

  /** The worker's effective configuration (`celery inspect conf`). */
  async conf(node: string, timeoutMs = 2_000): Promise<Record<string, unknown> | undefined> {
    return (await this.broadcast<Record<string, unknown>>('conf', { with_defaults: false }, [node], timeoutMs)).get(node);
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

function parseReply<T>(raw: string, ticket: string): Map<string, T> {
  try {
    const message = JSON.parse(raw) as { body: string; headers?: { ticket?: string }; properties?: { body_encoding?: string } };
    if (message.headers?.ticket !== undefined && message.headers.ticket !== ticket) return new Map();
    const text = message.properties?.body_encoding === 'base64' ? Buffer.from(message.body, 'base64').toString('utf8') : message.body;
    return new Map(Object.entries(JSON.parse(text) as Record<string, T>));
  } catch {
    return new Map();
  }
}
