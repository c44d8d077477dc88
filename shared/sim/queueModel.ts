/**
 * Closed-loop queue model. Jobs of a trace row arrive spread evenly over the row (whole jobs:
 * second k of an n-job, L-second row gets floor((k+1)n/L) - floor(kn/L)). One FIFO queue, each
 * job holds one worker for `serviceSeconds`. The model steps in whole seconds, which keeps a
 * month of per-minute rows (2.4 M steps) well under a second per policy while waits stay
 * exact to the second.
 *
 * Workers: `ready` serve jobs; `starting` ones serve after `startupSeconds`; scale-in cancels
 * starting workers first (newest first), then removes idle workers, and only then marks busy
 * workers `draining`: they finish their job and leave without taking another (the engine
 * rule "scale-in removes idle workers first; busy ones are protected").
 *
 * Demand of a row (for the oracle and the elasticity metrics) is the number of workers that
 * would carry the row's work exactly: ceil(arrivals * serviceSeconds / rowSeconds).
 */
import { StartingWorkers } from './StartingWorkers';
import type { TargetStatus } from '../domain/types';
import type { SimModel, WaitStats, WorkerCounts } from './SimModel';
import type { Trace } from './trace';
import { rowSeconds } from './trace';

export interface QueueModelOptions {
  /** Seconds one job holds a worker (rounded to whole seconds, at least 1). */
  serviceSeconds: number;
  /** Seconds from a scale-up until the new worker serves. */
  startupSeconds: number;
  initialWorkers: number;
  /** Wait above this counts against the SLO, seconds. */
  sloSeconds: number;
  /** Host memory model for `mem_available_gb`: total minus per-worker memory. */
  hostMemoryGb: number;
  workerMemoryGb: number;
}

/** Waits are histogrammed per second up to this; longer waits fall in the last bin (p95 is then a lower bound). */
const WAIT_BINS = 6 * 3600;

export function demandOf(arrivals: number, serviceSeconds: number, seconds: number): number {
  return Math.ceil((arrivals * Math.max(1, Math.round(serviceSeconds))) / seconds);
}

export class QueueModel implements SimModel {
  readonly supply: Float64Array;
  readonly demand: Float64Array;
  workerSeconds = 0;
  servingSeconds = 0;
  startingSeconds = 0;
  drainingSeconds = 0;
  now: number;

  private readonly service: number;
  private readonly startup: number;
  private readonly arrivals: Float64Array;
  /** Arrivals of the rows before each row: fractional arrivals (a rescaled or averaged trace) carry over, so no job is lost to rounding. */
  private readonly arrivedBefore: Float64Array;
  // Workers.
  private ready: number;
  private draining = 0;
  private busy = 0;
  private readonly startingWorkers = new StartingWorkers();
  /** completions[s % service]: jobs finishing at second s. */
  private readonly completions: Float64Array;
  // FIFO of arrival cohorts (second, jobs).
  private cohortAt: number[] = [];
  private cohortJobs: number[] = [];
  private head = 0;
  private queued = 0;
  // Counters.
  private arrived = 0;
  private completed = 0;
  private readonly waitHistogram = new Float64Array(WAIT_BINS + 1);
  private waitSum = 0;
  private waitMax = 0;
  // Row cursor.
  private row = 0;
  private rowStart: number;
  private rowLength: number;
  private rowReadySeconds = 0;
  // Observation window.
  private windowBusy = 0;
  private windowAlive = 0;
  private windowArrived = 0;
  private windowSeconds = 0;
  private observed: Record<string, number> = {};

