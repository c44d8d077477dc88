/**
 * Every AWS client poolscale builds must honour the SDK's standard endpoint variables
 * (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL), so LocalStack/dynalite work without code.
 * The factories are given region and credentials only, never an endpoint.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { PoolSchema, MetricSpecSchema } from '../../shared/domain/policy';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client';
import { DynamoStateStore } from '../../shared/adapters/dynamodb/DynamoStateStore';
import { createEcsClientFactory } from '../../shared/adapters/ecs/ecsClient';
import { EcsScaleTarget } from '../../shared/adapters/ecs/EcsScaleTarget';
import { createCloudWatchClientFactory } from '../../shared/adapters/cloudwatch/cloudWatchClient';
import { CloudWatchMetricSource } from '../../shared/adapters/cloudwatch/CloudWatchMetricSource';
import { redisConfig } from '../../functions/lib/deps';
import { createTables, startDynalite, TEST_CREDENTIALS, uniqueTableNames, type Dynalite } from '../support/dynalite';

const ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_ECS',
  'AWS_ENDPOINT_URL_CLOUDWATCH',
  'AWS_ENDPOINT_URL_SECRETS_MANAGER',
  'AWS_ENDPOINT_URL_SSM',
];

interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A fake AWS JSON endpoint: records each request and answers ECS and CloudWatch calls. */
async function startFakeAws(): Promise<{ url: string; seen: SeenRequest[]; stop(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      const target = String(req.headers['x-amz-target'] ?? '');
      const payload = target.endsWith('.DescribeServices')
        ? {
            services: [
              {
                serviceName: 'bots',
                status: 'ACTIVE',
                desiredCount: 3,
                runningCount: 2,
                pendingCount: 1,
                deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
              },
            ],
            failures: [],
          }
        : target.endsWith('.GetMetricData')
          ? { MetricDataResults: [{ Id: 'q0', StatusCode: 'Complete', Timestamps: [1_795_000_000], Values: [42] }] }
          : target === 'secretsmanager.GetSecretValue'
            ? { ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-AbCdEf', SecretString: '{"url":"redis://from-secret:6379"}' }
            : target === 'AmazonSSM.GetParameter'
              ? { Parameter: { Name: '/poolscale/redis', Type: 'SecureString', Value: 'redis://from-ssm:6379' } }
              : {};
      const contentType = target.startsWith('Granite') ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1';
      res.writeHead(200, { 'content-type': contentType });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    stop: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

const ecsPool = PoolSchema.parse({ id: 'bots', min: 0, max: 5, target: { kind: 'ecs', cluster: 'main', service: 'bots' } });

describe('Endpoint variables', () => {
  let dynalite: Dynalite;
  let fake: Awaited<ReturnType<typeof startFakeAws>>;
  let stateTable: string;

  beforeAll(async () => {
    dynalite = await startDynalite();
    stateTable = uniqueTableNames('endpoints').state;
    await createTables(dynalite.client, { state: stateTable });
    fake = await startFakeAws();
  });
  afterAll(async () => {
    await fake.stop();
    await dynalite.stop();
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    fake.seen.length = 0;
  });

  const stubEndpoints = (values: Record<string, string>) => {
    for (const name of ENDPOINT_VARIABLES) vi.stubEnv(name, values[name]);
    vi.stubEnv('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', undefined);
  };

  describe('Function: createDocumentClient', () => {
    it.each([
      { case: 'AWS_ENDPOINT_URL_DYNAMODB', variable: 'AWS_ENDPOINT_URL_DYNAMODB' },
      { case: 'AWS_ENDPOINT_URL', variable: 'AWS_ENDPOINT_URL' },
    ])('reaches dynalite through $case', async ({ variable }) => {
      // Prepare
      stubEndpoints({ [variable]: dynalite.endpoint });
      const client = createDocumentClient({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
      const store = new DynamoStateStore(client, stateTable);
      const poolId = `via-${variable.toLowerCase()}`;

      // Act
      await store.put({ poolId, version: 1, consecutiveFailures: 0, samples: [], recommendations: [] }, 0);
      const read = await store.get(poolId);

      // Assess
      expect(read).toMatchObject({ poolId, version: 1 });
      client.destroy();
    });
  });

  describe('Function: createEcsClientFactory', () => {
    it.each([
      { case: 'AWS_ENDPOINT_URL_ECS', variable: 'AWS_ENDPOINT_URL_ECS' },
      { case: 'AWS_ENDPOINT_URL', variable: 'AWS_ENDPOINT_URL' },
    ])('sends DescribeServices to $case', async ({ variable }) => {
      // Prepare
      stubEndpoints({ [variable]: fake.url });
      const clients = createEcsClientFactory({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
      const target = new EcsScaleTarget({ clients });

      // Act
      const status = await target.status(ecsPool);

      // Assess
      expect(status).toEqual({ desired: 3, ready: 2, pending: 1, stable: true });
      expect(fake.seen).toHaveLength(1);
      expect(fake.seen[0]!.headers.host).toBe(new URL(fake.url).host);
      expect(fake.seen[0]!.headers['x-amz-target']).toBe('AmazonEC2ContainerServiceV20141113.DescribeServices');
      expect(JSON.parse(fake.seen[0]!.body)).toEqual({ cluster: 'main', services: ['bots'] });
      clients().destroy();
    });
  });

  describe('Function: createCloudWatchClientFactory', () => {
    it.each([
      { case: 'AWS_ENDPOINT_URL_CLOUDWATCH', variable: 'AWS_ENDPOINT_URL_CLOUDWATCH' },
      { case: 'AWS_ENDPOINT_URL', variable: 'AWS_ENDPOINT_URL' },
    ])('sends GetMetricData to $case', async ({ variable }) => {
      // Prepare
      stubEndpoints({ [variable]: fake.url });
      const clients = createCloudWatchClientFactory({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
      const source = new CloudWatchMetricSource({ clients });
      const spec = MetricSpecSchema.parse({ source: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible' });

      // Act
      const readings = await source.read([{ id: 'jobs/queue', poolId: 'jobs', name: 'queue', spec }], 1_795_000_030_000);

      // Assess
      expect(readings.get('jobs/queue')).toEqual({ value: 42, at: 1_795_000_000_000 });
      expect(fake.seen).toHaveLength(1);
      expect(fake.seen[0]!.headers.host).toBe(new URL(fake.url).host);
      expect(fake.seen[0]!.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.GetMetricData');
      clients().destroy();
    });
  });

  describe('Function: redisConfig (Secrets Manager and SSM clients of the Lambda composition root)', () => {
    it.each([
      { case: 'AWS_ENDPOINT_URL_SECRETS_MANAGER', variable: 'AWS_ENDPOINT_URL_SECRETS_MANAGER', env: { REDIS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-AbCdEf' }, target: 'secretsmanager.GetSecretValue', url: 'redis://from-secret:6379' },
      { case: 'AWS_ENDPOINT_URL (secret)', variable: 'AWS_ENDPOINT_URL', env: { REDIS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:redis-AbCdEf' }, target: 'secretsmanager.GetSecretValue', url: 'redis://from-secret:6379' },
      { case: 'AWS_ENDPOINT_URL_SSM', variable: 'AWS_ENDPOINT_URL_SSM', env: { REDIS_SSM_PARAMETER: '/poolscale/redis' }, target: 'AmazonSSM.GetParameter', url: 'redis://from-ssm:6379' },
      { case: 'AWS_ENDPOINT_URL (parameter)', variable: 'AWS_ENDPOINT_URL', env: { REDIS_SSM_PARAMETER: '/poolscale/redis' }, target: 'AmazonSSM.GetParameter', url: 'redis://from-ssm:6379' },
    ])('reads the Redis location through $case', async ({ variable, env, target, url }) => {
      // Prepare: region and credentials from the environment, as in Lambda.
      stubEndpoints({ [variable]: fake.url });
      vi.stubEnv('AWS_REGION', 'us-east-1');
      vi.stubEnv('AWS_ACCESS_KEY_ID', TEST_CREDENTIALS.accessKeyId);
      vi.stubEnv('AWS_SECRET_ACCESS_KEY', TEST_CREDENTIALS.secretAccessKey);

      // Act
      const config = await redisConfig(env);

      // Assess
      expect(config).toEqual({ url });
      expect(fake.seen.map((request) => request.headers['x-amz-target'])).toEqual([target]);
      expect(fake.seen[0]!.headers.host).toBe(new URL(fake.url).host);
    });
  });
});
