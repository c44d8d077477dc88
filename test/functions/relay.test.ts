import { randomUUID } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRelayFunctionHandler } from '../../functions/lib/createRelayFunctionHandler';
import { createDocumentClient, DynamoAgentStore, DynamoPolicyStore } from '../../shared/adapters/dynamodb';
import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore } from '../../shared/adapters/memory';
import { PoolSchema } from '../../shared/domain/policy';
import { signRequest, verifyResponse, type HeartbeatInput } from '../../shared/relay';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';
import { countingMetrics, fixture, recordingLogger } from './support';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const SECRET = 'r620-shared-secret-0123456789abcdef';

async function setup() {
  const agents = new MemoryAgentStore();
  await agents.put({ hostId: 'r620-01', secret: SECRET, poolIds: ['celery'], desired: {}, version: 1 }, 0);
  const policies = new MemoryPolicyStore([
    PoolSchema.parse({
      id: 'celery',
      target: { kind: 'host', host: 'r620-01', pool: 'celery' },
      min: 2,
      max: 8,
      metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } },
      rules: [{ type: 'memory', perWorkerGb: 4, reserveGb: 4 }],
    }),
  ]);
  const logger = recordingLogger();
  const metrics = countingMetrics();
  const handler = createRelayFunctionHandler({
    relay: async () => ({ agents, policies, states: new MemoryStateStore(), log: new MemoryDecisionLog(), clock: { now: () => NOW } }),
    logger,
    metrics,
  });
  return { agents, handler, logger, metrics };
}

const heartbeat: HeartbeatInput = {
  agentVersion: '0.1.0',
  report: { at: NOW, memAvailableGb: 40, memTotalGb: 64, cpu: 35, load1: 3.2, pools: { celery: { running: 2, busy: 2, rssGb: 6 } } },
};

function signedEvent(options: { base64?: boolean; nonce?: string; secret?: string } = {}) {
  const event = fixture('relay-heartbeat');
  const text = JSON.stringify(heartbeat);
  const headers = signRequest({ hostId: 'r620-01', secret: options.secret ?? SECRET, body: text, now: NOW, nonce: options.nonce ?? 'nonce-0001' });
  event.headers = { ...event.headers, ...headers, 'content-length': String(text.length) };
  event.body = options.base64 ? Buffer.from(text).toString('base64') : text;
  event.isBase64Encoded = options.base64 ?? false;
  return event;
}

describe('Function: createRelayFunctionHandler', () => {
  it.each([
    { case: 'a plain body', base64: false },
    { case: 'a base64 body (signature over the decoded bytes)', base64: true },
  ])('answers a signed heartbeat with $case with the host pool policy and desired count', async ({ base64 }) => {
    // Prepare
    const { handler, agents, metrics } = await setup();

    // Act
    const result = await handler(signedEvent({ base64 }));

    // Assess
    expect(result.statusCode).toBe(200);
    const answer = JSON.parse(result.body ?? '') as { desired: Record<string, number>; policies: Record<string, unknown> };
    expect(Object.keys(answer.policies)).toEqual(['celery']);
    expect(answer.desired.celery).toBeGreaterThanOrEqual(2);
    expect((await agents.get('r620-01'))?.lastSeenAt).toBe(NOW);
    expect(metrics.flushes).toBe(1);
  });

  it.each([
    { case: 'a wrong secret', options: { secret: 'not-the-secret' }, status: 401 },
  ])('refuses $case with $status', async ({ options, status }) => {
    const { handler } = await setup();
    const result = await handler(signedEvent(options));
    expect(result.statusCode).toBe(status);
  });

  it('refuses a replayed heartbeat (same nonce delivered twice) with 409', async () => {
    // Prepare
    const { handler } = await setup();

    // Act
    await handler(signedEvent({ nonce: 'nonce-0042' }));
    const replay = await handler(signedEvent({ nonce: 'nonce-0042' }));

    // Assess
    expect(replay.statusCode).toBe(409);
  });

  it('logs the host and status of each request', async () => {
    const { handler, logger } = await setup();
    await handler(signedEvent());
    expect(logger.lines.find((line) => line.message === 'relay request')?.extra).toMatchObject({ hostId: 'r620-01', status: 200, path: '/agent/heartbeat' });
  });

  it('answers 400 to an event that is not API Gateway v2', async () => {
    const { handler } = await setup();
    expect((await handler({ hello: 'world' })).statusCode).toBe(400);
  });
});

