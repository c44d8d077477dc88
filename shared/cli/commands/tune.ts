/**
 * `poolscale tune`: the cheapest settings of a policy template that meet a goal on a trace,
 * fitted on the first part of the trace and checked on the held-back rest; prints the YAML.
 *
 *   poolscale tune --config FILE --trace TRACE.csv [--pool ID] (--under PCT | --wait-p95 SECONDS)
 *     [--fit SHARE] [--json] [--startup SECONDS] [--service-time SECONDS] [--slo SECONDS]
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { toYaml } from '../../config/format';
import type { Config } from '../../domain/policy';
import type { Summary } from '../../sim/metrics';
import { SIMULATION_DEFAULTS } from '../../sim/simulate';
import type { SimulateOptions } from '../../sim/simulate';
import { tune, TUNE_SPREADS, TUNE_STABILIZATION_SECONDS, TUNE_UTILIZATIONS } from '../../sim/tune';
import type { TuneCandidate } from '../../sim/tune';
import type { Goal } from '../../sim/tune';
import { spacingWarning, type Trace } from '../../sim/trace';
import { humanDuration, humanNumber } from '../../sim/legend';
import { parseCommandArgs } from '../args';
import type { CliIo } from '../io';
import { loadSimulationConfig, progressFor, readTrace } from './simulate';

export const summary = 'Find the cheapest policy settings that meet a goal on a trace (fit, then held-back check)';

const USAGE = `Usage: poolscale tune --config FILE --trace TRACE.csv (--under PCT | --wait-p95 SECONDS) [options]

  --config FILE          the policy template (poolscale YAML/JSON or a seed format)
  --trace FILE           CSV: t_seconds,arrivals (closed loop) or t_seconds,<metric>...
  --pool ID              the pool to tune (default: the config's first)
  --under PCT            goal: under-provisioned at most PCT % of the time
  --wait-p95 SECONDS     goal: job wait p95 at most SECONDS (closed-loop traces)
  --fit SHARE            share of the trace (from its start) to fit on; the rest is held back (default 0.7)
  --json                 print the search and the result as JSON
  --quiet, -q            no progress lines on stderr
  --startup SECONDS      seconds until a new worker serves (default ${SIMULATION_DEFAULTS.startupSeconds})
  --service-time SECONDS seconds one job holds a worker (default ${SIMULATION_DEFAULTS.serviceSeconds})
  --slo SECONDS          waits above this count against the SLO (default ${SIMULATION_DEFAULTS.sloSeconds})
  --threads N            run the grid in N worker threads (default 0: this thread)

Progress goes to stderr for runs over a second (one line every ~2 s off a terminal); --quiet
(-q): none.

Searched: target utilization ${TUNE_UTILIZATIONS.join(', ')} of every utilization-tracking target
rule (targetValue, or perWorker on offered_load; on a rule with \`beta\` the knob scales beta as
beta x (1/knob - 1) / 0.25, so 0.8 is the rule as written) x scale-down stabilisation
${TUNE_STABILIZATION_SECONDS.map((s) => `${s / 60}m`).join(', ')} x \`spread\` ${TUNE_SPREADS.join(' and ')} on every rule with \`perWorker\` and \`beta\`, if
any (the headroom of Poisson arrivals, or the load's own observed spread and rise).`;

interface Args {
  config?: string;
  trace?: string;
  pool?: string;
  json: boolean;
  quiet: boolean;
  numbers: Partial<Record<'under' | 'wait-p95' | 'fit' | 'startup' | 'service-time' | 'slo' | 'threads', number>>;
}

const NUMBERS = ['under', 'wait-p95', 'fit', 'startup', 'service-time', 'slo', 'threads'] as const;

const OPTIONS = {
  config: { type: 'string' },
  trace: { type: 'string' },
  pool: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  under: { type: 'string' },
  'wait-p95': { type: 'string' },
  fit: { type: 'string' },
  startup: { type: 'string' },
  'service-time': { type: 'string' },
  slo: { type: 'string' },
  threads: { type: 'string' },
} as const;

/** The arguments, 'help', or the usage error's message. */
function parseArgs(argv: string[]): Args | 'help' | string {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if ('error' in parsed) return parsed.error;
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0) return `unexpected argument "${positionals[0]}"`;
  const args: Args = {
    json: values.json === true,
    quiet: values.quiet === true,
    numbers: {},
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.trace !== undefined ? { trace: values.trace } : {}),
    ...(values.pool !== undefined ? { pool: values.pool } : {}),
  };
  for (const flag of NUMBERS) {
    const value = values[flag];
    if (value === undefined) continue;
    const n = Number(value);
    const fit = flag === 'fit';
    if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (fit && !(n > 0 && n < 1)) || (flag === 'service-time' && n < 1)) {
      return `--${flag}: expected ${fit ? 'a share between 0 and 1 (exclusive)' : flag === 'service-time' ? 'a number of seconds >= 1' : 'a number >= 0'} (got ${JSON.stringify(value)})`;
    }
    args.numbers[flag] = n;
  }
  return args;
}

