/**
 * `poolscale simulate`: replays a trace through a config's pools with the real runtime tick.
 *
 *   poolscale simulate --config FILE --trace TRACE.csv [--pool ID] [--json] [--out report.html]
 *     [--compare] [--sweep] [--initial N] [--startup SECONDS] [--service-time SECONDS] [--slo SECONDS]
 *     [--host-memory-gb GB] [--worker-memory-gb GB] [--format F] [--explain]
 */
import { closeSync, createReadStream, existsSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { loadConfigFile } from '../../config/load';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../../domain/policy';
import { ValidationError } from '../../domain/errors';
import { compare } from '../../sim/compare';
import type { Comparison } from '../../sim/compare';
import type { Summary } from '../../sim/metrics';
import { renderReport } from '../../sim/report';
import { explainText, formatComparisonTable, formatSweepTable, humanDuration, humanNumber, oracleNote, tableContext } from '../../sim/legend';
import type { TableContext } from '../../sim/legend';
import { sweep, SWEEP_KNOBS } from '../../sim/sweep';
import type { Sweep } from '../../sim/sweep';
import { simulate, SIMULATION_DEFAULTS } from '../../sim/simulate';
import type { SimulateOptions } from '../../sim/simulate';
import { parseTraceLines, rowSeconds, spacingWarning } from '../../sim/trace';
import type { Trace } from '../../sim/trace';
import { parseCommandArgs } from '../args';
import type { CliIo } from '../io';

export const summary = 'Replay a trace through a policy; compare with baselines';

const USAGE = `Usage: poolscale simulate --config FILE --trace TRACE.csv [options]

  --config FILE          poolscale YAML/JSON or a seed format (000/001 .env, 002 YAML, 003/004 JSON)
  --format F             config format when it cannot be detected
  --trace FILE           CSV: t_seconds,arrivals (closed loop) or t_seconds,<metric>... (open loop)
  --pool ID              simulate only this pool
  --json                 print {"pools":[{"id","summary","start","timeline":[...]}]}: one timeline
                         entry per evaluation with the mean serving, starting, draining, billed
                         workers and demand until the next one (every summary figure recomputes
                         from them; under/over-provisioned time exactly when the trace's rows
                         are as long as the interval); with --compare each baseline's summary
                         and timeline too
  --compare              run HPA-style, target-tracking-style, static-peak and two oracles (fair:
                         min and startup paid; no-startup) beside it
  --sweep                the frontier: the policy, HPA-style and target-tracking-style over target
                         utilization ${SWEEP_KNOBS.join(', ')}: worker-hours vs under-provisioned
                         time (a table; with --json the points; with --out a plot in the report)
  --out FILE.html        write a self-contained HTML report (implies --compare): charts with a
                         time window (1h/1d/1w/all, pan), the tables and the metric definitions;
                         the path is checked before any work
  --explain              print what every column and figure means (alone: only the legend)
  --quiet, -q            no progress lines on stderr (errors and "report written" still go there)
  --initial N            workers at the start (default: first row's demand / the pool min)
  --startup SECONDS      seconds until a new worker serves (default ${SIMULATION_DEFAULTS.startupSeconds})
  --service-time SECONDS seconds one job holds a worker (default ${SIMULATION_DEFAULTS.serviceSeconds})
  --slo SECONDS          waits above this count against the SLO (default ${SIMULATION_DEFAULTS.sloSeconds})
  --host-memory-gb GB    host memory for mem_available_gb (default ${SIMULATION_DEFAULTS.hostMemoryGb})
  --worker-memory-gb GB  memory per worker (default: the pool's resources.memoryGb, else 1)
  --threads N            run --compare/--sweep simulations in N worker threads (default 0: this
                         thread; each thread costs 1.5-2.5 s of CPU to start)

Progress goes to stderr (never stdout) for phases over a second: rewritten in place on a
terminal, one line every ~2 s otherwise, and a last line with the time taken (--quiet: none).`;

/** The options, for node:util parseArgs (shared/cli/args.ts gives the did-you-mean). */
const OPTIONS = {
  config: { type: 'string' },
  trace: { type: 'string' },
  pool: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  compare: { type: 'boolean' },
  sweep: { type: 'boolean' },
  explain: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  initial: { type: 'string' },
  startup: { type: 'string' },
  'service-time': { type: 'string' },
  slo: { type: 'string' },
  'host-memory-gb': { type: 'string' },
  'worker-memory-gb': { type: 'string' },
  threads: { type: 'string' },
} as const;

/** Reads the config to simulate in any supported format (poolscale YAML/JSON or a seed format). */
export async function loadSimulationConfig(path: string, format?: string): Promise<Config> {
  const { config, problems } = await loadConfigFile(path, format !== undefined ? { format } : {});
  if (!config) throw new ValidationError(problems);
  return config;
}

interface Args {
  config?: string;
  trace?: string;
  pool?: string;
  format?: string;
  json: boolean;
  compare: boolean;
  sweep: boolean;
  explain: boolean;
  quiet: boolean;
  out?: string;
  numbers: Partial<Record<'initial' | 'startup' | 'service-time' | 'slo' | 'host-memory-gb' | 'worker-memory-gb' | 'threads', number>>;
}

const NUMBER_OPTIONS = ['initial', 'startup', 'service-time', 'slo', 'host-memory-gb', 'worker-memory-gb', 'threads'] as const;

/** The arguments, 'help', or the usage error's message. */
function parseArgs(argv: string[]): Args | 'help' | { error: string } {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if ('error' in parsed) return parsed;
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0) return { error: `unexpected argument "${positionals[0]}"` };
  const args: Args = {
    json: values.json === true,
    compare: values.compare === true,
    sweep: values.sweep === true,
    explain: values.explain === true,
    quiet: values.quiet === true,
    numbers: {},
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.trace !== undefined ? { trace: values.trace } : {}),
    ...(values.pool !== undefined ? { pool: values.pool } : {}),
    ...(values.format !== undefined ? { format: values.format } : {}),
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
  for (const flag of NUMBER_OPTIONS) {
    const text = values[flag];
    if (text === undefined) continue;
    const n = Number(text);
    const integer = flag === 'initial' || flag === 'threads';
    if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)) || (flag === 'service-time' && n < 1)) {
      const expected = integer ? 'a whole number >= 0' : flag === 'service-time' ? 'a number of seconds >= 1' : 'a number >= 0';
      return { error: `--${flag}: expected ${expected} (got ${JSON.stringify(text)})` };
    }
    args.numbers[flag] = n;
  }
  return args;
}

