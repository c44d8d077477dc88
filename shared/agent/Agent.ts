/**
 * The on-host agent loop. Every interval: sample the host and the workers, send the signed
 * heartbeat, apply the desired counts the relay answers. When the relay cannot be reached it
 * evaluates its pools itself with the same engine (`decide`) and the last policies it got, so a
 * memory-fit pool stays safe offline; the state file keeps those policies and the workers'
 * pids across restarts, so a restarted agent adopts its workers instead of doubling them.
 */
import { randomUUID } from 'node:crypto';
import type { Policy } from '../domain/policy';
import { initialState, type Decision, type Observations, type PoolState } from '../domain/types';
import { decide } from '../engine';
import { hostReading } from '../adapters/host/HostMetricSource';
import { fsProcReader, type ProcReader } from '../adapters/host/procfs';
import type { Clock } from '../ports/Clock';
import { systemClock } from '../ports/Clock';
import type { HostReport } from '../ports/HostReport';
import type { HeartbeatInput, HeartbeatResponse, WorkerReport } from '../relay/HeartbeatSchema';
import type { AgentConfig, AgentPool } from './AgentConfigSchema';
import { emptyAgentState, readAgentState, writeAgentState, type AgentState } from './AgentStateFile';
import { HostMetrics, type HostSample } from './hostMetrics';
import { poolIdOf } from './loadAgentConfig';
import { createSupervisor } from './createSupervisor';
import type { AgentLogger, Supervisor } from './supervisors/Supervisor';

export const AGENT_VERSION = '0.1.0';

/**
 * A `command` worker using at least this much of a core counts as busy when the pool has no
 * processing list (Celery and gunicorn pools report tasks and requests in flight instead).
 */
const BUSY_CPU_PERCENT = 20;
/** Memory per worker for the default host cap of a pool without `memoryLimitGb`. */
const DEFAULT_WORKER_GB = 0.25;

export interface AgentDeps {
  config: AgentConfig;
  /** Policies from `agent.yaml`, by pool name. */
  localPolicies?: Record<string, Policy>;
  relay?: { heartbeat(body: HeartbeatInput, now: number): Promise<HeartbeatResponse> };
  queues?: { lengths(keys: readonly string[]): Promise<Map<string, number>> };
  reader?: ProcReader;
  clock?: Clock;
  logger?: AgentLogger;
  /** Replaces the supervisors built from the config (tests). */
  supervisors?: Supervisor[];
}

export interface PoolStatus {
  name: string;
  poolId: string;
  kind: string;
  running: number;
  desired: number;
  busy: number;
  rssGb: number;
  queueLength?: number;
  /** Host-side cap on the pool's workers, and why a desired count above it was refused. */
  maxWorkers?: number;
  refused?: string;
  policy: 'relay' | 'local' | 'none';
  lastDecision?: Pick<Decision, 'at' | 'action' | 'current' | 'desired' | 'reasons'>;
  workers: WorkerReport[];
}

export interface AgentStatus {
  hostId: string;
  version: string;
  pid: number;
  startedAt: number;
  relay: {
    url?: string;
    up: boolean;
    lastHeartbeatAt?: number;
    lastError?: string;
    failures: number;
    offlineSince?: number;
  };
  host?: Omit<HostReport, 'pools' | 'at' | 'offlineSince'> & { at: number };
  pools: PoolStatus[];
}

export const consoleLogger: AgentLogger = {
  info: (message, extra) => console.error(JSON.stringify({ level: 'info', message, ...extra })),
  warn: (message, extra) => console.error(JSON.stringify({ level: 'warn', message, ...extra })),
  error: (message, extra) => console.error(JSON.stringify({ level: 'error', message, ...extra })),
};

export class Agent {
  readonly controlToken: string;
  private readonly config: AgentConfig;
  private readonly clock: Clock;
  private readonly logger: AgentLogger;
  private readonly metrics: HostMetrics;
  private readonly supervisors: Supervisor[];
  private state: AgentState = emptyAgentState();
  private readonly lastDecisions = new Map<string, Decision>();
  private lastReport?: HostReport;
  /** Redis list lengths read this interval (pool queues and the policies' list_length metrics). */
  private listLengths = new Map<string, number>();
  /** Per pool: the host-side cap and, when the desired count is above it, the refusal. */
  private caps = new Map<string, { max: number; why: string; refused?: string }>();
  private relayUp = false;
  private lastHeartbeatAt?: number;
  private lastError?: string;
  private failures = 0;
  private readonly startedAt: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  statusPort?: number;

