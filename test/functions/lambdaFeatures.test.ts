/**
 * Documented features through the exported `handler` of functions/evaluate.ts, with deps built
 * from environment variables exactly as in Lambda: table names from env, DynamoDB on dynalite
 * through AWS_ENDPOINT_URL_DYNAMODB, Redis a real redis-server whose URL is in a Secrets
 * Manager secret (REDIS_SECRET_ARN), ECS and CloudWatch mocked at the SDK. Each test is a cold
 * container: fresh tables, fresh modules, so the per-container deps are built again.
 */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
} from '@aws-sdk/client-ecs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Redis } from 'ioredis';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, DynamoDecisionLog, DynamoPolicyStore } from '../../shared/adapters/dynamodb';
import { PoolSchema, type Policy, type PolicyInput } from '../../shared/domain/policy';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite, type TableNames } from '../support/dynalite';
import { startRedis, type TestRedis } from '../support/redis';
import { fixture } from './support';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:poolscale/redis-AbCdEf';
const ENV_KEYS = [
  'POLICIES_TABLE',
  'STATE_TABLE',
  'HISTORY_TABLE',
  'AGENTS_TABLE',
  'REDIS_URL',
  'REDIS_SECRET_ARN',
  'REDIS_SSM_PARAMETER',
  'ALARM_PREFIX',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'POWERTOOLS_LOG_LEVEL',
] as const;

const taskArn = (id: string) => `arn:aws:ecs:${TEST_REGION}:123456789012:task/prod/${id}`;

const pool = (input: Partial<PolicyInput> & { id: string }): Policy =>
  PoolSchema.parse({
    target: { kind: 'ecs', cluster: 'prod', service: `${input.id}-svc` },
    min: 1,
    max: 20,
    behaviour: { cooldownDown: '0s', stabilizationDown: '0s' },
    ...input,
  });

const nowIso = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