/**
 * Why `path` cannot be written as an output file, or undefined when it can. Checked before any
 * work: the file is opened for appending (created, then removed again, when it did not exist),
 * so a missing folder, a folder given as the file, or a place the user may not write fails at once.
 */
export function outputPathProblem(path: string): string | undefined {
  let existing: Stats | undefined;
  try {
    existing = statSync(path);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) return `is a directory; give a file name, e.g. ${join(path, 'report.html')}`;
  const folder = dirname(path);
  try {
    if (!statSync(folder).isDirectory()) return `${folder} is not a directory`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOTDIR' ? `${folder} is not a directory (a part of the path is a file)` : `the directory ${folder} does not exist`;
  }
  try {
    closeSync(openSync(path, 'a'));
    if (!existing) unlinkSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (code ?? String(error));
    return `cannot be written (${why})`;
  }
  return undefined;
}

/** Progress of one phase: fractions in, sparse lines out. */
export interface Progress {
  update(fraction: number): void;
  /** Ends the phase: a last line with the time taken when it took a second or more. */
  done(): void;
}

/** Nothing is printed for phases under this; then a line every PROGRESS_EVERY_MS (off a terminal). */
export const PROGRESS_AFTER_MS = 1000;
export const PROGRESS_EVERY_MS = 2000;

