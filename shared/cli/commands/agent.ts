/**
 * `poolscale agent --config agent.yaml`       run the on-host agent (foreground; systemd unit)
 * `poolscale agent status --config agent.yaml [--json]`   the running agent's pools and workers
 * `poolscale agent stop --config agent.yaml [--workers]`  stop it (and its workers)
 */
import { resolve } from 'node:path';
import { ValidationError } from '../../domain/errors';
import type { AgentStatus } from '../../agent/Agent';
import { readAgentState } from '../../agent/AgentStateFile';
import { loadAgentConfig } from '../../agent/loadAgentConfig';
import { runAgent } from '../../agent/runAgent';
import { CONTROL_TOKEN_HEADER } from '../../agent/statusServer';
import { closest } from '../../config/closest';
import { parseCommandArgs } from '../args';
import { humanDuration } from '../../domain/humanFormat';
import { humanText, oneLine, type CliIo } from '../io';

export const summary = 'Run the on-host agent (or `agent status`, `agent stop`)';

const HELP = `Usage:
  poolscale agent --config agent.yaml            run the agent in the foreground
  poolscale agent status --config agent.yaml     show pools and workers of the running agent [--json]
  poolscale agent stop --config agent.yaml       stop the running agent [--workers: stop its workers too]`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  workers: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if ('error' in parsed) {
    io.err(`poolscale agent: ${parsed.error}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const [first, ...extra] = positionals;
  if ((first !== undefined && first !== 'status' && first !== 'stop') || extra.length > 0) {
    const typed = extra[0] ?? first!;
    const suggestion = closest(typed, ['status', 'stop']);
    io.err(`poolscale agent: unexpected argument "${typed}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}\n\n${HELP}`);
    return 2;
  }
  const sub = first ?? 'run';
  const configPath = values.config ?? io.env.POOLSCALE_AGENT_CONFIG;
  if (!configPath) {
    io.err(`poolscale agent: --config is required\n\n${HELP}`);
    return 2;
  }
  let loaded;
  try {
    loaded = loadAgentConfig(resolve(io.cwd, configPath), io.env);
  } catch (error) {
    io.err(error instanceof ValidationError ? `poolscale agent: ${configPath}: ${error.message}` : `poolscale agent: ${(error as Error).message}`);
    return 2;
  }
  if (sub === 'run') {
    const running = await runAgent(loaded, { handleSignals: true });
    await running.stopped;
    return 0;
  }
  const state = readAgentState(loaded.config.stateFile);
  const port = state?.statusPort ?? loaded.config.statusPort;
  if (sub === 'status') {
    let status: AgentStatus;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(3_000) });
      status = (await response.json()) as AgentStatus;
    } catch (error) {
      io.err(`poolscale agent: no agent answers on 127.0.0.1:${port} (${(error as Error).message})`);
      return 1;
    }
    io.out(values.json ? JSON.stringify(status, null, 2) : formatStatus(status, Date.now()));
    return 0;
  }
  // stop: ask over the loopback port; fall back to SIGTERM to the pid in the state file.
  const stopWorkers = values.workers ?? false;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/stop${stopWorkers ? '?workers=1' : ''}`, {
      method: 'POST',
      headers: { [CONTROL_TOKEN_HEADER]: state?.controlToken ?? '' },
      signal: AbortSignal.timeout(3_000),
    });
    if (response.ok) {
      io.out(`asked the agent to stop${stopWorkers ? ' with its workers' : ' (workers keep running)'}`);
      return 0;
    }
    io.err(`poolscale agent: stop refused: ${response.status} ${await response.text()}`);
  } catch {
    if (state?.agentPid && !stopWorkers) {
      try {
        process.kill(state.agentPid, 'SIGTERM');
        io.out(`sent SIGTERM to agent pid ${state.agentPid}`);
        return 0;
      } catch {
        /* gone */
      }
    }
    io.err(`poolscale agent: no running agent found on 127.0.0.1:${port}`);
  }
  return 1;
}

const ago = (now: number, at?: number) => (at === undefined ? 'never' : `${humanDuration(Math.max(0, now - at))} ago`);
const pad = (rows: string[][]) => {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()).join('\n');
};

/** Seed 001's `worker_manager --status`, for every pool of the host. */
export function formatStatus(status: AgentStatus, now: number): string {
  const relay = !status.relay.url
    ? 'none (local policies)'
    : status.relay.up
      ? `online (last heartbeat ${ago(now, status.relay.lastHeartbeatAt)})`
      : `OFFLINE since ${status.relay.offlineSince ? new Date(status.relay.offlineSince).toISOString() : '?'} (${status.relay.failures} failed heartbeats: ${status.relay.lastError ?? ''})`;
  const host = status.host;
  const lines = [
    `host ${status.hostId}  agent ${status.version} pid ${status.pid}  relay: ${relay}`,
    host
      ? `memory ${host.memAvailableGb.toFixed(1)}/${host.memTotalGb.toFixed(1)} GB available  cpu ${host.cpu.toFixed(0)}%  load ${host.load1.toFixed(2)}`
      : 'no sample yet',
    '',
    pad([
      ['POOL', 'KIND', 'RUNNING', 'DESIRED', 'BUSY', 'RSS GB', 'QUEUE', 'POLICY', 'LAST DECISION'],
      ...status.pools.map((pool) => [
        pool.name,
        pool.kind,
        String(pool.running),
        String(pool.desired),
        String(pool.busy),
        pool.rssGb.toFixed(2),
        pool.queueLength === undefined ? '-' : String(pool.queueLength),
        `${pool.poolId} (${pool.policy})`,
        pool.lastDecision ? `${pool.lastDecision.action} ${pool.lastDecision.current}->${pool.lastDecision.desired}: ${humanText(oneLine(pool.lastDecision.reasons.map((r) => r.message).join('; ')))}` : '-',
      ]),
    ]),
  ];
  // A desired count above the host cap is refused: say so (the relay sees it in the heartbeat too).
  for (const pool of status.pools) if (pool.refused) lines.push(`${pool.name}: ${pool.refused}`);
  const workers = status.pools.flatMap((pool) => pool.workers);
  if (workers.length > 0) {
    lines.push(
      '',
      pad([
        ['WORKER', 'PID', 'STATE', 'UP', 'RSS GB', 'CPU %', 'TASKS'],
        ...workers.map((w) => [
          w.name,
          String(w.pid),
          w.state,
          ago(now, w.startedAt).replace(' ago', ''),
          w.rssGb.toFixed(2),
          w.cpu.toFixed(0),
          w.tasks === undefined ? '-' : `${w.tasks}${w.reserved ? `+${w.reserved}` : ''}`,
        ]),
      ]),
    );
  }
  return lines.join('\n');
}
