import { isSameProcess, type ProcReader } from '../../adapters/host/procfs';
import { killLeftovers, signalGroup, signalProcess, spawnDetached, type SpawnRequest, type SpawnedProcess } from '../../adapters/host/processes';
import type { HostSample } from '../hostMetrics';
import type { AgentLogger, PoolFigures, SavedPool, Supervisor, WorkerInfo } from './Supervisor';
import type { WorkerTasks } from './WorkerTasks';
import { humanCompared } from '../../domain/humanFormat';

export interface ProcessPoolOptions {
  pool: string;
  kind: string;
  /** The process to start for the worker called `name`. */
  commandFor(name: string): SpawnRequest;
  gracePeriodMs: number;
  /** A worker whose process tree holds more than this is recycled (drained, stopped, replaced). */
  memoryLimitGb?: number;
  /**
   * The workers' own protocol (Celery): scale-in picks the worker with the fewest tasks and
   * drains it (stops it taking tasks, waits for the ones it holds) before SIGTERM to its main
   * process only. Without it: the lowest CPU share, SIGTERM to the worker's process group.
   */
  tasks?: WorkerTasks;
  /** Who gets the stopping SIGTERM: the process group (default) or the main process alone (Celery). */
  terminate?: 'process' | 'group';
  reader: ProcReader;
  logger: AgentLogger;
  spawn?: (request: SpawnRequest) => SpawnedProcess;
  /** Signals a worker's main process alone, or its whole process group. */
  signal?: (pid: number, signal: NodeJS.Signals, scope: 'process' | 'group') => boolean;
  /** After a worker's main process exited: kill what it left behind (group, marked descendants). */
  leftovers?: (pid: number, mark: string | undefined) => number[];
}

interface Tracked extends WorkerInfo {
  /** The whole stop (drain and warm shutdown) ends here: SIGKILL to the group. */
  stopDeadline?: number;
  killed?: boolean;
  /** SIGTERM sent (after the drain, for a worker kind with tasks). */
  terminated?: boolean;
  /** Stopped on purpose (scale-in, memory recycle): its exit is not a crash. */
  expected?: boolean;
}

/** A worker that lived this long before dying resets the crash backoff. */
const HEALTHY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 60_000;
const POLL_MS = 100;
const DRAIN_POLL_MS = 500;
/** Of the grace period, the end kept for the warm shutdown after SIGTERM (at most 10 s). */
const WARM_SHUTDOWN_SHARE = 1 / 3;
const WARM_SHUTDOWN_MAX_MS = 10_000;

const defaultSignal = (pid: number, signal: NodeJS.Signals, scope: 'process' | 'group') =>
  scope === 'group' ? signalGroup(pid, signal) : signalProcess(pid, signal);

/** One OS process per worker: the `command` and `celery` pool kinds. */
export class ProcessPoolSupervisor implements Supervisor {
  readonly pool: string;
  readonly kind: string;
  private tracked: Tracked[] = [];
  private crashes = 0;
  private nextSpawnAt = 0;
  private readonly drains = new Set<Promise<void>>();
  /** The agent is exiting and leaves its workers running: drains in flight stop where they are. */
  private closed = false;

  constructor(private readonly options: ProcessPoolOptions) {
    this.pool = options.pool;
    this.kind = options.kind;
  }

  adopt(saved: SavedPool | undefined, now: number): void {
    for (const worker of saved?.workers ?? []) {
      if (!isSameProcess(this.options.reader, worker.pid, worker.startTime)) {
        this.options.logger.info('previous worker is gone; not adopted', { pool: this.pool, worker: worker.name, pid: worker.pid });
        if (worker.mark) this.cleanUp(worker.pid, worker.mark, worker.name);
        continue;
      }
      const adopted: Tracked = { ...worker, rssGb: 0, cpu: 0 };
      this.tracked.push(adopted);
      this.options.logger.info('adopted worker', { pool: this.pool, worker: worker.name, pid: worker.pid, state: worker.state });
      // A worker the previous run was stopping keeps stopping, with a fresh grace period: drained
      // again (cancel_consumer is idempotent); a plain worker already had its SIGTERM (a second
      // one may cut its warm shutdown short).
      if (worker.state === 'stopping') {
        if (this.options.tasks) this.stop(adopted, now, 'was stopping when the previous agent exited');
        else Object.assign(adopted, { stopDeadline: now + this.options.gracePeriodMs, expected: true, terminated: true });
      }
    }
  }

  pids(): number[] {
    return this.tracked.map((worker) => worker.pid);
  }

  running(): number {
    return this.tracked.filter((worker) => worker.state === 'running').length;
  }

