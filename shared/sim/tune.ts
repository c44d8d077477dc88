/**
 * `poolscale tune`: the cheapest settings of a policy template that meet a goal on a user's
 * trace, fitted on the first part of the trace and reported on the held-back rest.
 *
 * Knobs searched (a grid): the target utilization of every utilization-tracking rule (the
 * sweep's knob, `withKnob`), the scale-down stabilisation window and, when the template has a
 * square-root staffing rule (`perWorker` with `beta` above 0), what its headroom is measured on
 * (`spread: poisson` or `observed`): which of the two fits depends on the traffic (observed pays
 * off on large or burstier-than-Poisson load; bench/RESULTS.md), so the user's trace decides.
 * The goal is either the under-provisioned time (% of the trace) or the job wait p95 (seconds,
 * closed-loop traces).
 * The held-back part is simulated on its own, on the wall clock it had in the whole trace, from
 * a cold start (forecasts learn again): the figures a new deployment of the tuned policy would
 * see on load it was not fitted to.
 */
import type { Policy } from '../domain/policy';
import type { Summary } from './metrics';
import { simulate, SIMULATION_DEFAULTS } from './simulate';
import type { SimulateOptions } from './simulate';
import { runJobs } from './parallel';
import { withKnob } from './sweep';
import type { Trace } from './trace';

export const TUNE_UTILIZATIONS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95] as const;
export const TUNE_STABILIZATION_SECONDS = [120, 300, 600] as const;
export const TUNE_SPREADS = ['poisson', 'observed'] as const;
export type Spread = (typeof TUNE_SPREADS)[number];

export type Goal = { kind: 'under'; maxPct: number } | { kind: 'wait-p95'; maxSeconds: number };

export interface TuneCandidate {
  utilization: number;
  stabilizationDownSeconds: number;
  /** The headroom's spread set on every square-root staffing rule (absent: the template has none). */
  spread?: Spread;
  summary: Summary;
  meets: boolean;
}

export interface TuneResult {
  goal: Goal;
  fitRows: number;
  heldBackRows: number;
  /** The cheapest candidate meeting the goal on the fit part (undefined: none does). */
  chosen?: TuneCandidate;
  /** Its figures on the held-back part, and whether the goal holds there. */
  heldBack?: { summary: Summary; meets: boolean };
  /** The tuned pool (the template with the chosen settings). */
  pool?: Policy;
  candidates: TuneCandidate[];
}

/** Rows [from, to) of a trace, keeping their times. */
export function sliceTrace(trace: Trace, from: number, to: number): Trace {
  const columns: Record<string, Float64Array> = {};
  for (const [name, values] of Object.entries(trace.columns)) columns[name] = values.slice(from, to);
  const t = trace.t.slice(from, to);
  const lastRowSeconds = to < trace.rows ? trace.t[to]! - trace.t[to - 1]! : trace.lastRowSeconds;
  return { kind: trace.kind, t, columns, rows: to - from, lastRowSeconds, endSeconds: t[t.length - 1]! + lastRowSeconds };
}

export function meetsGoal(goal: Goal, s: Summary): boolean {
  if (goal.kind === 'under') return s.underTimePct <= goal.maxPct;
  return s.waitP95Seconds !== undefined && s.waitP95Seconds <= goal.maxSeconds;
}

/** A target rule with square-root staffing (`perWorker` and `beta` above 0): `spread` applies to it. */
function staffsBySquareRoot(rule: Policy['rules'][number]): boolean {
  return rule.type === 'target' && rule.perWorker !== undefined && (rule.beta ?? 0) > 0;
}

/** The spreads to search: both when the template has a square-root staffing rule, else none. */
export function spreadsFor(pool: Policy): (Spread | undefined)[] {
  return pool.rules.some(staffsBySquareRoot) ? [...TUNE_SPREADS] : [undefined];
}

/** The template with one setting of the knobs, or undefined when it has no utilization knob. */
export function tunedPool(pool: Policy, utilization: number, stabilizationDownSeconds: number, spread?: Spread): Policy | undefined {
  const variant = withKnob(pool, utilization);
  if (!variant) return undefined;
  const rules = spread === undefined ? variant.rules : variant.rules.map((rule) => (staffsBySquareRoot(rule) ? { ...rule, spread } : rule));
  return { ...variant, rules, behaviour: { ...variant.behaviour, stabilizationDown: stabilizationDownSeconds * 1000 } };
}

async function runOne(pool: Policy, trace: Trace, options: SimulateOptions): Promise<Summary> {
  const result = await simulate({ version: 1, pools: [pool] }, trace, { ...options, timeline: false, poolIds: [pool.id] });
  return result.pools[0]!.summary;
}

export async function tune(pool: Policy, trace: Trace, goal: Goal, options: SimulateOptions & { fitShare?: number; threads?: number } = {}): Promise<TuneResult> {
  const share = options.fitShare ?? 0.7;
  if (!(share > 0 && share < 1)) throw new RangeError(`fit share must be between 0 and 1 (got ${share})`);
  const split = Math.min(trace.rows - 1, Math.max(1, Math.round(trace.rows * share)));
  if (trace.rows < 2) throw new RangeError('the trace needs at least 2 rows to fit on one part and check on the other');
  const fit = sliceTrace(trace, 0, split);
  const held = sliceTrace(trace, split, trace.rows);
  const { fitShare: _share, onProgress, threads, ...base } = options;
  if (!withKnob(pool, 0.7)) throw new RangeError(`pool ${pool.id} has no utilization-tracking target rule (targetValue, or perWorker on offered_load) to tune`);
  const grid: { utilization: number; stabilization: number; spread: Spread | undefined }[] = [];
  for (const spread of spreadsFor(pool)) for (const utilization of TUNE_UTILIZATIONS) for (const stabilization of TUNE_STABILIZATION_SECONDS) grid.push({ utilization, stabilization, spread });
  const quiet: SimulateOptions = { ...base, timeline: false };
  const runs = await runJobs(
    grid.map((g) => ({ kind: 'policy' as const, pool: tunedPool(pool, g.utilization, g.stabilization, g.spread)!, options: quiet })),
    fit,
    { ...(threads !== undefined ? { threads } : {}), ...(onProgress ? { onProgress: (f: number) => onProgress(f * 0.95) } : {}) },
  );
  const candidates: TuneCandidate[] = runs.map((r, i) => {
    const g = grid[i]!;
    return { utilization: g.utilization, stabilizationDownSeconds: g.stabilization, ...(g.spread ? { spread: g.spread } : {}), summary: r.summary, meets: meetsGoal(goal, r.summary) };
  });
  const meeting = candidates.filter((c) => c.meets).sort((a, b) => a.summary.workerHours - b.summary.workerHours);
  const result: TuneResult = { goal, fitRows: fit.rows, heldBackRows: held.rows, candidates };
  const chosen = meeting[0];
  if (!chosen) return result;
  const tuned = tunedPool(pool, chosen.utilization, chosen.stabilizationDownSeconds, chosen.spread)!;
  const startMs = (base.startMs ?? SIMULATION_DEFAULTS.startMs) + (held.t[0]! - trace.t[0]!) * 1000;
  const heldSummary = await runOne(tuned, held, { ...base, startMs });
  onProgress?.(1);
  return { ...result, chosen, heldBack: { summary: heldSummary, meets: meetsGoal(goal, heldSummary) }, pool: tuned };
}