/**
 * Progress on stderr, never on stdout (which may carry --json). On a terminal the line is
 * rewritten in place (at most 4 times a second); elsewhere (a log, a pipe) one line every ~2 s.
 * Runs under a second print nothing; longer ones end with "<label>: done in 23s".
 */
export function progressReporter(io: CliIo, label: string, now: () => number = Date.now): Progress {
  const start = now();
  let last = start;
  let rewrote = false;
  return {
    update(f) {
      const t = now();
      const elapsed = t - start;
      if (elapsed < PROGRESS_AFTER_MS) return;
      const text = `${label}: ${Math.floor(f * 100)} % after ${humanDuration(elapsed / 1000)}`;
      if (io.isTty) {
        if (rewrote && t - last < 250) return;
        io.progress(text);
        rewrote = true;
        last = t;
      } else if (t - last >= PROGRESS_EVERY_MS) {
        io.err(text);
        last = t;
      }
    },
    done() {
      const elapsed = now() - start;
      if (rewrote) io.progress('');
      if (elapsed >= PROGRESS_AFTER_MS) io.err(`${label}: done in ${humanDuration(elapsed / 1000)}`);
    },
  };
}

/** `progressReporter`, or one that prints nothing with --quiet. */
export function progressFor(io: CliIo, label: string, quiet: boolean | undefined): Progress {
  return quiet ? { update: () => {}, done: () => {} } : progressReporter(io, label);
}

export async function readTrace(path: string): Promise<Trace> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    return await parseTraceLines(lines);
  } finally {
    lines.close();
    stream.destroy();
  }
}

const round = (n: number | undefined, digits = 3) => (n === undefined ? undefined : Number(n.toFixed(digits)));

function jsonSummary(s: Summary) {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]));
}

function humanSummary(id: string, s: Summary, context: TableContext): string {
  const n = humanNumber;
  const demand = (text: string) => (context.noDemand ? 'n/a (demand unknown)' : text);
  const lines = [
    `pool ${id}: ${humanDuration(s.hours * 3600)} simulated`,
    `  worker-hours        ${n(s.workerHours)}`,
    `  under-provisioned   ${demand(`${n(s.underTimePct)} % of time (a_U ${n(s.underAccuracyPct)} %)`)}`,
    `  over-provisioned    ${demand(`${n(s.overTimePct)} % of time (a_O ${n(s.overAccuracyPct)} %)`)}`,
    `  instability         ${demand(`${n(s.instabilityPct)} %, jitter ${n(s.jitterPerHour)} /h`)}`,
    `  scale events        ${n(s.scaleEvents)} (${n(s.eventsPerHour)} /h), peak supply ${n(s.maxSupply)}, peak demand ${context.noDemand ? 'n/a' : n(s.maxDemand)}`,
  ];
  if (s.waitP95Seconds !== undefined) {
    lines.push(`  wait p95            ${humanDuration(s.waitP95Seconds)} (mean ${humanDuration(s.waitMeanSeconds)}), ${n(s.overSloPct)} % of ${s.jobs!.toLocaleString('en-US')} jobs over SLO`);
  }
  return lines.join('\n');
}

