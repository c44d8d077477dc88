/**
 * Issue 9 acceptance with real Celery 5.2 (Debian's python3-celery) on a Redis broker:
 *
 *  burst   `poolscale up --agent` (local control plane: relay, tick, the agent in-process) with a
 *          host pool that follows Celery's backlog; 200 tasks of 2-10 s; the pool scales up and
 *          then in at least three times while tasks run; then `poolscale agent stop --workers`
 *          with tasks running; 24 more tasks, `up` is restarted and stopped with Ctrl-C
 *          (SIGINT) while tasks run; restarted again to finish the rest. Run with task_acks_late off and on
 *          (reject_on_worker_lost off). Every task must finish exactly once.
 *  memory  the agent process with one worker (concurrency 1, memoryLimitGb 1) and a task that
 *          holds 1.5 GB for 15 s: the size the agent saw, and whether the worker was recycled
 *          after the task (not during it).
 *
 * Run: `npx tsx bench/celery.bench.ts [burst|memory]` (both by default), or with the others:
 * `npx tsx bench/run.ts celery`. Figures go to stdout as JSON lines and a summary table.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import type { AgentStatus } from '../shared/agent/Agent';
import { readAgentState } from '../shared/agent/AgentStateFile';
import { startRedis } from '../test/support/redis';
import type { Bench } from './run';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'poolscale.js');
const APP_DIR = join(ROOT, 'test', 'fixtures', 'celery');
const PYTHON = '/usr/bin/python3';
/** Tasks in the burst (default 200; smaller for a quick check). */
const TASKS = Number(process.env.CELERY_BENCH_TASKS ?? 200);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function agentStatus(stateFile: string): Promise<AgentStatus | undefined> {
  const state = readAgentState(stateFile);
  if (!state?.statusPort || !state.agentPid) return undefined;
  const response = await fetch(`http://127.0.0.1:${state.statusPort}/status`, { signal: AbortSignal.timeout(3_000) });
  return (await response.json()) as AgentStatus;
}

