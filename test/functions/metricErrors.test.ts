/**
 * Issue 10, item 3: why a metric failed reaches the decision, the history, the API, the logs and
 * poolscale's own metrics, through the exported handlers of functions/evaluate.ts and
 * functions/api.ts with deps built from environment variables as in Lambda: DynamoDB on
 * dynalite (AWS_ENDPOINT_URL_DYNAMODB), REDIS_URL naming a port nothing listens on (with a
 * password that must never be shown), CloudWatch mocked at the SDK refusing with AccessDenied.
 */
import { CloudWatchClient, CloudWatchServiceException, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, DynamoDecisionLog, DynamoPolicyStore } from '../../shared/adapters/dynamodb';
import { PoolSchema, type Policy, type PolicyInput } from '../../shared/domain/policy';
import type { Decision } from '../../shared/domain/types';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite, type TableNames } from '../support/dynalite';
import { freePort } from '../support/redis';
import { fixture } from './support';

const ENV_KEYS = [
  'POLICIES_TABLE',
  'STATE_TABLE',
  'HISTORY_TABLE',
  'AGENTS_TABLE',
  'REDIS_URL',
  'REDIS_SECRET_ARN',
  'REDIS_SSM_PARAMETER',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_DEV',
  'POWERTOOLS_METRICS_DISABLED',
] as const;

const pool = (input: Partial<PolicyInput> & { id: string }): Policy =>
  PoolSchema.parse({ target: { kind: 'ecs', cluster: 'prod', service: `${input.id}-svc` }, min: 1, max: 20, ...input });

