/**
 * The API and relay Lambda handlers under arbitrary events: anything at all (not an API
 * Gateway event), and API Gateway v2 events with arbitrary stages, raw paths, headers, query
 * parameters and base64 flags over garbage bodies. Never a 5xx, never a thrown error, never an
 * error logged; a refused event names the `event`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApiHandler } from '../../functions/api';
import { createRelayFunctionHandler } from '../../functions/relay';
import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, NoneTarget, StaticMetricSource } from '../../shared/adapters/memory';
import type { ApiDeps } from '../../shared/api';
import { PoolSchema } from '../../shared/domain/policy';
import { countingMetrics, recordingLogger } from '../functions/support';

const NOW = Date.parse('2026-11-23T12:00:00Z');

function handlers() {
  const runtime: ApiDeps = {
    policies: new MemoryPolicyStore([PoolSchema.parse({ id: 'bots', target: { kind: 'none' }, min: 1, max: 5, metrics: { busy: { source: 'static', value: 1 } } })]),
    states: new MemoryStateStore(),
    log: new MemoryDecisionLog(),
    metrics: [new StaticMetricSource()],
    targets: [new NoneTarget()],
    clock: { now: () => NOW },
  };
  const agents = new MemoryAgentStore(() => NOW);
  const logger = recordingLogger();
  const api = createApiHandler({ runtime: async () => runtime, logger, metrics: countingMetrics() });
  const relay = createRelayFunctionHandler({
    relay: async () => ({ agents, policies: runtime.policies, states: runtime.states, log: runtime.log, clock: { now: () => NOW } }),
    logger,
    metrics: countingMetrics(),
  });
  return { api, relay, logger };
}

const text = fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('', '/', '$default', 'prod', '__proto__', '%', '%E0%A4%A'));

const rawPath = fc.oneof(
  text,
  fc.tuple(fc.constantFrom('', '/prod', '/$default', '/__proto__'), fc.constantFrom('/pools', '/pools/bots', '/pools/bots/scale', '/pools/bots/history', '/agent/heartbeat', '/health', '/openapi.json'), fc.constantFrom('', '/', '//')).map((parts) => parts.join('')),
);

const event = fc.record(
  {
    version: fc.constantFrom('2.0', '1.0', ''),
    rawPath,
    rawQueryString: text,
    headers: fc.dictionary(fc.constantFrom('content-type', 'Content-Type', 'x-poolscale-host', 'x-poolscale-signature', 'x-poolscale-nonce', 'x-poolscale-timestamp', '__proto__', 'x'), text, { maxKeys: 5 }),
    queryStringParameters: fc.dictionary(fc.constantFrom('limit', 'before', '__proto__', 'x'), text, { maxKeys: 3 }),
    body: fc.oneof(fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.constantFrom('!!!not base64', '====', '{"desired":2,"reason":"r"}')),
    isBase64Encoded: fc.boolean(),
    requestContext: fc.record(
      {
        requestId: text,
        stage: fc.oneof(text, fc.constant('prod')),
        http: fc.record({ method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'get', '', 'BREW'), path: text }, { requiredKeys: ['method'] }),
        authorizer: fc.oneof(fc.constant(null), fc.record({ iam: fc.oneof(fc.constant(null), fc.record({ userArn: text })) })),
      },
      { requiredKeys: ['http'] },
    ),
  },
  { requiredKeys: ['rawPath', 'requestContext'] },
);

const anything = fc.oneof(fc.anything(), fc.jsonValue({ maxDepth: 4 }), fc.tuple(event, fc.jsonValue({ maxDepth: 2 })).map(([e, context]) => ({ ...e, requestContext: context })));

describe('Lambda handlers (reliability: hostile events)', () => {
  it('API Gateway v2 events with arbitrary fields: API and relay never 5xx, never throw, never log an error (property)', async () => {
    const { api, relay, logger } = handlers();
    await fc.assert(
      fc.asyncProperty(event, async (input) => {
        for (const handler of [api, relay]) {
          const result = await handler(input);
          expect(result.statusCode, `${JSON.stringify(input).slice(0, 300)} -> ${result.body?.slice(0, 200)}`).toBeLessThan(500);
          if (result.statusCode !== 204) expect(() => JSON.parse(result.body ?? '') as unknown).not.toThrow();
        }
        expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it('anything that is not an API Gateway event is 400 naming `event` (property)', async () => {
    const { api, relay, logger } = handlers();
    await fc.assert(
      fc.asyncProperty(anything, async (input) => {
        for (const handler of [api, relay]) {
          const result = await handler(input);
          expect(result.statusCode).toBeLessThan(500);
          if (result.statusCode === 400 && result.body?.includes('API Gateway')) {
            expect((JSON.parse(result.body) as { problems: { path: string }[] }).problems.map((p) => p.path)).toEqual(['event']);
          }
        }
        expect(logger.lines.filter((line) => line.level === 'error')).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});
