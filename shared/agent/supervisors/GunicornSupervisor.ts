import { readFileSync } from 'node:fs';
import { childPids, connectionsPerWorker, isSameProcess, readPidStat, type ProcReader } from '../../adapters/host/procfs';
import { killLeftovers, signalGroup, signalProcess, spawnDetached, type SpawnRequest } from '../../adapters/host/processes';
import type { HostSample } from '../hostMetrics';
import type { AgentLogger, PoolFigures, SavedPool, SavedWorker, Supervisor, WorkerInfo } from './Supervisor';

export interface GunicornOptions {
  pool: string;
  /** Master started elsewhere: only signalled. */
  pidFile?: string;
  /** Master the agent starts itself, given the initial worker count. */
  commandFor?: (workers: number) => SpawnRequest;
  gracePeriodMs: number;
  /**
   * gunicorn's `graceful_timeout`: how long a worker removed by SIGTTOU may finish its
   * requests. Default: `--graceful-timeout` from the master's command line, else 30 s.
   */
  gracefulTimeoutMs?: number;
  /**
   * gunicorn's worker `timeout`: a sync worker removed by SIGTTOU finishes its request and is
   * cut only by this (graceful_timeout bounds the master's own shutdown and the threaded and
   * async workers). Default: `--timeout`/`-t` from the master's command line, else 30 s.
   */
  workerTimeoutMs?: number;
  reader: ProcReader;
  logger: AgentLogger;
}

/**
 * How long a SIGTTIN may take to show up as a new worker before it is sent again (a signal
 * can be lost, e.g. while the master starts; one extra worker is undone by the next step).
 */
const TTIN_TIMEOUT_MS = 10_000;
/** Beyond the worker's time limit: the master kills an overdue worker on its next loop (1 s) and reaps it. */
const TTOU_MARGIN_MS = 5_000;
const GUNICORN_GRACEFUL_DEFAULT_MS = 30_000;
const GUNICORN_TIMEOUT_DEFAULT_MS = 30_000;
/** How long a master the agent started may take to boot its initial workers. */
const MASTER_BOOT_TIMEOUT_MS = 60_000;

/**
 * gunicorn: one master owns the workers. The agent moves the master's worker count one step
 * per signal (SIGTTIN adds, SIGTTOU removes the oldest, gunicorn's own graceful choice), and
 * sends the next signal only once the worker count confirms the previous one: a worker removed
 * by SIGTTOU stays a child of the master until it has served its requests, so a second SIGTTOU
 * is not sent while it drains (bounded by the larger of the master's graceful timeout and its
 * worker timeout).
 *
 * A master the agent did not start (`pidFile`: systemd owns it) only ever gets SIGTTIN and
 * SIGTTOU: stopping the agent, `agent stop --workers` and `stopWorkersOnExit` leave it running.
 */
export class GunicornSupervisor implements Supervisor {
  readonly pool: string;
  readonly kind = 'gunicorn';
  private master?: SavedWorker;
  /** True when the agent started the master (then, and only then, it may stop it). */
  private owned = false;
  /** The worker count the master was last asked for. */
  private requested?: number;
  private samples = new Map<number, { rssGb: number; cpu: number }>();
  private inFlight?: { up: boolean; expect: number; at: number; timeoutMs: number };
  private requests = new Map<number, number>();

  constructor(private readonly options: GunicornOptions) {
    this.pool = options.pool;
  }

