import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, NoneTarget, StaticMetricSource } from '../../shared/adapters/memory';
import type { ApiDeps } from '../../shared/api';
import { countingMetrics, ecsPolicy, fixture, recordingLogger } from './support';

const OPERATOR = 'arn:aws:sts::123456789012:assumed-role/poolscale-operator/ops-session';

function setup() {
  const runtime: ApiDeps = {
    policies: new MemoryPolicyStore([ecsPolicy({ id: 'web-api', target: { kind: 'none' } })]),
    states: new MemoryStateStore(),
    log: new MemoryDecisionLog(),
    metrics: [new StaticMetricSource()],
    targets: [new NoneTarget()],
    clock: { now: () => Date.parse('2026-11-23T12:00:00Z') },
  };
  const logger = recordingLogger();
  const metrics = countingMetrics();
  return { runtime, logger, metrics, handler: createApiHandler({ runtime: async () => runtime, logger, metrics }) };
}

const body = (result: { body?: string }) => JSON.parse(result.body ?? '') as Record<string, any>;

describe('Function: createApiHandler', () => {
  it('answers GET /pools from an API Gateway v2 IAM event, logging method, path, status and caller', async () => {
    // Prepare
    const { handler, logger, metrics } = setup();

    // Act
    const result = await handler(fixture('api-get-pools'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json');
    expect(body(result).pools.map((pool: { id: string }) => pool.id)).toEqual(['web-api']);
    expect(logger.lines.find((line) => line.message === 'api request')?.extra).toMatchObject({
      method: 'GET',
      path: '/pools',
      status: 200,
      principal: OPERATOR,
      requestId: 'Ox1Zpj3bjoEEJwQ=',
    });
    expect(metrics.flushes).toBe(1);
  });

  it('decodes a base64 body and records the IAM caller as who scaled', async () => {
    // Prepare
    const { handler, runtime } = setup();

    // Act
    const result = await handler(fixture('api-post-scale-base64'));

    // Assess
    expect(result.statusCode).toBe(200);
    const state = await runtime.states.get('web-api');
    expect(state?.manual).toMatchObject({ desired: 6, reason: 'release night', by: OPERATOR });
    expect(state?.manual?.until).toBe(Date.parse('2026-11-23T12:00:00Z') + 900_000);
  });

  it.each([
    { case: 'a named stage', stage: 'prod', rawPath: '/prod/pools/web-api', status: 200 },
    { case: 'the $default stage', stage: '$default', rawPath: '/pools/web-api', status: 200 },
    { case: 'a stage-like segment that is not the stage', stage: 'prod', rawPath: '/production/pools', status: 404 },
  ])('routes $case', async ({ stage, rawPath, status }) => {
    // Prepare
    const { handler } = setup();
    const event = fixture('api-get-pools');
    event.rawPath = rawPath;
    event.requestContext.stage = stage;

    // Act
    const result = await handler(event);

    // Assess
    expect(result.statusCode).toBe(status);
  });

  it('passes the query string to the router', async () => {
    // Prepare
    const { handler } = setup();
    const event = { ...fixture('api-get-pools'), rawPath: '/pools/web-api/history', rawQueryString: 'limit=0', queryStringParameters: { limit: '0' } };

    // Act
    const result = await handler(event);

    // Assess
    expect(result.statusCode).toBe(400);
    expect(body(result).problems[0].path).toBe('query.limit');
  });

  it.each([
    { case: 'an EventBridge event', event: fixture('scheduled-event') },
    { case: 'null', event: null },
    { case: 'a v2 event without http method', event: { ...fixture('api-get-pools'), requestContext: { stage: '$default' } } },
  ])('answers 400, not 5xx, to $case', async ({ event }) => {
    const { handler } = setup();
    const result = await handler(event);
    expect(result.statusCode).toBe(400);
  });

  it('answers a generic 500 and logs the cause when the deps cannot be built', async () => {
    // Prepare
    const logger = recordingLogger();
    const handler = createApiHandler({
      runtime: async () => {
        throw new Error('AccessDeniedException: secretsmanager:GetSecretValue');
      },
      logger,
    });

    // Act
    const result = await handler(fixture('api-get-pools'));

    // Assess
    expect(result.statusCode).toBe(500);
    expect(result.body).not.toContain('AccessDenied');
    expect(logger.lines.find((line) => line.level === 'error')?.extra?.error).toContain('AccessDeniedException');
  });
});
