/**
 * Baselines a policy is compared with. The reactive ones are controllers driven directly by the
 * simulator (`runController`), each implementing the published algorithm of a well-known
 * autoscaler on the same model and the same observations as the policy (utilization = busy /
 * live workers over the last minute, the CPU-like metric both products track):
 *
 *  - `hpa`: the Kubernetes HorizontalPodAutoscaler, target utilization 0.7 (Kubernetes has no
 *    default target; 0.7 is the common choice), sync every interval of the pool. The replica
 *    count is the replica calculator's (kubernetes/kubernetes
 *    pkg/controller/podautoscaler/replica_calculator.go, GetResourceReplicas /
 *    calcPlainMetricReplicas; the rules are also in the HPA docs, "Algorithm details"):
 *      - usage ratio r = mean utilization of the ready pods that have metrics / target;
 *      - within the tolerance (|1 - r| <= 0.1, --horizontal-pod-autoscaler-tolerance) nothing moves;
 *      - pods not ready yet (our starting workers) are set aside; on a scale-up (r > 1) they
 *        are put back at 0 % usage, so capacity already starting is not bought twice;
 *      - pods missing metrics: at 100 % of target on a scale-down, at 0 % on a scale-up;
 *      - if putting them back reverses the direction or lands within the tolerance: no change;
 *      - terminating pods (our draining workers) are ignored;
 *    then the controller's default behaviour (pkg/controller/podautoscaler/horizontal.go):
 *    scale-down stabilisation 300 s (the highest recommendation of the window), no scale-up
 *    stabilisation, scale-up rate at most max(+100 %, +4 pods) per 15 s period, [min, max].
 *  - `target-tracking`: AWS Application Auto Scaling target tracking for an ECS service at
 *    0.7 ("How target tracking scaling for Application Auto Scaling works",
 *    docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html,
 *    and the TargetTrackingScalingPolicyConfiguration API reference): the managed alarms
 *    evaluate one-minute datapoints, the high alarm needs 3 consecutive datapoints above the
 *    target, the low alarm 15 consecutive datapoints below 90 % of it ("a threshold sufficiently
 *    below the target value, usually more than 10 % lower"); insufficient data never scales;
 *    capacity moves proportionally, ceil(capacity x metric / target), rounding toward more
 *    capacity; ECS defaults ScaleOutCooldown = ScaleInCooldown = 300 s; during the scale-out
 *    cooldown the capacity added by the scale-out that started it counts toward the next one
 *    (only a larger scale-out happens); a scale-out is not held by the scale-in cooldown.
 *  - `static-peak`: constant capacity = the trace's peak demand (what a fixed fleet needs).
 *  - `oracle`: the fair clairvoyant bound: each row served by exactly max(min, demand) workers,
 *    every worker started `startup` seconds before it serves and paid from then (so it holds
 *    max(min, demand) over the next `startup` seconds), no rounding loss beyond whole workers.
 *    No policy under the same constraints (min, startup, whole workers) can pay less without
 *    being under-provisioned.
 *  - `oracle-no-startup`: the older, unconstrained bound: supply = demand of every row, down
 *    to 0, with no startup to pay.
 */
import type { Policy } from '../domain/policy';
import type { Reason } from '../domain/types';
import { summarize } from './metrics';
import type { Summary } from './metrics';
import { QueueModel } from './queueModel';
import { rowDurations, SIMULATION_DEFAULTS } from './simulate';
import type { Controller, ControllerView, PoolRun, SimulateOptions } from './simulate';
import type { Span, TimelineEntry } from './timeline';
import type { Trace } from './trace';

export const BASELINE_TARGET = 0.7;

// ---------------------------------------------------------------------------------------------
// Kubernetes HPA
// ---------------------------------------------------------------------------------------------

export interface ReplicaInput {
  /** Replicas the workload has now (spec.replicas: serving + starting). */
  currentReplicas: number;
  /** Mean usage of the ready pods that report metrics, divided by the target (the usage ratio). */
  usageRatio: number;
  /** Ready pods with metrics (readyPodCount). */
  ready: number;
  /** Pods not ready yet (starting): set aside, back at 0 % on a scale-up. */
  unready: number;
  /** Ready pods without metrics: 100 % of target on a scale-down, 0 % on a scale-up. */
  missing: number;
  /** Default 0.1. */
  tolerance?: number;
}

