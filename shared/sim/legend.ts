/**
 * What every figure of the simulator means, in one place: `poolscale simulate --explain` prints
 * it, the HTML report's "Metrics" section renders it, and the terminal and HTML tables take
 * their columns (header, definition, human formatting) from it. The --json values stay exact;
 * only what a person reads is rounded here.
 *
 * Definitions follow shared/sim/metrics.ts (SPEC RG cloud elasticity metrics), shared/sim/
 * baselines.ts (the baselines and oracles) and bench/RESULTS.md ("Simulation and comparison").
 */
import { humanDuration as formatDuration, humanNumber as formatNumber } from '../domain/humanFormat';
import type { Comparison, ComparisonRow } from './compare';
import type { Summary } from './metrics';
import type { Sweep, SweepPoint } from './sweep';
import type { Trace } from './trace';

export interface MetricDefinition {
  /** As printed in the tables. */
  name: string;
  definition: string;
}

/** The rows of a comparison (`--compare`, the report): who is compared. */
export const ROW_DEFINITIONS: readonly MetricDefinition[] = [
  { name: '<pool id>', definition: "the pool's own policy, as configured, replayed with the real decision engine" },
  {
    name: 'hpa',
    definition:
      "HPA-style: the Kubernetes replica calculator (usage over ready workers, 10 % tolerance, workers not yet ready count 0 % on a scale-up, 300 s scale-down stabilisation, scale-up at most max(2x, +4) per period); target utilization 0.7",
  },
  {
    name: 'target-tracking',
    definition:
      'target-tracking-style: AWS Application Auto Scaling for an ECS service (one-minute datapoints, scale-out after 3 above the target, scale-in after 15 below 90 % of it, 300 s cooldowns); target utilization 0.7',
  },
  { name: 'static-peak', definition: "a fixed fleet sized to the trace's peak demand (what provisioning for the worst minute costs)" },
  {
    name: 'oracle',
    definition:
      'the fair oracle: a clairvoyant policy that serves exactly max(min, demand) workers in every row within [min, max], starting each worker `startup` seconds ahead and paying for it; no policy under the same constraints can pay less without being under-provisioned',
  },
  { name: 'oracle-no-startup', definition: 'the older, unconstrained bound: serves demand exactly, down to 0 workers, and pays nothing for startup' },
];

/** Every figure printed by `simulate` (summary, --compare, --sweep) and in the report. */
export const METRIC_DEFINITIONS: readonly MetricDefinition[] = [
  {
    name: 'demand',
    definition:
      'workers the load needs in a trace row. Closed loop (t_seconds,arrivals): ceil(arrivals x service time / row length). Open loop: the busy column; else ceil(utilization x serving workers) of that run (cpu / 100 when there is no utilization column); else unknown',
  },
  { name: 'worker-h', definition: 'worker-hours paid: workers billed (serving, starting and draining) integrated over the run, in hours' },
  { name: 'x oracle', definition: "worker-h divided by the fair oracle's worker-h: 1 is as cheap as a clairvoyant policy under the same min, max and startup; 1.3 is 30 % more" },
  { name: 'x oracle-no-startup', definition: "worker-h divided by the unconstrained oracle's (demand exactly, down to 0, no startup paid): an older, lower bound" },
  { name: 'under %', definition: 'under-provisioned time (theta_U): share of the time in which demand was above the serving workers' },
  { name: 'over %', definition: 'over-provisioned time (theta_O): share of the time in which serving workers were above demand' },
  {
    name: 'a_U %',
    definition: 'under-provisioning accuracy: time mean of the missing workers relative to demand, max(demand - serving, 0) / max(demand, 1); 2 % means 2 % of the needed workers missing on average',
  },
  { name: 'a_O %', definition: 'over-provisioning accuracy: time mean of the excess workers relative to demand, max(serving - demand, 0) / max(demand, 1)' },
  { name: 'instab %', definition: 'instability: share of the time in which supply and demand did not move in the same direction (one rose while the other stayed or fell)' },
  {
    name: 'jitter/h',
    definition: 'supply changes minus demand changes, per hour: negative when the supply follows fewer changes than the demand makes (smoothing, inert), positive when it changes more often (flapping)',
  },
  { name: 'events/h', definition: 'scale actions (changes of the desired count) per hour' },
  { name: 'wait p95', definition: '95th percentile of the time a job waited for a free worker (closed-loop traces only; a metric replay has no jobs)' },
  { name: '% > SLO', definition: 'share of the jobs that waited longer than the SLO (--slo)' },
  { name: 'peak supply, peak demand', definition: 'the largest serving-worker count and the largest demand of any trace row' },
  {
    name: 'target utilization',
    definition: '--sweep: the knob each policy family runs at (the utilization-tracking rules of the policy, the target of hpa and target-tracking); each point is one run',
  },
];

