/**
 * The simulator's timeline: one entry per evaluation, each describing the span until the next
 * evaluation (or the end of the trace), so every summary figure can be recomputed from it:
 *  - worker-hours = Σ billed x (until - t) / 3600, over `start` and every entry;
 *  - under/over-provisioned time = Σ (until - t) where demand > serving (resp. <), when the
 *    evaluation interval equals the trace's row length (then each span is one row; otherwise a
 *    span's `demand` and `serving` are time means over several rows or part of one).
 * `serving`, `starting`, `draining` and `billed` are time means over the span (billed = serving +
 * starting + draining: every worker alive is paid for); `ready` is the serving count just after
 * the evaluation's action (workers whose startup ended at that instant included).
 */
import type { Reason } from '../domain/types';
import type { SimModel } from './SimModel';
import type { Trace } from './trace';

export interface Span {
  /** Seconds since the trace start. */
  t: number;
  /** End of the span: the next evaluation, or the end of the trace. */
  until: number;
  /** Mean serving workers over [t, until). */
  serving: number;
  /** Mean workers starting (paid, not serving yet). */
  starting: number;
  /** Mean workers finishing a job before leaving (paid, taking no new job). */
  draining: number;
  /** Mean workers billed: serving + starting + draining. */
  billed: number;
  /** Mean demand in workers over the span (null where the trace does not give it). */
  demand: number | null;
}

export interface TimelineEntry extends Span {
  /** Count asked for after this evaluation. */
  desired: number;
  /** Workers serving just after the evaluation's action. */
  ready: number;
  action: string;
  reasons: Reason[];
}

interface Counters {
  t: number;
  serving: number;
  starting: number;
  draining: number;
  billed: number;
}

/** Records a model's timeline; `record` is called once per evaluation, after its action. */
export class TimelineRecorder {
  readonly entries: TimelineEntry[] = [];
  /** The span before the first evaluation (closed loop: the first interval of load). */
  start: Span;
  private open: Span;
  private last: Counters;

  constructor(private readonly model: SimModel) {
    this.last = this.counters(0);
    this.start = { t: 0, until: 0, serving: 0, starting: 0, draining: 0, billed: 0, demand: null };
    this.open = this.start;
  }

  record(t: number, desired: number, action: string, reasons: Reason[]): void {
    this.close(t);
    const entry: TimelineEntry = { t, until: t, serving: 0, starting: 0, draining: 0, billed: 0, demand: null, desired, ready: this.model.counts().serving, action, reasons };
    this.entries.push(entry);
    this.open = entry;
  }

  /** Closes the last span at `end` (seconds since the trace start) and fills every span's demand. */
  finish(end: number, trace: Trace): { start: Span; timeline: TimelineEntry[] } {
    this.close(end);
    fillDemand([this.start, ...this.entries], this.model.demand, trace);
    return { start: this.start, timeline: this.entries };
  }

  private counters(t: number): Counters {
    const m = this.model;
    return { t, serving: m.servingSeconds, starting: m.startingSeconds, draining: m.drainingSeconds, billed: m.workerSeconds };
  }

  private close(t: number): void {
    const now = this.counters(t);
    const span = t - this.last.t;
    const open = this.open;
    open.until = t;
    if (span > 0) {
      open.serving = (now.serving - this.last.serving) / span;
      open.starting = (now.starting - this.last.starting) / span;
      open.draining = (now.draining - this.last.draining) / span;
      open.billed = (now.billed - this.last.billed) / span;
    } else {
      const c = this.model.counts();
      open.serving = c.serving;
      open.starting = c.starting;
      open.draining = c.draining;
      open.billed = c.serving + c.starting + c.draining;
    }
    this.last = now;
  }
}

/** Time-weighted mean of the per-row demand over each span (spans in order, seconds since the trace start). */
export function fillDemand(spans: Span[], demand: ArrayLike<number>, trace: Trace): void {
  const t0 = trace.t[0]!;
  const end = trace.endSeconds - t0;
  let row = 0;
  for (const span of spans) {
    if (span.until <= span.t) {
      while (row + 1 < trace.rows && trace.t[row + 1]! - t0 <= span.t) row += 1;
      const d = demand[row]!;
      span.demand = Number.isNaN(d) ? null : d;
      continue;
    }
    let sum = 0;
    let unknown = false;
    while (row + 1 < trace.rows && trace.t[row + 1]! - t0 <= span.t) row += 1;
    let r = row;
    let covered = 0;
    while (r < trace.rows) {
      const a = Math.max(span.t, trace.t[r]! - t0);
      const b = Math.min(span.until, r + 1 < trace.rows ? trace.t[r + 1]! - t0 : end);
      if (b > a) {
        const d = demand[r]!;
        if (Number.isNaN(d)) unknown = true;
        else sum += d * (b - a);
        covered += b - a;
      }
      if (r + 1 >= trace.rows || trace.t[r + 1]! - t0 >= span.until) break;
      r += 1;
    }
    span.demand = unknown || covered === 0 ? null : sum / covered;
  }
}
