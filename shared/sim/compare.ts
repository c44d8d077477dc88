/**
 * `simulate --compare`: the policy and the baselines on the same trace and the same model
 * settings, one row each, with worker-hours relative to the offline oracle.
 */
import type { Config, Policy } from '../domain/policy';
import { baselineControllers, oracle, peakDemand } from './baselines';
import type { Summary } from './metrics';
import { runController, simulate } from './simulate';
import type { PoolRun, SimulateOptions } from './simulate';
import type { Trace } from './trace';

export interface ComparisonRow {
  name: string;
  summary: Summary;
  supply: Float64Array;
  /** The run (timeline with reasons when kept: always for the policy unless `timeline: false`, for baselines with `baselineTimelines`). */
  run?: PoolRun;
}

export interface Comparison {
  poolId: string;
  demand: Float64Array;
  rows: ComparisonRow[];
}

export interface CompareOptions extends SimulateOptions {
  /** Keep every baseline's timeline too (for `--json`). Default false. */
  baselineTimelines?: boolean;
}

/** Runs `pool` and every baseline over the trace (same model settings), worker-hours relative to both oracles. */
export async function compare(config: Config, pool: Policy, trace: Trace, options: CompareOptions = {}): Promise<Comparison> {
  const { onProgress: _progress, poolIds: _pools, baselineTimelines, ...quiet } = options;
  const own = await simulate({ ...config, budget: undefined, pools: [pool] }, trace, { ...options, poolIds: [pool.id] });
  const policyRun = own.pools[0]!;
  const keep = { ...quiet, timeline: baselineTimelines === true };
  const peak = peakDemand(trace, quiet);
  const rows: ComparisonRow[] = [{ name: pool.id, summary: policyRun.summary, supply: policyRun.supply, run: policyRun }];
  for (const controller of baselineControllers(pool, peak)) {
    const initial = controller.id === 'static-peak' ? { initialWorkers: controller.min } : {};
    const run = runController(controller, trace, { ...keep, ...initial });
    rows.push({ name: controller.id, summary: run.summary, supply: run.supply, run });
  }
  const fair = oracle(trace, { ...keep, min: pool.min, max: pool.max });
  const free = oracle(trace, { ...keep, fair: false });
  rows.push({ name: fair.id, summary: fair.summary, supply: fair.supply, run: fair });
  rows.push({ name: free.id, summary: free.summary, supply: free.supply, run: free });
  const fairHours = fair.summary.workerHours;
  const freeHours = free.summary.workerHours;
  for (const row of rows) {
    row.summary.xOracle = fairHours > 0 ? row.summary.workerHours / fairHours : undefined;
    row.summary.xOracleNoStartup = freeHours > 0 ? row.summary.workerHours / freeHours : undefined;
  }
  return { poolId: pool.id, demand: policyRun.demand, rows };
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

export const TABLE_COLUMNS = ['policy', 'worker-h', 'x oracle', 'under %', 'over %', 'a_U %', 'a_O %', 'instab %', 'jitter/h', 'events/h', 'wait p95 s', '% > SLO', 'x oracle-no-startup'] as const;

export function tableCells(row: ComparisonRow): string[] {
  const s = row.summary;
  return [
    row.name,
    fixed(s.workerHours, 1),
    fixed(s.xOracle, 3),
    fixed(s.underTimePct, 2),
    fixed(s.overTimePct, 2),
    fixed(s.underAccuracyPct, 2),
    fixed(s.overAccuracyPct, 2),
    fixed(s.instabilityPct, 1),
    fixed(s.jitterPerHour, 2),
    fixed(s.eventsPerHour, 2),
    fixed(s.waitP95Seconds, 0),
    fixed(s.overSloPct, 2),
    fixed(s.xOracleNoStartup, 3),
  ];
}

/** Aligned plain-text table (also valid Markdown: pipes and a header rule). */
export function formatComparison(comparison: Comparison): string {
  const lines = [TABLE_COLUMNS.slice() as string[], ...comparison.rows.map(tableCells)];
  const widths = TABLE_COLUMNS.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const render = (cells: string[]) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [render(lines[0]!), `|${widths.map((w, c) => (c === 0 ? ':' : '') + '-'.repeat(w + 1) + (c === 0 ? '' : ':')).join('|')}|`, ...lines.slice(1).map(render)].join('\n');
}