describe('Module: functions/evaluate.ts handler, deps from the environment', () => {
  let dynalite: Dynalite;
  let redis: TestRedis;
  let redisClient: Redis;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  const ecs = mockClient(ECSClient);
  const cloudWatch = mockClient(CloudWatchClient);
  const secrets = mockClient(SecretsManagerClient);
  const ssm = mockClient(SSMClient);
  let names: TableNames;

  /** A cold container: fresh tables holding `policies`, env set as the stack sets it, fresh modules. */
  async function coldHandler(policies: Policy[], env: Record<string, string> = { REDIS_SECRET_ARN: SECRET_ARN }) {
    names = uniqueTableNames('features');
    await createTables(dynalite.client, names);
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    for (const policy of policies) await new DynamoPolicyStore(client, names.policies).put(policy);
    client.destroy();
    for (const key of ['REDIS_URL', 'REDIS_SECRET_ARN', 'REDIS_SSM_PARAMETER'] as const) delete process.env[key];
    Object.assign(process.env, {
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
      ALARM_PREFIX: 'poolscale-',
      ...env,
    });
    vi.resetModules();
    return (await import('../../functions/evaluate')).handler;
  }

  async function history(poolId: string) {
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    try {
      return await new DynamoDecisionLog(client, names.history).list(poolId, { limit: 10 });
    } finally {
      client.destroy();
    }
  }

  /** DescribeServices reports `running` steady tasks for every service. */
  function ecsRunning(running: number) {
    ecs.on(DescribeServicesCommand).callsFake((input: { cluster?: string; services?: string[] }) => ({
      services: (input.services ?? []).map((name) => ({
        serviceName: name,
        status: 'ACTIVE',
        desiredCount: running,
        runningCount: running,
        pendingCount: 0,
        deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
      })),
      failures: [],
    }));
    ecs.on(UpdateServiceCommand).resolves({});
  }

  /** A pool of 1 worker per 10 jobs in the Redis list `celery`, which holds 40 (so: 4 workers). */
  async function celeryBacklogPool(): Promise<Policy> {
    await redisClient.rpush('celery', ...Array.from({ length: 40 }, (_, index) => `job-${index}`));
    return pool({
      id: 'celery',
      metrics: { queue_length: { source: 'redis', type: 'list_length', key: 'celery' } },
      rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
    });
  }

  type Handler = Awaited<ReturnType<typeof coldHandler>>;
  const scheduledTick = (handler: Handler, id: string) => handler({ ...fixture<Record<string, unknown>>('scheduled-event'), id, time: nowIso() });

  /** The next scheduled tick a minute later in the same (warm) container: only the clock is faked, timers and I/O run as ever. */
  async function tickAMinuteLater(handler: Handler, id: string) {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    return scheduledTick(handler, id).finally(() => vi.useRealTimers());
  }

  beforeAll(async () => {
    [dynalite, redis] = await Promise.all([startDynalite(), startRedis()]);
    redisClient = new Redis(redis.url, { lazyConnect: true });
    await redisClient.connect();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
  });

  beforeEach(async () => {
    ecs.reset();
    cloudWatch.reset();
    secrets.reset();
    ssm.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: redis.url }) });
    await redisClient.flushall();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    ecs.restore();
    cloudWatch.restore();
    secrets.restore();
    ssm.restore();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    redisClient.disconnect();
    await Promise.all([dynalite.stop(), redis.stop()]);
  });

  it('source: ecs cpu reads AWS/ECS CPUUtilization of the pool\'s own service and scales on it', async () => {
    // Prepare: 2 tasks at 95 % CPU; steps: above 80 % -> 6 workers.
    const handler = await coldHandler([
      pool({
        id: 'render',
        metrics: { cpu: { source: 'ecs', type: 'cpu' } },
        rules: [{ type: 'steps', metric: 'cpu', up: [{ above: 80, workers: 6 }], upFor: '0s' }],
      }),
    ]);
    ecsRunning(2);
    cloudWatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
      MetricDataResults: input.MetricDataQueries.map((query) => ({ Id: query.Id, Timestamps: [new Date()], Values: [95], StatusCode: 'Complete' })),
    }));

    // Act
    const summary = await handler({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'tick-ecs-cpu', time: nowIso() });

    // Assess
    const queries = cloudWatch.commandCalls(GetMetricDataCommand).flatMap((call) => call.args[0].input.MetricDataQueries ?? []);
    expect(queries.map((query) => query.MetricStat)).toEqual([
      {
        Metric: {
          Namespace: 'AWS/ECS',
          MetricName: 'CPUUtilization',
          Dimensions: [
            { Name: 'ClusterName', Value: 'prod' },
            { Name: 'ServiceName', Value: 'render-svc' },
          ],
        },
        Period: 60,
        Stat: 'Average',
      },
    ]);
    expect(summary.acted).toEqual([{ poolId: 'render', from: 2, to: 6 }]);
    expect(ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input)).toEqual([
      { cluster: 'prod', service: 'render-svc', desiredCount: 6 },
    ]);
  });

  it('protectBusyTasks: a 9 -> 2 scale-in protects the busy tasks (from Redis) and unprotects the idle ones before UpdateService', async () => {
    // Prepare: 9 running tasks; t3 and t7 are busy in Redis (bot_status:<task id> = ACTIVE).
    const ids = Array.from({ length: 9 }, (_, index) => `t${index + 1}`);
    for (const id of ids) await redisClient.set(`bot_status:${id}`, id === 't3' || id === 't7' ? 'ACTIVE' : 'WAITING');
    const handler = await coldHandler([
      pool({
        id: 'bots',
        target: { kind: 'ecs', cluster: 'prod', service: 'bots-svc', protectBusyTasks: true },
        metrics: { busy: { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' } },
        rules: [{ type: 'buffer', minFree: 0, maxFree: 0, batch: 1 }],
      }),
    ]);
    ecsRunning(9);
    ecs.on(ListTasksCommand).resolves({ taskArns: ids.map(taskArn) });
    ecs.on(UpdateTaskProtectionCommand).resolves({ protectedTasks: [], failures: [] });

    // Act
    const summary = await handler({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'tick-protect', time: nowIso() });

    // Assess: the exact requests, in order.
    expect(summary.acted).toEqual([{ poolId: 'bots', from: 9, to: 2 }]);
    expect(ecs.commandCalls(ListTasksCommand).map((call) => call.args[0].input)).toEqual([
      { cluster: 'prod', serviceName: 'bots-svc', desiredStatus: 'RUNNING' },
    ]);
    expect(ecs.commandCalls(UpdateTaskProtectionCommand).map((call) => call.args[0].input)).toEqual([
      { cluster: 'prod', tasks: [taskArn('t3'), taskArn('t7')], protectionEnabled: true, expiresInMinutes: 15 },
      { cluster: 'prod', tasks: ['t1', 't2', 't4', 't5', 't6', 't8', 't9'].map(taskArn), protectionEnabled: false },
    ]);
    expect(ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input)).toEqual([
      { cluster: 'prod', service: 'bots-svc', desiredCount: 2 },
    ]);
    const order = ecs.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);
    expect(order.indexOf('UpdateTaskProtectionCommand')).toBeLessThan(order.indexOf('UpdateServiceCommand'));
    expect(secrets.commandCalls(GetSecretValueCommand).map((call) => call.args[0].input)).toEqual([{ SecretId: SECRET_ARN }]);
  });

  it('protectBusyTasks without a Redis busy metric refuses the scale-in and says why', async () => {
    // Prepare: busy is a static number, which names no task.
    const handler = await coldHandler([
      pool({
        id: 'blind',
        target: { kind: 'ecs', cluster: 'prod', service: 'blind-svc', protectBusyTasks: true },
        metrics: { busy: { source: 'static', value: 1 } },
        rules: [{ type: 'buffer', minFree: 0, maxFree: 0, batch: 1 }],
      }),
    ]);
    ecsRunning(9);

    // Act
    const summary = await handler({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'tick-blind', time: nowIso() });

    // Assess
    expect(summary.acted).toEqual([]);
    expect(ecs.commandCalls(UpdateServiceCommand)).toEqual([]);
    expect(ecs.commandCalls(UpdateTaskProtectionCommand)).toEqual([]);
    const [decision] = await history('blind');
    expect(JSON.stringify(decision)).toContain('protectBusyTasks needs the busy metric \\"busy\\" of pool \\"blind\\" to be a redis count_keys');
  });

  it.each([
    { case: 'listed in a pool\'s alarms (no prefix)', alarmName: 'HighQueueDepth', evaluated: ['queue'] },
    { case: 'named with the prefix', alarmName: 'poolscale-other-backlog', evaluated: ['other'] },
    { case: 'unrelated', alarmName: 'DiskFull', evaluated: [] },
  ])('an alarm $case entering ALARM evaluates exactly its pools', async ({ alarmName, evaluated }) => {
    // Prepare
    const handler = await coldHandler(
      [
        pool({ id: 'queue', alarms: ['HighQueueDepth'], metrics: { busy: { source: 'static', value: 4 } }, rules: [{ type: 'buffer', minFree: 2, batch: 3 }] }),
        pool({ id: 'other', metrics: { busy: { source: 'static', value: 4 } }, rules: [{ type: 'buffer', minFree: 2, batch: 3 }] }),
      ],
      {},
    );
    ecsRunning(4);
    const event = fixture('alarm-state-change');
    event.id = `alarm-${alarmName}`;
    event.time = nowIso();
    event.detail.alarmName = alarmName;

    // Act
    const summary = await handler(event);

    // Assess
    expect(summary.acted.map((action) => action.poolId)).toEqual(evaluated);
    expect(ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input.service)).toEqual(evaluated.map((id) => `${id}-svc`));
  });

  it('reads the Redis URL from the SSM SecureString parameter when REDIS_SSM_PARAMETER is set', async () => {
    // Prepare
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: redis.url } });
    await redisClient.rpush('celery', ...Array.from({ length: 40 }, (_, index) => `job-${index}`));
    const handler = await coldHandler(
      [
        pool({
          id: 'workers',
          metrics: { queue_length: { source: 'redis', type: 'list_length', key: 'celery' } },
          rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
        }),
      ],
      { REDIS_SSM_PARAMETER: '/poolscale/redis' },
    );
    ecsRunning(1);

    // Act
    const summary = await handler({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'tick-ssm', time: nowIso() });

    // Assess
    expect(ssm.commandCalls(GetParameterCommand).map((call) => call.args[0].input)).toEqual([{ Name: '/poolscale/redis', WithDecryption: true }]);
    expect(secrets.commandCalls(GetSecretValueCommand)).toEqual([]);
    expect(summary.acted).toEqual([{ poolId: 'workers', from: 1, to: 4 }]);
  });

  it('a Redis secret not filled in yet fails only the Redis pools, and is read again at the next tick', async () => {
    // Prepare: the stack's created secret holds {} until the operator fills it in.
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{}' });
    const handler = await coldHandler([
      pool({ id: 'static', metrics: { busy: { source: 'static', value: 4 } }, rules: [{ type: 'buffer', minFree: 2, batch: 3 }] }),
      await celeryBacklogPool(),
    ]);
    ecsRunning(1);

    // Act: a tick with the empty secret, then the operator fills it in, then the next tick
    const before = await scheduledTick(handler, 'tick-empty-secret');
    const [stale] = await history('celery');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: redis.url }) });
    const after = await tickAMinuteLater(handler, 'tick-filled-secret');

    // Assess: the pool without Redis scaled at once; the Redis pool said why it could not, then scaled
    expect(before.acted).toEqual([{ poolId: 'static', from: 1, to: 4 }]);
    expect(JSON.stringify(stale)).toContain(`Secret ${SECRET_ARN} must hold a redis:// URL`);
    expect(after.acted).toContainEqual({ poolId: 'celery', from: 1, to: 4 });
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBe(2);
  });

  it('a Redis secret naming an unreachable Redis is read again after the failed tick, so a corrected secret takes effect in the warm container', async () => {
    // Prepare: a typo in the secret (a port nothing listens on)
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: 'redis://127.0.0.1:1' }) });
    const handler = await coldHandler([await celeryBacklogPool()]);
    ecsRunning(1);

    // Act: a tick on the wrong Redis, the secret corrected, the next tick a minute later
    const before = await scheduledTick(handler, 'tick-wrong-redis');
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ url: redis.url }) });
    const after = await tickAMinuteLater(handler, 'tick-right-redis');

    // Assess
    expect(before.acted).toEqual([]);
    expect(after.acted).toEqual([{ poolId: 'celery', from: 1, to: 4 }]);
    expect(secrets.commandCalls(GetSecretValueCommand).length).toBe(2);
  });
});
