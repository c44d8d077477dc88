/**
 * `poolscale up --config FILE`: the whole control plane on this machine, no AWS account.
 */
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { dataProblems, withDataProblems } from '../../config/dataProblems';
import { toNativePolicy } from '../../config/format';
import { formatProblem } from '../../config/formatProblem';
import { loadConfigFile } from '../../config/load';
import type { FieldProblem } from '../../domain/errors';
import { humanDuration } from '../../domain/humanFormat';
import { type ConfigChange, type ControlPlane, startControlPlane, usesRedis } from '../../local/controlPlane';
import { DEFAULT_DATA_DIR, TOKEN_FILE, loadOrCreateToken } from '../../local/dataFolder';
import { type LoadGenerator, startLoadGenerator } from '../../local/loadGenerator';
import { parseCommandArgs } from '../args';
import { type CliIo, oneLine } from '../io';
import { LiveBoard, boardEntry } from '../statusBoard';
import { diffPolicies } from './operator';

export const summary = 'Run the whole control plane locally (API, ticks, agent, dashboard)';

const USAGE = `Usage: poolscale up --config FILE [options]

Runs the control plane locally: embedded storage (dynalite on disk), the evaluation tick, the
HTTP API (same routes as the deployed API), the agent relay, and optionally the on-host agent
and a load generator. Ctrl-C stops everything.

The config file seeds the pools the store does not have yet; changes made through the API or
the dashboard (and deleted pools) are kept across restarts. --apply writes the file's pools
over the stored ones, after printing the differences. A pool whose rules read a metric its
\`metrics:\` block does not define would never scale: up refuses it (exit 2, nothing started)
unless its target is \`none\`, as \`poolscale validate\` reports it.

On a terminal each pool has one live line, failures first: FAILED (the last scaling action
failed, with the error), STALE (metrics not read), PAUSED, DISABLED or OVERRIDE (a manual
count), then the pool id, desired and ready counts, [min..max], the action and its reasons. A
line wider than the terminal loses its middle (marked …), never its end; messages scroll above
the lines. Without a terminal: one line per scaling action.

The API needs the token in the data folder (file "token", mode 0600; the CLI sends it, or set
POOLSCALE_TOKEN); the dashboard address printed at start carries it.

Options:
  --config FILE        poolscale config (YAML/JSON or a seed format)        (required)
  --format NAME        config format, when detection is not wanted
  --port N             API port on 127.0.0.1 (default 8080; 0 = any free port)
  --data DIR           data folder (default $POOLSCALE_DATA, else .poolscale/data); --in-memory keeps nothing
  --in-memory          keep state and history in memory only (the token file is still kept)
  --apply              overwrite the stored pools with the config file's (prints the diff first)
  --tick SECONDS       how often pools are checked (default 1; each pool runs at its interval)
  --redis URL          Redis for metrics (default $REDIS_URL or redis://127.0.0.1:6379)
  --agent FILE         also run the on-host agent with this config, talking to the local relay
  --load TRACE.csv     replay a t_seconds,arrivals trace into a Redis list, in a loop; the
                       jobs it queued that no worker took are removed at the stop
  --load-queue KEY     list to push jobs to (default demo:jobs)
  --load-speedup N     trace seconds per real second (default 60)
  --load-scale X       multiply arrivals (default 1)
  --duration SECONDS   stop by itself after this long (for scripts and tests)
`;

