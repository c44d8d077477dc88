/**
 * The agent as users run it: `poolscale agent --config agent.yaml` in its own process, signals
 * and all. Jobs are counted in Redis: whatever happens to the agent and its workers, every job
 * enqueued is processed exactly once.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readAgentState } from '../../shared/agent/AgentStateFile';
import type { AgentStatus } from '../../shared/agent/Agent';
import { startRedis, type TestRedis } from '../support/redis';
import { alive, FIXTURE_WORKER, getJson, killGroups, tempDir, waitFor } from './support';

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'poolscale.js');
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startAgent(configPath: string): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'agent', '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanups.push(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited };
}

async function status(stateFile: string): Promise<AgentStatus | undefined> {
  const port = readAgentState(stateFile)?.statusPort;
  if (!port) return undefined;
  return getJson<AgentStatus>(`http://127.0.0.1:${port}/status`);
}

/**
 * A Redis of its own, a temporary folder and agent.yaml written there (`config` gets the Redis
 * URL); the cleanup kills every worker that ever ran (those in `seen` and those the fixture
 * worker recorded in `q:started`), then Redis and the folder.
 */
async function agentWorld(config: (redisUrl: string) => Record<string, unknown>) {
  const redis: TestRedis = await startRedis();
  const client = new Redis(redis.url);
  const dir = tempDir();
  const seen = new Set<number>();
  const started = async () => (await client.lrange('q:started', 0, -1)).map((line) => Number(line.split(' ')[1]));
  cleanups.push(async () => {
    for (const pid of await started()) seen.add(pid);
    killGroups(seen);
    client.disconnect();
    await redis.stop();
    dir.remove();
  });
  const configPath = join(dir.path, 'agent.yaml');
  writeFileSync(configPath, stringify(config(redis.url)));
  return { client, seen, started, configPath, stateFile: join(dir.path, 'state', 'agent.json') };
}

const runningPids = (s: AgentStatus | undefined) => s?.pools[0]?.workers.filter((w) => w.state === 'running').map((w) => w.pid) ?? [];

