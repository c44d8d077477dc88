import { isSameProcess, type ProcReader } from '../../adapters/host/procfs';
import { signalGroup, spawnDetached, type SpawnRequest, type SpawnedProcess } from '../../adapters/host/processes';
import type { HostSample } from '../hostMetrics';
import type { AgentLogger, SavedPool, SavedWorker, Supervisor, WorkerInfo } from './Supervisor';

export interface ProcessPoolOptions {
  pool: string;
  kind: string;
  /** The process to start for the worker called `name`. */
  commandFor(name: string): SpawnRequest;
  gracePeriodMs: number;
  /** A worker above this RSS is recycled (stopped gracefully and replaced). */
  memoryLimitGb?: number;
  reader: ProcReader;
  logger: AgentLogger;
  spawn?: (request: SpawnRequest) => SpawnedProcess;
  signal?: (pid: number, signal: NodeJS.Signals) => boolean;
}

interface Tracked extends WorkerInfo {
  stopDeadline?: number;
  killed?: boolean;
  /** Stopped on purpose (scale-in, memory recycle): its exit is not a crash. */
  expected?: boolean;
}

/** A worker that lived this long before dying resets the crash backoff. */
const HEALTHY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 60_000;
const POLL_MS = 100;

/** One OS process per worker: the `command` and `celery` pool kinds. */
export class ProcessPoolSupervisor implements Supervisor {
  readonly pool: string;
  readonly kind: string;
  private tracked: Tracked[] = [];
  private crashes = 0;
  private nextSpawnAt = 0;

  constructor(private readonly options: ProcessPoolOptions) {
    this.pool = options.pool;
    this.kind = options.kind;
  }

  adopt(saved: SavedPool | undefined, now: number): void {
    for (const worker of saved?.workers ?? []) {
      if (!isSameProcess(this.options.reader, worker.pid, worker.startTime)) {
        this.options.logger.info('previous worker is gone; not adopted', { pool: this.pool, worker: worker.name, pid: worker.pid });
        continue;
      }
      const adopted: Tracked = { ...worker, rssGb: 0, cpu: 0 };
      // A worker the previous run was stopping keeps stopping, with a fresh grace period.
      if (worker.state === 'stopping') Object.assign(adopted, { stopDeadline: now + this.options.gracePeriodMs, expected: true });
      this.tracked.push(adopted);
      this.options.logger.info('adopted worker', { pool: this.pool, worker: worker.name, pid: worker.pid, state: worker.state });
    }
  }

  pids(): number[] {
    return this.tracked.map((worker) => worker.pid);
  }

  running(): number {
    return this.tracked.filter((worker) => worker.state === 'running').length;
  }

  workers(): WorkerInfo[] {
    return this.tracked.map(({ name, pid, startTime, startedAt, state, rssGb, cpu }) => ({ name, pid, startTime, startedAt, state, rssGb, cpu }));
  }

  save(): SavedPool {
    return { workers: this.tracked.map(({ name, pid, startTime, startedAt, state }) => ({ name, pid, startTime, startedAt, state })) };
  }

  reconcile(desired: number, sample: HostSample | undefined, now: number): void {
    this.reap(now);
    if (sample) this.applySample(sample, now);
    const running = this.tracked.filter((worker) => worker.state === 'running');
    if (running.length < desired) {
      if (now < this.nextSpawnAt) return;
      for (let i = running.length; i < desired; i++) this.start(now);
    } else if (running.length > desired) {
      // Idle first: the lowest recent CPU, then the newest (least warm state, shortest job history).
      const victims = [...running].sort((a, b) => a.cpu - b.cpu || b.startedAt - a.startedAt).slice(0, running.length - desired);
      for (const worker of victims) this.stop(worker, now, 'scale-in');
    }
  }

  async stopAll(): Promise<void> {
    const now = Date.now();
    for (const worker of this.tracked) if (worker.state === 'running') this.stop(worker, now, 'shutdown');
    while (this.tracked.length > 0) {
      this.reap(Date.now());
      if (this.tracked.length > 0) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Drops exited workers, counting unexpected exits as crashes, and kills overdue stoppers. */
  private reap(now: number): void {
    const signal = this.options.signal ?? signalGroup;
    this.tracked = this.tracked.filter((worker) => {
      if (isSameProcess(this.options.reader, worker.pid, worker.startTime)) {
        if (worker.stopDeadline !== undefined && now >= worker.stopDeadline && !worker.killed) {
          this.options.logger.warn('worker did not stop within the grace period; killing', { pool: this.pool, worker: worker.name, pid: worker.pid });
          signal(worker.pid, 'SIGKILL');
          worker.killed = true;
        }
        return true;
      }
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

  private applySample(sample: HostSample, now: number): void {
    for (const worker of this.tracked) {
      const figures = sample.processes.get(worker.pid);
      if (!figures) continue;
      worker.rssGb = figures.rssGb;
      worker.cpu = figures.cpu;
      const limit = this.options.memoryLimitGb;
      if (limit !== undefined && worker.state === 'running' && figures.rssGb > limit) {
        this.stop(worker, now, `RSS ${figures.rssGb.toFixed(2)} GB above the ${limit} GB limit`);
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
      this.tracked.push({ name, pid: process.pid, startTime: process.startTime, startedAt: now, state: 'running', rssGb: 0, cpu: 0 });
      this.options.logger.info('started worker', { pool: this.pool, worker: name, pid: process.pid });
    } catch (error) {
      this.crashes++;
      this.nextSpawnAt = now + Math.min(MAX_BACKOFF_MS, 1_000 * 2 ** Math.max(0, this.crashes - 1));
      this.options.logger.error('could not start worker', { pool: this.pool, worker: name, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private stop(worker: Tracked, now: number, why: string): void {
    const signal = this.options.signal ?? signalGroup;
    worker.state = 'stopping';
    worker.expected = true;
    worker.stopDeadline = now + this.options.gracePeriodMs;
    this.options.logger.info('stopping worker', { pool: this.pool, worker: worker.name, pid: worker.pid, why });
    signal(worker.pid, 'SIGTERM');
  }
}