  constructor(private readonly deps: AgentDeps) {
    this.config = deps.config;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger ?? consoleLogger;
    const reader = deps.reader ?? fsProcReader;
    this.metrics = new HostMetrics(reader);
    this.supervisors = deps.supervisors ?? deps.config.pools.map((pool) => createSupervisor(pool, deps.config, reader, this.logger));
    this.startedAt = this.clock.now();
    this.controlToken = randomUUID();
  }

  /** Loads the state file, adopts surviving workers, and starts the loop (first tick at once). */
  async start(): Promise<void> {
    const now = this.clock.now();
    const saved = readAgentState(this.config.stateFile);
    if (saved) this.state = saved;
    for (const supervisor of this.supervisors) supervisor.adopt(this.state.pools[supervisor.pool], now);
    for (const pool of this.config.pools) this.state.desired[pool.name] ??= pool.initialWorkers;
    // Offline periods do not survive a restart: the first heartbeat decides afresh.
    this.state.localStates = {};
    this.schedule(0);
  }

  /** Stops the loop; the workers keep running unless `stopWorkers` (then gracefully). */
  async stop(options: { stopWorkers?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (options.stopWorkers) {
      await Promise.all(this.supervisors.map((supervisor) => supervisor.stopAll()));
    }
    this.save({ running: false });
    await Promise.all(this.supervisors.map((supervisor) => supervisor.close?.()));
  }

  /** One interval. Never throws: a failure is logged and the next interval tries again. */
  tick(): Promise<void> {
    if (!this.running) {
      this.running = this.runTick()
        .catch((error: unknown) => this.logger.error('agent tick failed', { error: error instanceof Error ? error.stack : String(error) }))
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().then(() => this.schedule(this.config.interval));
    }, delay);
  }

  private async runTick(): Promise<void> {
    const now = this.clock.now();
    const sample = this.metrics.sample(this.supervisors.flatMap((supervisor) => supervisor.pids()));
    // The workers' own figures (Celery tasks per worker, backlog; gunicorn requests in flight).
    await Promise.all(
      this.supervisors.map((supervisor) =>
        supervisor.refresh?.(now).catch((error: unknown) => this.logger.warn('pool figures unavailable', { pool: supervisor.pool, error: (error as Error).message })),
      ),
    );
    this.updateCaps(sample);
    // Notice crashed workers before reporting, so the report counts what really runs.
    for (const supervisor of this.supervisors) supervisor.reconcile(this.allowedOf(supervisor.pool), sample, now, this.capOf(supervisor.pool));
    // Saved before the heartbeat (which may wait up to relayTimeout): an agent killed now leaves
    // the workers it just started in the state file, and the next one adopts them, not doubles them.
    this.save({ running: true });
    const { report, lengths } = await this.buildReport(sample, now);
    this.lastReport = report;
    this.listLengths = lengths;

    if (this.deps.relay) {
      try {
        const answer = await this.deps.relay.heartbeat(this.heartbeatBody(report), now);
        this.online(answer, now);
      } catch (error) {
        this.offline(error, report, now);
      }
    } else {
      this.evaluateLocally(report, now, 'agent:local');
    }
    if (this.stopped) return;
    this.updateCaps(sample);
    for (const supervisor of this.supervisors) supervisor.reconcile(this.allowedOf(supervisor.pool), undefined, now, this.capOf(supervisor.pool));
    this.save({ running: true });
  }

  private online(answer: HeartbeatResponse, now: number): void {
    if (this.state.offlineSince !== undefined) {
      this.logger.info('relay reachable again', { offlineForMs: now - this.state.offlineSince });
    }
    this.relayUp = true;
    this.lastHeartbeatAt = now;
    this.lastError = undefined;
    this.state.offlineSince = undefined;
    this.state.localStates = {};
    const names = new Set(this.config.pools.map((pool) => pool.name));
    for (const [name, policy] of Object.entries(answer.policies)) if (names.has(name)) this.state.policies[name] = policy;
    for (const [name, desired] of Object.entries(answer.desired)) {
      if (!names.has(name) || !Number.isInteger(desired) || desired < 0) continue;
      if (this.state.desired[name] !== desired) this.logger.info('desired count from relay', { pool: name, from: this.state.desired[name], to: desired });
      this.state.desired[name] = desired;
    }
  }

