import { hostname } from 'node:os';
import { CeleryControl, type CeleryLoad } from '../../adapters/host/CeleryControl';
import { RedisQueueProbe } from '../../adapters/host/RedisQueueProbe';
import type { AgentLogger } from './Supervisor';
import type { WorkerTasks } from './WorkerTasks';

/** Celery's node name of the agent's worker `name` (`celery worker -n`): how it is addressed. */
export const celeryNodeName = (name: string, host: string = hostname()) => `${name}@${host}`;

/** Celery's default for the Redis transport's `visibility_timeout`, in seconds. */
const DEFAULT_VISIBILITY_TIMEOUT_S = 3600;

export interface CeleryTasksOptions {
  pool: string;
  brokerUrl: string;
  queues: readonly string[];
  gracePeriodMs: number;
  logger: AgentLogger;
  /** Worker name -> node name; default `celeryNodeName`. */
  nodeOf?: (name: string) => string;
}

/**
 * kombu's Redis transport polls with `BRPOP <queues> 1` (a 1 s timeout). A poll sent before
 * cancel_consumer can still pop a message after it: kombu then rejects it back to the queue, but
 * only if the worker reads the answer. kombu 5.2 (Debian's, with Celery 5.2) closes the
 * connection at warm shutdown without reading a pending poll (fixed in kombu 5.3, celery/kombu
 * PR #1733), and a message popped then is lost. So a drained worker gets SIGTERM no sooner than
 * this after its consumer was cancelled: every poll sent before has been answered and read.
 */
const BRPOP_SETTLE_MS = 2_000;

/** WorkerTasks for a Celery pool on a Redis broker: remote control (pidbox) and the queues' lists. */
export class CeleryTasks implements WorkerTasks {
  readonly settleMs = BRPOP_SETTLE_MS;
  private readonly control: CeleryControl;
  private readonly probe: RedisQueueProbe;
  private readonly nodeOf: (name: string) => string;
  private loads = new Map<string, CeleryLoad>();
  private servingBusy?: number;
  private lastBacklog?: number;
  private confChecked = false;

  constructor(private readonly options: CeleryTasksOptions) {
    this.control = new CeleryControl(options.brokerUrl);
    this.probe = new RedisQueueProbe(options.brokerUrl);
    this.nodeOf = options.nodeOf ?? ((name) => celeryNodeName(name));
  }

  async refresh(names: readonly string[], serving: readonly string[] = names): Promise<void> {
    const nodes = names.map(this.nodeOf);
    const loads = await this.control.loads(nodes).catch((error: unknown) => {
      this.options.logger.warn('celery workers did not answer', { pool: this.options.pool, error: (error as Error).message });
      return new Map<string, CeleryLoad>();
    });
    // Read after the workers answered: a task they report running is not backlog, even where
    // acks_late keeps it in the unacked hash until it ends.
    const running = new Set([...loads.values()].flatMap((load) => load.activeIds));
    const backlog = await this.probe.celeryBacklog(this.options.queues, running).catch((error: unknown) => {
      this.options.logger.warn('celery backlog unavailable', { pool: this.options.pool, error: (error as Error).message });
      return undefined;
    });
    this.loads = new Map(names.flatMap((name) => (loads.has(this.nodeOf(name)) ? [[name, loads.get(this.nodeOf(name))!] as const] : [])));
    const servingLoads = serving.flatMap((name) => this.loads.get(name) ?? []);
    // Unknown (not 0) when no serving worker answered: a pool of silent workers is not idle.
    this.servingBusy = servingLoads.length > 0 || serving.length === 0 ? servingLoads.reduce((sum, load) => sum + load.active, 0) : undefined;
    this.lastBacklog = backlog;
    const answered = serving.find((name) => this.loads.has(name)) ?? names.find((name) => this.loads.has(name));
    if (!this.confChecked && answered) {
      this.confChecked = true;
      await this.checkConf(this.nodeOf(answered));
    }
  }

  load(name: string): CeleryLoad | undefined {
    return this.loads.get(name);
  }

  async loadNow(name: string): Promise<CeleryLoad | undefined> {
    return (await this.control.loads([this.nodeOf(name)])).get(this.nodeOf(name));
  }

  async stopTaking(name: string): Promise<boolean> {
    const node = this.nodeOf(name);
    const confirmed = await Promise.all(this.options.queues.map((queue) => this.control.cancelConsumer(node, queue)));
    if (!confirmed.every(Boolean)) return false;
    // cancel_consumer is applied by the worker's event loop after it answered: confirmed only
    // once none of the pool's queues is listed among the ones it consumes.
    const active = (await this.control.broadcast<{ name?: string }[]>('active_queues', {}, [node])).get(node);
    return Array.isArray(active) && !active.some((queue) => queue.name !== undefined && this.options.queues.includes(queue.name));
  }

  busy(): number | undefined {
    return this.servingBusy;
  }

  backlog(): number | undefined {
    return this.lastBacklog;
  }

  /**
   * Warns once, from a worker's own settings, when the grace period and the broker's
   * visibility timeout make a lost or a repeated task likely.
   */
  private async checkConf(node: string): Promise<void> {
    const conf = await this.control.conf(node).catch(() => undefined);
    if (!conf) return;
    const transport = (conf.broker_transport_options ?? {}) as { visibility_timeout?: number };
    const visibilityMs = (transport.visibility_timeout ?? DEFAULT_VISIBILITY_TIMEOUT_S) * 1000;
    const acksLate = conf.task_acks_late === true;
    const grace = this.options.gracePeriodMs;
    const figures = { pool: this.options.pool, gracePeriodS: grace / 1000, visibilityTimeoutS: visibilityMs / 1000, acksLate };
    if (grace >= visibilityMs) {
      this.options.logger.warn(
        'gracePeriod is not below the broker visibility_timeout: a task still draining when the visibility timeout passes is delivered again to another worker and runs twice; set broker_transport_options.visibility_timeout well above gracePeriod (and above the longest task)',
        figures,
      );
    } else if (acksLate && visibilityMs < 2 * grace) {
      this.options.logger.warn(
        'visibility_timeout is close to gracePeriod: with task_acks_late a task running longer than visibility_timeout is redelivered while it still runs; raise visibility_timeout above the longest task',
        figures,
      );
    }
    if (!acksLate) {
      this.options.logger.info('task_acks_late is off: a task still running when the grace period ends is killed and lost (with acks_late on it is redelivered after visibility_timeout)', figures);
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.control.close(), this.probe.close()]);
  }
}
