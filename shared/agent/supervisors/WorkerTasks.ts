/** Tasks a worker holds: running now, and prefetched (received, not started). */
export interface WorkerLoad {
  active: number;
  reserved: number;
}

/**
 * What a worker kind with its own control protocol (Celery) tells the supervisor: the tasks
 * each worker holds, how to make one stop taking new tasks, and the pool's busy and backlog
 * figures. A supervisor without it falls back to CPU share and a plain SIGTERM.
 */
export interface WorkerTasks {
  /**
   * Reads every named worker's load and the pool's backlog; once per agent interval. `names`
   * are all the workers to read (draining ones too: the status shows what they still run);
   * `serving` those whose running tasks make the pool's `busy` (default: all of `names`).
   */
  refresh(names: readonly string[], serving?: readonly string[]): Promise<void>;
  /** The load read by the last refresh; undefined when the worker did not answer. */
  load(name: string): WorkerLoad | undefined;
  /** A fresh load of one worker (drain polling). */
  loadNow(name: string): Promise<WorkerLoad | undefined>;
  /** Stops the worker taking new tasks from all of the pool's queues; true once it confirmed. */
  stopTaking(name: string): Promise<boolean>;
  /**
   * How long after `stopTaking` confirmed a worker may still receive a message it asked for
   * before (a broker poll in flight): an idle reading counts only after this (default 0).
   */
  readonly settleMs?: number;
  /** Tasks running in the pool's serving workers (last refresh). */
  busy(): number | undefined;
  /** Ready + prefetched tasks over the pool's queues (last refresh). */
  backlog(): number | undefined;
  close(): Promise<void>;
}