function run(args: string[], cwd: string): { child: ChildProcess; exited: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

function enqueue(env: Record<string, string>, ...args: (string | number)[]): string[] {
  const result = spawnSync(PYTHON, ['enqueue.py', ...args.map(String)], { cwd: APP_DIR, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim().split('\n');
}

interface BurstFigures {
  acksLate: boolean;
  tasks: number;
  maxWorkers: number;
  scaleIns: number;
  runningAtStop: number;
  stopSeconds: number;
  runningAtCtrlC: number;
  ctrlCSeconds: number;
  workersAliveAfterCtrlC: number;
  totalSeconds: number;
  finishedOnce: number;
  neverFinished: number;
  finishedTwice: number;
  startedTwice: number;
}

async function burst(acksLate: boolean): Promise<BurstFigures> {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const dir = mkdtempSync(join(tmpdir(), 'poolscale-celery-bench-'));
  const env = { BROKER_URL: redis.url, ACKS_LATE: acksLate ? '1' : '0', PREFETCH: '1' };
  const stateFile = join(dir, 'state', 'agent.json');
  writeFileSync(
    join(dir, 'pools.yaml'),
    stringify({
      version: 1,
      pools: [
        {
          id: 'celery-burst',
          target: { kind: 'host', host: 'bench-celery', pool: 'cel' },
          min: 1,
          max: 6,
          interval: '2s',
          metrics: { queue_length: { source: 'host', type: 'queue_length' } },
          rules: [{ type: 'target', metric: 'queue_length', perWorker: 8 }],
          behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
        },
      ],
    }),
  );
  writeFileSync(
    join(dir, 'agent.yaml'),
    stringify({
      hostId: 'bench-celery',
      secret: 'bench-celery-secret-0123456789',
      interval: '1s',
      statusPort: 0,
      stateFile: 'state/agent.json',
      logDir: 'logs',
      gracePeriod: '60s',
      pools: [{ name: 'cel', poolId: 'celery-burst', kind: 'celery', app: 'poolscale_fixture_app', celery: [PYTHON, '-m', 'celery'], cwd: APP_DIR, concurrency: 4, env, initialWorkers: 1 }],
    }),
  );
  const upArgs = ['up', '--config', 'pools.yaml', '--in-memory', '--data', join(dir, 'data'), '--port', '0', '--redis', redis.url, '--tick', '1', '--agent', 'agent.yaml'];
  const started = Date.now();
  const ids = enqueue(env, 'sleep', TASKS, 'burst', 2, 10, acksLate ? 2 : 1);
  let up = run(upArgs, dir);
  const pids = new Set<number>();
  try {
    // Phase 1: watch the pool scale up and in; stop the agent with its workers once it scaled
    // in three times and tasks still run.
    let last = 0;
    let maxWorkers = 0;
    let scaleIns = 0;
    let status: AgentStatus | undefined;
    await waitUntil(
      'three scale-ins with tasks still running',
      async () => {
        status = await agentStatus(stateFile);
        const pool = status?.pools[0];
        if (!pool) return false;
        pool.workers.forEach((w) => pids.add(w.pid));
        if (pool.running < last) scaleIns += last - pool.running;
        last = pool.running;
        maxWorkers = Math.max(maxWorkers, pool.running);
        return scaleIns >= 3 && pool.busy > 0 && pool;
      },
      600_000,
      300,
    );
    const runningAtStop = status!.pools[0]!.busy;
    const stopAt = Date.now();
    const stop = spawnSync(process.execPath, [CLI, 'agent', 'stop', '--workers', '--config', 'agent.yaml'], { cwd: dir, encoding: 'utf8' });
    if (stop.status !== 0) throw new Error(`agent stop failed: ${stop.stderr}`);
    await waitUntil('the agent and its workers stopped', () => readAgentState(stateFile)?.agentPid === undefined && [...pids].every((pid) => !alive(pid)), 120_000);
    const stopSeconds = (Date.now() - stopAt) / 1000;

    // Phase 2: 24 more tasks (the drain above may have finished the burst); restart `up` and
    // Ctrl-C (SIGINT) it while tasks run: `up` drains the agent's workers.
    up.child.kill('SIGINT');
    await up.exited;
    ids.push(...enqueue(env, 'sleep', 24, 'ctrlc', 2, 10, 3));
    up = run(upArgs, dir);
    const runningAtCtrlC = await waitUntil(
      'tasks running under the restarted agent',
      async () => {
        const pool = (await agentStatus(stateFile))?.pools[0];
        pool?.workers.forEach((w) => pids.add(w.pid));
        return pool && pool.busy > 0 && (await client.hlen('done')) < ids.length && pool.busy;
      },
      300_000,
      300,
    );
    const ctrlCAt = Date.now();
    up.child.kill('SIGINT');
    await up.exited;
    const ctrlCSeconds = (Date.now() - ctrlCAt) / 1000;
    const aliveAfterCtrlC = [...pids].filter(alive).length;

    // Phase 3: restart `up` to finish the rest, then Ctrl-C.
    up = run(upArgs, dir);
    await waitUntil('every task finished', async () => (await client.hlen('done')) >= ids.length, 600_000, 500);
    await waitUntil('the restarted agent', () => agentStatus(stateFile), 60_000);
    up.child.kill('SIGINT');
    await up.exited;

    const done = await client.hgetall('done');
    const startedIds = (await client.lrange('started', 0, -1)).map((line) => line.split(' ')[0]!);
    const counts = ids.map((id) => Number(done[id] ?? 0));
    return {
      acksLate,
      tasks: ids.length,
      maxWorkers,
      scaleIns,
      runningAtStop,
      stopSeconds: Math.round(stopSeconds * 10) / 10,
      runningAtCtrlC,
      ctrlCSeconds: Math.round(ctrlCSeconds * 10) / 10,
      workersAliveAfterCtrlC: aliveAfterCtrlC,
      totalSeconds: Math.round((Date.now() - started) / 100) / 10,
      finishedOnce: counts.filter((n) => n === 1).length,
      neverFinished: counts.filter((n) => n === 0).length,
      finishedTwice: counts.filter((n) => n > 1).length,
      startedTwice: startedIds.length - new Set(startedIds).size,
    };
  } catch (error) {
    console.error(`poolscale up output:\n${up.output().slice(-4_000)}`);
    throw error;
  } finally {
    if (up.child.exitCode === null) up.child.kill('SIGKILL');
    for (const pid of pids) killGroup(pid);
    client.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface MemoryFigures {
  taskMb: number;
  limitGb: number;
  maxSeenGb: number;
  recycledAfterTask: boolean;
  finished: number;
}

async function memory(taskMb = 1536, limitGb = 1): Promise<MemoryFigures> {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  const dir = mkdtempSync(join(tmpdir(), 'poolscale-celery-mem-'));
  const env = { BROKER_URL: redis.url, ACKS_LATE: '1' };
  const stateFile = join(dir, 'state', 'agent.json');
  writeFileSync(
    join(dir, 'agent.yaml'),
    stringify({
      hostId: 'bench-mem',
      interval: '1s',
      statusPort: 0,
      stateFile: 'state/agent.json',
      gracePeriod: '120s',
      redisUrl: redis.url,
      pools: [{ name: 'big', kind: 'celery', app: 'poolscale_fixture_app', celery: [PYTHON, '-m', 'celery'], cwd: APP_DIR, concurrency: 1, memoryLimitGb: limitGb, env, initialWorkers: 1 }],
    }),
  );
  const agent = run(['agent', '--config', 'agent.yaml'], dir);
  const pids = new Set<number>();
  try {
    const first = await waitUntil('a worker answering', async () => (await agentStatus(stateFile))?.pools[0]?.workers.find((w) => w.tasks !== undefined), 120_000);
    pids.add(first.pid);
    const [task] = enqueue(env, 'grow', 1, 'big', taskMb, 15);
    let maxSeenGb = 0;
    let doneWhileFirstAlive = false;
    await waitUntil(
      'the first worker replaced',
      async () => {
        const workers = (await agentStatus(stateFile))?.pools[0]?.workers ?? [];
        workers.forEach((w) => pids.add(w.pid));
        const worker = workers.find((w) => w.pid === first.pid);
        if (worker) maxSeenGb = Math.max(maxSeenGb, worker.rssGb);
        if (alive(first.pid) && (await client.hget('done', task!)) === '1') doneWhileFirstAlive = true;
        return !alive(first.pid);
      },
      300_000,
      200,
    );
    return { taskMb, limitGb, maxSeenGb, recycledAfterTask: doneWhileFirstAlive, finished: Number((await client.hget('done', task!)) ?? 0) };
  } finally {
    agent.child.kill('SIGTERM');
    await agent.exited;
    for (const pid of pids) killGroup(pid);
    client.disconnect();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

/** Runs the named parts (`burst`, `memory`, or both) and logs their figures. */
async function runParts(which: string, log: (line: string) => void): Promise<void> {
  const results: unknown[] = [];
  if (which === 'all' || which === 'burst') {
    for (const acksLate of [false, true]) {
      const figures = await burst(acksLate);
      log(JSON.stringify({ bench: 'celery-burst', ...figures }));
      results.push(figures);
    }
  }
  if (which === 'all' || which === 'memory') {
    const figures = await memory();
    log(JSON.stringify({ bench: 'celery-memory', ...figures }));
    results.push(figures);
  }
  console.table(results);
}

const bench: Bench = {
  name: 'celery',
  description: 'real Celery through poolscale up --agent: 200-task burst with drained scale-ins, stop --workers and Ctrl-C (acks_late off/on); a 1.5 GB task under a 1 GB limit',
  run: (log) => runParts('all', log),
};
export default bench;

// Standalone: `npx tsx bench/celery.bench.ts [burst|memory]`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runParts(process.argv[2] ?? 'all', (line) => console.log(line));
}