const POOLS = [
  pool({
    id: 'queue',
    metrics: { queue_length: { source: 'redis', type: 'list_length', key: 'celery' } },
    rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
  }),
  pool({
    id: 'sqs',
    metrics: {
      backlog: { source: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' } },
    },
    rules: [{ type: 'target', metric: 'backlog', perWorker: 10 }],
  }),
  pool({ id: 'steady', metrics: { busy: { source: 'static', value: 1 } }, rules: [{ type: 'buffer', minFree: 1, batch: 1 }] }),
];

const PASSWORD = 's3cret-redis-pw';

describe('Module: functions/evaluate.ts and functions/api.ts, metric errors carried as data', () => {
  let dynalite: Dynalite;
  let names: TableNames;
  let redisPort: number;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  const ecs = mockClient(ECSClient);
  const cloudWatch = mockClient(CloudWatchClient);
  let stdout: string[];

  beforeAll(async () => {
    dynalite = await startDynalite();
    redisPort = await freePort();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'INFO',
      POWERTOOLS_DEV: '',
      POWERTOOLS_METRICS_DISABLED: 'false',
    });
  });

  beforeEach(async () => {
    ecs.reset();
    cloudWatch.reset();
    stdout = [];
    // Powertools writes EMF and info lines to stdout, warnings to stderr: keep both for the assertions.
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        stdout.push(String(chunk));
        return true;
      });
    }
    ecs.on(DescribeServicesCommand).callsFake((input: { services?: string[] }) => ({
      services: (input.services ?? []).map((name) => ({
        serviceName: name,
        status: 'ACTIVE',
        desiredCount: 3,
        runningCount: 3,
        pendingCount: 0,
        deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
      })),
      failures: [],
    }));
    ecs.on(UpdateServiceCommand).resolves({});
    cloudWatch.on(GetMetricDataCommand).rejects(
      new CloudWatchServiceException({
        name: 'AccessDeniedException',
        $fault: 'client',
        $metadata: { httpStatusCode: 403 },
        message: 'User: arn:aws:sts::123456789012:assumed-role/poolscale-evaluate/fn is not authorized to perform: cloudwatch:GetMetricData',
      }),
    );
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    ecs.restore();
    cloudWatch.restore();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await dynalite.stop();
  });

  /** A cold container: fresh tables with the pools, the stack's env, fresh modules. */
  async function coldHandlers() {
    names = uniqueTableNames('metricerrors');
    await createTables(dynalite.client, names);
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    for (const policy of POOLS) await new DynamoPolicyStore(client, names.policies).put(policy);
    client.destroy();
    for (const key of ['REDIS_SECRET_ARN', 'REDIS_SSM_PARAMETER'] as const) delete process.env[key];
    Object.assign(process.env, {
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
      // Nothing listens there: ECONNREFUSED. The password must not reach any output.
      REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redisPort}`,
    });
    vi.resetModules();
    const evaluate = (await import('../../functions/evaluate')).handler;
    const api = (await import('../../functions/api')).handler;
    return { evaluate, api };
  }

  async function lastRecorded(poolId: string): Promise<Decision> {
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    try {
      const [decision] = await new DynamoDecisionLog(client, names.history).list(poolId, { limit: 1 });
      return decision!;
    } finally {
      client.destroy();
    }
  }

  const apiGet = (path: string) => {
    const event = fixture('api-get-pools');
    event.rawPath = path;
    event.requestContext.http.path = path;
    return event;
  };

  const jsonLines = () =>
    stdout
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);

  it('records each unread metric with its source, class and redacted message in the history and the reasons', async () => {
    // Prepare
    const { evaluate } = await coldHandlers();

    // Act
    const summary = await evaluate({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'tick-metric-errors', time: new Date().toISOString() });

    // Assess: nothing scaled in on missing data; each history item says why.
    expect(summary.errors).toEqual([]);
    expect(summary.acted).toEqual([]);
    const queue = await lastRecorded('queue');
    expect(queue.metricErrors).toEqual([
      {
        metric: 'queue_length',
        source: 'redis',
        errorClass: 'ECONNREFUSED',
        message: expect.stringMatching(new RegExp(`^LLEN celery: Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redisPort} is unavailable: .*ECONNREFUSED`)),
      },
    ]);
    expect(queue.reasons.map((r) => r.message).join('\n')).toMatch(/no fresh queue_length \(redis: LLEN celery: .*ECONNREFUSED.*\): abstaining/);

    const sqs = await lastRecorded('sqs');
    expect(sqs.metricErrors).toEqual([
      {
        metric: 'backlog',
        source: 'cloudwatch',
        errorClass: 'AccessDeniedException',
        message: expect.stringContaining('not authorized to perform: cloudwatch:GetMetricData'),
      },
    ]);
    expect(sqs.reasons.map((r) => r.message).join('\n')).toContain('no fresh backlog (cloudwatch: CloudWatch GetMetricData failed');

    expect((await lastRecorded('steady')).metricErrors).toBeUndefined();
    expect(stdout.join('')).not.toContain(PASSWORD);
    expect(JSON.stringify([queue, sqs])).not.toContain(PASSWORD);
  });

  it('logs the errors with the pool id and counts MetricFailures per source in EMF', async () => {
    // Prepare
    const { evaluate } = await coldHandlers();

    // Act
    await evaluate({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'tick-metric-logs', time: new Date().toISOString() });

    // Assess
    const lines = jsonLines();
    const warned = lines.filter((line) => line.message === 'metrics not fresh');
    expect(warned.map((line) => line.poolId).sort()).toEqual(['queue', 'sqs']);
    expect(warned.find((line) => line.poolId === 'queue')?.metricErrors).toEqual([expect.objectContaining({ source: 'redis', errorClass: 'ECONNREFUSED' })]);
    const failures = lines.filter((line) => line._aws && 'MetricFailures' in line);
    expect(failures.map((line) => [line.Source, line.MetricFailures, line.errorClasses]).sort()).toEqual([
      ['cloudwatch', 1, 'AccessDeniedException'],
      ['redis', 1, 'ECONNREFUSED'],
    ]);
    expect(failures[0]!._aws.CloudWatchMetrics[0].Dimensions).toEqual([expect.arrayContaining(['Source'])]);
    expect(failures[0]!._aws.CloudWatchMetrics[0].Dimensions[0]).not.toContain('PoolId');
  });

  it('shows the errors through the API: the pool, the pool list and the history', async () => {
    // Prepare
    const { evaluate, api } = await coldHandlers();
    await evaluate({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'tick-metric-api', time: new Date().toISOString() });

    // Act
    const [one, list, history] = await Promise.all([api(apiGet('/pools/queue')), api(apiGet('/pools')), api(apiGet('/pools/sqs/history'))]);

    // Assess
    const body = (response: unknown) => JSON.parse((response as { body: string }).body);
    expect((one as { statusCode: number }).statusCode).toBe(200);
    const text = JSON.stringify(body(one));
    expect(text).toContain('ECONNREFUSED');
    expect(text).not.toContain(PASSWORD);
    const listed = (body(list).pools as { id: string; lastAction?: { metricErrors?: unknown[] } }[]).find((entry) => entry.id === 'queue');
    expect(listed?.lastAction?.metricErrors).toEqual([expect.objectContaining({ metric: 'queue_length', source: 'redis', errorClass: 'ECONNREFUSED' })]);
    expect(body(history).decisions[0].metricErrors).toEqual([expect.objectContaining({ source: 'cloudwatch', errorClass: 'AccessDeniedException' })]);
  });
});
