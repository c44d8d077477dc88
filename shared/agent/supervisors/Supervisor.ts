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
}

export interface SavedPool {
  workers: SavedWorker[];
  /** gunicorn: the master process and the worker count last asked of it. */
  master?: SavedWorker;
  requested?: number;
}

export interface WorkerInfo extends SavedWorker {
  rssGb: number;
  /** CPU percent of one core over the last interval. */
  cpu: number;
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
  /** Notices exits, applies the sample (memory limits), and moves towards `desired`. */
  reconcile(desired: number, sample: HostSample | undefined, now: number): void;
  /** Workers serving (not stopping). */
  running(): number;
  workers(): WorkerInfo[];
  save(): SavedPool;
  /** Stops every worker gracefully (SIGTERM, then SIGKILL after the grace period). */
  stopAll(): Promise<void>;
}