/** The replica calculator of kubernetes/kubernetes replica_calculator.go (see the file comment). */
export function hpaReplicas(input: ReplicaInput): { replicas: number; why: string } {
  const { currentReplicas, usageRatio, ready, unready, missing } = input;
  const tolerance = input.tolerance ?? 0.1;
  if (ready <= 0) return { replicas: currentReplicas, why: 'no metrics from any ready pod: no change' };
  const rebalanceUnready = unready > 0 && usageRatio > 1;
  if (!rebalanceUnready && missing === 0) {
    if (Math.abs(1 - usageRatio) <= tolerance) return { replicas: currentReplicas, why: `usage ratio ${fmt(usageRatio)} within tolerance ${tolerance}` };
    return { replicas: Math.ceil(exact(usageRatio * ready)), why: `ceil(${fmt(usageRatio)} x ${ready} ready)` };
  }
  let sum = usageRatio * ready;
  let count = ready;
  const notes: string[] = [];
  if (missing > 0) {
    if (usageRatio < 1) {
      sum += missing;
      count += missing;
      notes.push(`${missing} without metrics at 100 % of target (scale-down)`);
    } else if (usageRatio > 1) {
      count += missing;
      notes.push(`${missing} without metrics at 0 % (scale-up)`);
    }
  }
  if (rebalanceUnready) {
    count += unready;
    notes.push(`${unready} not ready at 0 % (scale-up)`);
  }
  const newRatio = sum / count;
  const how = `usage ratio ${fmt(usageRatio)} over ${ready} ready; ${notes.join(', ')}: ${fmt(newRatio)}`;
  if (Math.abs(1 - newRatio) <= tolerance || (usageRatio < 1 && newRatio > 1) || (usageRatio > 1 && newRatio < 1)) {
    return { replicas: currentReplicas, why: `${how}, within tolerance or reversing direction: no change` };
  }
  const replicas = Math.ceil(exact(newRatio * count));
  if ((newRatio < 1 && replicas > currentReplicas) || (newRatio > 1 && replicas < currentReplicas)) {
    return { replicas: currentReplicas, why: `${how}: ${replicas} would reverse direction: no change` };
  }
  return { replicas, why: `${how}: ceil(${fmt(newRatio)} x ${count}) = ${replicas}` };
}

export interface HpaSettings {
  target?: number;
  tolerance?: number;
  /** Seconds. Default 300. */
  stabilizationDown?: number;
  /** Seconds between syncs (the pool's interval). */
  interval: number;
  min: number;
  max: number;
}

/** The HPA controller: replica calculator, scale-down stabilisation, default scale-up rate, bounds. */
export function hpaController(settings: HpaSettings): Controller {
  const target = settings.target ?? BASELINE_TARGET;
  const window = settings.stabilizationDown ?? 300;
  const recommendations: { t: number; replicas: number }[] = [];
  return {
    id: 'hpa',
    interval: settings.interval,
    min: settings.min,
    max: settings.max,
    decide(view: ControllerView) {
      const utilization = view.observe('utilization');
      const reasons: Reason[] = [];
      let rec: number;
      if (utilization === undefined) {
        rec = view.current;
        reasons.push({ code: 'hpa.no_metrics', message: 'no utilization: no change' });
      } else {
        const r = hpaReplicas({ currentReplicas: view.current, usageRatio: utilization / target, ready: view.serving, unready: view.starting, missing: 0, ...(settings.tolerance !== undefined ? { tolerance: settings.tolerance } : {}) });
        rec = r.replicas;
        reasons.push({ code: 'hpa.replicas', message: `utilization ${fmt(utilization)} vs ${target}: ${r.why} -> ${rec}` });
      }
      return { desired: hpaBehaviour(recommendations, view.t, view.current, rec, window, reasons), reasons };
    },
  };
}

/**
 * Default HPA behaviour: the recommendation joins the window; a scale-down goes only to the
 * highest recommendation of the last `window` seconds; a scale-up is at most max(2 x current,
 * current + 4) (policies 100 % and 4 pods per 15 s, selectPolicy Max).
 */