const EXPLAIN_HINT = '(poolscale simulate --explain: what each column means)';

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    io.out(USAGE);
    return 0;
  }
  if ('error' in args) {
    io.err(`poolscale simulate: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  if (args.explain && args.json) {
    io.err('poolscale simulate: --explain prints a legend for people; it does not go with --json (the JSON keys are the summary fields)');
    return 2;
  }
  if (args.explain && !args.config && !args.trace) {
    io.out(explainText());
    return 0;
  }
  if (!args.config || !args.trace) {
    io.err(`poolscale simulate: ${!args.config ? '--config' : '--trace'} is required\n\n${USAGE}`);
    return 2;
  }
  const configPath = resolve(io.cwd, args.config);
  const tracePath = resolve(io.cwd, args.trace);
  for (const [option, path] of [['--config', configPath], ['--trace', tracePath]] as const) {
    if (!existsSync(path)) {
      io.err(`poolscale simulate: ${option} file not found: ${path}`);
      return 2;
    }
  }
  const outPath = args.out !== undefined ? resolve(io.cwd, args.out) : undefined;
  if (outPath !== undefined) {
    const problem = outputPathProblem(outPath);
    if (problem) {
      io.err(`poolscale simulate: --out ${args.out}: ${problem}`);
      return 2;
    }
  }
  let config: Config;
  let trace: Trace;
  try {
    config = await loadSimulationConfig(configPath, args.format);
  } catch (error) {
    io.err(`poolscale simulate: config ${args.config}: ${(error as Error).message}`);
    return 2;
  }
  try {
    trace = await readTrace(tracePath);
  } catch (error) {
    io.err(`poolscale simulate: trace ${args.trace}: ${(error as Error).message}`);
    return 2;
  }
  const uneven = spacingWarning(trace);
  if (uneven) io.err(`poolscale simulate: warning: trace ${args.trace}: ${uneven}`);
  let pools = config.pools;
  if (args.pool) {
    pools = pools.filter((p) => p.id === args.pool);
    if (pools.length === 0) {
      io.err(`poolscale simulate: unknown pool "${args.pool}"; the config has: ${config.pools.map((p) => p.id).join(', ')}`);
      return 2;
    }
  }
  const n = args.numbers;
  const options: SimulateOptions = {
    ...(n['service-time'] !== undefined ? { serviceSeconds: n['service-time'] } : {}),
    ...(n.startup !== undefined ? { startupSeconds: n.startup } : {}),
    ...(n.slo !== undefined ? { sloSeconds: n.slo } : {}),
    ...(n.initial !== undefined ? { initialWorkers: n.initial } : {}),
    ...(n['host-memory-gb'] !== undefined ? { hostMemoryGb: n['host-memory-gb'] } : {}),
    ...(n['worker-memory-gb'] !== undefined ? { workerMemoryGb: n['worker-memory-gb'] } : {}),
    poolIds: pools.map((p) => p.id),
  };
  const service = options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds;
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < trace.rows; i += 1) shortest = Math.min(shortest, rowSeconds(trace, i));
  if (trace.kind === 'closed' && args.compare && service >= shortest) {
    io.err(
      `poolscale simulate: warning: a job (${service} s) is not shorter than a row (${shortest} s): the oracles size each row by its own arrivals x job seconds (Little's law), which lags a burst whose jobs run on into later rows, so their figures are no strict bound; see their wait p95 and % > SLO beside under %`,
    );
  }
  const threads = n.threads !== undefined ? { threads: n.threads } : {};
  // The timeline is kept only when printed (JSON) or drawn (report).
  options.timeline = args.json || outPath !== undefined;
  const startup = `startup ${humanDuration(options.startupSeconds ?? SIMULATION_DEFAULTS.startupSeconds)}`;
  const rowsText = `${trace.rows.toLocaleString('en-US')} rows, ${humanDuration(trace.endSeconds - trace.t[0]!)}`;
  const settings =
    trace.kind === 'closed'
      ? `trace ${args.trace} (${rowsText}, closed loop), service time ${humanDuration(options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds)}, ${startup}, SLO ${humanDuration(options.sloSeconds ?? SIMULATION_DEFAULTS.sloSeconds)}`
      : `trace ${args.trace} (${rowsText}, open loop: ${Object.keys(trace.columns).join(', ')} replayed as observed), ${startup}`;
  /** Runs one phase with its progress reporter. */
  const phase = async <T>(label: string, work: (onProgress: (f: number) => void) => Promise<T>): Promise<T> => {
    const progress = progressFor(io, label, args.quiet);
    const result = await work((f) => progress.update(f));
    progress.done();
    return result;
  };
  const runComparisons = async () => {
    const comparisons: Comparison[] = [];
    for (const pool of pools) {
      comparisons.push(await phase(`comparing ${pool.id} with the baselines (${trace.rows} rows)`, (onProgress) => compare(config, pool, trace, { ...options, ...threads, baselineTimelines: args.json, onProgress })));
    }
    return comparisons;
  };
  const writeReport = (comparisons: Comparison[], sweeps?: Sweep[]) => {
    if (outPath === undefined) return;
    writeFileSync(outPath, renderReport({ title: `poolscale simulation: ${args.config}`, trace, comparisons, settings, ...(sweeps ? { sweeps } : {}) }));
    io.err(`report written to ${outPath}`);
  };
  const explain = () => {
    if (args.explain) io.out(`\n${explainText()}`);
    else io.out(`\n${EXPLAIN_HINT}`);
  };

  try {
    if (args.sweep) {
      const sweeps: Sweep[] = [];
      for (const pool of pools) {
        sweeps.push(await phase(`sweeping ${pool.id} (${trace.rows} rows)`, (onProgress) => sweep(pool, trace, { ...options, ...threads, onProgress })));
      }
      const comparisons = args.out || args.compare ? await runComparisons() : [];
      writeReport(comparisons, sweeps);
      if (args.json) {
        io.out(JSON.stringify({ pools: sweeps.map((s) => ({ id: s.poolId, sweep: s, ...(comparisons.length ? { comparison: comparisons.find((c) => c.poolId === s.poolId)!.rows.map((row) => ({ name: row.name, summary: jsonSummary(row.summary) })) } : {}) })) }));
        return 0;
      }
      io.out(settings);
      const context = tableContext(trace);
      const note = oracleNote(trace);
      for (const s of sweeps) {
        const oracleText = context.noOracle ? 'no oracle for this trace' : `fair oracle ${humanNumber(s.oracleWorkerHours)} worker-h`;
        io.out(`\npool ${s.poolId}: frontier over target utilization (${oracleText})\n${formatSweepTable(s, context)}`);
      }
      if (args.compare) for (const c of comparisons) io.out(`\npool ${c.poolId}\n${formatComparisonTable(c, tableContext(trace, c.demand))}`);
      if (note) io.out(`\n${note}`);
      explain();
      return 0;
    }
    if (args.compare || args.out) {
      const comparisons = await runComparisons();
      writeReport(comparisons);
      if (args.json) {
        io.out(
          JSON.stringify({
            pools: comparisons.map((c) => ({
              id: c.poolId,
              summary: jsonSummary(c.rows[0]!.summary),
              ...(c.rows[0]!.run?.start ? { start: c.rows[0]!.run.start } : {}),
              timeline: c.rows[0]!.run?.timeline ?? [],
              comparison: c.rows.map((row) => ({
                name: row.name,
                summary: jsonSummary(row.summary),
                ...(row.run?.start ? { start: row.run.start } : {}),
                timeline: row.run?.timeline ?? [],
              })),
            })),
          }),
        );
        return 0;
      }
      io.out(settings);
      let note: string | undefined;
      for (const c of comparisons) {
        io.out(`\npool ${c.poolId}\n${formatComparisonTable(c, tableContext(trace, c.demand))}`);
        note ??= oracleNote(trace, c.demand);
      }
      if (note) io.out(`\n${note}`);
      explain();
      return 0;
    }
    const result = await phase(`simulating ${trace.rows} rows`, (onProgress) => simulate({ ...config, pools }, trace, { ...options, onProgress }));
    if (args.json) {
      io.out(JSON.stringify({ pools: result.pools.map((p) => ({ id: p.id, summary: jsonSummary(p.summary), ...(p.start ? { start: p.start } : {}), timeline: p.timeline })) }));
      return 0;
    }
    io.out(settings);
    for (const p of result.pools) io.out(humanSummary(p.id, p.summary, tableContext(trace, p.demand)));
    const demandKnown = result.pools.every((p) => !tableContext(trace, p.demand).noDemand);
    if (!demandKnown) io.out(`\n${oracleNote(trace, result.pools[0]!.demand)}`);
    if (args.explain) io.out(`\n${explainText()}`);
    return 0;
  } catch (error) {
    if (error instanceof ValidationError) io.err(`poolscale simulate: ${error.message}`);
    else io.err(`poolscale simulate: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