  workers(): WorkerInfo[] {
    return this.tracked.map(({ name, pid, startTime, startedAt, state, rssGb, cpu, mark }) => {
      const load = this.options.tasks?.load(name);
      return { name, pid, startTime, startedAt, state, rssGb, cpu, ...(mark ? { mark } : {}), ...(load ? { tasks: load.active, reserved: load.reserved } : {}) };
    });
  }

  save(): SavedPool {
    return { workers: this.tracked.map(({ name, pid, startTime, startedAt, state, mark }) => ({ name, pid, startTime, startedAt, state, ...(mark ? { mark } : {}) })) };
  }

  async refresh(): Promise<void> {
    if (!this.options.tasks) return;
    // Draining workers are read too (their tasks stay visible until they stop); only the
    // serving ones make the pool's busy figure.
    await this.options.tasks.refresh(
      this.tracked.map((worker) => worker.name),
      this.tracked.filter((worker) => worker.state === 'running').map((worker) => worker.name),
    );
  }

  figures(): PoolFigures {
    const tasks = this.options.tasks;
    if (!tasks) return {};
    const busy = tasks.busy();
    const backlog = tasks.backlog();
    return { ...(busy !== undefined ? { busy } : {}), ...(backlog !== undefined ? { queueLength: backlog } : {}) };
  }

  reconcile(desired: number, sample: HostSample | undefined, now: number, limit = Number.POSITIVE_INFINITY): void {
    this.reap(now);
    if (sample) this.applySample(sample, now);
    const running = this.tracked.filter((worker) => worker.state === 'running');
    if (running.length < desired) {
      if (now < this.nextSpawnAt) return;
      // Draining workers still hold their memory: they count against the host-side cap.
      const room = Math.max(0, limit - this.tracked.length);
      const starts = Math.min(desired - running.length, room);
      for (let i = 0; i < starts; i++) this.start(now);
    } else if (running.length > desired) {
      for (const worker of this.idleFirst(running).slice(0, running.length - desired)) this.stop(worker, now, 'scale-in');
    }
  }

  /**
   * Idle first. With the workers' own protocol: fewest running tasks, then fewest prefetched
   * (a worker that did not answer counts as busy); otherwise the lowest recent CPU share. Then
   * the newest (least warm state, shortest job history).
   */
  private idleFirst(running: Tracked[]): Tracked[] {
    const tasks = this.options.tasks;
    const key = (worker: Tracked): [number, number] => {
      if (!tasks) return [worker.cpu, 0];
      const load = tasks.load(worker.name);
      return load ? [load.active, load.reserved] : [Number.MAX_SAFE_INTEGER, 0];
    };
    return [...running].sort((a, b) => {
      const [a1, a2] = key(a);
      const [b1, b2] = key(b);
      return a1 - b1 || a2 - b2 || b.startedAt - a.startedAt;
    });
  }

  async stopAll(): Promise<void> {
    const now = Date.now();
    for (const worker of this.tracked) if (worker.state === 'running') this.stop(worker, now, 'shutdown');
    while (this.tracked.length > 0) {
      this.reap(Date.now());
      if (this.tracked.length > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    await Promise.all(this.drains);
  }

  /**
   * Releases the protocol's connections. A drain still in flight is abandoned, not finished:
   * the worker stays `stopping` in the state file and the next agent drains it again.
   */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.drains);
    await this.options.tasks?.close();
  }

