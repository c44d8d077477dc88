/**
 * Baselines a policy is compared with. The reactive ones run through the same runtime tick as
 * the policy, each as a pool whose policy imitates a well-known autoscaler with its usual
 * settings (all track utilization = busy / serving workers, the metric both products expose):
 *
 *  - `hpa`: Kubernetes HPA defaults: desired = ceil(current * utilization / target) with target
 *    0.7 (a common CPU target; the HPA default tolerance 0.1), no scale-up stabilisation, 5 min
 *    scale-down stabilisation (`behavior.scaleDown.stabilizationWindowSeconds: 300`).
 *  - `target-tracking`: AWS target tracking (ECS service auto scaling) at 0.7: the alarm needs
 *    3 one-minute datapoints above target (approximated by a 3 min averaging window), scale-out
 *    cooldown 60 s, scale-in cooldown 300 s, scale-in after 15 low datapoints (15 min
 *    stabilisation), scale-in conservative (tolerance 0.1).
 *  - `static-peak`: constant capacity = the trace's peak demand (what a fixed fleet needs).
 *  - `oracle`: supply = demand of every row exactly, no startup delay; not realisable, it is
 *    the lower bound of worker-hours. Computed directly (no decision can be that clairvoyant),
 *    with the queue model replayed at that capacity for its waits.
 */
import type { Policy } from '../domain/policy';
import { PoolSchema } from '../domain/policy';
import { summarize } from './metrics';
import type { Summary } from './metrics';
import { QueueModel } from './queueModel';
import { rowDurations, SIMULATION_DEFAULTS } from './simulate';
import type { SimulateOptions } from './simulate';
import type { Trace } from './trace';

const SIM_METRICS = {
  utilization: { source: 'cloudwatch', namespace: 'Simulation', metricName: 'Utilization' },
  queue_length: { source: 'redis', type: 'list_length', key: 'simulation:queue' },
  busy: { source: 'host', type: 'busy' },
} as const;

function base(pool: Policy, id: string, description: string) {
  return { id, description, target: { kind: 'none' as const }, min: Math.max(1, pool.min), max: pool.max, interval: Math.round(pool.interval / 1000), metrics: SIM_METRICS };
}

export function hpaPolicy(pool: Policy): Policy {
  return PoolSchema.parse({
    ...base(pool, 'hpa', 'Kubernetes HPA defaults, target utilization 0.7'),
    rules: [{ type: 'target', metric: 'utilization', targetValue: 0.7, tolerance: 0.1 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: '5m' },
  });
}

export function targetTrackingPolicy(pool: Policy): Policy {
  return PoolSchema.parse({
    ...base(pool, 'target-tracking', 'AWS target tracking at utilization 0.7, cooldowns 60 s out / 300 s in'),
    rules: [{ type: 'target', metric: 'utilization', targetValue: 0.7, tolerance: 0.1, window: '3m' }],
    behaviour: { cooldownUp: '1m', cooldownDown: '5m', stabilizationDown: '15m' },
  });
}

export function staticPeakPolicy(pool: Policy, peak: number): Policy {
  const count = Math.max(1, Math.ceil(peak));
  return PoolSchema.parse({
    ...base(pool, 'static-peak', `constant ${count} workers (peak demand)`),
    min: count,
    max: Math.max(count, 1),
    rules: [],
  });
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

/** The offline oracle: capacity equal to each row's demand from the row's first second. */
export function oracle(trace: Trace, options: SimulateOptions): { summary: Summary; demand: Float64Array; supply: Float64Array } {
  const durations = rowDurations(trace);
  const seconds = trace.endSeconds - trace.t[0]!;
  if (trace.kind === 'closed') {
    const model = new QueueModel(trace, {
      serviceSeconds: options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds,
      startupSeconds: 0,
      initialWorkers: 0,
      sloSeconds: options.sloSeconds ?? SIMULATION_DEFAULTS.sloSeconds,
      hostMemoryGb: 0,
      workerMemoryGb: 0,
    });
    for (let i = 0; i < trace.rows; i += 1) {
      model.advanceTo(trace.t[i]!);
      model.setDesired(model.demand[i]!);
    }
    model.advanceTo(trace.endSeconds);
    // Paid capacity is the demand itself (draining workers of the replay are not counted: the
    // oracle knows when each job ends).
    let workerSeconds = 0;
    for (let i = 0; i < trace.rows; i += 1) workerSeconds += model.demand[i]! * durations[i]!;
    const supply = Float64Array.from(model.demand);
    return {
      summary: { ...summarize({ demand: model.demand, supply, rowSeconds: durations, workerSeconds, seconds, scaleEvents: countChanges(supply), waits: model.waits() }), xOracle: 1 },
      demand: model.demand,
      supply,
    };
  }
  const demand = new Float64Array(trace.rows).fill(Number.NaN);
  const busy = trace.columns.busy;
  let workerSeconds = 0;
  if (busy) {
    for (let i = 0; i < trace.rows; i += 1) {
      demand[i] = busy[i]!;
      if (!Number.isNaN(busy[i]!)) workerSeconds += busy[i]! * durations[i]!;
    }
  }
  const supply = Float64Array.from(demand, (d) => (Number.isNaN(d) ? 0 : d));
  return {
    summary: { ...summarize({ demand, supply, rowSeconds: durations, workerSeconds, seconds, scaleEvents: countChanges(supply) }), xOracle: 1 },
    demand,
    supply,
  };
}

function countChanges(series: Float64Array): number {
  let n = 0;
  for (let i = 1; i < series.length; i += 1) if (series[i] !== series[i - 1]) n += 1;
  return n;
}
