/**
 * One evaluation tick over 1,000 and 10,000 pools with the real adapters: Redis metrics over
 * a real redis-server (one pipeline per tick), DynamoDB stores on dynalite, ECS and CloudWatch
 * through their adapters with the SDK clients mocked (no emulator here), counting calls.
 */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, type DescribeServicesCommandInput, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { Redis } from 'ioredis';
import { CloudWatchMetricSource } from '../shared/adapters/cloudwatch';
import { DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../shared/adapters/dynamodb';
import { EcsScaleTarget } from '../shared/adapters/ecs';
import { RedisMetricSource, ioredisRunner } from '../shared/adapters/redis';
import { type Policy, PoolSchema } from '../shared/domain/policy';
import { mapLimit } from '../shared/runtime/mapLimit';
import { type RuntimeDeps, runTick } from '../shared/runtime/tick';
import { spawn } from 'node:child_process';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore } from '../shared/adapters/memory';
import { TEST_CREDENTIALS, TEST_REGION, createTables, uniqueTableNames } from '../test/support/dynalite';
import { freePort } from '../test/support/redis';
import { startRedis } from '../test/support/redis';
import type { Bench } from './run';

const pool = (i: number): Policy =>
  PoolSchema.parse({
    id: `pool-${i}`,
    target: { kind: 'ecs', cluster: `cluster-${i % 10}`, service: `svc-${i}` },
    min: 1,
    max: 50,
    interval: '1m',
    metrics: {
      queue_length: { source: 'redis', type: 'list_length', key: `queue:${i}` },
      busy: { source: 'redis', type: 'number', key: `busy:${i}` },
      cpu: { source: 'ecs', type: 'cpu' },
    },
    rules: [
      { type: 'target', metric: 'queue_length', perWorker: 10 },
      { type: 'buffer', minFree: 1, batch: 2 },
      { type: 'steps', metric: 'cpu', up: [{ above: 80, workers: 3 }], down: [] },
    ],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
  });

/**
 * dynalite in its own process, as DynamoDB would be a remote service: in-process it would
 * share the tick's event loop and the measurement would be of dynalite, not of poolscale.
 */
export async function startDynaliteProcess() {
  const port = await freePort();
  const child = spawn(process.execPath, ['-e', `require('dynalite')({ createTableMs: 0 }).listen(${port}, '127.0.0.1', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`dynalite exited with ${code}`)));
  });
  const client = new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint: `http://127.0.0.1:${port}` });
  return {
    client,
    stop: async () => {
      client.destroy();
      child.kill('SIGKILL');
    },
  };
}

type Storage = 'dynalite' | 'memory';

async function measure(count: number, storage: Storage, log: (line: string) => void): Promise<void> {
  const redis = await startRedis();
  const dynalite = await startDynaliteProcess();
  const ecs = mockClient(ECSClient);
  const cloudwatch = mockClient(CloudWatchClient);
  try {
    // Prepare: metrics in Redis, policies in DynamoDB, ECS services at 2 tasks.
    const writer = new Redis(redis.url);
    for (let start = 0; start < count; start += 1_000) {
      const batch = writer.pipeline();
      for (let i = start; i < Math.min(count, start + 1_000); i++) {
        batch.del(`queue:${i}`);
        batch.rpush(`queue:${i}`, ...Array.from({ length: i % 40 }, () => 'job'));
        batch.set(`busy:${i}`, String(i % 3));
      }
      await batch.exec();
    }
    writer.disconnect();
    const names = uniqueTableNames('bench');
    await createTables(dynalite.client, names);
    const doc = DynamoDBDocumentClient.from(dynalite.client, { marshallOptions: { removeUndefinedValues: true } });
    const policies = storage === 'dynalite' ? new DynamoPolicyStore(doc, names.policies) : new MemoryPolicyStore();
    await mapLimit(
      Array.from({ length: count }, (_, i) => i),
      32,
      (i) => policies.put(pool(i)),
    );
    const desired = new Map<string, number>();
    ecs.on(DescribeServicesCommand).callsFake((input: DescribeServicesCommandInput) => ({
      services: (input.services ?? []).map((name) => ({
        serviceName: name,
        serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/${input.cluster}/${name}`,
        status: 'ACTIVE',
        desiredCount: desired.get(name) ?? 2,
        runningCount: desired.get(name) ?? 2,
        pendingCount: 0,
        deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
      })),
      failures: [],
    }));
    ecs.on(UpdateServiceCommand).callsFake((input: { service: string; desiredCount: number }) => {
      desired.set(input.service, input.desiredCount);
      return {};
    });
    cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((query) => ({ Id: query.Id, Timestamps: [new Date()], Values: [55], StatusCode: 'Complete' })),
    }));
    const runner = ioredisRunner(redis.url, { timeoutMs: 10_000 });
    const redisSource = new RedisMetricSource(runner);
    const byId = new Map<string, Policy>();
    const deps: RuntimeDeps = {
      policies,
      states: storage === 'dynalite' ? new DynamoStateStore(doc, names.state) : new MemoryStateStore(),
      log: storage === 'dynalite' ? new DynamoDecisionLog(doc, names.history) : new MemoryDecisionLog(),
      metrics: [redisSource, new CloudWatchMetricSource({ resolveTarget: (id) => { const t = byId.get(id)?.target; return t?.kind === 'ecs' ? t : undefined; } })],
      targets: [new EcsScaleTarget()],
      clock: { now: () => Date.now() },
      concurrency: 64,
    };
    for (const policy of await policies.list()) byId.set(policy.id, policy);

    // Act: the first tick (no state yet: every pool claims version 1) and a second one.
    for (const label of ['first tick', 'second tick']) {
      const before = { trips: redisSource.stats.roundTrips, cw: cloudwatch.commandCalls(GetMetricDataCommand).length, describe: ecs.commandCalls(DescribeServicesCommand).length, update: ecs.commandCalls(UpdateServiceCommand).length };
      const started = performance.now();
      const result = await runTick(deps, { force: true });
      const seconds = (performance.now() - started) / 1000;
      const acted = result.outcomes.filter((o) => o.acted).length;
      const errors = result.outcomes.filter((o) => o.error).length;
      log(
        `| ${count.toLocaleString('en')} | ${storage} | ${label} | ${seconds.toFixed(2)} | ${Math.round(count / seconds).toLocaleString('en')} | ` +
          `${redisSource.stats.roundTrips - before.trips} | ${cloudwatch.commandCalls(GetMetricDataCommand).length - before.cw} | ` +
          `${ecs.commandCalls(DescribeServicesCommand).length - before.describe} | ${ecs.commandCalls(UpdateServiceCommand).length - before.update} | ${acted} | ${errors} |`,
      );
    }
    await runner.close?.();
  } finally {
    ecs.restore();
    cloudwatch.restore();
    await dynalite.stop();
    await redis.stop();
  }
}

const bench: Bench = {
  name: 'tick',
  description: 'one runTick over N pools: real Redis (one pipeline), in-memory or dynalite (own process) stores, mocked ECS/CloudWatch',
  async run(log) {
    log('| pools | stores | tick | seconds | pools/s | Redis round trips | GetMetricData calls | DescribeServices calls | UpdateService calls | pools acted | errors |');
    log('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const count of [1_000, 10_000]) {
      for (const storage of ['memory', 'dynalite'] as const) await measure(count, storage, log);
    }
  },
};

export default bench;