describe('Module: functions/relay.ts handler (deps built from env, tables on dynalite)', () => {
  const ENV_KEYS = ['POLICIES_TABLE', 'STATE_TABLE', 'HISTORY_TABLE', 'AGENTS_TABLE', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'POWERTOOLS_LOG_LEVEL'] as const;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  let dynalite: Dynalite;
  let documentClient: ReturnType<typeof createDocumentClient>;
  let tables: ReturnType<typeof uniqueTableNames>;
  let handler: (event: unknown) => Promise<{ statusCode?: number; body?: string; headers?: Record<string, string | number | boolean> }>;

  beforeAll(async () => {
    dynalite = await startDynalite();
    tables = uniqueTableNames('relay-env');
    await createTables(dynalite.client, tables);
    documentClient = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    await new DynamoPolicyStore(documentClient, tables.policies).put(
      PoolSchema.parse({
        id: 'celery',
        target: { kind: 'host', host: 'r620-01', pool: 'celery' },
        min: 2,
        max: 8,
        metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } },
        rules: [{ type: 'memory', perWorkerGb: 4, reserveGb: 4 }],
      }),
    );
    await new DynamoAgentStore(documentClient, tables.agents).put({ hostId: 'r620-01', secret: SECRET, poolIds: ['celery'], desired: {}, version: 1 }, 0);
    // An item of the agents table that is not a host: no secret (written by hand, or another kind).
    await documentClient.send(new PutCommand({ TableName: tables.agents, Item: { hostId: 'ghost', poolIds: ['celery'], desired: {}, version: 1 } }));
    Object.assign(process.env, {
      POLICIES_TABLE: tables.policies,
      STATE_TABLE: tables.state,
      HISTORY_TABLE: tables.history,
      AGENTS_TABLE: tables.agents,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    ({ handler } = (await import('../../functions/relay')) as unknown as { handler: typeof handler });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    documentClient.destroy();
    await dynalite.stop();
  });

  const eventWith = (headers: Record<string, string>, text: string) => {
    const event = fixture('relay-heartbeat');
    event.headers = { ...event.headers, ...headers, 'content-length': String(text.length) };
    event.body = text;
    return event;
  };

  it('answers a signed heartbeat with 200 and an answer signed for that request', async () => {
    // Prepare
    const text = JSON.stringify({ ...heartbeat, report: { ...heartbeat.report, at: Date.now() } });
    const nonce = randomUUID();

    // Act
    const result = await handler(eventWith(signRequest({ hostId: 'r620-01', secret: SECRET, body: text, now: Date.now(), nonce }), text));

    // Assess
    expect(result.statusCode).toBe(200);
    const headers = result.headers as Record<string, string>;
    expect(() => verifyResponse({ secret: SECRET, requestNonce: nonce, body: result.body!, header: (name) => headers[name] })).not.toThrow();
    expect(() => verifyResponse({ secret: 'another-secret-0123456789', requestNonce: nonce, body: result.body!, header: (name) => headers[name] })).toThrow(/bad signature/);
  });

  it.each([
    { case: 'a used nonce item (nonce#r620-01#<uuid>)', hostId: 'nonce' },
    { case: 'an item without a secret', hostId: 'ghost' },
    { case: 'the budget item key', hostId: '#budget' },
    { case: '__proto__', hostId: '__proto__' },
    { case: 'constructor', hostId: 'constructor' },
    { case: 'an unknown host', hostId: 'r620-99' },
  ])('answers 401 (never 500) to an unauthenticated request whose host header names $case', async ({ hostId }) => {
    // Prepare: a used nonce item exists after one signed heartbeat.
    const text = JSON.stringify({ ...heartbeat, report: { ...heartbeat.report, at: Date.now() } });
    const used = randomUUID();
    expect((await handler(eventWith(signRequest({ hostId: 'r620-01', secret: SECRET, body: text, now: Date.now(), nonce: used }), text))).statusCode).toBe(200);
    const named = hostId === 'nonce' ? `nonce#r620-01#${used}` : hostId;
    const { Item } = await documentClient.send(new GetCommand({ TableName: tables.agents, Key: { hostId: `nonce#r620-01#${used}` } }));
    expect(Item).toBeDefined();

    // Act: anything signed with a guessed key.
    const forged = signRequest({ hostId: named, secret: 'guess', body: text, now: Date.now(), nonce: randomUUID() });
    const result = await handler(eventWith(forged, text));

    // Assess
    expect(result.statusCode).toBe(401);
  });
});
