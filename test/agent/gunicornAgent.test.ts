/**
 * Issue 9 item 5 with a real gunicorn 20.1 and the agent as users run it (`node
 * bin/poolscale.js agent`). The desired count comes from the pool's local policy reading a
 * Redis list through a host `queue_length` metric with `key` (item 4: the key is honoured).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AgentStatus } from '../../shared/agent/Agent';
import { readAgentState } from '../../shared/agent/AgentStateFile';
import { freePort, startRedis } from '../support/redis';
import { alive, killGroups, tempDir, waitFor } from './support';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'poolscale.js');
const APP_DIR = join(import.meta.dirname, '..', 'fixtures', 'gunicorn');
const GUNICORN = '/usr/bin/gunicorn';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(pool: Record<string, unknown>, extra: Record<string, unknown> = {}) {
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
    const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(3_000) });
    const pool = ((await response.json()) as AgentStatus).pools[0];
    pool?.workers.forEach((w) => pids.add(w.pid));
    return pool;
  };
  return { client, dir: dir.path, configPath, pids, startAgent, status };
}

const get = async (url: string, timeoutMs = 60_000) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, pid: Number((await response.text()).trim()) };
};

describe('gunicorn pool through the agent (real gunicorn 20.1)', () => {
  it('3 -> 2 while every worker, the oldest included, serves a 25 s request: one SIGTTOU, 2 workers left, every request 200', async () => {
    // Prepare: the agent starts the master with 3 workers (desired = length of the list "want")
    const port = await freePort();
    const world = await setup({
      command: [GUNICORN, '--chdir', APP_DIR, '-b', `127.0.0.1:${port}`, '--graceful-timeout', '40', '--timeout', '120', 'slow_app:app'],
      initialWorkers: 3,
      policy: {
        min: 1,
        max: 3,
        interval: '1s',
        metrics: { want: { source: 'host', type: 'queue_length', key: 'want' } },
        rules: [{ type: 'target', metric: 'want', perWorker: 1 }],
        behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
      },
    });
    await world.client.rpush('want', 'a', 'b', 'c');
    const agent = world.startAgent();
    const base = `http://127.0.0.1:${port}`;
    await waitFor('3 workers serving', async () => (await world.status())?.running === 3 && (await get(base, 2_000)).status === 200, { timeoutMs: 60_000, everyMs: 200 });
    const workers = (await world.status())!.workers.map((w) => w.pid);

    // Act: three 25 s requests occupy the three sync workers; busy counts requests in flight
    const requests = [0, 1, 2].map(() => get(`${base}/slow?s=25`));
    await waitFor('3 requests in flight', async () => (await world.status())?.busy === 3, { timeoutMs: 20_000, everyMs: 100 });
    await world.client.ltrim('want', 0, 1);

    // Assess: the removed worker drains its request; no second SIGTTOU meanwhile
    const answers = await Promise.all(requests);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.pid).sort()).toEqual([...workers].sort());
    await waitFor('2 workers', async () => (await world.status())?.running === 2, { timeoutMs: 30_000, everyMs: 200 });
    const ttou = () => agent.log().split('\n').filter((line) => line.includes('"signal":"SIGTTOU"')).length;
    expect(ttou()).toBe(1);
    // Several more intervals: still 2 (the count confirmed the step), and still one SIGTTOU
    const settled = (await world.status())!;
    await waitFor('a few more agent intervals', async () => {
      const state = readAgentState(join(world.dir, 'state', 'agent.json'));
      return state !== undefined && state.savedAt > Date.now() - 200 && Date.now() - settled.lastDecision!.at > 1_500;
    }, { timeoutMs: 20_000, everyMs: 200 });
    expect((await world.status())?.running).toBe(2);
    expect(ttou()).toBe(1);
    expect((await get(base, 5_000)).status).toBe(200);
  }, 150_000);

  it('never stops a master it did not start: pid-file mode survives Ctrl-C (stopWorkersOnExit) and `agent stop --workers`', async () => {
    // Prepare: "systemd" runs gunicorn with 1 worker and a pid file
    const port = await freePort();
    const world = await setup({ pidFile: 'gunicorn.pid', initialWorkers: 2 }, { stopWorkersOnExit: true });
    const pidFile = join(world.dir, 'gunicorn.pid');
    const master = spawn(GUNICORN, ['--chdir', APP_DIR, '-b', `127.0.0.1:${port}`, '-w', '1', '--pid', pidFile, 'slow_app:app'], { stdio: 'ignore', detached: true });
    world.pids.add(master.pid!);
    await waitFor('pid file', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')) === master.pid, { timeoutMs: 30_000 });

    // Act 1: the agent drives it to 2 workers, then gets Ctrl-C (SIGINT)
    const first = world.startAgent();
    await waitFor('2 workers', async () => (await world.status())?.running === 2, { timeoutMs: 60_000, everyMs: 200 });
    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.log()).toContain('leaving the gunicorn master running');

    // Assess 1: the master and its workers still serve
    expect(alive(master.pid!)).toBe(true);
    expect((await get(`http://127.0.0.1:${port}/`, 5_000)).status).toBe(200);

    // Act 2: a new agent, then `agent stop --workers`
    const second = world.startAgent();
    await waitFor('the new agent sees the master', async () => (await world.status())?.running === 2, { timeoutMs: 60_000, everyMs: 200 });
    const stopped = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, [CLI, 'agent', 'stop', '--workers', '--config', world.configPath], { stdio: 'ignore' }).once('exit', resolve),
    );
    expect(stopped).toBe(0);
    expect(await second.exited).toBe(0);

    // Assess 2: still up and serving
    expect(alive(master.pid!)).toBe(true);
    expect((await get(`http://127.0.0.1:${port}/`, 5_000)).status).toBe(200);
  }, 150_000);
});