export const LEGEND_SOURCE =
  'Elasticity metrics as defined by the SPEC Research Group (Herbst et al., "Ready for Rain?", SPEC-RG-2016-01); each is measured per trace row, weighted by its duration.';

const wrap = (text: string, width: number, indent: string): string => {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join(`\n${indent}`);
};

/** The legend for the terminal (`simulate --explain`). */
export function explainText(width = 100): string {
  const column = Math.max(...[...ROW_DEFINITIONS, ...METRIC_DEFINITIONS].map((d) => d.name.length)) + 4;
  const block = (items: readonly MetricDefinition[]) => items.map((d) => `  ${d.name.padEnd(column - 2)}${wrap(d.definition, Math.max(30, width - column), ' '.repeat(column))}`).join('\n');
  return `Rows of --compare:\n${block(ROW_DEFINITIONS)}\n\nColumns and figures:\n${block(METRIC_DEFINITIONS)}\n\n${wrap(LEGEND_SOURCE, width, '')}`;
}

// ---------------------------------------------------------------------------------------------
// Human numbers (what a person reads; the --json values stay exact), from shared/domain/humanFormat.

/**
 * A figure in a table or summary: shared/domain/humanFormat's humanNumber (3 significant digits,
 * whole from 100 on, as in reasons and the dashboard), with thousands separators from 1,000 on
 * (worker-hours of a month run to six digits); `n/a` when there is no value.
 */
export function humanNumber(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return 'n/a';
  return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : formatNumber(n);
}

/** Seconds as shared/domain/humanFormat writes durations: `0.3s`, `59s`, `10m`, `1m 30s`, `2h 5m`, `3d 4h`; `n/a` when there is none. */
export function humanDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return 'n/a';
  return formatDuration(seconds * 1000);
}

// ---------------------------------------------------------------------------------------------
// Whether a trace can have an oracle.

/**
 * Why the trace has no oracle (and which figures are then meaningless), or undefined when it
 * has one. `demand` is a run's per-row demand when known (all NaN: nothing was measurable).
 */
export function oracleNote(trace: Trace, demand?: ArrayLike<number>): string | undefined {
  if (trace.kind === 'closed') return undefined;
  const known = !demandUnknown(trace, demand);
  const columns = Object.keys(trace.columns);
  if (trace.columns.busy) return undefined;
  if (!known) {
    return `No oracle and no demand: this trace replays ${columns.join(', ')} as observed, with no busy, utilization or cpu column, so the workers the load needed are unknown. x oracle, under/over-provisioned time, a_U, a_O, instability and jitter are n/a; worker-h and events/h stand.`;
  }
  return `No oracle: this trace replays ${columns.join(', ')} as observed. Without a busy column (or t_seconds,arrivals) the work does not exist apart from the workers that served it, so each run's demand is derived from its own workers (utilization x serving) and no policy-independent demand exists for a clairvoyant bound. x oracle is n/a; under/over-provisioned figures compare each run with its own derived demand. Add a busy column or replay arrivals for an oracle.`;
}

/**
 * True when the trace's demand is unknown altogether (demand-based figures are then n/a): from a
 * run's demand when given, else from the columns (busy, utilization or cpu give one).
 */
function demandUnknown(trace: Trace, demand?: ArrayLike<number>): boolean {
  if (trace.kind === 'closed' || trace.columns.busy) return false;
  if (!demand) return !trace.columns.utilization && !trace.columns.cpu;
  for (let i = 0; i < demand.length; i += 1) if (!Number.isNaN(demand[i]!)) return false;
  return true;
}

export function hasOracle(trace: Trace): boolean {
  return trace.kind === 'closed' || trace.columns.busy !== undefined;
}

