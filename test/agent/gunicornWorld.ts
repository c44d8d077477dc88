/**
 * A real gunicorn 20.1 (Debian's) and the agent as users run it (`node bin/poolscale.js
 * agent`), for the gunicorn pool tests: a redis-server, a temp dir with agent.yaml, the agent
 * process, its status, and cleanup of every process seen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach } from 'vitest';
import { stringify } from 'yaml';
import type { AgentStatus } from '../../shared/agent/Agent';
import { readAgentState } from '../../shared/agent/AgentStateFile';
import { startRedis } from '../support/redis';
import { getJson, killGroups, tempDir } from './support';

export const CLI = join(import.meta.dirname, '..', '..', 'bin', 'poolscale.js');
export const APP_DIR = join(import.meta.dirname, '..', 'fixtures', 'gunicorn');
export const GUNICORN = '/usr/bin/gunicorn';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export async function setup(pool: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const dir = tempDir('poolscale-gunicorn-');
  const pids = new Set<number>();
  cleanups.push(async () => {
    killGroups(pids);
    client.disconnect();
    await redis.stop();
    dir.remove();
  });
  const configPath = join(dir.path, 'agent.yaml');
  const stateFile = join(dir.path, 'state', 'agent.json');
  writeFileSync(configPath, stringify({ hostId: 'web-host', interval: '300ms', statusPort: 0, stateFile: 'state/agent.json', gracePeriod: '60s', redisUrl: redis.url, ...extra, pools: [{ name: 'web', kind: 'gunicorn', ...pool }] }));
  const startAgent = () => {
    const child: ChildProcess = spawn(process.execPath, [CLI, 'agent', '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    return { child, exited, log: () => log };
  };
  const status = async (): Promise<AgentStatus['pools'][number] | undefined> => {
    const state = readAgentState(stateFile);
    const master = state?.pools.web?.master?.pid;
    if (master) pids.add(master);
    const port = state?.statusPort;
    if (!port) return undefined;
    const pool = (await getJson<AgentStatus>(`http://127.0.0.1:${port}/status`)).pools[0];
    pool?.workers.forEach((w) => pids.add(w.pid));
    return pool;
  };
  return { client, dir: dir.path, configPath, pids, startAgent, status };
}

export const get = async (url: string, timeoutMs = 60_000) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, pid: Number((await response.text()).trim()) };
};

