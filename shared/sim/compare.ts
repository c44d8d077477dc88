/**
 * `simulate --compare`: the policy and the baselines on the same trace and the same model
 * settings, one row each, with worker-hours relative to the offline oracle.
 */
import type { Config, Policy } from '../domain/policy';
import { baselineJobs, peakDemand } from './baselines';
import type { Summary } from './metrics';
import { runJobs } from './parallel';
import type { SimJob } from './parallel';
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
  /** Worker threads (see runJobs); default: automatic. */
  threads?: number;
}

/** Runs `pool` and every baseline over the trace (same model settings), worker-hours relative to both oracles. */
export async function compare(config: Config, pool: Policy, trace: Trace, options: CompareOptions = {}): Promise<Comparison> {
  const { onProgress, poolIds: _pools, baselineTimelines, threads, ...quiet } = options;
  const keep = { ...quiet, timeline: baselineTimelines === true };
  const peak = peakDemand(trace, quiet);
  // A budget shared with other pools is left out: the comparison is about this pool's decisions.
  void config;
  const jobs: SimJob[] = [{ kind: 'policy', pool, options: quiet }];
  for (const controller of baselineJobs(pool, peak)) jobs.push({ ...controller, options: controller.kind === 'static' ? { ...keep, initialWorkers: controller.count } : keep } as SimJob);
  jobs.push({ kind: 'oracle', options: { ...keep, min: pool.min, max: pool.max } }, { kind: 'oracle', options: { ...keep, fair: false } });
  const runs = await runJobs(jobs, trace, { ...(threads !== undefined ? { threads } : {}), ...(onProgress ? { onProgress } : {}) });
  const rows: ComparisonRow[] = runs.map((run) => ({ name: run.id, summary: run.summary, supply: run.supply, run }));
  const fairHours = runs[jobs.length - 2]!.summary.workerHours;
  const freeHours = runs[jobs.length - 1]!.summary.workerHours;
  for (const row of rows) {
    row.summary.xOracle = fairHours > 0 ? row.summary.workerHours / fairHours : undefined;
    row.summary.xOracleNoStartup = freeHours > 0 ? row.summary.workerHours / freeHours : undefined;
  }
  return { poolId: pool.id, demand: runs[0]!.demand, rows };
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
