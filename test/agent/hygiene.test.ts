/**
 * Issue 9 item 6 through the agent as users run it: nothing a worker started outlives it (a
 * command that forks and exits, one whose child left the process group with setsid), the
 * agent's secret and POOLSCALE_* credentials never reach a worker's environment, and a
 * host-side cap refuses workers above it with a reason in the status.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AgentStatus } from '../../shared/agent/Agent';
import { readAgentState } from '../../shared/agent/AgentStateFile';
import { alive, FIXTURE_WORKER, getJson, killGroups, tempDir, waitFor } from './support';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'poolscale.js');
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** Pids whose command line is exactly `sleep <seconds>` (the test's unique durations). */
function sleepers(seconds: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === `sleep\0${seconds}\0`;
      } catch {
        return false;
      }
    })
    .map(Number)
    .filter(alive);
}

describe('Agent process hygiene (real processes)', () => {
  it('kills what exited workers left behind, scrubs credentials from worker environments, and caps workers with a reason', async () => {
    // Prepare: unique sleep durations to find the leftovers among the host's processes
    const forked = 30_000 + Math.floor(Math.random() * 10_000);
    const escaped = forked + 10_000;
    const dir = tempDir();
    const dump = join(dir.path, 'env.txt');
    const configPath = join(dir.path, 'agent.yaml');
    const stateFile = join(dir.path, 'state', 'agent.json');
    const seen = new Set<number>();
    cleanups.push(() => {
      killGroups([...seen, ...sleepers(forked), ...sleepers(escaped)]);
      dir.remove();
    });
    writeFileSync(
      configPath,
      stringify({
        hostId: 'hygiene',
        interval: '300ms',
        statusPort: 0,
        stateFile: 'state/agent.json',
        gracePeriod: '10s',
        secretEnv: 'HOST_AGENT_SECRET',
        pools: [
          { name: 'forker', kind: 'command', command: ['sh', '-c', `sleep ${forked} & exit 0`], initialWorkers: 1 },
          { name: 'escaper', kind: 'command', command: ['sh', '-c', `setsid sleep ${escaped} & exit 0`], initialWorkers: 1 },
          { name: 'envdump', kind: 'command', command: ['sh', '-c', `env > "$OUT"; exec node "${FIXTURE_WORKER}"`], env: { OUT: dump }, initialWorkers: 1 },
          { name: 'capped', kind: 'command', command: ['node', FIXTURE_WORKER], initialWorkers: 5, maxWorkers: 2 },
        ],
      }),
    );
    const child = spawn(process.execPath, [CLI, 'agent', '--config', configPath], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, POOLSCALE_AGENT_SECRET: 'agent-secret-0123456789', POOLSCALE_API_TOKEN: 'api-token-x', HOST_AGENT_SECRET: 'host-secret-0123456789' },
    });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const status = async () => {
      const port = readAgentState(stateFile)?.statusPort;
      if (!port) return undefined;
      const body = await getJson<AgentStatus>(`http://127.0.0.1:${port}/status`);
      body.pools.flatMap((p) => p.workers).forEach((w) => seen.add(w.pid));
      return body;
    };

    // Assess 1: the forking commands were restarted (they exit at once) and left nothing behind
    const restarts = (pool: string) => log.split('\n').filter((line) => line.includes('worker exited unexpectedly') && line.includes(`"pool":"${pool}"`)).length;
    await waitFor('forking workers restarted twice', () => restarts('forker') >= 2 && restarts('escaper') >= 2, { timeoutMs: 60_000, everyMs: 100 });
    // (the newest start's child may live until the agent notices its parent exited)
    await waitFor('no leftovers beyond the newest', () => sleepers(forked).length <= 1 && sleepers(escaped).length <= 1, { timeoutMs: 20_000, everyMs: 100 });

    // Assess 2: credentials scrubbed, the worker's own variables present
    const environment = await waitFor('env dump', () => {
      try {
        const text = readFileSync(dump, 'utf8');
        return text.includes('POOLSCALE_WORKER=') && text;
      } catch {
        return false;
      }
    });
    expect(environment).not.toMatch(/POOLSCALE_AGENT_SECRET|POOLSCALE_API_TOKEN|HOST_AGENT_SECRET|agent-secret|host-secret/);
    expect(environment).toMatch(/^POOLSCALE_POOL=envdump$/m);
    expect(environment).toMatch(/^PATH=/m);

    // Assess 3: 2 of the 5 asked, with the reason
    const capped = await waitFor('capped pool at 2', async () => {
      const pool = (await status())?.pools.find((p) => p.name === 'capped');
      return pool?.running === 2 && pool;
    }, { timeoutMs: 30_000, everyMs: 200 });
    expect(capped.desired).toBe(5);
    expect(capped.maxWorkers).toBe(2);
    expect(capped.refused).toBe('desired 5 above the host cap of 2 workers (maxWorkers in agent.yaml): running 2');
    await status();

    // Act: stop with the workers
    const stopped = spawnSync(process.execPath, [CLI, 'agent', 'stop', '--workers', '--config', configPath], { encoding: 'utf8' });
    expect(stopped.status).toBe(0);
    expect(await exited).toBe(0);

    // Assess 4: nothing left
    expect([...seen].filter(alive)).toEqual([]);
    await waitFor('no leftovers at all', () => sleepers(forked).length === 0 && sleepers(escaped).length === 0, { timeoutMs: 10_000 });
  }, 120_000);
});