  constructor(
    private readonly trace: Trace,
    private readonly options: QueueModelOptions,
  ) {
    const arrivals = trace.columns.arrivals;
    if (!arrivals) throw new Error('the queue model needs a closed-loop trace with an `arrivals` column');
    this.arrivals = arrivals;
    this.arrivedBefore = new Float64Array(trace.rows);
    // Compensated (Kahan) summation: over a month of rows a plain running sum of 0.1s drifts by
    // more than the epsilon below.
    let sum = 0;
    let carry = 0;
    for (let i = 1; i < trace.rows; i += 1) {
      const y = arrivals[i - 1]! - carry;
      const next = sum + y;
      carry = next - sum - y;
      sum = next;
      this.arrivedBefore[i] = sum;
    }
    this.service = Math.max(1, Math.round(options.serviceSeconds));
    this.startup = Math.max(0, Math.round(options.startupSeconds));
    this.completions = new Float64Array(this.service);
    this.ready = Math.max(0, Math.round(options.initialWorkers));
    this.now = Math.round(trace.t[0]!);
    this.rowStart = trace.t[0]!;
    this.rowLength = rowSeconds(trace, 0);
    this.supply = new Float64Array(trace.rows);
    this.demand = new Float64Array(trace.rows);
    for (let i = 0; i < trace.rows; i += 1) this.demand[i] = demandOf(arrivals[i]!, this.service, rowSeconds(trace, i));
    this.snapshot();
  }

  advanceTo(seconds: number): void {
    const end = Math.min(Math.round(seconds), Math.round(this.trace.endSeconds));
    while (this.now < end) this.step(this.now++);
    // Workers whose startup ends at this instant serve from it: status() and the timeline
    // see them (step() would take them at its start anyway).
    this.ready += this.startingWorkers.takeReady(this.now);
  }

  counts(): WorkerCounts {
    return { serving: this.ready, starting: this.startingWorkers.count, draining: this.draining };
  }

  setDesired(desired: number): void {
    const target = Math.max(0, Math.round(desired));
    const current = this.ready + this.startingWorkers.count;
    if (target > current) {
      let add = target - current;
      // Draining workers are still here: keeping them is faster than starting new ones.
      const revive = Math.min(add, this.draining);
      this.draining -= revive;
      this.ready += revive;
      add -= revive;
      if (add > 0) {
        if (this.startup === 0) this.ready += add;
        else {
          this.startingWorkers.add(add, this.now + this.startup);
        }
      }
      return;
    }
    let remove = current - target;
    remove -= this.startingWorkers.cancel(remove);
    const idle = this.ready + this.draining - this.busy;
    const idleRemoved = Math.min(remove, idle);
    this.ready -= idleRemoved;
    remove -= idleRemoved;
    // Busy workers finish their job first, then leave.
    this.ready -= remove;
    this.draining += remove;
  }

  status(): TargetStatus {
    return {
      desired: this.ready + this.startingWorkers.count,
      ready: this.ready,
      pending: this.startingWorkers.count,
      stable: true,
      ...(this.draining > 0 ? { note: `${this.draining} worker(s) finishing their job before leaving` } : {}),
    };
  }

  snapshot(): void {
    const alive = this.ready + this.draining;
    let utilization: number;
    if (this.windowAlive > 0) utilization = this.windowBusy / this.windowAlive;
    else utilization = alive > 0 ? this.busy / alive : this.queued > 0 ? 1 : 0;
    const paid = alive + this.startingWorkers.count;
    this.observed = {
      busy: this.busy,
      free: Math.max(0, alive - this.busy),
      utilization,
      cpu: utilization * 100,
      pending: this.queued,
      queue_length: this.queued,
      backlog: this.queued,
      // Jobs in the system (queued + in service), as SQS visible + in-flight or Celery
      // queued + active: the backlog-per-worker metric AWS and KEDA recommend.
      jobs_in_system: this.queued + this.busy,
      ready: this.ready,
      // Little's law: the workers the arrivals of the last interval keep busy (arrival rate x
      // job seconds), what a pool must serve whatever it serves now. Production sources: SQS
      // NumberOfMessagesSent or Celery task-received events per second x the mean job time.
      ...(this.windowSeconds > 0 ? { offered_load: (this.windowArrived * this.service) / this.windowSeconds, arrival_rate: this.windowArrived / this.windowSeconds } : {}),
      mem_available_gb: Math.max(0, this.options.hostMemoryGb - paid * this.options.workerMemoryGb),
      mem_total_gb: this.options.hostMemoryGb,
      workers_rss_gb: paid * this.options.workerMemoryGb,
    };
    this.windowBusy = 0;
    this.windowAlive = 0;
    this.windowArrived = 0;
    this.windowSeconds = 0;
  }

  observe(name: string): number | undefined {
    return this.observed[name];
  }