const OPTIONS = {
  config: { type: 'string' },
  format: { type: 'string' },
  port: { type: 'string' },
  data: { type: 'string' },
  'in-memory': { type: 'boolean' },
  apply: { type: 'boolean' },
  tick: { type: 'string' },
  redis: { type: 'string' },
  agent: { type: 'string' },
  load: { type: 'string' },
  'load-queue': { type: 'string' },
  'load-speedup': { type: 'string' },
  'load-scale': { type: 'string' },
  duration: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if ('error' in parsed) {
    io.err(`poolscale up: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const values = {
    ...parsed.values,
    port: parsed.values.port ?? '8080',
    // POOLSCALE_DATA as the operator commands read it, so both find the same token.
    data: parsed.values.data ?? (io.env.POOLSCALE_DATA || DEFAULT_DATA_DIR),
    tick: parsed.values.tick ?? '1',
    'load-queue': parsed.values['load-queue'] ?? 'demo:jobs',
    'load-speedup': parsed.values['load-speedup'] ?? '60',
    'load-scale': parsed.values['load-scale'] ?? '1',
    apply: parsed.values.apply ?? false,
  };
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.positionals.length > 0) {
    io.err(`poolscale up: unexpected argument "${parsed.positionals[0]}" (the config is given as --config FILE)\n\n${USAGE}`);
    return 2;
  }
  if (!values.config) {
    io.err(`poolscale up: --config is required\n\n${USAGE}`);
    return 2;
  }
  const numbers: Record<string, number> = {};
  for (const [name, min] of [['port', 0], ['tick', 0.05], ['load-speedup', 0.001], ['load-scale', 0], ['duration', 0]] as const) {
    const raw = values[name];
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) {
      io.err(`poolscale up: --${name} must be a number >= ${min} (got "${raw}")`);
      return 2;
    }
    numbers[name] = value;
  }

  // As `validate` checks it: a pool whose rules can never receive data would hold forever.
  const read = await loadConfigFile(resolve(io.cwd, values.config), values.format ? { format: values.format as never } : {});
  const loaded = withDataProblems(read);
  for (const problem of loaded.problems) io.err(`${problem.severity === 'error' ? 'error' : 'warning'}: ${formatProblem(problem)}`);
  if (!loaded.config) {
    const unfed = read.config ? unfedPools(read.config.pools, dataProblems(read.config)) : [];
    if (unfed.length > 0) {
      io.err(
        `poolscale up: nothing started: ${unfed.map((p) => `pool "${p.id}" (${p.field})`).join(', ')} can never receive data. ` +
          'Define the metric under the pool\'s `metrics:` (or make its target `none`), then run up again; `poolscale validate` shows the same.',
      );
      return 2;
    }
    io.err(`poolscale up: ${values.config} is not a valid config`);
    return 1;
  }
  const config = loaded.config;
  const redisUrl = values.redis ?? io.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  if (usesRedis(config) || values.load) {
    const problem = await pingRedis(redisUrl);
    if (problem) {
      io.err(
        `poolscale up: Redis is not reachable at ${redisUrl} (${problem}).\n` +
          `Start one (e.g. \`redis-server --daemonize yes\`) or point REDIS_URL / --redis at yours.`,
      );
      return 1;
    }
  }

  // Live lines only when stdout is the terminal; a pipe or a log gets one line per action.
  const terminal = io.isTty && process.stdout.isTTY ? { write: (text: string) => void process.stdout.write(text), columns: () => process.stdout.columns } : undefined;
  const status = new LiveBoard(terminal, (line) => io.out(line));
  // Everything printed while up runs goes above the live board (on a pipe, straight out).
  const say = { out: (text: string) => status.note(() => io.out(text)), err: (text: string) => status.note(() => io.err(text)) };
  const dataDir = resolve(io.cwd, values.data);
  let plane: ControlPlane | undefined;
  let load: LoadGenerator | undefined;
  let agent: { stop(): Promise<void> } | undefined;
  // One failing listener or timer must not end the API, the relay, the agent and its workers
  // with it: report it and keep serving (each server also answers its own errors itself).
  const survive = (kind: string) => (error: unknown) =>
    say.err(`error: ${kind} (poolscale up keeps running): ${oneLine(error instanceof Error ? (error.stack ?? error.message) : String(error))}`);
  const onException = survive('uncaught exception');
  const onRejection = survive('unhandled rejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  try {
    const token = loadOrCreateToken(dataDir);
    plane = await startControlPlane({
      config,
      ...(values['in-memory'] ? {} : { dataDir }),
      port: numbers.port!,
      redisUrl,
      tickMs: numbers.tick! * 1000,
      token,
      configMode: values.apply ? 'overwrite' : 'seed',
      onConfigChanges: (changes) => printChanges(say, changes, values.apply),
      logger: {
        info: () => {},
        warn: (message, extra) => say.err(oneLine(`warn: ${message} ${extra ? JSON.stringify(extra) : ''}`)),
        error: (message, extra) => say.err(oneLine(`error: ${message} ${extra ? JSON.stringify(extra) : ''}`)),
      },
      onDecision: (decision, policy, targetStatus) => status.update(boardEntry(decision, policy, targetStatus)),
    });
    say.out(
      `poolscale up: API on ${plane.url} (token in ${join(dataDir, TOKEN_FILE)}), ${config.pools.length} pool(s) in the file, ` +
        `storage ${values['in-memory'] ? 'in memory' : dataDir}`,
    );
    say.out(`poolscale up: dashboard ${plane.url}/dashboard#token=${encodeURIComponent(token)}`);
    if (values.agent) {
      const { startAgentFromFile } = await import('../../local/startAgent');
      agent = await startAgentFromFile(resolve(io.cwd, values.agent), { relayUrl: plane.url, redisUrl, agents: plane.agents, log: (line: string) => say.err(oneLine(line)) });
      say.out(`poolscale up: agent started from ${values.agent}`);
    }
    if (values.load) {
      load = startLoadGenerator({
        redisUrl,
        trace: resolve(io.cwd, values.load),
        queue: values['load-queue'],
        speedup: numbers['load-speedup']!,
        scale: numbers['load-scale']!,
        loop: true,
      });
      say.out(
        `poolscale up: replaying ${values.load} into ${values['load-queue']} at ${numbers['load-speedup']}x; ` +
          `the load starts again every ${humanDuration(load.loopSeconds * 1000)} (jobs still queued at the stop are removed)`,
      );
    }
    say.out('Press Ctrl-C to stop.');
    await waitForStop(numbers.duration);
    return 0;
  } catch (error) {
    say.err(`poolscale up: ${oneLine((error as Error).message)}`);
    return 1;
  } finally {
    status.close();
    load?.halt();
    await agent?.stop();
    // After the workers stopped: what is left in the list was queued and never taken.
    const removed = (await load?.stop()) ?? 0;
    if (removed > 0) io.out(`poolscale up: removed the ${removed} job(s) the load generator queued that no worker took from ${values['load-queue']}`);
    await plane?.stop();
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
    io.out('poolscale up: stopped');
  }
}