export function hpaBehaviour(recommendations: { t: number; replicas: number }[], t: number, current: number, rec: number, window: number, reasons: Reason[]): number {
  recommendations.push({ t, replicas: rec });
  while (recommendations.length > 0 && recommendations[0]!.t <= t - window) recommendations.shift();
  let desired = rec;
  if (rec < current) {
    let highest = rec;
    for (const r of recommendations) highest = Math.max(highest, r.replicas);
    desired = Math.min(current, highest);
    if (desired > rec) reasons.push({ code: 'hpa.stabilization', message: `highest recommendation of the last ${window} s is ${highest}: ${rec} -> ${desired}` });
  } else if (rec > current) {
    const limit = Math.max(current * 2, current + 4);
    if (rec > limit) {
      reasons.push({ code: 'hpa.rate', message: `scale-up limited to max(2 x ${current}, ${current} + 4) = ${limit}` });
      desired = limit;
    }
  }
  return desired;
}

// ---------------------------------------------------------------------------------------------
// AWS target tracking
// ---------------------------------------------------------------------------------------------

export interface TargetTrackingSettings {
  target?: number;
  /** Seconds. ECS default 300. */
  scaleOutCooldown?: number;
  /** Seconds. ECS default 300. */
  scaleInCooldown?: number;
  min: number;
  max: number;
}

export interface TargetTrackingState {
  /** One-minute datapoints, newest last (NaN: insufficient data). */
  datapoints: number[];
  lastScaleOutAt?: number;
  lastScaleInAt?: number;
  /** Capacity before the scale-out that started the running scale-out cooldown. */
  cooldownBase?: number;
}

/** One evaluation of AWS target tracking (see the file comment); mutates `state`. */
export function targetTrackingStep(state: TargetTrackingState, settings: TargetTrackingSettings, t: number, capacity: number, datapoint: number | undefined): { desired: number; why: string } {
  const target = settings.target ?? BASELINE_TARGET;
  const outCooldown = settings.scaleOutCooldown ?? 300;
  const inCooldown = settings.scaleInCooldown ?? 300;
  state.datapoints.push(datapoint === undefined ? Number.NaN : datapoint);
  if (state.datapoints.length > 15) state.datapoints.shift();
  const points = state.datapoints;
  const last = (n: number) => (points.length >= n ? points.slice(points.length - n) : undefined);
  const high = last(3)?.every((v) => v > target) ?? false;
  const low = last(15)?.every((v) => v < 0.9 * target) ?? false;
  const metric = points[points.length - 1]!;
  if (high) {
    const inCooldownOut = state.lastScaleOutAt !== undefined && t - state.lastScaleOutAt < outCooldown;
    const base = inCooldownOut ? (state.cooldownBase ?? capacity) : capacity;
    const wanted = Math.ceil(exact((base * metric) / target));
    if (wanted > capacity) {
      if (!inCooldownOut) state.cooldownBase = capacity;
      state.lastScaleOutAt = t;
      return { desired: wanted, why: `3 datapoints > ${target}: ceil(${base} x ${fmt(metric)} / ${target}) = ${wanted}${inCooldownOut ? ' (larger than the scale-out in cooldown)' : ''}` };
    }
    return { desired: capacity, why: `3 datapoints > ${target}, but ceil(${base} x ${fmt(metric)} / ${target}) = ${wanted} adds nothing${inCooldownOut ? ' (scale-out cooldown: capacity already added counts)' : ''}` };
  }
  if (low) {
    if (state.lastScaleInAt !== undefined && t - state.lastScaleInAt < inCooldown) return { desired: capacity, why: `15 datapoints < ${fmt(0.9 * target)}, scale-in cooldown ${inCooldown} s: hold` };
    const wanted = Math.max(1, Math.ceil(exact((capacity * metric) / target)));
    if (wanted < capacity) {
      state.lastScaleInAt = t;
      return { desired: wanted, why: `15 datapoints < ${fmt(0.9 * target)}: ceil(${capacity} x ${fmt(metric)} / ${target}) = ${wanted}` };
    }
    return { desired: capacity, why: `15 datapoints < ${fmt(0.9 * target)}, but removing a task would overshoot the target: hold` };
  }
  return { desired: capacity, why: Number.isNaN(metric) ? 'insufficient data: no scaling' : `no alarm (metric ${fmt(metric)})` };
}

