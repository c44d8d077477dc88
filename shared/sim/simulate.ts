/**
 * Replays a trace through the REAL runtime tick: in-memory policy, state and history stores, a
 * simulated clock, and simulated targets and metric sources backed by one workload model per
 * pool (closed-loop queue model for `arrivals` traces, open-loop replay for metric columns).
 * Every pool sees the same trace. The clock steps by the greatest common divisor of the pool
 * intervals; `runTick` decides which pools are due, exactly as in the Lambda.
 */
import type { Config, Policy } from '../domain/policy';
import type { Reason } from '../domain/types';
import { MemoryPolicyStore } from '../adapters/memory';
import { runTick } from '../runtime/tick';
import type { RuntimeDeps } from '../runtime/tick';
import { summarize } from './metrics';
import type { Summary } from './metrics';
import { OpenLoopModel } from './openLoopModel';
import { QueueModel } from './queueModel';
import { SimClock } from './SimClock';
import { SimDecisionLog } from './SimDecisionLog';
import { SimMetricSource } from './simMetrics';
import type { SimModel } from './SimModel';
import { SimStateStore } from './SimStateStore';
import { SimTarget } from './simTarget';
import type { Span, TimelineEntry } from './timeline';
import { TimelineRecorder } from './timeline';
import type { Trace } from './trace';
import { rowSeconds } from './trace';

export interface SimulateOptions {
  /** Seconds one job holds a worker (closed loop). Default 30. */
  serviceSeconds?: number;
  /** Seconds from a scale-up until a worker serves. Default 60. */
  startupSeconds?: number;
  /** Waits above this count against the SLO, seconds. Default 60. */
  sloSeconds?: number;
  /** Workers at the start; default: closed loop the first row's demand, open loop the pool min, clamped into [min, max]. */
  initialWorkers?: number;
  /** Host memory for `mem_available_gb`, GiB. Default 64. */
  hostMemoryGb?: number;
  /** Memory per worker, GiB. Default: the pool's `resources.memoryGb`, else 1. */
  workerMemoryGb?: number;
  /** Epoch ms of the trace start (schedules and forecasts see this wall time). Default 2024-01-01T00:00Z, a Monday. */
  startMs?: number;
  /** Simulate only these pools. */
  poolIds?: readonly string[];
  /** Keep per-evaluation timeline entries (default true). */
  timeline?: boolean;
  /** Called with the share of the trace simulated (0..1), about every 2 %. */
  onProgress?: (fraction: number) => void;
}

export const SIMULATION_DEFAULTS = {
  serviceSeconds: 30,
  startupSeconds: 60,
  sloSeconds: 60,
  hostMemoryGb: 64,
  workerMemoryGb: 1,
  startMs: Date.UTC(2024, 0, 1),
} as const;

export type { Span, TimelineEntry } from './timeline';

export interface PoolRun {
  id: string;
  summary: Summary;
  /** One entry per evaluation (empty when not kept), each covering the span to the next one. */
  timeline: TimelineEntry[];
  /** The span before the first evaluation, when the timeline is kept. */
  start?: Span;
  /** Per trace row: demand and mean serving workers (for metrics and the report). */
  demand: Float64Array;
  supply: Float64Array;
}

export interface SimulationResult {
  kind: Trace['kind'];
  seconds: number;
  rows: number;
  pools: PoolRun[];
}

/** Metric names each rule reads (the names the engine looks up in the observations). */
export function ruleMetricNames(policy: Policy): string[] {
  const names = new Set<string>();
  for (const rule of policy.rules) {
    if (rule.type === 'buffer') names.add(rule.busyMetric).add(rule.freeMetric);
    else if (rule.type === 'memory' || rule.type === 'emergency' || rule.type === 'predictive') names.add(rule.metric);
    else if (rule.type === 'steps') {
      names.add(rule.metric);
      if (rule.memoryPerWorkerGb !== undefined || rule.scaleDownMinAvailableGb !== undefined) names.add(rule.memoryMetric);
    } else if (rule.type === 'target') {
      names.add(rule.metric);
      if (rule.requirePending) names.add(rule.pendingMetric);
    }
  }
  return [...names];
}

/**
 * The policy as simulated: decisions are applied even for dry-run pools (nothing real is
 * touched), and every metric a rule reads but the pool does not declare (imported seed pools
 * often leave sources to be filled in) is supplied by the simulation under its name.
 */
