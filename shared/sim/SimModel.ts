import type { TargetStatus } from '../domain/types';

/**
 * What the simulator needs from a workload model (closed-loop queue or open-loop replay): it
 * advances in simulated time, takes scale requests like a real target, answers metric names,
 * and accumulates the per-row supply and cost used by the elasticity metrics.
 */
export interface SimModel {
  /** Simulated seconds since the trace start up to which the model has run. */
  readonly now: number;
  advanceTo(seconds: number): void;
  /** Asks for `desired` workers; new ones serve after the model's startup delay. */
  setDesired(desired: number): void;
  status(): TargetStatus;
  /** Closes the observation window ending now (averages such as utilization cover it). */
  snapshot(): void;
  /** Value of a metric by name at the last snapshot, or undefined when the model has none. */
  observe(name: string): number | undefined;
  /** Mean serving workers per trace row (filled as rows complete). */
  readonly supply: Float64Array;
  /** Demand in workers per trace row (see each model for its definition). */
  readonly demand: Float64Array;
  /** Workers paid for (serving, draining and starting) integrated over time, in seconds. */
  readonly workerSeconds: number;
  /** Serving, starting and draining workers integrated over time, in seconds (they add up to `workerSeconds`). */
  readonly servingSeconds: number;
  readonly startingSeconds: number;
  readonly drainingSeconds: number;
  /** Workers now: serving, starting (not serving yet), draining (finishing a job before leaving). */
  counts(): WorkerCounts;
  /** Job wait statistics, closed loop only. */
  waits(): WaitStats | undefined;
}

export interface WorkerCounts {
  serving: number;
  starting: number;
  draining: number;
}

export interface WaitStats {
  jobs: number;
  /** 95th percentile of the wait before a job starts, seconds. */
  p95: number;
  mean: number;
  max: number;
  /** Share (0..1) of jobs that waited longer than the SLO. */
  overSlo: number;
  /** Jobs still queued or in service when the trace ended. */
  unfinished: number;
}
