/** What an on-host agent reports in each heartbeat. Memory in GiB, CPU in percent. */
export interface HostReport {
  at: number;
  memAvailableGb: number;
  memTotalGb: number;
  cpu: number;
  load1: number;
  /** Per worker pool on the host (the pool names of the agent's config). */
  pools: Record<string, PoolReport>;
  /** Lengths of the Redis lists the pools' host `queue_length` metrics name with `key`. */
  queues?: Record<string, number>;
  /** The agent evaluated on its own while the relay was unreachable. */
  offlineSince?: number;
}

export interface PoolReport {
  running: number;
  /**
   * Busy workers: Celery tasks running (remote control `active`), gunicorn requests in
   * flight, the pool's processing list, else workers using >= 20 % of a core (command pools).
   */
  busy: number;
  /** Memory of the serving workers' whole process trees (VmRSS of a lone process, PSS summed over a tree). */
  rssGb: number;
  /** The pool's backlog: its `queue.key` list, or Celery's ready + unacknowledged tasks. */
  queueLength?: number;
  /** The host-side cap on this pool's workers (agent config `maxWorkers`, default the memory fit). */
  maxWorkers?: number;
  /** Why the agent runs fewer workers than it was asked for (desired above `maxWorkers`). */
  refused?: string;
}