  private offline(error: unknown, report: HostReport, now: number): void {
    const message = error instanceof Error ? error.message : String(error);
    if (this.relayUp || this.state.offlineSince === undefined) this.logger.warn('relay unreachable; evaluating locally', { error: message });
    this.relayUp = false;
    this.failures++;
    this.lastError = message;
    this.state.offlineSince ??= now;
    this.evaluateLocally(report, now, 'agent:offline');
  }

  /** The same engine as the relay, fed with this host's own fresh figures. */
  private evaluateLocally(report: HostReport, now: number, trigger: string): void {
    for (const pool of this.config.pools) {
      const policy = this.policyOf(pool.name);
      if (!policy) continue;
      const current = this.desiredOf(pool.name);
      const running = report.pools[pool.name]?.running ?? 0;
      const previous: PoolState = this.state.localStates[pool.name] ?? { ...initialState(policy.id), desired: current };
      const observations: Observations = {
        at: now,
        target: { desired: current, ready: running, pending: Math.max(0, current - running), stable: running === current },
        metrics: {},
      };
      for (const [name, spec] of Object.entries(policy.metrics)) {
        const length = spec.source === 'redis' && spec.type === 'list_length' ? this.listLengths.get(spec.key) : undefined;
        observations.metrics[name] =
          spec.source === 'host'
            ? hostReading({ ...report, at: now }, pool.name, spec)
            : length !== undefined
              ? { value: length, at: now }
              : { error: `${spec.source} metric not readable on the host (the relay reads it)`, at: now };
      }
      const { decision, state } = decide(policy, observations, previous, now, trigger);
      this.state.localStates[pool.name] = state;
      this.lastDecisions.set(pool.name, decision);
      if (decision.action !== 'none' && !decision.dryRun && decision.desired !== current) {
        this.logger.info('local decision', { pool: pool.name, from: current, to: decision.desired, reasons: decision.reasons.map((r) => r.message) });
        this.state.desired[pool.name] = decision.desired;
      }
    }
  }

  private policyOf(name: string): Policy | undefined {
    return this.state.policies[name] ?? this.deps.localPolicies?.[name];
  }

  private desiredOf(name: string): number {
    return this.state.desired[name] ?? 0;
  }

  /** The desired count within the host-side cap: what the supervisor is asked to run. */
  private allowedOf(name: string): number {
    return Math.min(this.desiredOf(name), this.capOf(name));
  }

