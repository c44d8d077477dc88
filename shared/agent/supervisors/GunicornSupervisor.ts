import { readFileSync } from 'node:fs';
import { childPids, isSameProcess, readPidStat, type ProcReader } from '../../adapters/host/procfs';
import { signalGroup, signalProcess, spawnDetached, type SpawnRequest } from '../../adapters/host/processes';
import type { HostSample } from '../hostMetrics';
import type { AgentLogger, SavedPool, SavedWorker, Supervisor, WorkerInfo } from './Supervisor';

export interface GunicornOptions {
  pool: string;
  /** Master started elsewhere: only signalled. */
  pidFile?: string;
  /** Master the agent starts itself, given the initial worker count. */
  commandFor?: (workers: number) => SpawnRequest;
  gracePeriodMs: number;
  reader: ProcReader;
  logger: AgentLogger;
}

const SIGNAL_TIMEOUT_MS = 10_000;

/**
 * gunicorn: one master owns the workers. The agent moves the master's worker count one step
 * per signal (SIGTTIN adds, SIGTTOU removes the oldest, gunicorn's own graceful choice), so a
 * count changes by one worker per agent interval at most.
 */
export class GunicornSupervisor implements Supervisor {
  readonly pool: string;
  readonly kind = 'gunicorn';
  private master?: SavedWorker;
  /** The worker count the master was last asked for. */
  private requested?: number;
  private samples = new Map<number, { rssGb: number; cpu: number }>();
  private inFlight?: { expect: number; at: number };

  constructor(private readonly options: GunicornOptions) {
    this.pool = options.pool;
  }

  adopt(saved: SavedPool | undefined, now: number): void {
    const master = saved?.master;
    if (master && isSameProcess(this.options.reader, master.pid, master.startTime)) {
      this.master = master;
      this.requested = saved?.requested;
      this.options.logger.info('adopted gunicorn master', { pool: this.pool, pid: master.pid });
    }
    this.findMaster(now);
  }

  pids(): number[] {
    return this.master ? [this.master.pid, ...this.children()] : [];
  }

  running(): number {
    return this.children().length;
  }

  workers(): WorkerInfo[] {
    return this.children().map((pid, index) => ({
      name: `${this.pool}-${index + 1}`,
      pid,
      startTime: readPidStat(this.options.reader, pid)?.startTime ?? '?',
      startedAt: this.master?.startedAt ?? 0,
      state: 'running' as const,
      rssGb: this.samples.get(pid)?.rssGb ?? 0,
      cpu: this.samples.get(pid)?.cpu ?? 0,
    }));
  }

  save(): SavedPool {
    return { workers: [], ...(this.master ? { master: this.master } : {}), ...(this.requested !== undefined ? { requested: this.requested } : {}) };
  }

  reconcile(desired: number, sample: HostSample | undefined, now: number): void {
    if (sample) this.samples = sample.processes;
    this.findMaster(now);
    if (!this.master) {
      if (this.options.commandFor && desired > 0) this.startMaster(desired, now);
      return;
    }
    // gunicorn keeps at least one worker; the master itself stays up at desired 0.
    const target = Math.max(1, desired);
    this.requested = target;
    const running = this.running();
    // Identical signals sent close together merge into one (POSIX does not queue them), so
    // one signal at a time, the next only once the master has acted on it (or it timed out).
    if (this.inFlight && running !== this.inFlight.expect && now - this.inFlight.at < SIGNAL_TIMEOUT_MS) return;
    this.inFlight = undefined;
    if (running === target) return;
    const signal: NodeJS.Signals = target > running ? 'SIGTTIN' : 'SIGTTOU';
    signalProcess(this.master.pid, signal);
    this.inFlight = { expect: running + (target > running ? 1 : -1), at: now };
    this.options.logger.info('adjusting gunicorn workers', { pool: this.pool, running, target, signal });
  }

  async stopAll(): Promise<void> {
    if (!this.master) return;
    const { pid, startTime } = this.master;
    signalProcess(pid, 'SIGTERM');
    const deadline = Date.now() + this.options.gracePeriodMs;
    while (isSameProcess(this.options.reader, pid, startTime)) {
      if (Date.now() > deadline) {
        signalGroup(pid, 'SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.master = undefined;
  }

  private children(): number[] {
    return this.master ? childPids(this.options.reader, this.master.pid) : [];
  }

  private findMaster(now: number): void {
    if (this.master && isSameProcess(this.options.reader, this.master.pid, this.master.startTime)) return;
    if (this.master) this.options.logger.warn('gunicorn master is gone', { pool: this.pool, pid: this.master.pid });
    this.master = undefined;
    this.requested = undefined;
    if (!this.options.pidFile) return;
    let pid: number;
    try {
      pid = Number(readFileSync(this.options.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    const stat = Number.isInteger(pid) && pid > 0 ? readPidStat(this.options.reader, pid) : undefined;
    if (stat && stat.state !== 'Z') this.master = { name: `${this.pool}-master`, pid, startTime: stat.startTime, startedAt: now, state: 'running' };
  }

  private startMaster(workers: number, now: number): void {
    const spawned = spawnDetached(this.options.commandFor!(workers), this.options.reader);
    this.master = { name: `${this.pool}-master`, pid: spawned.pid, startTime: spawned.startTime, startedAt: now, state: 'running' };
    this.requested = workers;
    this.options.logger.info('started gunicorn master', { pool: this.pool, pid: spawned.pid, workers });
  }
}
