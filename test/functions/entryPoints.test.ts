/**
 * The module-level `handler` exports, wired from the environment exactly as in Lambda: table
 * names from env, DynamoDB reached through AWS_ENDPOINT_URL_DYNAMODB (dynalite), the Redis
 * secret from Secrets Manager (mocked at the SDK), ECS mocked at the SDK.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, DynamoPolicyStore } from '../../shared/adapters/dynamodb';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';
import { ecsPolicy, fixture, mockEcs } from './support';

const ENV_KEYS = [
  'POLICIES_TABLE',
  'STATE_TABLE',
  'HISTORY_TABLE',
  'AGENTS_TABLE',
  'REDIS_SECRET_ARN',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'POWERTOOLS_LOG_LEVEL',
  'POWERTOOLS_DEV',
] as const;

describe('Module: functions/*.ts handler exports', () => {
  let dynalite: Dynalite;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  const secrets = mockClient(SecretsManagerClient);
  let ecs: ReturnType<typeof mockEcs>;

  beforeAll(async () => {
    dynalite = await startDynalite();
    const names = uniqueTableNames('entry');
    await createTables(dynalite.client, names);
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    await new DynamoPolicyStore(client, names.policies).put(ecsPolicy({ id: 'web-api' }));
    client.destroy();
    Object.assign(process.env, {
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
      REDIS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:poolscale/redis-AbCdEf',
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    // An Upstash secret: read (and connected to) only when a pool reads Redis, which none does here.
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"restUrl":"https://redis.invalid","token":"t"}' });
    ecs = mockEcs(2);
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    secrets.restore();
    ecs.ecs.restore();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await dynalite.stop();
  });

  it('evaluate: an alarm event reaches UpdateService; the Redis secret is not read while no pool reads Redis', async () => {
    // Prepare
    const { handler } = await import('../../functions/evaluate');
    const event = fixture('alarm-state-change');
    event.time = new Date().toISOString().replace(/\.\d+Z$/, 'Z');

    // Act
    const first = await handler(event);
    const again = await handler({ ...fixture<Record<string, unknown>>('scheduled-event'), id: 'another-event' });

    // Assess
    expect(first.acted.map((a) => a.poolId)).toEqual(['web-api']);
    expect(ecs.updates()).toEqual([expect.objectContaining({ cluster: 'prod', service: 'web-api-svc' })]);
    expect(again.ignored).toBeUndefined();
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('api: GET /pools through the real DynamoDB stores', async () => {
    // Prepare
    const { handler } = await import('../../functions/api');

    // Act
    const result = await handler(fixture('api-get-pools'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body ?? '').pools[0]).toMatchObject({ id: 'web-api', target: 'ecs:prod/web-api-svc' });
  });

  it('relay: an unsigned heartbeat is refused with 401, not a crash', async () => {
    // Prepare
    const { handler } = await import('../../functions/relay');
    const event = fixture('relay-heartbeat');
    event.body = '{}';

    // Act
    const result = await handler(event);

    // Assess
    expect(result.statusCode).toBe(401);
  });
});
