/**
 * `poolscale simulate`: replays a trace through a config's pools with the real runtime tick.
 *
 *   poolscale simulate --config FILE --trace TRACE.csv [--pool ID] [--json] [--out report.html]
 *     [--compare] [--sweep] [--initial N] [--startup SECONDS] [--service-time SECONDS] [--slo SECONDS]
 *     [--host-memory-gb GB] [--worker-memory-gb GB] [--format F]
 */
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { loadConfigFile } from '../../config/load';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Config } from '../../domain/policy';
import { PoolscaleError, ValidationError } from '../../domain/errors';
import { compare, formatComparison } from '../../sim/compare';
import type { Comparison } from '../../sim/compare';
import type { Summary } from '../../sim/metrics';
import { renderReport } from '../../sim/report';
import { formatSweep, sweep, SWEEP_KNOBS } from '../../sim/sweep';
import type { Sweep } from '../../sim/sweep';
import { simulate, SIMULATION_DEFAULTS } from '../../sim/simulate';
import type { SimulateOptions } from '../../sim/simulate';
import { parseTraceLines } from '../../sim/trace';
import type { Trace } from '../../sim/trace';
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
                         from them); with --compare each baseline's summary and timeline too
  --compare              run HPA-style, target-tracking-style, static-peak and two oracles (fair:
                         min and startup paid; no-startup) beside it
  --sweep                the frontier: the policy, HPA-style and target-tracking-style over target
                         utilization ${SWEEP_KNOBS.join(', ')}: worker-hours vs under-provisioned
                         time (a table; with --json the points; with --out a plot in the report)
  --out FILE.html        write a self-contained HTML report (implies --compare)
  --initial N            workers at the start (default: first row's demand / the pool min)
  --startup SECONDS      seconds until a new worker serves (default ${SIMULATION_DEFAULTS.startupSeconds})
  --service-time SECONDS seconds one job holds a worker (default ${SIMULATION_DEFAULTS.serviceSeconds})
  --slo SECONDS          waits above this count against the SLO (default ${SIMULATION_DEFAULTS.sloSeconds})
  --host-memory-gb GB    host memory for mem_available_gb (default ${SIMULATION_DEFAULTS.hostMemoryGb})
  --worker-memory-gb GB  memory per worker (default: the pool's resources.memoryGb, else 1)
  --threads N            run --compare/--sweep simulations in N worker threads (default 0: this
                         thread; each thread costs 1.5-2.5 s of CPU to start)`;

class UsageError extends PoolscaleError {}

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
  out?: string;
  numbers: Partial<Record<'initial' | 'startup' | 'service-time' | 'slo' | 'host-memory-gb' | 'worker-memory-gb' | 'threads', number>>;
}

const NUMBER_OPTIONS = ['initial', 'startup', 'service-time', 'slo', 'host-memory-gb', 'worker-memory-gb', 'threads'] as const;

function parseArgs(argv: string[]): Args | 'help' {
  const args: Args = { json: false, compare: false, sweep: false, numbers: {} };
  for (let i = 0; i < argv.length; i += 1) {
    const raw = argv[i]!;
    if (raw === '--help' || raw === '-h') return 'help';
    if (!raw.startsWith('--')) throw new UsageError(`unexpected argument "${raw}"`);
    const [flag, inline] = raw.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || (inline === undefined && v.startsWith('--'))) throw new UsageError(`--${flag} needs a value`);
      return v;
    };
    if (flag === 'json') args.json = true;
    else if (flag === 'compare') args.compare = true;
    else if (flag === 'sweep') args.sweep = true;
    else if (flag === 'config' || flag === 'trace' || flag === 'pool' || flag === 'format' || flag === 'out') args[flag] = value();
    else if ((NUMBER_OPTIONS as readonly string[]).includes(flag)) {
      const text = value();
      const n = Number(text);
      const integer = flag === 'initial' || flag === 'threads';
      if (text.trim() === '' || !Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)) || (flag === 'service-time' && n < 1)) {
        const expected = integer ? 'a whole number >= 0' : flag === 'service-time' ? 'a number of seconds >= 1' : 'a number >= 0';
        throw new UsageError(`--${flag}: expected ${expected} (got ${JSON.stringify(text)})`);
      }
      args.numbers[flag as (typeof NUMBER_OPTIONS)[number]] = n;
    } else throw new UsageError(`unknown option --${flag}`);
  }
  return args;
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

function humanSummary(id: string, s: Summary): string {
  const lines = [
    `pool ${id}: ${s.hours.toFixed(1)} h simulated`,
    `  worker-hours        ${s.workerHours.toFixed(1)}${s.xOracle !== undefined ? ` (${s.xOracle.toFixed(2)} x oracle)` : ''}`,
    `  under-provisioned   ${s.underTimePct.toFixed(2)} % of time (a_U ${s.underAccuracyPct.toFixed(2)} %)`,
    `  over-provisioned    ${s.overTimePct.toFixed(2)} % of time (a_O ${s.overAccuracyPct.toFixed(2)} %)`,
    `  instability         ${s.instabilityPct.toFixed(1)} %, jitter ${s.jitterPerHour.toFixed(2)} /h`,
    `  scale events        ${s.scaleEvents} (${s.eventsPerHour.toFixed(2)} /h), peak supply ${s.maxSupply.toFixed(0)}, peak demand ${s.maxDemand.toFixed(0)}`,
  ];
  if (s.waitP95Seconds !== undefined) {
    lines.push(`  wait p95            ${s.waitP95Seconds} s (mean ${s.waitMeanSeconds!.toFixed(1)} s), ${s.overSloPct!.toFixed(2)} % of ${s.jobs} jobs over SLO`);
  }
  return lines.join('\n');
}

export async function run(argv: string[], io: CliIo): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.err(`poolscale simulate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    io.out(USAGE);
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
  const threads = n.threads !== undefined ? { threads: n.threads } : {};
  // The timeline is kept only when printed (JSON) or drawn (report).
  options.timeline = args.json || args.out !== undefined;
  if (io.isTty) options.onProgress = (f) => io.progress(`simulating ${trace.rows} rows: ${(f * 100).toFixed(0)} %`);
  const startup = `startup ${options.startupSeconds ?? SIMULATION_DEFAULTS.startupSeconds} s`;
  const settings =
    trace.kind === 'closed'
      ? `trace ${args.trace} (${trace.rows} rows, closed loop), service time ${options.serviceSeconds ?? SIMULATION_DEFAULTS.serviceSeconds} s, ${startup}, SLO ${options.sloSeconds ?? SIMULATION_DEFAULTS.sloSeconds} s`
      : `trace ${args.trace} (${trace.rows} rows, open loop: ${Object.keys(trace.columns).join(', ')} replayed as observed), ${startup}`;

  try {
    if (args.sweep) {
      const sweeps: Sweep[] = [];
      for (const pool of pools) {
        const progress = io.isTty ? { onProgress: (f: number) => io.progress(`sweeping ${pool.id}: ${(f * 100).toFixed(0)} %`) } : {};
        sweeps.push(await sweep(pool, trace, { ...options, ...threads, ...progress }));
      }
      if (io.isTty) io.progress('');
      let comparisons: Comparison[] = [];
      if (args.out || args.compare) for (const pool of pools) comparisons.push(await compare(config, pool, trace, { ...options, ...threads, baselineTimelines: args.json }));
      if (args.out) {
        const outPath = resolve(io.cwd, args.out);
        writeFileSync(outPath, renderReport({ title: `poolscale simulation: ${args.config}`, trace, comparisons, settings, sweeps }));
        if (!args.json) io.err(`report written to ${outPath}`);
      }
      if (args.json) {
        io.out(JSON.stringify({ pools: sweeps.map((s) => ({ id: s.poolId, sweep: s, ...(comparisons.length ? { comparison: comparisons.find((c) => c.poolId === s.poolId)!.rows.map((row) => ({ name: row.name, summary: jsonSummary(row.summary) })) } : {}) })) }));
      } else {
        io.out(settings);
        for (const s of sweeps) io.out(`\npool ${s.poolId}: frontier over target utilization (fair oracle ${s.oracleWorkerHours.toFixed(1)} worker-h)\n${formatSweep(s)}`);
        comparisons = comparisons.filter(() => args.compare);
        for (const c of comparisons) io.out(`\npool ${c.poolId}\n${formatComparison(c)}`);
      }
      return 0;
    }
    if (args.compare || args.out) {
      const comparisons: Comparison[] = [];
      for (const pool of pools) comparisons.push(await compare(config, pool, trace, { ...options, ...threads, baselineTimelines: args.json }));
      if (io.isTty) io.progress('');
      if (args.out) {
        const outPath = resolve(io.cwd, args.out);
        writeFileSync(outPath, renderReport({ title: `poolscale simulation: ${args.config}`, trace, comparisons, settings }));
        if (!args.json) io.err(`report written to ${outPath}`);
      }
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
      } else {
        io.out(settings);
        for (const c of comparisons) io.out(`\npool ${c.poolId}\n${formatComparison(c)}`);
      }
      return 0;
    }
    const result = await simulate({ ...config, pools }, trace, options);
    if (io.isTty) io.progress('');
    if (args.json) {
      io.out(JSON.stringify({ pools: result.pools.map((p) => ({ id: p.id, summary: jsonSummary(p.summary), ...(p.start ? { start: p.start } : {}), timeline: p.timeline })) }));
    } else {
      io.out(settings);
      for (const p of result.pools) io.out(humanSummary(p.id, p.summary));
    }
    return 0;
  } catch (error) {
    if (error instanceof ValidationError) io.err(`poolscale simulate: ${error.message}`);
    else io.err(`poolscale simulate: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}