  /** The host-side cap on the pool's worker processes, serving or stopping. */
  private capOf(name: string): number {
    return this.caps.get(name)?.max ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Host-side caps: `maxWorkers`, else the memory fit (MemTotal / memoryLimitGb, 0.25 GB per
   * worker without a limit), so neither a huge policy `max` nor a manual override makes the
   * agent start more workers than the host can hold.
   */
  private updateCaps(sample: HostSample): void {
    for (const pool of this.config.pools) {
      let max: number;
      let why: string;
      if (pool.maxWorkers !== undefined) {
        max = pool.maxWorkers;
        why = 'maxWorkers in agent.yaml';
      } else {
        const perWorker = pool.memoryLimitGb ?? DEFAULT_WORKER_GB;
        max = sample.memTotalGb > 0 ? Math.max(1, Math.floor(sample.memTotalGb / perWorker)) : Number.MAX_SAFE_INTEGER;
        why = `memory fit: MemTotal ${round(sample.memTotalGb)} GB / ${perWorker} GB per worker (${pool.memoryLimitGb !== undefined ? 'memoryLimitGb' : 'default; set memoryLimitGb or maxWorkers'})`;
      }
      const desired = this.desiredOf(pool.name);
      const refused = desired > max ? `desired ${desired} above the host cap of ${max} workers (${why}): running ${max}` : undefined;
      const previous = this.caps.get(pool.name);
      if (refused && previous?.refused === undefined) this.logger.warn('refusing workers above the host cap', { pool: pool.name, desired, maxWorkers: max, why });
      this.caps.set(pool.name, { max, why, ...(refused ? { refused } : {}) });
    }
  }

  private async buildReport(sample: HostSample, now: number): Promise<{ report: HostReport; lengths: Map<string, number> }> {
    const keys = this.config.pools.flatMap((pool) => (pool.queue ? [pool.queue.key, pool.queue.processingKey ?? ''].filter(Boolean) : []));
    // Redis lists the pools' policies read: offline, the agent reads them itself; a host
    // `queue_length` with `key` is reported (report.queues) for the relay as well.
    const hostKeys = new Set<string>();
    for (const pool of this.config.pools) {
      for (const spec of Object.values(this.policyOf(pool.name)?.metrics ?? {})) {
        if (spec.source === 'redis' && spec.type === 'list_length') keys.push(spec.key);
        if (spec.source === 'host' && spec.type === 'queue_length' && spec.key !== undefined) hostKeys.add(spec.key);
      }
    }
    keys.push(...hostKeys);
    let lengths = new Map<string, number>();
    if (keys.length > 0 && this.deps.queues) {
      try {
        lengths = await this.deps.queues.lengths(keys);
      } catch (error) {
        this.logger.warn('queue lengths unavailable', { error: (error as Error).message });
      }
    }
    const pools: HostReport['pools'] = {};
    for (const supervisor of this.supervisors) {
      const workers = supervisor.workers().filter((worker) => worker.state === 'running');
      const pool = this.config.pools.find((candidate) => candidate.name === supervisor.pool);
      const figures = supervisor.figures?.() ?? {};
      const processing = pool?.queue?.processingKey ? lengths.get(pool.queue.processingKey) : undefined;
      const queueLength = pool?.queue ? lengths.get(pool.queue.key) : figures.queueLength;
      const cap = this.caps.get(supervisor.pool);
      pools[supervisor.pool] = {
        running: supervisor.running(),
        busy: figures.busy ?? processing ?? workers.filter((worker) => worker.cpu >= BUSY_CPU_PERCENT).length,
        rssGb: round(workers.reduce((sum, worker) => sum + worker.rssGb, 0)),
        ...(queueLength !== undefined ? { queueLength } : {}),
        ...(cap && cap.max < Number.MAX_SAFE_INTEGER ? { maxWorkers: cap.max } : {}),
        ...(cap?.refused ? { refused: cap.refused } : {}),
      };
    }
    const queues: Record<string, number> = {};
    for (const key of hostKeys) if (lengths.has(key)) queues[key] = lengths.get(key)!;
    const report: HostReport = {
      at: now,
      memAvailableGb: round(sample.memAvailableGb),
      memTotalGb: round(sample.memTotalGb),
      cpu: round(sample.cpu),
      load1: round(sample.load1),
      pools,
      ...(Object.keys(queues).length > 0 ? { queues } : {}),
      ...(this.state.offlineSince !== undefined ? { offlineSince: this.state.offlineSince } : {}),
    };
    return { report, lengths };
  }

  private heartbeatBody(report: HostReport): HeartbeatInput {
    const workers: Record<string, WorkerReport[]> = {};
    for (const supervisor of this.supervisors) workers[supervisor.pool] = supervisor.workers().map(toWorkerReport);
    return { agentVersion: AGENT_VERSION, report, workers };
  }

  private save(options: { running: boolean }): void {
    for (const supervisor of this.supervisors) this.state.pools[supervisor.pool] = supervisor.save();
    this.state.savedAt = this.clock.now();
    if (options.running) {
      this.state.agentPid = process.pid;
      this.state.controlToken = this.controlToken;
      if (this.statusPort !== undefined) this.state.statusPort = this.statusPort;
    } else {
      delete this.state.agentPid;
      delete this.state.controlToken;
    }
    try {
      writeAgentState(this.config.stateFile, this.state);
    } catch (error) {
      this.logger.error('could not write the state file', { path: this.config.stateFile, error: (error as Error).message });
    }
  }

  status(): AgentStatus {
    const report = this.lastReport;
    return {
      hostId: this.config.hostId,
      version: AGENT_VERSION,
      pid: process.pid,
      startedAt: this.startedAt,
      relay: {
        ...(this.config.relayUrl ? { url: this.config.relayUrl } : {}),
        up: this.relayUp,
        ...(this.lastHeartbeatAt !== undefined ? { lastHeartbeatAt: this.lastHeartbeatAt } : {}),
        ...(this.lastError ? { lastError: this.lastError } : {}),
        failures: this.failures,
        ...(this.state.offlineSince !== undefined ? { offlineSince: this.state.offlineSince } : {}),
      },
      ...(report
        ? { host: { at: report.at, memAvailableGb: report.memAvailableGb, memTotalGb: report.memTotalGb, cpu: report.cpu, load1: report.load1 } }
        : {}),
      pools: this.supervisors.map((supervisor) => {
        const pool = this.config.pools.find((candidate) => candidate.name === supervisor.pool);
        const figures = report?.pools[supervisor.pool];
        const decision = this.lastDecisions.get(supervisor.pool);
        const cap = this.caps.get(supervisor.pool);
        return {
          name: supervisor.pool,
          poolId: pool ? poolIdOf(pool) : supervisor.pool,
          kind: supervisor.kind,
          running: supervisor.running(),
          desired: this.desiredOf(supervisor.pool),
          busy: figures?.busy ?? 0,
          rssGb: figures?.rssGb ?? 0,
          ...(figures?.queueLength !== undefined ? { queueLength: figures.queueLength } : {}),
          ...(cap && cap.max < Number.MAX_SAFE_INTEGER ? { maxWorkers: cap.max } : {}),
          ...(cap?.refused ? { refused: cap.refused } : {}),
          policy: this.state.policies[supervisor.pool] ? 'relay' : this.deps.localPolicies?.[supervisor.pool] ? 'local' : 'none',
          ...(decision
            ? { lastDecision: { at: decision.at, action: decision.action, current: decision.current, desired: decision.desired, reasons: decision.reasons } }
            : {}),
          workers: supervisor.workers().map(toWorkerReport),
        };
      }),
    };
  }

  /** Prometheus text exposition of the agent's own figures. */
  metricsText(): string {
    const status = this.status();
    const lines: string[] = [];
    const gauge = (name: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
    };
    const label = (pool: string) => `{pool="${pool.replace(/["\\\n]/g, '_')}"}`;
    gauge('poolscale_agent_workers', 'Worker processes running per pool', status.pools.map((p) => [label(p.name), p.running]));
    gauge('poolscale_agent_desired', 'Desired worker count per pool', status.pools.map((p) => [label(p.name), p.desired]));
    gauge('poolscale_agent_busy', 'Busy per pool: Celery tasks running, gunicorn requests in flight', status.pools.map((p) => [label(p.name), p.busy]));
    gauge('poolscale_agent_queue_length', 'Backlog per pool: queue list, or Celery ready + unacknowledged tasks', status.pools.flatMap((p) => (p.queueLength !== undefined ? [[label(p.name), p.queueLength] as [string, number]] : [])));
    gauge('poolscale_agent_workers_memory_bytes', 'Memory of the serving workers (whole process trees: RSS of a lone process, PSS summed for a tree and for a gunicorn worker)', status.pools.map((p) => [label(p.name), Math.round(p.rssGb * 1024 ** 3)]));
    gauge('poolscale_agent_max_workers', 'Host-side cap on workers per pool', status.pools.flatMap((p) => (p.maxWorkers !== undefined ? [[label(p.name), p.maxWorkers] as [string, number]] : [])));
    gauge('poolscale_agent_mem_available_bytes', 'Host MemAvailable', [['', Math.round((status.host?.memAvailableGb ?? 0) * 1024 ** 3)]]);
    gauge('poolscale_agent_cpu', 'Host CPU busy percent over the last interval', [['', status.host?.cpu ?? 0]]);
    gauge('poolscale_agent_relay_up', '1 when the last heartbeat reached the relay', [['', status.relay.up ? 1 : 0]]);
    lines.push('# HELP poolscale_agent_heartbeat_failures_total Heartbeats that failed', '# TYPE poolscale_agent_heartbeat_failures_total counter');
    lines.push(`poolscale_agent_heartbeat_failures_total ${status.relay.failures}`);
    return `${lines.join('\n')}\n`;
  }
}

const round = (value: number) => Math.round(value * 1000) / 1000;

function toWorkerReport(worker: { name: string; pid: number; startedAt: number; rssGb: number; cpu: number; state: 'running' | 'stopping'; tasks?: number; reserved?: number }): WorkerReport {
  return {
    name: worker.name,
    pid: worker.pid,
    startedAt: worker.startedAt,
    rssGb: round(worker.rssGb),
    cpu: round(worker.cpu),
    state: worker.state,
    ...(worker.tasks !== undefined ? { tasks: worker.tasks } : {}),
    ...(worker.reserved !== undefined ? { reserved: worker.reserved } : {}),
  };
}

export type { AgentPool };