describe('Command: poolscale agent', () => {
  it(
    'processes every job exactly once through agent SIGTERM, restart with adoption, worker SIGTERM and scale-in; status and stop --workers',
    async () => {
      // Prepare: no relay, the pool's own policy: 1 worker per 10 queued jobs, 2..4.
      const { client, seen, configPath, stateFile } = await agentWorld((redisUrl) => ({
        hostId: 'test-host',
        interval: '250ms',
        statusPort: 0,
        stateFile: 'state/agent.json',
        gracePeriod: '30s',
        redisUrl,
        pools: [
          {
            name: 'jobs',
            kind: 'command',
            command: ['node', FIXTURE_WORKER],
            env: { REDIS_URL: redisUrl, QUEUE: 'q', JOB_MS: '40' },
            queue: { key: 'q', processingKey: 'q:processing' },
            initialWorkers: 2,
            policy: {
              min: 2,
              max: 4,
              interval: '1s',
              metrics: { queue_length: { source: 'host', type: 'queue_length' } },
              rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
              behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
            },
          },
        ],
      }));
      const jobs = Array.from({ length: 400 }, (_, i) => `job-${i}`);
      await client.lpush('q', ...jobs);

      // Act 1: start the agent; it scales to 4 for the backlog
      const first = startAgent(configPath);
      const before = await waitFor('4 workers', async () => {
        const pids = runningPids(await status(stateFile));
        pids.forEach((pid) => seen.add(pid));
        return pids.length === 4 && pids;
      }, { timeoutMs: 60_000 });
      await waitFor('some jobs done', async () => (await client.hlen('q:done')) >= 20);

      // Act 2: SIGTERM the agent mid-work: it exits, the workers keep working
      first.child.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(before.every(alive)).toBe(true);
      // (more work now: the first batch may be drained already on a fast machine)
      const later = Array.from({ length: 40 }, (_, i) => `later-${i}`);
      jobs.push(...later);
      await client.rpush('q', ...later); // taken next (workers take from the right)
      await waitFor('workers keep working without the agent', async () => (await client.hexists('q:done', later[0]!)) === 1, { timeoutMs: 60_000 });

      // Act 3: SIGTERM one worker directly (warm shutdown: it finishes its job)
      process.kill(before[0]!, 'SIGTERM');

      // Act 4: a new agent adopts the other three and replaces the stopped one
      const second = startAgent(configPath);
      const survivors = before.slice(1);
      const after = await waitFor('the new agent', async () => {
        const s = await status(stateFile);
        return s && s.pid === second.child.pid && s.pools[0]!.workers;
      }, { timeoutMs: 60_000 });
      after.forEach((w) => seen.add(w.pid));
      // Adopted (running, or stopping if the queue is already short), never started twice.
      expect(after.map((w) => w.pid)).toEqual(expect.arrayContaining(survivors));
      expect(after.map((w) => w.pid)).not.toContain(before[0]);
      expect(after.filter((w) => w.state === 'running').length).toBeLessThanOrEqual(4);

      // Assess: all jobs done exactly once, then back to the minimum of 2
      await waitFor('all jobs done', async () => (await client.hlen('q:done')) === jobs.length, { timeoutMs: 90_000 });
      await waitFor('scale-in to 2', async () => runningPids(await status(stateFile)).length === 2, { timeoutMs: 60_000 });
      const counts = await client.hgetall('q:done');
      expect(Object.keys(counts).sort()).toEqual([...jobs].sort());
      expect(Object.entries(counts).filter(([, n]) => n !== '1')).toEqual([]);
      expect(await client.llen('q:processing')).toBe(0);
      // Every worker stopped so far exited by SIGTERM after its current job, none was killed.
      // (A stopped worker records its exit after its job: wait for every one but the final 2.
      // How many there were depends on how far the queue drained while no agent ran: the 3
      // adopted workers, the one SIGTERMed by hand, and any the second agent started.)
      const exits = await waitFor('every stopped worker recorded its exit', async () => {
        const [started, exited] = await Promise.all([client.lrange('q:started', 0, -1), client.lrange('q:exited', 0, -1)]);
        return exited.length === started.length - 2 && exited;
      }, { timeoutMs: 60_000 });
      expect(exits.length).toBeGreaterThanOrEqual(2);
      expect(exits.every((line) => line.endsWith('SIGTERM'))).toBe(true);

      // Act 5: `agent status` prints the table
      const printed = spawnSync(process.execPath, [CLI, 'agent', 'status', '--config', configPath], { encoding: 'utf8' });
      expect(printed.status).toBe(0);
      expect(printed.stdout).toMatch(/POOL\s+KIND\s+RUNNING\s+DESIRED/);
      expect(printed.stdout).toMatch(/jobs\s+command\s+2\s+2/);

      // Act 6: `agent stop --workers` stops the agent and its workers
      const final = runningPids(await status(stateFile));
      const stopped = spawnSync(process.execPath, [CLI, 'agent', 'stop', '--config', configPath, '--workers'], { encoding: 'utf8' });
      expect(stopped.status).toBe(0);
      expect(await second.exited).toBe(0);
      expect(final.some(alive)).toBe(false);
    },
    240_000,
  );

  it(
    'killed (SIGKILL) while its first heartbeat waits on the relay, the agent leaves its workers to the next one, which adopts them instead of starting twins',
    async () => {
      // Prepare: a relay that accepts and never answers, so the first heartbeat waits 30 s
      const hanging = createServer(() => {});
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      cleanups.push(async () => {
        hanging.closeAllConnections();
        await new Promise<void>((resolve) => hanging.close(() => resolve()));
      });
      const { started, configPath, stateFile } = await agentWorld((redisUrl) => ({
        hostId: 'test-host',
        secret: 'test-secret-0123456789abcdef0123',
        relayUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`,
        relayTimeout: '30s',
        interval: '1s',
        statusPort: 0,
        stateFile: 'state/agent.json',
        gracePeriod: '10s',
        pools: [{ name: 'jobs', kind: 'command', command: ['node', FIXTURE_WORKER], env: { REDIS_URL: redisUrl, QUEUE: 'q' }, initialWorkers: 2 }],
      }));

      // Act: the first agent starts its 2 workers and is killed before any heartbeat returns
      const first = startAgent(configPath);
      const workers = await waitFor('2 workers started', async () => {
        const pids = await started();
        return pids.length === 2 && pids;
      }, { timeoutMs: 60_000 });
      first.child.kill('SIGKILL');
      await first.exited;
      const second = startAgent(configPath);
      const adopted = await waitFor('the second agent saved its first reconcile', async () => {
        const state = readAgentState(stateFile);
        return state !== undefined && state.agentPid === second.child.pid && state.pools.jobs?.workers;
      }, { timeoutMs: 60_000 });

      // Assess: the same two processes, adopted; no third worker started
      expect(adopted.map((worker) => worker.pid).sort()).toEqual([...workers].sort());
      expect(workers.every(alive)).toBe(true);
      expect(await started()).toHaveLength(2);
    },
    120_000,
  );
});