// ---------------------------------------------------------------------------------------------
// Tables.

export interface TableContext {
  /** No oracle for this trace: the ratios are n/a. */
  noOracle: boolean;
  /** Demand unknown: the demand-based figures are n/a. */
  noDemand: boolean;
}

export function tableContext(trace: Trace, demand?: ArrayLike<number>): TableContext {
  return { noOracle: !hasOracle(trace), noDemand: demandUnknown(trace, demand) };
}

interface Column {
  header: string;
  cell(s: Summary, context: TableContext): string;
}

const pct = (n: number | undefined) => humanNumber(n);
const needsDemand = (value: (s: Summary) => number | undefined, format: (n: number | undefined) => string) => (s: Summary, c: TableContext) => (c.noDemand ? 'n/a' : format(value(s)));
const needsOracle = (value: (s: Summary) => number | undefined) => (s: Summary, c: TableContext) => (c.noOracle ? 'n/a' : humanNumber(value(s)));

export const COMPARISON_COLUMNS: readonly Column[] = [
  { header: 'worker-h', cell: (s) => humanNumber(s.workerHours) },
  { header: 'x oracle', cell: needsOracle((s) => s.xOracle) },
  { header: 'under %', cell: needsDemand((s) => s.underTimePct, pct) },
  { header: 'over %', cell: needsDemand((s) => s.overTimePct, pct) },
  { header: 'a_U %', cell: needsDemand((s) => s.underAccuracyPct, pct) },
  { header: 'a_O %', cell: needsDemand((s) => s.overAccuracyPct, pct) },
  { header: 'instab %', cell: needsDemand((s) => s.instabilityPct, pct) },
  { header: 'jitter/h', cell: needsDemand((s) => s.jitterPerHour, pct) },
  { header: 'events/h', cell: (s) => humanNumber(s.eventsPerHour) },
  { header: 'wait p95', cell: (s) => (s.waitP95Seconds === undefined ? 'n/a' : humanDuration(s.waitP95Seconds)) },
  { header: '% > SLO', cell: (s) => pct(s.overSloPct) },
  { header: 'x oracle-no-startup', cell: needsOracle((s) => s.xOracleNoStartup) },
];

export const COMPARISON_HEADERS: readonly string[] = ['policy', ...COMPARISON_COLUMNS.map((c) => c.header)];

/** Rows shown to people: without an oracle the oracle rows are left out (they serve the minimum, which means nothing). */
export function shownRows(comparison: Comparison, context: TableContext): ComparisonRow[] {
  return context.noOracle ? comparison.rows.filter((row) => !row.name.startsWith('oracle')) : comparison.rows;
}

export function comparisonCells(row: ComparisonRow, context: TableContext): string[] {
  return [row.name, ...COMPARISON_COLUMNS.map((c) => c.cell(row.summary, context))];
}

/** An aligned plain-text table (valid Markdown: pipes and a header rule); first column left, the rest right. */
export function alignedTable(head: readonly string[], rows: readonly string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const render = (cells: readonly string[]) => `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  return [render(head), `|${widths.map((w, c) => (c === 0 ? ':' : '') + '-'.repeat(w + 1) + (c === 0 ? '' : ':')).join('|')}|`, ...rows.map(render)].join('\n');
}

export function formatComparisonTable(comparison: Comparison, context: TableContext): string {
  return alignedTable(COMPARISON_HEADERS, shownRows(comparison, context).map((row) => comparisonCells(row, context)));
}

export const SWEEP_HEADERS: readonly string[] = ['family', 'target utilization', 'worker-h', 'x oracle', 'under %', 'wait p95'];

export function sweepCells(p: SweepPoint, context: TableContext): string[] {
  return [
    p.family,
    p.knob.toFixed(2),
    humanNumber(p.workerHours),
    context.noOracle ? 'n/a' : humanNumber(p.xOracle),
    context.noDemand ? 'n/a' : pct(p.underTimePct),
    p.waitP95Seconds === undefined ? 'n/a' : humanDuration(p.waitP95Seconds),
  ];
}

export function formatSweepTable(s: Sweep, context: TableContext): string {
  const table = alignedTable(SWEEP_HEADERS, s.points.map((p) => sweepCells(p, context)));
  return s.note ? `${table}\n(${s.note})` : table;
}
