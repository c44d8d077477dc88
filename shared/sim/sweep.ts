/**
 * `simulate --sweep`: the cost/under-provisioning frontier. Each policy family runs over its
 * main knob, the target utilization, on the same trace and model settings:
 *  - the policy: every utilization-tracking target rule (`targetValue`, proportional mode, or
 *    `perWorker` on the offered load, see OFFERED_LOAD_METRICS; with square-root staffing,
 *    `beta`, its beta scaled by the knob, see betaAt) set to the knob, a predictive floor moved
 *    with it (floorAt: its own targetUtilization at knob 0.8, as much higher or lower as the knob
 *    is), backlog rules unchanged;
 *  - HPA-style and target-tracking-style (shared/sim/baselines.ts) at the knob.
 * Each point: worker-hours (x) against under-provisioned time (y). A family whose curve lies
 * below and left of another's gives less under-provisioning for the same cost.
 */
import type { Policy } from '../domain/policy';
import { oracle } from './baselines';
import { runJobs } from './parallel';
import type { SimJob } from './parallel';
import type { SimulateOptions } from './simulate';
import type { Trace } from './trace';

export const SWEEP_KNOBS = [0.5, 0.6, 0.7, 0.8, 0.9] as const;

export interface SweepPoint {
  family: string;
  /** Target utilization of the run. */
  knob: number;
  workerHours: number;
  underTimePct: number;
  /** Worker-hours over the fair oracle's. */
  xOracle: number;
  waitP95Seconds?: number;
}

export interface Sweep {
  poolId: string;
  knob: 'target utilization';
  oracleWorkerHours: number;
  points: SweepPoint[];
  /** Why the policy has no curve (no utilization-tracking rule), when it has none. */
  note?: string;
}

/**
 * Metrics measured in busy workers (the offered load: arrival rate x job seconds, Little's law;
 * the queue model's `offered_load`): a backlog-mode target rule on one (`perWorker`) sizes the
 * pool to load / perWorker, so its perWorker is a target utilization.
 */
export const OFFERED_LOAD_METRICS: ReadonlySet<string> = new Set(['offered_load']);

/** The knob value a template's own settings stand for (its beta, its floor): the recommended policy's point. */
export const TEMPLATE_KNOB = 0.8;

/**
 * Square-root staffing (`beta`) at a utilization knob: the headroom scales like a utilization
 * target's, 1/knob - 1, with the rule's own beta at knob 0.8 (the usual target): beta x
 * (1/knob - 1) / (1/0.8 - 1), to two decimals, so knob 0.8 is the template itself, 0.9 gives
 * 0.44 x its beta, 0.7 1.71 x, 0.5 4 x. Its perWorker stays (the load unit).
 */
export function betaAt(beta: number, knob: number): number {
  // Two decimals: what `tune` prints stays readable (0.89, not 0.8888888888888893).
  return Math.round((100 * beta * (1 / knob - 1)) / (1 / TEMPLATE_KNOB - 1)) / 100;
}

/**
 * A predictive floor's targetUtilization at a knob: the rule's own at knob 0.8 (the template, as
 * for betaAt), shifted by knob - 0.8 and kept within [0.05, 1]: a 0.9 floor gives 0.8 at knob 0.7,
 * a floor at the forecast itself (1) gives 0.9 there and stays 1 above 0.8.
 */
export function floorAt(targetUtilization: number, knob: number): number {
  return Math.round(100 * Math.min(1, Math.max(0.05, targetUtilization + knob - TEMPLATE_KNOB))) / 100;
}

/** The pool with its utilization knob set to `knob`, or undefined when it has no such rule. */
export function withKnob(pool: Policy, knob: number): Policy | undefined {
  let touched = false;
  const rules = pool.rules.map((rule) => {
    if (rule.type === 'target' && rule.targetValue !== undefined && rule.perWorker === undefined && rule.scaleUpThreshold === undefined && rule.scaleDownThreshold === undefined) {
      touched = true;
      return { ...rule, targetValue: knob };
    }
    if (rule.type === 'target' && rule.perWorker !== undefined && OFFERED_LOAD_METRICS.has(rule.metric)) {
      touched = true;
      if (rule.beta !== undefined && rule.beta > 0) return { ...rule, beta: betaAt(rule.beta, knob) };
      return { ...rule, perWorker: knob };
    }
    if (rule.type === 'predictive') return { ...rule, targetUtilization: floorAt(rule.targetUtilization, knob) };
    return rule;
  });
  return touched ? { ...pool, rules } : undefined;
}

export async function sweep(pool: Policy, trace: Trace, options: SimulateOptions & { threads?: number } = {}, knobs: readonly number[] = SWEEP_KNOBS): Promise<Sweep> {
  const { onProgress: _progress, poolIds: _pools, threads: _threads, ...rest } = options;
  const quiet: SimulateOptions = { ...rest, timeline: false };
  const fair = oracle(trace, { ...quiet, min: pool.min, max: pool.max });
  const oracleHours = fair.summary.workerHours;
  const points: SweepPoint[] = [];
  const push = (family: string, knob: number, s: { workerHours: number; underTimePct: number; waitP95Seconds?: number }) =>
    points.push({ family, knob, workerHours: s.workerHours, underTimePct: s.underTimePct, xOracle: oracleHours > 0 ? s.workerHours / oracleHours : Number.NaN, ...(s.waitP95Seconds !== undefined ? { waitP95Seconds: s.waitP95Seconds } : {}) });
  let note: string | undefined;
  const min = Math.max(1, pool.min);
  const interval = Math.max(1, Math.round(pool.interval / 1000));
  const jobs: { family: string; knob: number; job: SimJob }[] = [];
  for (const knob of knobs) {
    const variant = withKnob(pool, knob);
    if (!variant) note = `pool ${pool.id} has no utilization-tracking target rule: no policy curve`;
    else jobs.push({ family: pool.id, knob, job: { kind: 'policy', pool: variant, options: quiet } });
    jobs.push({ family: 'hpa', knob, job: { kind: 'hpa', settings: { target: knob, interval, min, max: pool.max }, options: quiet } });
    jobs.push({ family: 'target-tracking', knob, job: { kind: 'target-tracking', settings: { target: knob, min, max: pool.max }, options: quiet } });
  }
  const runs = await runJobs(
    jobs.map((j) => j.job),
    trace,
    { ...(options.threads !== undefined ? { threads: options.threads } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
  );
  runs.forEach((run, i) => push(jobs[i]!.family, jobs[i]!.knob, run.summary));
  return { poolId: pool.id, knob: 'target utilization', oracleWorkerHours: oracleHours, points, ...(note ? { note } : {}) };
}

/** Aligned plain-text table (valid Markdown), one row per point. */
export function formatSweep(s: Sweep): string {
  const head = ['family', 'target utilization', 'worker-h', 'x oracle', 'under %', 'wait p95 s'];
  const rows = s.points.map((p) => [p.family, p.knob.toFixed(2), p.workerHours.toFixed(1), p.xOracle.toFixed(3), p.underTimePct.toFixed(2), p.waitP95Seconds === undefined ? 'n/a' : p.waitP95Seconds.toFixed(0)]);
  const widths = head.map((_, c) => Math.max(head[c]!.length, ...rows.map((r) => r[c]!.length)));
  const render = (cells: string[]) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const lines = [render(head), `|${widths.map((w, c) => (c === 0 ? ':' : '') + '-'.repeat(w + 1) + (c === 0 ? '' : ':')).join('|')}|`, ...rows.map(render)];
  if (s.note) lines.push(`(${s.note})`);
  return lines.join('\n');
}
