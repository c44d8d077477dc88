import type { HostSample } from '../hostMetrics';

/** A worker process as the agent tracks it (and persists it, to adopt it after a restart). */
export interface SavedWorker {
  name: string;
  pid: number;
  /** /proc start time of the pid when started: a recycled pid will not match. */
  startTime: string;
  /** Epoch ms the agent started (or adopted) it. */
  startedAt: number;
  state: 'running' | 'stopping';
  /** The worker's WORKER_MARK_ENV value: finds descendants that left its process group. */
  mark?: string;
}

export interface SavedPool {
  workers: SavedWorker[];
  /** gunicorn: the master process and the worker count last asked of it. */
  master?: SavedWorker;
  /** True when the agent started that master itself (only then may it stop it). */
  ownMaster?: boolean;
  requested?: number;
  /**
   * gunicorn: the SIGTTIN/SIGTTOU sent and not yet confirmed by the worker count (epoch ms), so an
   * agent restarted while a removed worker still finishes its request does not send another.
   */
  pendingSignal?: { up: boolean; expect: number; at: number; timeoutMs: number };
}

export interface WorkerInfo extends SavedWorker {
  rssGb: number;
  /** CPU percent of one core over the last interval. */
  cpu: number;
  /** Tasks running (Celery: `inspect active`) or requests in flight (gunicorn), when known. */
  tasks?: number;
  /** Tasks prefetched, not started (Celery: `inspect reserved`). */
  reserved?: number;
}

/** A pool's figures from its workers' own protocol, replacing the CPU-share and list estimates. */
export interface PoolFigures {
  /** Celery: tasks running in serving workers; gunicorn: requests in flight. */
  busy?: number;
  /** Celery: ready + prefetched tasks over the pool's queues. */
  queueLength?: number;
}

export interface AgentLogger {
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

/**
 * Keeps one pool's processes at a desired count: starts, stops (gracefully, idle first),
 * restarts crashed workers with backoff and adopts the workers of a previous agent run.
 */
export interface Supervisor {
  readonly pool: string;
  readonly kind: string;
  /** Takes over the processes a previous agent run saved, if they are still the same processes. */
  adopt(saved: SavedPool | undefined, now: number): void;
  /** Pids to sample for RSS and CPU. */
  pids(): number[];
  /**
   * Notices exits, applies the sample (memory limits), and moves towards `desired` serving
   * workers, never starting one while `limit` processes (serving and still stopping) exist: a
   * host-side cap holds while workers drain.
   */
  reconcile(desired: number, sample: HostSample | undefined, now: number, limit?: number): void;
  /** Workers serving (not stopping). */
  running(): number;
  workers(): WorkerInfo[];
  save(): SavedPool;
  /** Stops every worker gracefully (drain, SIGTERM, then SIGKILL after the grace period). */
  stopAll(): Promise<void>;
  /** Reads the workers' own figures (Celery: tasks per worker, backlog); once per interval, before reconcile. */
  refresh?(now: number): Promise<void>;
  figures?(): PoolFigures;
  /** Releases connections (after stopAll or when the agent exits). */
  close?(): Promise<void>;
}
