/**
 * Real Celery for the agent's tests: a redis-server on a free port (the broker), the fixture
 * app in test/fixtures/celery (tasks record "started" and "done" in the broker's Redis), and
 * the agent as users run it: `node bin/poolscale.js agent --config agent.yaml`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import type { AgentStatus } from '../../shared/agent/Agent';
import { readAgentState } from '../../shared/agent/AgentStateFile';
import { startRedis, type TestRedis } from '../support/redis';
import { alive, getJson, killGroups, tempDir } from '../agent/support';

export const CLI = join(import.meta.dirname, '..', '..', 'bin', 'poolscale.js');
export const CELERY_APP_DIR = join(import.meta.dirname, '..', 'fixtures', 'celery');
export const PYTHON = '/usr/bin/python3';

export interface CeleryWorldOptions {
  acksLate?: boolean;
  /** The app's broker_transport_options.visibility_timeout, in seconds (Celery's default 3600). */
  visibilityTimeoutS?: number;
  gracePeriod?: string;
  interval?: string;
  pool?: Record<string, unknown>;
}

export interface RunningCliAgent {
  child: ChildProcess;
  exited: Promise<number | null>;
  log(): string;
}

export async function celeryWorld(options: CeleryWorldOptions = {}) {
  const redis: TestRedis = await startRedis();
  const client = new Redis(redis.url);
  const dir = tempDir('poolscale-celery-');
  const stateFile = join(dir.path, 'state', 'agent.json');
  const configPath = join(dir.path, 'agent.yaml');
  const env = { BROKER_URL: redis.url, ACKS_LATE: options.acksLate ? '1' : '0', VISIBILITY_TIMEOUT: String(options.visibilityTimeoutS ?? 3600) };
  const pool = {
    name: 'cel',
    kind: 'celery',
    app: 'poolscale_fixture_app',
    celery: [PYTHON, '-m', 'celery'],
    cwd: CELERY_APP_DIR,
    concurrency: 2,
    env,
    initialWorkers: 1,
    ...options.pool,
  };
  writeFileSync(
    configPath,
    stringify({
      hostId: 'celery-host',
      interval: options.interval ?? '500ms',
      statusPort: 0,
      stateFile: 'state/agent.json',
      logDir: 'logs',
      gracePeriod: options.gracePeriod ?? '60s',
      redisUrl: redis.url,
      pools: [pool],
    }),
  );
  const agents: RunningCliAgent[] = [];
  const pids = new Set<number>();

  const world = {
    redis: client,
    url: redis.url,
    dir: dir.path,
    configPath,
    stateFile,
    /** The agent as a process: `node bin/poolscale.js agent --config agent.yaml`. */
    startAgent(): RunningCliAgent {
      const child = spawn(process.execPath, [CLI, 'agent', '--config', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const agent = { child, exited, log: () => log };
      agents.push(agent);
      return agent;
    },
    async status(): Promise<AgentStatus | undefined> {
      const port = readAgentState(stateFile)?.statusPort;
      if (!port) return undefined;
      const status = await getJson<AgentStatus>(`http://127.0.0.1:${port}/status`);
      for (const worker of status.pools.flatMap((p) => p.workers)) pids.add(worker.pid);
      return status;
    },
    /** Runs `poolscale agent <args>` to completion (stop, status). */
    cli(...args: string[]) {
      return spawnSync(process.execPath, [CLI, 'agent', ...args, '--config', configPath], { encoding: 'utf8', timeout: 60_000 });
    },
    /** Enqueues fixture tasks through Celery itself (`enqueue.py`); returns their ids. */
    enqueue(...args: (string | number)[]): string[] {
      const result = spawnSync(PYTHON, ['enqueue.py', ...args.map(String)], { cwd: CELERY_APP_DIR, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
      if (result.status !== 0) throw new Error(`enqueue.py failed: ${result.stderr}`);
      return result.stdout.trim().split('\n');
    },
    /** Task id -> times finished. */
    async done(): Promise<Record<string, number>> {
      return Object.fromEntries(Object.entries(await client.hgetall('done')).map(([id, n]) => [id, Number(n)]));
    },
    /** Task ids in the order they started (a task started twice appears twice). */
    async started(): Promise<string[]> {
      return (await client.lrange('started', 0, -1)).map((line) => line.split(' ')[0]!);
    },
    /**
     * The fixture ids of the tasks still held by the broker: ready in the queue's lists (its
     * priority sub-lists too) or delivered-not-acked in kombu's `unacked` hash (`[message,
     * exchange, routing key]`). A message's body is base64 JSON `[args, kwargs, embed]`; a
     * fixture task's first arg is its id.
     */
    async queued(queue = 'celery'): Promise<string[]> {
      const fixtureId = (message: { body: string }): string => (JSON.parse(Buffer.from(message.body, 'base64').toString('utf8')) as [string[]])[0][0]!;
      const lists = [queue, ...[3, 6, 9].map((priority) => `${queue}\x06\x16${priority}`)];
      const ready = (await Promise.all(lists.map((key) => client.lrange(key, 0, -1)))).flat().map((text) => fixtureId(JSON.parse(text) as { body: string }));
      const unacked = (await client.hvals('unacked')).map((text) => fixtureId((JSON.parse(text) as [{ body: string }])[0]));
      return [...ready, ...unacked];
    },
    /** Worker main pids seen in any status so far that are still alive. */
    livePids(): number[] {
      return [...pids].filter(alive);
    },
    async cleanup() {
      for (const agent of agents) if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill('SIGKILL');
      killGroups(pids);
      client.disconnect();
      await redis.stop();
      dir.remove();
    },
  };
  return world;
}

export type CeleryWorld = Awaited<ReturnType<typeof celeryWorld>>;

/** Ids appearing more than once. */
export const repeated = (ids: readonly string[]) => [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