export function simulatedPolicy(policy: Policy): { policy: Policy; supplied: string[] } {
  const supplied = ruleMetricNames(policy).filter((name) => !(name in policy.metrics));
  const metrics = { ...policy.metrics };
  for (const name of supplied) metrics[name] = { source: 'static', value: 0 };
  return { policy: { ...policy, dryRun: false, metrics }, supplied: supplied.map((name) => `${policy.id}/${name}`) };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function initialWorkersFor(policy: Pick<Policy, 'min' | 'max'>, trace: Trace, options: SimulateOptions): number {
  const clamp = (n: number) => Math.min(policy.max, Math.max(policy.min, n));
  if (options.initialWorkers !== undefined) return clamp(options.initialWorkers);
  if (trace.kind === 'closed') {
    const service = options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds;
    return clamp(Math.ceil((trace.columns.arrivals![0]! * service) / rowSeconds(trace, 0)));
  }
  return clamp(policy.min);
}

export function createModel(policy: Pick<Policy, 'min' | 'max' | 'resources'>, trace: Trace, options: SimulateOptions): SimModel {
  const common = {
    startupSeconds: options.startupSeconds ?? SIMULATION_DEFAULTS.startupSeconds,
    initialWorkers: initialWorkersFor(policy, trace, options),
    hostMemoryGb: options.hostMemoryGb ?? SIMULATION_DEFAULTS.hostMemoryGb,
    workerMemoryGb: options.workerMemoryGb ?? (policy.resources.memoryGb > 0 ? policy.resources.memoryGb : SIMULATION_DEFAULTS.workerMemoryGb),
  };
  if (trace.kind === 'closed') {
    return new QueueModel(trace, {
      ...common,
      serviceSeconds: options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds,
      sloSeconds: options.sloSeconds ?? SIMULATION_DEFAULTS.sloSeconds,
    });
  }
  return new OpenLoopModel(trace, common);
}

export function rowDurations(trace: Trace): Float64Array {
  const durations = new Float64Array(trace.rows);
  for (let i = 0; i < trace.rows; i += 1) durations[i] = rowSeconds(trace, i);
  return durations;
}

/** Runs the config's pools (or `options.poolIds`) over the trace through `runTick`. */
export async function simulate(config: Config, trace: Trace, options: SimulateOptions = {}): Promise<SimulationResult> {
  const chosen = options.poolIds ? config.pools.filter((p) => options.poolIds!.includes(p.id)) : config.pools;
  const simulated = chosen.map(simulatedPolicy);
  const policies = simulated.map((s) => s.policy);
  const supplied = new Set(simulated.flatMap((s) => s.supplied));
  const models = new Map<string, SimModel>();
  for (const policy of policies) models.set(policy.id, createModel(policy, trace, options));
  const clock = new SimClock(options.startMs ?? SIMULATION_DEFAULTS.startMs);
  const target = new SimTarget(models);
  const deps: RuntimeDeps = {
    policies: new MemoryPolicyStore(policies, config.budget),
    // Same conditional-write contract as the memory/DynamoDB stores, without per-tick copies.
    states: new SimStateStore(),
    log: new SimDecisionLog(),
    metrics: [new SimMetricSource(models, supplied)],
    targets: [target],
    clock,
  };
  const recorders = new Map<string, TimelineRecorder>();
  const events = new Map<string, number>(policies.map((p) => [p.id, 0]));
  const keepTimeline = options.timeline !== false;
  if (keepTimeline) for (const policy of policies) recorders.set(policy.id, new TimelineRecorder(models.get(policy.id)!));
  if (policies.length === 0) throw new RangeError('no pool to simulate');
  const stepSeconds = Math.max(1, policies.map((p) => Math.round(p.interval / 1000)).reduce(gcd));
  const start = trace.t[0]!;
  const end = trace.endSeconds;
  const span = end - start;
  // Without a budget the policies can be handed to the tick directly (no store round trip).
  const hotPolicies = config.budget ? undefined : policies;
  let nextProgress = 0;

  // Closed loop: the first evaluation comes one step in, once the model has produced a window
  // of load to observe (at t=0 an idle, just-started pool would read as utilization 0 and every
  // reactive policy would scale in before the first job). Open loop: rows are observations as
  // of their t, so evaluation starts at the first row.
  const first = firstEvaluation(trace, stepSeconds);
  for (let t = first; t < end; t += stepSeconds) {
    for (const model of models.values()) {
      model.advanceTo(t);
      model.snapshot();
    }
    clock.setSeconds(t - start);
    const result = await runTick(deps, { trigger: 'simulation', ...(hotPolicies ? { policies: hotPolicies } : {}) });
    for (const outcome of result.outcomes) {
      const decision = outcome.decision;
      if (!decision) continue;
      if (outcome.acted) events.set(outcome.poolId, (events.get(outcome.poolId) ?? 0) + 1);
      recorders.get(outcome.poolId)?.record(t - start, decision.desired, decision.action, decision.reasons);
    }
    if (options.onProgress && (t - start) / span >= nextProgress) {
      options.onProgress((t - start) / span);
      nextProgress += 0.02;
    }
  }
  for (const model of models.values()) model.advanceTo(end);
  options.onProgress?.(1);

  return {
    kind: trace.kind,
    seconds: span,
    rows: trace.rows,
    pools: policies.map((policy) => poolRun(policy.id, models.get(policy.id)!, trace, events.get(policy.id) ?? 0, recorders.get(policy.id))),
  };
}

/** Closed loop: one step in (see `simulate`); open loop: the first row. */
export function firstEvaluation(trace: Trace, stepSeconds: number): number {
  return trace.kind === 'closed' ? trace.t[0]! + stepSeconds : trace.t[0]!;
}

/** Summary (and timeline, when recorded) of a model run to the end of the trace. */
export function poolRun(id: string, model: SimModel, trace: Trace, scaleEvents: number, recorder?: TimelineRecorder): PoolRun {
  const waits = model.waits();
  const span = trace.endSeconds - trace.t[0]!;
  const recorded = recorder?.finish(span, trace);
  const run: PoolRun = {
    id,
    summary: summarize({
      demand: model.demand,
      supply: model.supply,
      rowSeconds: rowDurations(trace),
      workerSeconds: model.workerSeconds,
      seconds: span,
      scaleEvents,
      ...(waits ? { waits } : {}),
    }),
    timeline: recorded?.timeline ?? [],
    demand: model.demand,
    supply: model.supply,
  };
  if (recorded && recorded.start.until > recorded.start.t) run.start = recorded.start;
  return run;
}

/** What a baseline controller sees at an evaluation (the same model observations the policy reads). */
export interface ControllerView {
  /** Seconds since the trace start. */
  t: number;
  /** Count asked for before this evaluation (serving + starting). */
  current: number;
  serving: number;
  starting: number;
  draining: number;
  /** Model observation by name (utilization over the last interval, busy, queue_length, ...). */
  observe(name: string): number | undefined;
}

/** A baseline autoscaler driven directly by the simulator (not through the engine). */
export interface Controller {
  id: string;
  /** Seconds between evaluations. */
  interval: number;
  min: number;
  max: number;
  decide(view: ControllerView): { desired: number; reasons: Reason[] };
}

/** Runs a baseline controller over the trace on its own model (same model settings as `simulate`). */
export function runController(controller: Controller, trace: Trace, options: SimulateOptions = {}): PoolRun {
  const bounds = { min: controller.min, max: controller.max, resources: { memoryGb: 0, cpu: 0 } };
  const model = createModel(bounds, trace, options);
  const recorder = options.timeline === false ? undefined : new TimelineRecorder(model);
  const step = Math.max(1, Math.round(controller.interval));
  const start = trace.t[0]!;
  let events = 0;
  for (let t = firstEvaluation(trace, step); t < trace.endSeconds; t += step) {
    model.advanceTo(t);
    model.snapshot();
    const counts = model.counts();
    const current = counts.serving + counts.starting;
    const view: ControllerView = { t: t - start, current, ...counts, observe: (name) => model.observe(name) };
    const decision = controller.decide(view);
    const desired = Math.min(controller.max, Math.max(controller.min, Math.round(decision.desired)));
    const action = desired > current ? 'scale_up' : desired < current ? 'scale_down' : 'none';
    if (action !== 'none') {
      model.setDesired(desired);
      events += 1;
    }
    recorder?.record(t - start, desired, action, decision.reasons);
  }
  model.advanceTo(trace.endSeconds);
  return poolRun(controller.id, model, trace, events, recorder);
}
