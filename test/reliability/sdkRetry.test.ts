/**
 * One retry layer, measured: real SDK clients (the factories' adaptive retry mode, 3 attempts)
 * against a local HTTP server that answers like a throttling ECS or CloudWatch, counting the
 * requests that reach it. aws-sdk-client-mock replaces `send`, so it cannot see the SDK's own
 * retries; this server can. Before the fix one throttled UpdateTaskProtection became 9 requests
 * (3 adapter tries x 3 SDK attempts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricSource, createCloudWatchClientFactory } from '../../shared/adapters/cloudwatch';
import { createEcsClientFactory, EcsScaleTarget } from '../../shared/adapters/ecs';
import { ScaleTargetError } from '../../shared/domain/errors';
import { PoolSchema } from '../../shared/domain/policy';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };
const region = 'us-east-1';

type Answer = { status: number; headers?: Record<string, string>; body: unknown };

const throttled: Answer = {
  status: 400,
  headers: { 'x-amzn-query-error': 'Throttling;Sender' },
  body: { __type: 'ThrottlingException', message: 'Rate exceeded' },
};
const accessDenied: Answer = { status: 400, body: { __type: 'AccessDeniedException', message: 'not authorized' } };

/** A JSON-protocol AWS endpoint: answers each `x-amz-target` operation from its script, counting requests. */
class FakeAws {
  readonly requests: string[] = [];
  private scripts = new Map<string, (attempt: number) => Answer>();
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        const operation = String(request.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
        this.requests.push(operation);
        const attempt = this.requests.filter((seen) => seen === operation).length;
        const answer = this.scripts.get(operation)?.(attempt) ?? { status: 400, body: { __type: 'UnknownOperationException' } };
        response.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1', ...answer.headers });
        response.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  on(operation: string, script: (attempt: number) => Answer): this {
    this.scripts.set(operation, script);
    return this;
  }

  reset(): void {
    this.requests.length = 0;
    this.scripts.clear();
  }

  count(operation: string): number {
    return this.requests.filter((seen) => seen === operation).length;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const steady = (desired: number): Answer => ({
  status: 200,
  body: {
    services: [{ serviceName: 'bots', status: 'ACTIVE', desiredCount: desired, runningCount: desired, pendingCount: 0, deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }] }],
    failures: [],
  },
});

describe('Reliability: one retry layer (the SDK\'s), counted on the wire', () => {
  const fake = new FakeAws();
  const pool = (protectBusyTasks = false) =>
    PoolSchema.parse({ id: 'bots', min: 0, max: 50, target: { kind: 'ecs', cluster: 'main', service: 'bots', protectBusyTasks } });
  const ecsTarget = () =>
    new EcsScaleTarget({
      clients: createEcsClientFactory({ region, credentials, endpoint: fake.url }),
      busyTasks: async () => ['t1'],
    });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => fake.reset());

  it.each([
    { case: 'throttled on every attempt', answers: [throttled, throttled, throttled, throttled], requests: 3, succeeds: false },
    { case: 'throttled twice, then accepted', answers: [throttled, throttled, { status: 200, body: {} }], requests: 3, succeeds: true },
    { case: 'refused (AccessDenied, not retryable)', answers: [accessDenied, accessDenied], requests: 1, succeeds: false },
  ])('UpdateService $case: $requests request(s)', async ({ answers, requests, succeeds }) => {
    // Prepare
    fake.on('UpdateService', (attempt) => answers[attempt - 1] ?? answers.at(-1)!);

    // Act
    const outcome = await ecsTarget()
      .scale(pool(), { desired: 5, reason: 'up' })
      .then(() => 'scaled', (error: unknown) => error);

    // Assess
    expect(fake.count('UpdateService')).toBe(requests);
    if (succeeds) expect(outcome).toBe('scaled');
    else expect(outcome).toBeInstanceOf(ScaleTargetError);
  });

  it('a throttled UpdateTaskProtection before a scale-in is 3 requests, not 9, and no UpdateService', async () => {
    // Prepare: 4 running, scale-in to 2; protection always throttled.
    fake
      .on('DescribeServices', () => steady(4))
      .on('ListTasks', () => ({ status: 200, body: { taskArns: ['t1', 't2', 't3', 't4'].map((id) => `arn:aws:ecs:${region}:123456789012:task/main/${id}`) } }))
      .on('UpdateTaskProtection', () => throttled);

    // Act
    const error = await ecsTarget()
      .scale(pool(true), { desired: 2, reason: 'down' })
      .catch((reason: unknown) => reason);

    // Assess
    expect(error).toMatchObject({ name: 'ScaleTargetError', retryable: true, message: /UpdateTaskProtection.*Throttl/ });
    expect(fake.count('UpdateTaskProtection')).toBe(3);
    expect(fake.count('UpdateService')).toBe(0);
  });

  it('a throttled GetMetricData is 3 requests, then a failed reading that names the throttling', async () => {
    // Prepare
    fake.on('GetMetricData', () => throttled);
    const source = new CloudWatchMetricSource({ clients: createCloudWatchClientFactory({ region, credentials, endpoint: fake.url }) });

    // Act
    const readings = await source.read(
      [
        {
          id: 'sqs/queue_length',
          poolId: 'sqs',
          name: 'queue_length',
          spec: { source: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' }, stat: 'Maximum', period: 60_000, lookback: 300_000, endOffset: 0 },
        },
      ],
      Date.now(),
    );

    // Assess
    expect(fake.count('GetMetricData')).toBe(3);
    expect(JSON.stringify(readings.get('sqs/queue_length'))).toMatch(/Throttl/);
  });
});