export function targetTrackingController(settings: TargetTrackingSettings): Controller {
  const state: TargetTrackingState = { datapoints: [] };
  return {
    id: 'target-tracking',
    // CloudWatch evaluates the alarms on one-minute datapoints.
    interval: 60,
    min: settings.min,
    max: settings.max,
    decide(view) {
      const step = targetTrackingStep(state, settings, view.t, view.current, view.observe('utilization'));
      return { desired: step.desired, reasons: [{ code: 'target_tracking', message: step.why }] };
    },
  };
}

export function staticController(count: number, interval: number): Controller {
  const n = Math.max(1, Math.ceil(count));
  return {
    id: 'static-peak',
    interval,
    min: n,
    max: n,
    decide: () => ({ desired: n, reasons: [{ code: 'static', message: `constant ${n} workers (peak demand)` }] }),
  };
}

/**
 * The baselines as jobs (see parallel.ts): bounds follow the pool, min at least 1 (both products'
 * minimum); static-peak holds the peak demand within the same bounds (a pool never runs fewer
 * than `min` or more than `max`).
 */
export function baselineJobs(pool: Policy, peak: number) {
  const min = Math.max(1, pool.min);
  const interval = Math.max(1, Math.round(pool.interval / 1000));
  return [
    { kind: 'hpa' as const, settings: { interval, min, max: pool.max } },
    { kind: 'target-tracking' as const, settings: { min, max: pool.max } },
    { kind: 'static' as const, count: staticPeakCount(pool, peak), interval },
  ];
}

/** The count static-peak holds: the peak demand, within the pool's [max(1, min), max]. */
export function staticPeakCount(pool: Pick<Policy, 'min' | 'max'>, peak: number): number {
  return Math.min(Math.max(1, pool.max), Math.max(1, pool.min, Math.ceil(peak)));
}

export function peakDemand(trace: Trace, options: SimulateOptions): number {
  const arrivals = trace.columns.arrivals;
  const service = Math.max(1, Math.round(options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds));
  const durations = rowDurations(trace);
  let peak = 0;
  if (arrivals) {
    for (let i = 0; i < trace.rows; i += 1) peak = Math.max(peak, Math.ceil((arrivals[i]! * service) / durations[i]!));
    return peak;
  }
  const busy = trace.columns.busy;
  if (busy) for (const v of busy) if (!Number.isNaN(v)) peak = Math.max(peak, v);
  return peak;
}

// ---------------------------------------------------------------------------------------------
// Oracles
// ---------------------------------------------------------------------------------------------

export interface OracleOptions extends SimulateOptions {
  /** Fair oracle: never below this many workers (the pool's min). Default 0. */
  min?: number;
  /** Fair oracle: never above (the pool's max). */
  max?: number;
  /** Fair oracle: pay each worker's startup before it serves (default true when `fair`). */
  fair?: boolean;
}

/** Demand per row in workers: the queue model's for arrivals, the `busy` column otherwise (NaN where unknown). */
function rowDemand(trace: Trace, options: SimulateOptions): Float64Array {
  if (trace.kind === 'closed') return queueReplay(trace, options, new Float64Array(0)).demand;
  const demand = new Float64Array(trace.rows).fill(Number.NaN);
  const busy = trace.columns.busy;
  if (busy) for (let i = 0; i < trace.rows; i += 1) demand[i] = busy[i]!;
  return demand;
}

/** Replays the queue with exactly `serving[i]` workers from the start of row i (no startup): the oracle's waits. */
function queueReplay(trace: Trace, options: SimulateOptions, serving: Float64Array): QueueModel {
  const model = new QueueModel(trace, {
    serviceSeconds: options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds,
    startupSeconds: 0,
    initialWorkers: 0,
    sloSeconds: options.sloSeconds ?? SIMULATION_DEFAULTS.sloSeconds,
    hostMemoryGb: 0,
    workerMemoryGb: 0,
  });
  if (serving.length === 0) return model;
  for (let i = 0; i < trace.rows; i += 1) {
    model.advanceTo(trace.t[i]!);
    model.setDesired(serving[i]!);
  }
  model.advanceTo(trace.endSeconds);
  return model;
}

