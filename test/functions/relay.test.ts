import { describe, expect, it } from 'vitest';
import { createRelayFunctionHandler } from '../../functions/relay';
import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore } from '../../shared/adapters/memory';
import { PoolSchema } from '../../shared/domain/policy';
import { signRequest, type HeartbeatInput } from '../../shared/relay';
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
