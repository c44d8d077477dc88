/**
 * `simulate --compare`: the policy and the baselines on the same trace and the same model
 * settings, one row each, with worker-hours relative to the offline oracle.
 */
import type { Config, Policy } from '../domain/policy';
import { hpaPolicy, oracle, peakDemand, staticPeakPolicy, targetTrackingPolicy } from './baselines';
import type { Summary } from './metrics';
import { simulate } from './simulate';
import type { PoolRun, SimulateOptions } from './simulate';
import type { Trace } from './trace';

export interface ComparisonRow {
  name: string;
  summary: Summary;
  supply: Float64Array;
  /** The policy's own run (timeline with reasons) for the report. */
  run?: PoolRun;
}

export interface Comparison {
  poolId: string;
  demand: Float64Array;
  rows: ComparisonRow[];
}

/** Runs `pool` and every baseline over the trace. */
export async function compare(config: Config, pool: Policy, trace: Trace, options: SimulateOptions = {}): Promise<Comparison> {
  const { onProgress: _progress, poolIds: _pools, ...quiet } = options;
  const own = await simulate({ ...config, budget: undefined, pools: [pool] }, trace, { ...options, poolIds: [pool.id] });
  const policyRun = own.pools[0]!;
  const best = oracle(trace, quiet);
  const peak = peakDemand(trace, quiet);
  const rows: ComparisonRow[] = [{ name: pool.id, summary: policyRun.summary, supply: policyRun.supply, run: policyRun }];
  const baselines: { policy: Policy; initial?: number }[] = [
    { policy: hpaPolicy(pool) },
    { policy: targetTrackingPolicy(pool) },
    { policy: staticPeakPolicy(pool, peak), initial: Math.max(1, peak) },
  ];
  for (const { policy, initial } of baselines) {
    const run = await simulate({ version: 1, pools: [policy] }, trace, { ...quiet, timeline: false, ...(initial !== undefined ? { initialWorkers: initial } : {}) });
    rows.push({ name: policy.id, summary: run.pools[0]!.summary, supply: run.pools[0]!.supply });
  }
  rows.push({ name: 'oracle', summary: best.summary, supply: best.supply });
  const oracleHours = best.summary.workerHours;
  for (const row of rows) row.summary.xOracle = oracleHours > 0 ? row.summary.workerHours / oracleHours : undefined;
  return { poolId: pool.id, demand: policyRun.demand, rows };
}

const fixed = (value: number | undefined, digits: number) => (value === undefined || Number.isNaN(value) ? 'n/a' : value.toFixed(digits));

export const TABLE_COLUMNS = ['policy', 'worker-h', 'x oracle', 'under %', 'over %', 'a_U %', 'a_O %', 'instab %', 'jitter/h', 'events/h', 'wait p95 s', '% > SLO'] as const;

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
  ];
}

/** Aligned plain-text table (also valid Markdown: pipes and a header rule). */
export function formatComparison(comparison: Comparison): string {
  const lines = [TABLE_COLUMNS.slice() as string[], ...comparison.rows.map(tableCells)];
  const widths = TABLE_COLUMNS.map((_, c) => Math.max(...lines.map((l) => l[c]!.length)));
  const render = (cells: string[]) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [render(lines[0]!), `|${widths.map((w, c) => (c === 0 ? ':' : '') + '-'.repeat(w + 1) + (c === 0 ? '' : ':')).join('|')}|`, ...lines.slice(1).map(render)].join('\n');
}
