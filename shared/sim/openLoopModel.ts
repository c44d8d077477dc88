/**
 * Open-loop model: the trace's metric columns are replayed as observed, whatever capacity the
 * policy provides (the seeds' own logs: "10 bots, 8 busy"). Only the worker count is modelled:
 * new workers serve after `startupSeconds`, removed ones leave at once (there are no jobs to
 * finish in a replay).
 *
 * Metrics not in the trace are derived from the worker count where that is meaningful:
 * `free` = ready - busy, `busy` = ready - free, `utilization` = busy / ready, `cpu` =
 * utilization * 100, `mem_available_gb` = host memory - workers * worker memory.
 *
 * Demand of a row: the `busy` column when present (busy workers are the work), else
 * ceil(utilization * mean ready) from the `utilization` or `cpu` column, else unknown (NaN:
 * the elasticity metrics that need demand are then not reported).
 */
import { StartingWorkers } from './StartingWorkers';
import type { TargetStatus } from '../domain/types';
import type { SimModel, WorkerCounts } from './SimModel';
import type { Trace } from './trace';
import { rowAt, rowSeconds } from './trace';

export interface OpenLoopModelOptions {
  startupSeconds: number;
  initialWorkers: number;
  hostMemoryGb: number;
  workerMemoryGb: number;
}

export class OpenLoopModel implements SimModel {
  readonly supply: Float64Array;
  readonly demand: Float64Array;
  workerSeconds = 0;
  servingSeconds = 0;
  startingSeconds = 0;
  /** Removed workers leave at once in a replay: never draining. */
  readonly drainingSeconds = 0;
  now: number;
  private ready: number;
  private readonly startingWorkers = new StartingWorkers();
  private observed: Record<string, number> = {};

  constructor(
    private readonly trace: Trace,
    private readonly options: OpenLoopModelOptions,
  ) {
    this.ready = Math.max(0, Math.round(options.initialWorkers));
    this.now = trace.t[0]!;
    this.supply = new Float64Array(trace.rows);
    this.demand = new Float64Array(trace.rows).fill(Number.NaN);
    this.snapshot();
  }

  advanceTo(seconds: number): void {
    const end = Math.min(seconds, this.trace.endSeconds);
    // Piecewise constant between worker activations and row boundaries: integrate exactly.
    while (this.now < end) {
      const row = rowAt(this.trace, this.now);
      const rowEnd = this.trace.t[row]! + rowSeconds(this.trace, row);
      const next = Math.min(end, rowEnd, this.startingWorkers.nextReadyAt());
      const span = next - this.now;
      this.workerSeconds += (this.ready + this.startingWorkers.count) * span;
      this.servingSeconds += this.ready * span;
      this.startingSeconds += this.startingWorkers.count * span;
      this.supply[row]! += (this.ready * span) / rowSeconds(this.trace, row);
      this.now = next;
      this.ready += this.startingWorkers.takeReady(this.now);
      if (this.now >= rowEnd) this.demand[row] = this.rowDemand(row);
    }
  }

  setDesired(desired: number): void {
    const target = Math.max(0, Math.round(desired));
    const current = this.ready + this.startingWorkers.count;
    if (target > current) {
      if (this.options.startupSeconds <= 0) this.ready += target - current;
      else {
        this.startingWorkers.add(target - current, this.now + this.options.startupSeconds);
      }
      return;
    }
    let remove = current - target;
    remove -= this.startingWorkers.cancel(remove);
    this.ready -= remove;
  }

  counts(): WorkerCounts {
    return { serving: this.ready, starting: this.startingWorkers.count, draining: 0 };
  }

  status(): TargetStatus {
    return { desired: this.ready + this.startingWorkers.count, ready: this.ready, pending: this.startingWorkers.count, stable: true };
  }

  snapshot(): void {
    const row = rowAt(this.trace, this.now);
    const observed: Record<string, number> = {};
    if (row >= 0) {
      for (const [name, values] of Object.entries(this.trace.columns)) {
        const value = values[row]!;
        if (!Number.isNaN(value)) observed[name] = value;
      }
    }
    const ready = this.ready;
    // Derive only metrics the trace has no column for: an empty cell stays a missing sample.
    const columns = this.trace.columns;
    const derive = (name: string, value: number | undefined) => {
      if (!(name in columns) && observed[name] === undefined && value !== undefined) observed[name] = value;
    };
    derive('busy', observed.free !== undefined ? Math.max(0, ready - observed.free) : undefined);
    derive('free', observed.busy !== undefined ? Math.max(0, ready - observed.busy) : undefined);
    if (observed.cpu !== undefined) derive('utilization', observed.cpu / 100);
    else if (observed.busy !== undefined) derive('utilization', ready > 0 ? Math.min(1, observed.busy / ready) : observed.busy > 0 ? 1 : 0);
    derive('cpu', observed.utilization !== undefined ? observed.utilization * 100 : undefined);
    if (this.options.workerMemoryGb > 0) derive('mem_available_gb', Math.max(0, this.options.hostMemoryGb - (ready + this.startingWorkers.count) * this.options.workerMemoryGb));
    derive('pending', observed.queue_length);
    derive('queue_length', observed.pending);
    derive('jobs_in_system', observed.busy !== undefined ? observed.busy + (observed.queue_length ?? 0) : undefined);
    observed.ready = ready;
    this.observed = observed;
  }

  observe(name: string): number | undefined {
    return this.observed[name];
  }

  waits() {
    return undefined;
  }

  private rowDemand(row: number): number {
    const columns = this.trace.columns;
    const busy = columns.busy?.[row];
    if (busy !== undefined && !Number.isNaN(busy)) return busy;
    let utilization = columns.utilization?.[row];
    if (utilization === undefined || Number.isNaN(utilization)) {
      const cpu = columns.cpu?.[row];
      utilization = cpu === undefined ? Number.NaN : cpu / 100;
    }
    if (Number.isNaN(utilization)) return Number.NaN;
    return Math.ceil(utilization * this.supply[row]! - 1e-9);
  }
}