  adopt(saved: SavedPool | undefined, now: number): void {
    const master = saved?.master;
    if (master && isSameProcess(this.options.reader, master.pid, master.startTime)) {
      this.master = master;
      this.owned = saved?.ownMaster ?? !this.options.pidFile;
      this.requested = saved?.requested;
      const pending = saved?.pendingSignal;
      if (pending) this.inFlight = { ...pending, timeoutMs: pending.timeoutMs < 0 ? Number.POSITIVE_INFINITY : pending.timeoutMs };
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
      ...(this.requests.has(pid) ? { tasks: this.requests.get(pid)! } : {}),
    }));
  }

  save(): SavedPool {
    return {
      workers: [],
      ...(this.master ? { master: this.master, ownMaster: this.owned } : {}),
      ...(this.requested !== undefined ? { requested: this.requested } : {}),
      // JSON has no Infinity (an unbounded drain wait): saved as null, read back as unbounded.
      ...(this.inFlight ? { pendingSignal: { ...this.inFlight, timeoutMs: Number.isFinite(this.inFlight.timeoutMs) ? this.inFlight.timeoutMs : -1 } } : {}),
    };
  }

  /** Requests in flight per worker: its connections on the ports the master listens on. */
  async refresh(): Promise<void> {
    this.requests = this.master ? connectionsPerWorker(this.options.reader, this.master.pid, this.children()) : new Map();
  }

  figures(): PoolFigures {
    return this.master ? { busy: [...this.requests.values()].reduce((sum, n) => sum + n, 0) } : {};
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
    // One signal at a time (identical signals sent close together merge into one: POSIX does
    // not queue them); the next only once the worker count shows the master acted on it, or
    // after the time that may take (a removed worker drains for up to graceful_timeout).
    if (this.inFlight) {
      const { up, expect, at, timeoutMs } = this.inFlight;
      const confirmed = up ? running >= expect : running <= expect;
      if (!confirmed && now - at < timeoutMs) return;
      if (!confirmed) this.options.logger.warn('gunicorn master did not confirm the last worker change in time', { pool: this.pool, running, expected: expect });
    }
    this.inFlight = undefined;
    if (running === target) return;
    const up = target > running;
    const signal: NodeJS.Signals = up ? 'SIGTTIN' : 'SIGTTOU';
    signalProcess(this.master.pid, signal);
    this.inFlight = { up, expect: running + (up ? 1 : -1), at: now, timeoutMs: up ? TTIN_TIMEOUT_MS : this.drainLimitMs() + TTOU_MARGIN_MS };
    this.options.logger.info('adjusting gunicorn workers', { pool: this.pool, running, target, signal });
  }

  /**
   * How long a worker removed by SIGTTOU may take to exit: the larger of gunicorn's
   * `graceful_timeout` and its worker `timeout` (a sync worker in a request is cut only by the
   * latter); unbounded with `timeout` 0, which disables that cut.
   */
  drainLimitMs(): number {
    const graceful = this.options.gracefulTimeoutMs ?? this.masterOption(/^--graceful-timeout(?:=(\d+))?$/) ?? GUNICORN_GRACEFUL_DEFAULT_MS;
    const timeout = this.options.workerTimeoutMs ?? this.masterOption(/^(?:--timeout(?:=(\d+))?|-t(\d+)?)$/) ?? GUNICORN_TIMEOUT_DEFAULT_MS;
    // timeout 0: gunicorn never cuts a sync worker in a request, so its exit is waited for however
    // long it takes (a second SIGTTOU before it would take a second worker away).
    if (timeout === 0) return Number.POSITIVE_INFINITY;
    return Math.max(graceful, timeout);
  }

  /** A seconds option from the master's command line (`--name N`, `--name=N`, `-xN`), in ms. */
  private masterOption(pattern: RegExp): number | undefined {
    const argv = this.master ? (this.options.reader.read(`/proc/${this.master.pid}/cmdline`) ?? '').split('\0') : [];
    for (let i = 0; i < argv.length; i++) {
      const match = pattern.exec(argv[i]!);
      if (!match) continue;
      const inline = match.slice(1).find((group) => group !== undefined);
      const value = Number(inline ?? argv[i + 1]);
      if (Number.isFinite(value) && value >= 0) return value * 1000;
    }
    return undefined;
  }

  /**
   * Stops a master the agent started (SIGTERM: gunicorn's graceful shutdown; SIGKILL to its
   * group after the grace period). A master started elsewhere is left running.
   */
  async stopAll(): Promise<void> {
    if (!this.master) return;
    if (!this.owned) {
      this.options.logger.info('leaving the gunicorn master running: the agent did not start it', { pool: this.pool, pid: this.master.pid, pidFile: this.options.pidFile });
      return;
    }
    const { pid, startTime, mark } = this.master;
    signalProcess(pid, 'SIGTERM');
    const deadline = Date.now() + this.options.gracePeriodMs;
    while (isSameProcess(this.options.reader, pid, startTime)) {
      if (Date.now() > deadline) {
        signalGroup(pid, 'SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    killLeftovers(pid, mark, this.options.reader);
    this.master = undefined;
    this.owned = false;
  }

  private children(): number[] {
    return this.master ? childPids(this.options.reader, this.master.pid) : [];
  }

  private findMaster(now: number): void {
    if (this.master && isSameProcess(this.options.reader, this.master.pid, this.master.startTime)) return;
    if (this.master) {
      this.options.logger.warn('gunicorn master is gone', { pool: this.pool, pid: this.master.pid });
      if (this.owned) killLeftovers(this.master.pid, this.master.mark, this.options.reader);
    }
    this.master = undefined;
    this.owned = false;
    this.inFlight = undefined;
    this.requested = undefined;
    if (!this.options.pidFile) return;
    let pid: number;
    try {
      pid = Number(readFileSync(this.options.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    const stat = Number.isInteger(pid) && pid > 0 ? readPidStat(this.options.reader, pid) : undefined;
    if (stat && stat.state !== 'Z') {
      this.master = { name: `${this.pool}-master`, pid, startTime: stat.startTime, startedAt: now, state: 'running' };
      this.owned = false;
    }
  }

  private startMaster(workers: number, now: number): void {
    const spawned = spawnDetached(this.options.commandFor!(workers), this.options.reader);
    this.master = { name: `${this.pool}-master`, pid: spawned.pid, startTime: spawned.startTime, startedAt: now, state: 'running', mark: spawned.mark };
    this.owned = true;
    this.requested = workers;
    // Its workers boot one by one: no SIGTTIN for those still booting (it would add one more).
    this.inFlight = { up: true, expect: workers, at: now, timeoutMs: MASTER_BOOT_TIMEOUT_MS };
    this.options.logger.info('started gunicorn master', { pool: this.pool, pid: spawned.pid, workers });
  }
}
