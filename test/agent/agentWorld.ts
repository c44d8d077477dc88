import { Redis } from 'ioredis';
import { overlayProcReader } from '../../shared/adapters/host/procfs';
import { serveRelay, type RelayServer } from '../../shared/adapters/host/serveRelay';
import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore } from '../../shared/adapters/memory';
import { parseAgentConfig } from '../../shared/agent/loadAgentConfig';
import { runAgent, type RunningAgent } from '../../shared/agent/runAgent';
import type { AgentLogger } from '../../shared/agent/supervisors/Supervisor';
import { parsePolicy } from '../../shared/config/validate';
import type { Policy } from '../../shared/domain/policy';
import { systemClock } from '../../shared/ports/Clock';
import { createRelayHandler } from '../../shared/relay/createRelayHandler';
import { startRedis, type TestRedis } from '../support/redis';
import { FIXTURE_WORKER, killGroups, tempDir } from './support';

export const HOST = 'h1';
export const SECRET = 'test-host-secret-0123456789';
export const silentLogger: AgentLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** Fast, no cooldowns: each heartbeat may act (interval 1 s is the policy's own pace). */
export function hostPolicy(input: Record<string, unknown>): Policy {
  return parsePolicy({
    id: 'h1-jobs',
    target: { kind: 'host', host: HOST, pool: 'jobs' },
    interval: '1s',
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    ...input,
  });
}

export const memoryFitPolicy = () =>
  hostPolicy({
    min: 1,
    max: 6,
    metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } },
    rules: [{ type: 'memory', perWorkerGb: 6, reserveGb: 4 }],
  });

export const queuePolicy = () =>
  hostPolicy({
    min: 1,
    max: 4,
    metrics: { queue_length: { source: 'host', type: 'queue_length' } },
    rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
  });

/**
 * A real relay (HTTP, in-memory stores), a real redis-server, a temp dir for the state file,
 * and agents running real worker processes, with /proc/meminfo injectable.
 */
export async function agentWorld(policy: Policy, options: { jobMs?: number; initialWorkers?: number; pool?: Record<string, unknown> } = {}) {
  const redis: TestRedis = await startRedis();
  const client = new Redis(redis.url);
  const dir = tempDir();
  const agents = new MemoryAgentStore(() => Date.now());
  const policies = new MemoryPolicyStore([policy]);
  const states = new MemoryStateStore();
  const log = new MemoryDecisionLog();
  await agents.put({ hostId: HOST, secret: SECRET, poolIds: [policy.id], desired: {}, version: 1 }, 0);
  const handler = createRelayHandler({ agents, policies, states, log, clock: systemClock });
  let relay: RelayServer | undefined = await serveRelay(handler);
  const relayPort = relay.port;
  const memory = { availableGb: 34, totalGb: 64 };
  const reader = overlayProcReader({
    '/proc/meminfo': () => `MemTotal: ${memory.totalGb * 1024 ** 2} kB\nMemFree: 1000 kB\nMemAvailable: ${Math.round(memory.availableGb * 1024 ** 2)} kB\n`,
  });
  const config = {
    hostId: HOST,
    secret: SECRET,
    relayUrl: relay.url,
    interval: 0.2,
    relayTimeout: 2,
    statusPort: 0,
    stateFile: `${dir.path}/agent.json`,
    gracePeriod: 20,
    redisUrl: redis.url,
    pools: [
      {
        name: 'jobs',
        poolId: policy.id,
        kind: 'command',
        command: ['node', FIXTURE_WORKER],
        env: { REDIS_URL: redis.url, QUEUE: 'q', JOB_MS: String(options.jobMs ?? 30) },
        queue: { key: 'q', processingKey: 'q:processing' },
        initialWorkers: options.initialWorkers ?? 1,
        ...options.pool,
      },
    ],
  };
  const running: RunningAgent[] = [];
  const everyPid = new Set<number>();

  const start = async () => {
    const agent = await runAgent(parseAgentConfig(config, {}, dir.path), { reader, logger: silentLogger });
    running.push(agent);
    return agent;
  };
  /** Pids of the agent's running (not stopping) workers; remembered for cleanup. */
  const pids = (agent: RunningAgent) => {
    const workers = agent.agent.status().pools[0]!.workers.filter((w) => w.state === 'running').map((w) => w.pid);
    for (const pid of workers) everyPid.add(pid);
    return workers;
  };
  return {
    redis: client,
    memory,
    log,
    agents,
    start,
    pids,
    /** Takes the relay down (connection refused) ... */
    relayDown: async () => {
      await relay?.close();
      relay = undefined;
    },
    /** ... and back on the same port. */
    relayUp: async () => {
      relay = await serveRelay(handler, { port: relayPort });
    },
    startedCount: () => client.llen('q:started'),
    async cleanup() {
      for (const agent of running) await agent.stop({ stopWorkers: false });
      for (const agent of running) for (const pool of agent.agent.status().pools) for (const w of pool.workers) everyPid.add(w.pid);
      for (const entry of await client.lrange('q:started', 0, -1)) everyPid.add(Number(entry.split(' ')[1]));
      killGroups(everyPid);
      await relay?.close();
      client.disconnect();
      await redis.stop();
      dir.remove();
    },
  };
}