  /** Drops exited workers (cleaning up what they left), counting unexpected exits as crashes, and kills overdue stoppers. */
  private reap(now: number): void {
    const signal = this.options.signal ?? defaultSignal;
    this.tracked = this.tracked.filter((worker) => {
      if (isSameProcess(this.options.reader, worker.pid, worker.startTime)) {
        if (worker.stopDeadline !== undefined && now >= worker.stopDeadline && !worker.killed) {
          this.options.logger.warn('worker did not stop within the grace period; killing its process group', { pool: this.pool, worker: worker.name, pid: worker.pid });
          signal(worker.pid, 'SIGKILL', 'group');
          worker.killed = true;
        }
        return true;
      }
      this.cleanUp(worker.pid, worker.mark, worker.name);
      if (worker.expected) {
        this.options.logger.info('worker stopped', { pool: this.pool, worker: worker.name, pid: worker.pid });
      } else {
        this.crashes = now - worker.startedAt > HEALTHY_AFTER_MS ? 1 : this.crashes + 1;
        // First crash: replace at once; repeated crashes back off exponentially.
        const backoff = this.crashes <= 1 ? 0 : Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** (this.crashes - 2));
        this.nextSpawnAt = now + backoff;
        this.options.logger.warn('worker exited unexpectedly; restarting', { pool: this.pool, worker: worker.name, pid: worker.pid, crashes: this.crashes, backoffMs: backoff });
      }
      return false;
    });
  }

  /** A worker's main process is gone: nothing it started may outlive it. */
  private cleanUp(pid: number, mark: string | undefined, name: string): void {
    const killed = (this.options.leftovers ?? ((p, m) => killLeftovers(p, m, this.options.reader)))(pid, mark);
    const processes = killed.filter((target) => target > 0);
    if (processes.length > 0) this.options.logger.warn('killed processes a worker left behind', { pool: this.pool, worker: name, pids: processes });
  }

  private applySample(sample: HostSample, now: number): void {
    for (const worker of this.tracked) {
      const figures = sample.processes.get(worker.pid);
      if (!figures) continue;
      worker.rssGb = figures.rssGb;
      worker.cpu = figures.cpu;
      const limit = this.options.memoryLimitGb;
      if (limit !== undefined && worker.state === 'running' && figures.rssGb > limit) {
        this.stop(worker, now, `memory ${humanCompared(figures.rssGb, limit)} GB (process tree) above the ${limit} GB limit`);
      }
    }
  }

  private start(now: number): void {
    const taken = new Set(this.tracked.map((worker) => worker.name));
    let index = 1;
    while (taken.has(`${this.pool}-${index}`)) index++;
    const name = `${this.pool}-${index}`;
    const spawn = this.options.spawn ?? ((request: SpawnRequest) => spawnDetached(request, this.options.reader));
    try {
      const process = spawn(this.options.commandFor(name));
      this.tracked.push({ name, pid: process.pid, startTime: process.startTime, startedAt: now, state: 'running', rssGb: 0, cpu: 0, ...(process.mark ? { mark: process.mark } : {}) });
      this.options.logger.info('started worker', { pool: this.pool, worker: name, pid: process.pid });
    } catch (error) {
      this.crashes++;
      this.nextSpawnAt = now + Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(0, this.crashes - 1));
      this.options.logger.error('could not start worker', { pool: this.pool, worker: name, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private stop(worker: Tracked, now: number, why: string): void {
    worker.state = 'stopping';
    worker.expected = true;
    worker.stopDeadline = now + this.options.gracePeriodMs;
    this.options.logger.info(this.options.tasks ? 'draining worker' : 'stopping worker', { pool: this.pool, worker: worker.name, pid: worker.pid, why });
    if (!this.options.tasks) {
      (this.options.signal ?? defaultSignal)(worker.pid, 'SIGTERM', this.options.terminate ?? 'group');
      worker.terminated = true;
      return;
    }
    const drain = this.drain(worker, this.options.tasks).catch((error: unknown) =>
      this.options.logger.error('drain failed', { pool: this.pool, worker: worker.name, error: (error as Error).message }),
    );
    this.drains.add(drain);
    void drain.finally(() => this.drains.delete(drain));
  }

  /**
   * Stops the worker taking tasks, waits until it holds none (bounded by the grace period, less
   * the time kept for its warm shutdown), then SIGTERM to its main process only: Celery's warm
   * shutdown. Its pool processes are never signalled by the agent (a SIGTERM to the group would
   * kill them mid-task); the group gets SIGKILL only at the end of the grace period.
   */
  private async drain(worker: Tracked, tasks: WorkerTasks): Promise<void> {
    const deadline = worker.stopDeadline! - Math.min(WARM_SHUTDOWN_MAX_MS, this.options.gracePeriodMs * WARM_SHUTDOWN_SHARE);
    const alive = () => this.tracked.includes(worker) && isSameProcess(this.options.reader, worker.pid, worker.startTime);
    let stopped = false;
    let stoppedAt = 0;
    let idle = false;
    while (alive() && Date.now() < deadline) {
      if (this.closed) return;
      if (!stopped) {
        stopped = await tasks.stopTaking(worker.name).catch(() => false);
        if (stopped) stoppedAt = Date.now();
      }
      const load = stopped ? await tasks.loadNow(worker.name).catch(() => undefined) : undefined;
      // Idle counts once a poll sent before the consumer stopped has surely been answered.
      const settled = Date.now() - stoppedAt >= (tasks.settleMs ?? 0);
      if (load && load.active + load.reserved === 0 && settled) {
        idle = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
    if (!alive() || worker.terminated || this.closed) return;
    if (!idle) this.options.logger.warn('worker still holds tasks at the end of its drain time; warm shutdown now', { pool: this.pool, worker: worker.name, pid: worker.pid, consumingStopped: stopped });
    (this.options.signal ?? defaultSignal)(worker.pid, 'SIGTERM', 'process');
    worker.terminated = true;
    this.options.logger.info('worker drained; SIGTERM to its main process', { pool: this.pool, worker: worker.name, pid: worker.pid, idle });
  }
}
