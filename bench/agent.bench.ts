/**
 * The on-host agent as users run it (`poolscale agent --config`, its own process) with 8
 * `command` workers, a local relay (HTTP, in-memory stores) and Redis:
 *  1. overhead: CPU time and RSS of the agent process over ~30 s of heartbeats;
 *  2. reaction: time from a policy change at the relay to the new workers running (each
 *     worker records its start in Redis once it has connected) and to stopped ones gone.
 */
import { spawn } from 'node:child_process';
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { serveRelay } from '../shared/adapters/host/serveRelay';
import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../shared/adapters/memory';
import type { AgentStatus } from '../shared/agent/Agent';
import { readAgentState } from '../shared/agent/AgentStateFile';
import { parsePolicy } from '../shared/config/validate';
import { systemClock } from '../shared/ports/Clock';
import { createRelayHandler } from '../shared/relay/createRelayHandler';
import { startRedis } from '../test/support/redis';
import type { Bench } from './run';

const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'poolscale.js');
const WORKER = join(ROOT, 'test', 'fixtures', 'worker.mjs');
const SECRET = 'bench-secret-0123456789';
const INTERVAL_S = 2;
const WINDOW_MS = 30_000;
const CLK_TCK = 100;

const policy = (load: number) =>
  parsePolicy({
    id: 'bench-jobs',
    target: { kind: 'host', host: 'bench', pool: 'jobs' },
    min: 1,
    max: 16,
    interval: '1s',
    metrics: { load: { source: 'static', value: load } },
    rules: [{ type: 'target', metric: 'load', perWorker: 10 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until<T>(probe: () => Promise<T | undefined | false>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('bench: timed out');
    await sleep(20);
  }
}

const cpuTicks = (pid: number) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
};
const memKb = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

const bench: Bench = {
  name: 'agent',
  description: `agent process overhead with 8 command workers (interval ${INTERVAL_S} s) and reaction to a changed desired count`,
  async run(log) {
    const dir = mkdtempSync(join(tmpdir(), 'poolscale-agent-bench-'));
    try {
      // The agent as `npx poolscale agent` runs it (tsx loader) and as a bundle (production).
      const bundle = join(dir, 'poolscale-agent.mjs');
      await build({
        entryPoints: [join(ROOT, 'shared', 'agent', 'main.ts')],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: bundle,
        logLevel: 'error',
        banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      });
      log('### `node bin/poolscale.js agent` (TypeScript through tsx)');
      await scenario(log, [CLI, 'agent'], join(dir, 'tsx'));
      log('### `node poolscale-agent.mjs` (esbuild bundle of shared/agent/main.ts)');
      await scenario(log, [bundle], join(dir, 'bundle'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function scenario(log: (line: string) => void, command: string[], dir: string): Promise<void> {
  {
    mkdirSync(dir, { recursive: true });
    const redis = await startRedis();
    const client = new Redis(redis.url);
    const agents = new MemoryAgentStore(() => Date.now());
    const policies = new MemoryPolicyStore([policy(80)]);
    await agents.put({ hostId: 'bench', secret: SECRET, poolIds: ['bench-jobs'], desired: {}, version: 1 }, 0);
    const relay = await serveRelay(
      createRelayHandler({ agents, policies, states: new MemoryStateStore(), log: new MemoryDecisionLog(), clock: systemClock, metrics: [new StaticMetricSource()] }),
    );
    const stateFile = join(dir, 'agent.json');
    const configPath = join(dir, 'agent.yaml');
    writeFileSync(
      configPath,
      stringify({
        hostId: 'bench',
        secret: SECRET,
        relayUrl: relay.url,
        interval: INTERVAL_S,
        statusPort: 0,
        stateFile,
        gracePeriod: '10s',
        redisUrl: redis.url,
        pools: [{ name: 'jobs', poolId: 'bench-jobs', kind: 'command', command: ['node', WORKER], env: { REDIS_URL: redis.url, QUEUE: 'q' }, queue: { key: 'q' }, initialWorkers: 1 }],
      }),
    );
    const agent = spawn(process.execPath, [...command, '--config', configPath], { stdio: 'ignore' });
    const pid = agent.pid!;
    const status = async () => {
      const port = readAgentState(stateFile)?.statusPort;
      if (!port) return undefined;
      return (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as AgentStatus;
    };
    const running = async () => (await status())?.pools[0]?.workers.filter((w) => w.state === 'running').length;
    const all = async () => (await status())?.pools[0]?.workers.length;
    try {
      await until(async () => (await running()) === 8 && (await client.llen('q:started')) >= 8);
      log(`8 workers running; agent pid ${pid}, RSS ${(memKb(pid, 'VmRSS') / 1024).toFixed(1)} MB after start`);

      // 1. Overhead over the window, after everything has settled.
      await sleep(3_000);
      const ticks0 = cpuTicks(pid);
      const wall0 = Date.now();
      await sleep(WINDOW_MS);
      const cpuSeconds = (cpuTicks(pid) - ticks0) / CLK_TCK;
      const wall = (Date.now() - wall0) / 1000;
      log(`overhead over ${wall.toFixed(1)} s (${Math.round(wall / INTERVAL_S)} heartbeats): CPU ${cpuSeconds.toFixed(2)} s = ${((100 * cpuSeconds) / wall).toFixed(2)} % of one core (target < 1 %)`);
      log(`agent RSS ${(memKb(pid, 'VmRSS') / 1024).toFixed(1)} MB, peak ${(memKb(pid, 'VmHWM') / 1024).toFixed(1)} MB (target < 80 MB; with everything it loads)`);

      // 2. Reaction to a changed desired count.
      for (const [from, to] of [[8, 12], [12, 8]] as const) {
        const startedBefore = await client.llen('q:started');
        const t0 = performance.now();
        await policies.put(policy(to * 10));
        if (to > from) {
          const spawned = await until(async () => (await running()) === to && performance.now());
          await until(async () => (await client.llen('q:started')) >= startedBefore + (to - from));
          const ready = performance.now();
          log(`desired ${from} -> ${to}: new workers spawned after ${((spawned - t0) / 1000).toFixed(2)} s, all ${to - from} connected to Redis after ${((ready - t0) / 1000).toFixed(2)} s (interval ${INTERVAL_S} s)`);
        } else {
          const signalled = await until(async () => (await running()) === to && performance.now());
          await until(async () => (await all()) === to);
          const gone = performance.now();
          log(`desired ${from} -> ${to}: SIGTERM sent after ${((signalled - t0) / 1000).toFixed(2)} s, stopped workers gone after ${((gone - t0) / 1000).toFixed(2)} s`);
        }
        await sleep(1_000);
      }
    } finally {
      const workers = (await status().catch(() => undefined))?.pools[0]?.workers ?? [];
      agent.kill('SIGTERM');
      await new Promise((resolve) => agent.once('exit', resolve));
      for (const worker of workers) {
        try {
          process.kill(-worker.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
      await sleep(500);
      client.disconnect();
      await relay.close();
      await redis.stop();
    }
  }
}

export default bench;
