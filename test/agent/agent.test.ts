import { afterEach, describe, expect, it } from 'vitest';
import { agentWorld, hostPolicy, memoryFitPolicy, queuePolicy } from './agentWorld';
import { alive, waitFor } from './support';

type World = Awaited<ReturnType<typeof agentWorld>>;
let world: World | undefined;
afterEach(async () => {
  await world?.cleanup();
  world = undefined;
});

const TEST_TIMEOUT = 120_000;

describe('Class: Agent (real worker processes, real relay and Redis)', () => {
  it(
    'scales up and down by available memory (seed 001 memory fit)',
    async () => {
      // Prepare: 34 GB available - 4 reserve fits 5 workers of 6 GB.
      world = await agentWorld(memoryFitPolicy());
      const running = await world.start();

      // Act + Assess: up to 5 real processes
      const up = await waitFor('5 workers', () => {
        const pids = world!.pids(running);
        return pids.length === 5 && pids.every(alive) && pids;
      });
      expect(running.agent.status().pools[0]!.desired).toBe(5);

      // Act: memory drops to 16 GB: fits 2
      world.memory.availableGb = 16;

      // Assess: 3 workers stopped gracefully, 2 of the same ones keep running
      const down = await waitFor('2 workers', () => {
        const pids = world!.pids(running);
        return pids.length === 2 && pids;
      });
      expect(up).toEqual(expect.arrayContaining(down));
      await waitFor('stopped workers to exit', () => up.filter((pid) => !down.includes(pid)).every((pid) => !alive(pid)));
      const [latest] = await world.log.list('h1-jobs');
      expect(latest?.reasons.some((r) => r.code === 'rule.memory.fit')).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'runs no more workers than its host cap, whatever the relay asks, and tells the relay why',
    async () => {
      // Prepare: the relay's memory fit asks for 5; the host allows 2
      world = await agentWorld(memoryFitPolicy(), { pool: { maxWorkers: 2 } });
      const running = await world.start();

      // Assess: 2 running; the refusal is in the status and in the report the relay stored
      const pool = await waitFor('desired 5, running 2', () => {
        const status = running.agent.status().pools[0]!;
        return status.desired === 5 && world!.pids(running).length === 2 && status;
      });
      expect(pool).toMatchObject({ maxWorkers: 2, refused: 'desired 5 above the host cap of 2 workers (maxWorkers in agent.yaml): running 2' });
      const stored = await waitFor('the report at the relay', async () => (await world!.agents.get('h1'))?.report?.pools.jobs?.refused);
      expect(stored).toContain('host cap of 2');
    },
    TEST_TIMEOUT,
  );

  it(
    'scales by queue length and back to the minimum when the queue drains, every job done once',
    async () => {
      // Prepare
      world = await agentWorld(queuePolicy(), { jobMs: 150 });
      const running = await world.start();
      await waitFor('1 worker', () => world!.pids(running).length === 1);
      const jobs = Array.from({ length: 60 }, (_, i) => `job-${i}`);

      // Act: 60 jobs / 10 per worker -> 6, capped at 4
      await world.redis.lpush('q', ...jobs);

      // Assess
      await waitFor('4 workers', () => world!.pids(running).length === 4);
      await waitFor('all jobs done', async () => (await world!.redis.hlen('q:done')) === jobs.length, { timeoutMs: 60_000 });
      await waitFor('back to 1 worker', () => world!.pids(running).length === 1);
      const counts = await world.redis.hgetall('q:done');
      expect(Object.values(counts).every((count) => count === '1')).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'replaces a worker killed with SIGKILL',
    async () => {
      // Prepare
      world = await agentWorld(memoryFitPolicy());
      world.memory.availableGb = 22; // fits 3
      const running = await world.start();
      const before = await waitFor('3 workers', () => {
        const pids = world!.pids(running);
        return pids.length === 3 && pids;
      });

      // Act
      process.kill(before[0]!, 'SIGKILL');

      // Assess
      const after = await waitFor('a replacement', () => {
        const pids = world!.pids(running);
        return pids.length === 3 && !pids.includes(before[0]!) && pids;
      });
      expect(after.filter((pid) => before.includes(pid))).toHaveLength(2);
      expect(after.every(alive)).toBe(true);
    },
    TEST_TIMEOUT,
  );

  it(
    'adopts its workers after a restart instead of starting duplicates',
    async () => {
      // Prepare
      world = await agentWorld(memoryFitPolicy());
      world.memory.availableGb = 22; // fits 3
      const first = await world.start();
      const before = await waitFor('3 workers', () => {
        const pids = world!.pids(first);
        return pids.length === 3 && pids;
      });
      // Every worker has connected to Redis (each records its start once).
      const started = await waitFor('3 workers connected', async () => (await world!.startedCount()) === 3 && 3);

      // Act: stop the agent (workers stay), start a new one on the same state file
      await first.stop();
      expect(before.every(alive)).toBe(true);
      const second = await world.start();
      let beats = 0;
      let last: number | undefined;
      await waitFor('5 heartbeats of the new agent', () => {
        const at = second.agent.status().relay.lastHeartbeatAt;
        if (at !== undefined && at !== last) {
          beats++;
          last = at;
        }
        return beats >= 5;
      });

      // Assess
      expect(world.pids(second).sort()).toEqual([...before].sort());
      expect(await world.startedCount()).toBe(started);
    },
    TEST_TIMEOUT,
  );

  it(
    'keeps to its last policy while the relay is down, and says so',
    async () => {
      // Prepare: online, 5 workers by memory
      world = await agentWorld(memoryFitPolicy());
      const running = await world.start();
      await waitFor('5 workers', () => world!.pids(running).length === 5);

      // Act: relay down, then memory shrinks to fit 3
      await world.relayDown();
      await waitFor('offline', () => running.agent.status().relay.offlineSince !== undefined);
      world.memory.availableGb = 22;

      // Assess: the agent evaluates the memory fit itself
      await waitFor('3 workers offline', () => world!.pids(running).length === 3);
      const status = running.agent.status();
      expect(status.relay.up).toBe(false);
      expect(status.pools[0]!.lastDecision?.reasons.some((r) => r.code === 'rule.memory.fit')).toBe(true);
      expect(running.agent.metricsText()).toContain('poolscale_agent_relay_up 0');

      // Act: relay back
      await world.relayUp();

      // Assess
      await waitFor('online again', () => running.agent.status().relay.up && running.agent.status().relay.offlineSince === undefined);
    },
    TEST_TIMEOUT,
  );

  it(
    'reads a policy\'s Redis list length itself while offline',
    async () => {
      // Prepare: the relay has no Redis source here, so online it holds; the policy is learnt.
      const policy = hostPolicy({
        min: 1,
        max: 4,
        metrics: { backlog: { source: 'redis', type: 'list_length', key: 'q' } },
        rules: [{ type: 'target', metric: 'backlog', perWorker: 10 }],
      });
      world = await agentWorld(policy, { jobMs: 2_000 });
      const running = await world.start();
      await waitFor('the policy from the relay', () => running.agent.status().pools[0]!.policy === 'relay');
      await world.relayDown();
      await waitFor('offline', () => running.agent.status().relay.offlineSince !== undefined);

      // Act: 35 slow jobs -> 4 workers
      await world.redis.lpush('q', ...Array.from({ length: 35 }, (_, i) => `slow-${i}`));

      // Assess
      await waitFor('4 workers offline', () => world!.pids(running).length === 4);
    },
    TEST_TIMEOUT,
  );

  it(
    'serves /metrics and /status on loopback and refuses /stop without the control token',
    async () => {
      // Prepare
      world = await agentWorld(memoryFitPolicy());
      const running = await world.start();
      await waitFor('5 workers', () => world!.pids(running).length === 5);
      const base = `http://127.0.0.1:${running.statusPort}`;

      // Act
      const metrics = await (await fetch(`${base}/metrics`)).text();
      const status = (await (await fetch(`${base}/status`)).json()) as { hostId: string };
      const refused = await fetch(`${base}/stop`, { method: 'POST', headers: { 'x-poolscale-token': 'guess' } });

      // Assess
      expect(metrics).toContain('poolscale_agent_workers{pool="jobs"} 5');
      expect(metrics).toContain('poolscale_agent_desired{pool="jobs"} 5');
      expect(metrics).toContain('poolscale_agent_relay_up 1');
      expect(metrics).toMatch(/poolscale_agent_mem_available_bytes 3650722201\d/);
      expect(status.hostId).toBe('h1');
      expect(refused.status).toBe(403);
      const accepted = await fetch(`${base}/stop`, { method: 'POST', headers: { 'x-poolscale-token': running.agent.controlToken } });
      expect(accepted.status).toBe(202);
      await running.stopped;
    },
    TEST_TIMEOUT,
  );
});
