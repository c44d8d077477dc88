/**
 * Many pools on one host (issue 9, item 7), on dynalite in its own process:
 *  - one runtime tick over 30 host pools of one host (HostScaleTarget), counting failed actions,
 *    with today's merging writes and with the former whole-record read-modify-write (8 immediate
 *    retries), reproduced here for the comparison;
 *  - 1,000 concurrent signed heartbeats through the relay handler (10 hosts x 3 pools), counting
 *    answers by status, with latency percentiles.
 */
import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient, DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../shared/adapters/dynamodb';
import { HostScaleTarget } from '../shared/adapters/host/HostScaleTarget';
import { StaticMetricSource } from '../shared/adapters/memory';
import { parsePolicy } from '../shared/config/validate';
import { ConflictError } from '../shared/domain/errors';
import type { Policy } from '../shared/domain/policy';
import type { AgentStore } from '../shared/ports/AgentStore';
import { systemClock } from '../shared/ports/Clock';
import { createRelayHandler } from '../shared/relay/createRelayHandler';
import { signRequest } from '../shared/relay/signRequest';
import { runTick } from '../shared/runtime/tick';
import { createTables, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames } from '../test/support/dynalite';
import { freePort } from '../test/support/redis';
import type { Bench } from './run';

async function startDynaliteProcess() {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', `require('dynalite')({ createTableMs: 0 }).listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return { endpoint, client: new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint }), stop: () => child.kill() };
}

const projectPool = (host: string, name: string): Policy =>
  parsePolicy({
    id: `${host}-${name}`,
    target: { kind: 'host', host, pool: name },
    min: 1,
    max: 12,
    interval: '1s',
    metrics: { busy: { source: 'static', value: 3 } },
    rules: [{ type: 'buffer', minFree: 2, batch: 4 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
  });

/** The former HostScaleTarget.scale: read-modify-write of the whole record, 8 immediate retries. */
class FormerHostScaleTarget extends HostScaleTarget {
  constructor(private readonly store: AgentStore) {
    super(store);
  }
  override async scale(pool: Policy, request: { desired: number }): Promise<void> {
    if (pool.target.kind !== 'host') return;
    const { host, pool: name } = pool.target;
    for (let attempt = 1; ; attempt++) {
      const current = (await this.store.get(host))!;
      try {
        await this.store.put({ ...current, desired: { ...current.desired, [name]: request.desired }, version: current.version + 1 }, current.version);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError) || attempt >= 8) throw error;
      }
    }
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

const bench: Bench = {
  name: 'relay',
  description: 'many pools on one host: 30-pool tick (failed actions) and 1,000 concurrent signed heartbeats (statuses)',
  async run(log) {
    const dynalite = await startDynaliteProcess();
    const client = createDocumentClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint: dynalite.endpoint });
    try {
      for (const [label, poolCount, former] of [
        ['merging writes', 12, false],
        ['merging writes', 30, false],
        ['former read-modify-write', 12, true],
        ['former read-modify-write', 30, true],
      ] as const) {
        const tables = uniqueTableNames('bench-relay');
        await createTables(dynalite.client, tables);
        const agents = new DynamoAgentStore(client, tables.agents);
        const policies = new DynamoPolicyStore(client, tables.policies);
        const host = 'r620-01';
        const names = Array.from({ length: poolCount }, (_, index) => `project-${index + 1}`);
        const pools = names.map((name) => projectPool(host, name));
        for (const pool of pools) await policies.put(pool);
        const running = Object.fromEntries(names.map((name) => [name, { running: 1, busy: 1, rssGb: 1 }]));
        await agents.put({ hostId: host, secret: 'bench-secret-0123456789', poolIds: pools.map((p) => p.id), desired: {}, version: 1, report: { at: Date.now(), memAvailableGb: 40, memTotalGb: 64, cpu: 10, load1: 1, pools: running } }, 0);
        const started = performance.now();
        const result = await runTick(
          {
            policies,
            states: new DynamoStateStore(client, tables.state),
            log: new DynamoDecisionLog(client, tables.history),
            metrics: [new StaticMetricSource()],
            targets: [former ? new FormerHostScaleTarget(agents) : new HostScaleTarget(agents)],
            clock: systemClock,
          },
          { poolIds: pools.map((p) => p.id) },
        );
        const failed = result.outcomes.filter((o) => o.error).length;
        log(`tick, ${label}, ${poolCount} pools on one host: ${result.outcomes.filter((o) => o.acted).length} acted, ${failed} failed actions, ${(performance.now() - started).toFixed(0)} ms`);
      }

      const tables = uniqueTableNames('bench-heartbeats');
      await createTables(dynalite.client, tables);
      const agents = new DynamoAgentStore(client, tables.agents);
      const policies = new DynamoPolicyStore(client, tables.policies);
      const hosts = Array.from({ length: 10 }, (_, index) => `r620-${index}`);
      const secretOf = (host: string) => `secret-of-${host}-0123456789`;
      for (const host of hosts) {
        const pools = ['web', 'celery', 'beat'].map((name) => projectPool(host, name));
        for (const pool of pools) await policies.put(pool);
        await agents.put({ hostId: host, secret: secretOf(host), poolIds: pools.map((p) => p.id), desired: {}, version: 1 }, 0);
      }
      const handler = createRelayHandler({
        agents,
        policies,
        states: new DynamoStateStore(client, tables.state),
        log: new DynamoDecisionLog(client, tables.history),
        clock: systemClock,
        metrics: [new StaticMetricSource()],
      });
      const pools = { web: { running: 2, busy: 1, rssGb: 1 }, celery: { running: 2, busy: 2, rssGb: 3 }, beat: { running: 2, busy: 0, rssGb: 0.1 } };
      const latencies: number[] = [];
      const statuses = new Map<number, number>();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 1000 }, async (_, index) => {
          const host = hosts[index % hosts.length]!;
          const body = JSON.stringify({ agentVersion: 'bench', report: { at: Date.now(), memAvailableGb: 40, memTotalGb: 64, cpu: 10, load1: 1, pools } });
          const headers = signRequest({ hostId: host, secret: secretOf(host), body, now: Date.now(), nonce: `bench-nonce-${index}-${Date.now()}` });
          const sent = performance.now();
          const response = await handler({ method: 'POST', path: '/agent/heartbeat', headers, body }).catch(() => ({ status: 599 }));
          latencies.push(performance.now() - sent);
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }),
      );
      latencies.sort((a, b) => a - b);
      log(`1,000 concurrent signed heartbeats (10 hosts x 3 pools): statuses ${JSON.stringify(Object.fromEntries(statuses))} (599 = thrown), ${((performance.now() - started) / 1000).toFixed(1)} s, latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms`);
    } finally {
      client.destroy();
      dynalite.client.destroy();
      dynalite.stop();
    }
  },
};

export default bench;