const line = (s: Summary) => `${humanNumber(s.workerHours)} worker-h, under-provisioned ${humanNumber(s.underTimePct)} %, wait p95 ${humanDuration(s.waitP95Seconds)}`;
const minutes = (seconds: number) => humanDuration(seconds);
/** The knobs of one candidate, as the chosen and closest lines and the YAML comment say them. */
const settings = (c: TuneCandidate) => `target utilization ${c.utilization}, stabilizationDown ${minutes(c.stabilizationDownSeconds)}${c.spread ? `, spread ${c.spread}` : ''}`;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (typeof args === 'string') {
    io.err(`poolscale tune: ${args}\n\n${USAGE}`);
    return 2;
  }
  const n = args.numbers;
  if (!args.config || !args.trace) {
    io.err(`poolscale tune: ${!args.config ? '--config' : '--trace'} is required\n\n${USAGE}`);
    return 2;
  }
  if ((n.under === undefined) === (n['wait-p95'] === undefined)) {
    io.err(`poolscale tune: give exactly one goal, --under PCT or --wait-p95 SECONDS\n\n${USAGE}`);
    return 2;
  }
  const goal: Goal = n.under !== undefined ? { kind: 'under', maxPct: n.under } : { kind: 'wait-p95', maxSeconds: n['wait-p95']! };
  const configPath = resolve(io.cwd, args.config);
  const tracePath = resolve(io.cwd, args.trace);
  for (const [option, path] of [['--config', configPath], ['--trace', tracePath]] as const) {
    if (!existsSync(path)) {
      io.err(`poolscale tune: ${option} file not found: ${path}`);
      return 2;
    }
  }
  let config: Config;
  let trace: Trace;
  try {
    config = await loadSimulationConfig(configPath);
  } catch (error) {
    io.err(`poolscale tune: config ${args.config}: ${(error as Error).message}`);
    return 2;
  }
  try {
    trace = await readTrace(tracePath);
  } catch (error) {
    io.err(`poolscale tune: trace ${args.trace}: ${(error as Error).message}`);
    return 2;
  }
  const uneven = spacingWarning(trace);
  if (uneven) io.err(`poolscale tune: warning: trace ${args.trace}: ${uneven}`);
  if (goal.kind === 'wait-p95' && trace.kind !== 'closed') {
    io.err('poolscale tune: --wait-p95 needs a closed-loop trace (t_seconds,arrivals): an open-loop replay has no job waits');
    return 2;
  }
  const pool = args.pool ? config.pools.find((p) => p.id === args.pool) : config.pools[0];
  if (!pool) {
    io.err(`poolscale tune: unknown pool "${args.pool}"; the config has: ${config.pools.map((p) => p.id).join(', ')}`);
    return 2;
  }
  const options: SimulateOptions & { fitShare?: number; threads?: number } = {
    ...(n.threads !== undefined ? { threads: Math.floor(n.threads) } : {}),
    ...(n['service-time'] !== undefined ? { serviceSeconds: n['service-time'] } : {}),
    ...(n.startup !== undefined ? { startupSeconds: n.startup } : {}),
    ...(n.slo !== undefined ? { sloSeconds: n.slo } : {}),
    ...(n.fit !== undefined ? { fitShare: n.fit } : {}),
  };
  const progress = progressFor(io, `tuning ${pool.id} (${trace.rows} rows)`, args.quiet);
  options.onProgress = (f) => progress.update(f);
  let result;
  try {
    result = await tune(pool, trace, goal, options);
    progress.done();
  } catch (error) {
    if (error instanceof RangeError) {
      io.err(`poolscale tune: ${error.message}`);
      return 2;
    }
    io.err(`poolscale tune: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
  const goalText = goal.kind === 'under' ? `under-provisioned <= ${goal.maxPct} % of the time` : `wait p95 <= ${goal.maxSeconds} s`;
  const yaml = result.pool
    ? toYaml({ ...config, pools: [result.pool] }, `Tuned by \`poolscale tune\` for ${goalText} on ${args.trace}: ${settings(result.chosen!)}.`)
    : undefined;
  if (args.json) {
    io.out(JSON.stringify({ goal, fitRows: result.fitRows, heldBackRows: result.heldBackRows, chosen: result.chosen, heldBack: result.heldBack, candidates: result.candidates, yaml }));
    return result.chosen ? 0 : 1;
  }
  // The report lines are YAML comments, so `tune ... > tuned.yaml` writes a config that loads as it is.
  io.out(`# goal: ${goalText}; fitted on the first ${result.fitRows} rows, checked on the last ${result.heldBackRows}`);
  if (!result.chosen) {
    const best = [...result.candidates].sort((a, b) => (goal.kind === 'under' ? a.summary.underTimePct - b.summary.underTimePct : (a.summary.waitP95Seconds ?? Infinity) - (b.summary.waitP95Seconds ?? Infinity)))[0]!;
    io.err(`poolscale tune: no setting meets the goal on the fit part; closest: ${settings(best)}: ${line(best.summary)}`);
    return 1;
  }
  io.out(`# chosen: ${settings(result.chosen)}`);
  io.out(`#   fit part:       ${line(result.chosen.summary)}`);
  io.out(`#   held-back part: ${line(result.heldBack!.summary)} (goal ${result.heldBack!.meets ? 'met' : 'NOT met'})`);
  io.out('');
  io.out(yaml!);
  return 0;
}