  waits(): WaitStats {
    const jobs = this.completed + this.busy;
    let p95 = 0;
    let overSlo = 0;
    const slo = Math.round(this.options.sloSeconds);
    const rank = Math.ceil(jobs * 0.95);
    let seen = 0;
    let found = false;
    for (let w = 0; w <= WAIT_BINS; w += 1) {
      const n = this.waitHistogram[w]!;
      if (n === 0) continue;
      seen += n;
      if (!found && seen >= rank) {
        p95 = w;
        found = true;
      }
      if (w > slo) overSlo += n;
    }
    // Jobs still queued at the end have waited at least until now.
    for (let c = this.head; c < this.cohortAt.length; c += 1) {
      if (this.now - this.cohortAt[c]! > slo) overSlo += this.cohortJobs[c]!;
    }
    const total = jobs + this.queued;
    return {
      jobs: total,
      p95,
      mean: jobs > 0 ? this.waitSum / jobs : 0,
      max: this.waitMax,
      overSlo: total > 0 ? overSlo / total : 0,
      unfinished: this.queued + this.busy,
    };
  }

  /** Conservation check for tests: every arrived job is completed, in service or queued. */
  counters() {
    return { arrived: this.arrived, completed: this.completed, busy: this.busy, queued: this.queued, ready: this.ready, draining: this.draining, starting: this.startingWorkers.count };
  }

  private step(s: number): void {
    // Row bookkeeping: close the previous row when s crosses into the next one.
    while (this.row + 1 < this.trace.rows && s >= this.trace.t[this.row + 1]!) {
      this.supply[this.row] = this.rowReadySeconds / this.rowLength;
      this.row += 1;
      this.rowStart = this.trace.t[this.row]!;
      this.rowLength = rowSeconds(this.trace, this.row);
      this.rowReadySeconds = 0;
    }
    this.ready += this.startingWorkers.takeReady(s);
    const slot = s % this.service;
    const done = this.completions[slot]!;
    if (done > 0) {
      this.completions[slot] = 0;
      this.busy -= done;
      this.completed += done;
      const leaving = Math.min(done, this.draining);
      this.draining -= leaving;
    }
    const offset = s - this.rowStart;
    if (offset >= 0 && offset < this.rowLength) {
      const n = this.arrivals[this.row]!;
      const before = this.arrivedBefore[this.row]!;
      // The epsilon absorbs the drift of a floating-point running sum (ten rows of 0.1 add up to
      // 0.9999999999999999): a whole job is not lost to it.
      const slack = 1e-9 * Math.max(1, before);
      const a = Math.floor(before + ((offset + 1) * n) / this.rowLength + slack) - Math.floor(before + (offset * n) / this.rowLength + slack);
      if (a > 0) {
        this.cohortAt.push(s);
        this.cohortJobs.push(a);
        this.queued += a;
        this.arrived += a;
        this.windowArrived += a;
      }
    }
    let free = this.ready + this.draining - this.busy;
    if (free > 0 && this.queued > 0) {
      let started = 0;
      while (free > 0 && this.head < this.cohortAt.length) {
        const jobs = this.cohortJobs[this.head]!;
        const take = Math.min(free, jobs);
        const wait = s - this.cohortAt[this.head]!;
        this.waitHistogram[Math.min(wait, WAIT_BINS)]! += take;
        this.waitSum += wait * take;
        if (wait > this.waitMax) this.waitMax = wait;
        free -= take;
        started += take;
        if (take === jobs) this.head += 1;
        else this.cohortJobs[this.head] = jobs - take;
      }
      this.queued -= started;
      this.busy += started;
      this.completions[slot]! += started;
      if (this.head > 4096 && this.head * 2 > this.cohortAt.length) {
        this.cohortAt = this.cohortAt.slice(this.head);
        this.cohortJobs = this.cohortJobs.slice(this.head);
        this.head = 0;
      }
    }
    const alive = this.ready + this.draining;
    this.workerSeconds += alive + this.startingWorkers.count;
    this.servingSeconds += this.ready;
    this.startingSeconds += this.startingWorkers.count;
    this.drainingSeconds += this.draining;
    this.rowReadySeconds += this.ready;
    this.windowBusy += this.busy;
    this.windowAlive += alive;
    this.windowSeconds += 1;
    if (s + 1 >= this.trace.endSeconds) this.supply[this.row] = this.rowReadySeconds / this.rowLength;
  }
}