/** The differences between the file and the store; with --apply they are about to be written. */
function printChanges(io: Pick<CliIo, 'out'>, changes: ConfigChange[], apply: boolean): void {
  let changed = 0;
  for (const change of changes) {
    const id = oneLine(change.poolId);
    if (change.kind === 'add') io.out(`poolscale up: pool ${id}: added from the config file`);
    if (change.kind === 'not-in-file') io.out(`poolscale up: pool ${id}: kept (not in the config file)`);
    if (change.kind === 'deleted') {
      changed++;
      io.out(`poolscale up: pool ${id}: deleted through the API${apply ? '; --apply adds it back from the file' : '; it stays deleted'}`);
    }
    if (change.kind === 'change' && change.stored && change.file) {
      changed++;
      io.out(`poolscale up: pool ${id}: the stored policy differs from the file${apply ? '; --apply writes the file' : '; the stored one is kept'}:`);
      const lines = diffPolicies(toNativePolicy(change.stored), toNativePolicy(change.file));
      for (const line of lines.slice(0, 50)) io.out(`  ${oneLine(line)}`);
      if (lines.length > 50) io.out(`    ... and ${lines.length - 50} more`);
    }
  }
  if (changed > 0 && !apply) io.out('poolscale up: run with --apply to write the config file over the stored pools');
}

async function pingRedis(url: string): Promise<string | undefined> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1500, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    redis.disconnect();
  }
}

function waitForStop(durationSeconds: number | undefined): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      clearTimeout(timer);
      resolveStop();
    };
    const timer = durationSeconds === undefined ? undefined : setTimeout(stop, durationSeconds * 1000);
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** The pools (and the field) that a data problem error names: they can never receive data. */
function unfedPools(pools: readonly { id: string }[], problems: readonly FieldProblem[]): { id: string; field: string }[] {
  return problems.flatMap((p) => {
    const index = p.severity === 'error' ? /^pools\[(\d+)\]/.exec(p.path)?.[1] : undefined;
    return index === undefined ? [] : [{ id: oneLine(pools[Number(index)]?.id ?? `pools[${index}]`), field: p.path }];
  });
}