/**
 * An oracle run. `fair` (the default): serving = clamp(demand, min, max) per row, each worker
 * paid from `startup` seconds before it serves; otherwise serving = demand, nothing paid for
 * startup, no bounds (the older bound). Rows of unknown demand are served at the minimum.
 */
export function oracle(trace: Trace, options: OracleOptions = {}): PoolRun {
  const fair = options.fair ?? true;
  const min = fair ? (options.min ?? 0) : 0;
  const max = fair ? (options.max ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
  const startup = fair ? Math.max(0, Math.round(options.startupSeconds ?? SIMULATION_DEFAULTS.startupSeconds)) : 0;
  const durations = rowDurations(trace);
  const t0 = trace.t[0]!;
  const seconds = trace.endSeconds - t0;
  const demand = rowDemand(trace, options);
  const needed = Float64Array.from(demand, (d) => Math.min(max, Math.max(min, Number.isNaN(d) ? 0 : d)));

  // Paid workers at second s: the most needed by any row overlapping [s, s + startup] (a worker
  // serving then is either serving now or starting now). Sliding maximum over row indices.
  const billed = new Float64Array(trace.rows);
  const queue: number[] = [];
  let head = 0;
  let ahead = -1;
  let row = 0;
  let workerSeconds = 0;
  const rowOf = (s: number) => {
    while (row + 1 < trace.rows && trace.t[row + 1]! <= s) row += 1;
    return row;
  };
  let probe = 0;
  for (let s = Math.round(t0); s < Math.round(trace.endSeconds); s += 1) {
    const current = rowOf(s);
    const horizon = Math.min(s + startup, trace.endSeconds - 1);
    while (probe + 1 < trace.rows && trace.t[probe + 1]! <= horizon) probe += 1;
    while (ahead < probe) {
      ahead += 1;
      while (queue.length > head && needed[queue[queue.length - 1]!]! <= needed[ahead]!) queue.pop();
      queue.push(ahead);
    }
    while (head < queue.length - 1 && queue[head]! < current) head += 1;
    const paid = needed[queue[head]!]!;
    workerSeconds += paid;
    billed[current]! += paid;
  }
  for (let i = 0; i < trace.rows; i += 1) billed[i] = billed[i]! / durations[i]!;

  const replay = trace.kind === 'closed' ? queueReplay(trace, options, needed) : undefined;
  const supply = Float64Array.from(needed);
  const summary: Summary = {
    ...summarize({ demand, supply, rowSeconds: durations, workerSeconds, seconds, scaleEvents: countChanges(supply), ...(replay ? { waits: replay.waits() } : {}) }),
    xOracle: 1,
  };
  const timeline: TimelineEntry[] = [];
  if (options.timeline !== false) {
    for (let i = 0; i < trace.rows; i += 1) {
      const span: Span = {
        t: trace.t[i]! - t0,
        until: trace.t[i]! - t0 + durations[i]!,
        serving: needed[i]!,
        starting: billed[i]! - needed[i]!,
        draining: 0,
        billed: billed[i]!,
        demand: Number.isNaN(demand[i]!) ? null : demand[i]!,
      };
      const previous = i > 0 ? needed[i - 1]! : needed[i]!;
      const action = needed[i]! > previous ? 'scale_up' : needed[i]! < previous ? 'scale_down' : 'none';
      timeline.push({ ...span, desired: needed[i]!, ready: needed[i]!, action, reasons: [{ code: 'oracle', message: fair ? `serve max(min ${min}, demand) = ${needed[i]}, started ${startup} s ahead` : `serve demand ${needed[i]}` }] });
    }
  }
  return { id: fair ? 'oracle' : 'oracle-no-startup', summary, timeline, demand, supply };
}

function countChanges(series: Float64Array): number {
  let n = 0;
  for (let i = 1; i < series.length; i += 1) if (series[i] !== series[i - 1]) n += 1;
  return n;
}

/** Rounds away float noise (0.7 / 0.1 * 10) before ceil. */
const exact = (n: number) => Math.round(n * 1e9) / 1e9;
const fmt = (n: number) => String(Math.round(n * 1000) / 1000);
