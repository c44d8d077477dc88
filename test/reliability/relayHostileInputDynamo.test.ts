/**
 * The relay under hostile input on the DynamoDB-backed stores (dynalite), where a host header
 * can name any item of the agents table (issue 10, item 6; issue 11, item 7). The in-memory
 * variant with more runs is relayHostileInput.test.ts.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { createRelayHandler, type RelayRequest, type RelayResponse } from '../../shared/relay/createRelayHandler';
import { HOST_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/relay/headers';
import { signRequest } from '../../shared/relay/signRequest';
import { startDynamoFixture, type DynamoFixture } from '../adapters/dynamodbSupport';
import { memoryPolicy, report, SECRET_A } from '../relay/relayFixtures';

const ALLOWED = new Set([200, 400, 401, 404, 405, 409]);

async function call(handler: (request: RelayRequest) => Promise<RelayResponse>, request: RelayRequest): Promise<RelayResponse> {
  let response: RelayResponse | undefined;
  let thrown: unknown;
  try {
    response = await handler(request);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `threw for ${JSON.stringify(request).slice(0, 300)}`).toBeUndefined();
  expect(ALLOWED.has(response!.status), `${response!.status} ${response!.body.slice(0, 200)}`).toBe(true);
  return response!;
}

/**
 * The same hostile input against the relay on the DynamoDB-backed stores (dynalite), where a
 * host header can name any item of the agents table: used nonces (`nonce#a#...`), items without
 * a secret, `constructor`. Still only 4xx without the secret, and signed bodies with pool keys
 * such as `constructor` or `__proto__` are stored or refused, never a 5xx (issues 10.6, 11.7).
 */
describe('Function: createRelayHandler on DynamoDB stores (reliability: hostile input)', () => {
  let fixture: DynamoFixture;
  let handler: (request: RelayRequest) => Promise<RelayResponse>;
  let agents: DynamoAgentStore;
  let now = Date.now();

  beforeAll(async () => {
    fixture = await startDynamoFixture();
    agents = new DynamoAgentStore(fixture.documentClient, fixture.tables.agents);
    const policies = new DynamoPolicyStore(fixture.documentClient, fixture.tables.policies);
    await policies.put(memoryPolicy('a-web', 'a', 'web'));
    await policies.put(memoryPolicy('a-ctor', 'a', 'constructor'));
    await agents.put({ hostId: 'a', secret: SECRET_A, poolIds: ['a-web', 'a-ctor'], desired: {}, version: 1 }, 0);
    await agents.claimNonce('a', 'used-nonce-0001', now + 600_000, now);
    await fixture.documentClient.send(new PutCommand({ TableName: fixture.tables.agents, Item: { hostId: 'no-secret', poolIds: [], desired: {}, version: 1 } }));
    handler = createRelayHandler({
      agents,
      policies,
      states: new DynamoStateStore(fixture.documentClient, fixture.tables.state),
      log: new DynamoDecisionLog(fixture.documentClient, fixture.tables.history),
      clock: { now: () => now },
    });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  const hostHeader = fc.oneof(
    fc.constantFrom('nonce#a#used-nonce-0001', 'nonce#a', 'nonce#', 'no-secret', 'constructor', '__proto__', '#budget', 'a', 'b', '', 'a#b', 'x'.repeat(2_000)),
    fc.string({ maxLength: 40 }),
  );

  it('unsigned or badly signed requests naming any item of the table: only 401 (property)', { timeout: 50_000 }, async () => {
    const before = JSON.stringify(await agents.get('a'));
    await fc.assert(
      fc.asyncProperty(hostHeader, fc.constantFrom('f'.repeat(64), '0'.repeat(64), 'zz'), fc.string({ maxLength: 60 }), async (host, given, text) => {
        const headers = { [HOST_HEADER]: host, [TIMESTAMP_HEADER]: String(now), [NONCE_HEADER]: `fuzz-${Math.random().toString(36).slice(2)}`, [SIGNATURE_HEADER]: given };
        const response = await call(handler, { method: 'POST', path: '/agent/heartbeat', headers, body: text });
        expect(response.status).toBe(401);
      }),
      { numRuns: 200 },
    );
    expect(JSON.stringify(await agents.get('a'))).toBe(before);
  });

  it('signed bodies whose pool keys are constructor, __proto__, toString: 200 or 400, read back exactly (property)', { timeout: 50_000 }, async () => {
    let counter = 0;
    let stored200 = 0;
    const poolKey = fc.constantFrom('constructor', '__proto__', 'toString', 'web', 'hasOwnProperty', 'a.b', '#x');
    await fc.assert(
      fc.asyncProperty(fc.dictionary(poolKey, fc.record({ running: fc.nat(50), busy: fc.nat(50), rssGb: fc.double({ min: 0, max: 100, noNaN: true }) }), { maxKeys: 4 }), async (pools) => {
        now += 1_000;
        const text = JSON.stringify({ agentVersion: 'fuzz', report: report(30, pools, now) });
        const headers = signRequest({ hostId: 'a', secret: SECRET_A, body: text, now, nonce: `dyn-fuzz-${++counter}-abcdef` });
        const response = await call(handler, { method: 'POST', path: '/agent/heartbeat', headers, body: text });
        expect([200, 400]).toContain(response.status);
        // "__proto__" is refused by name (the schema would drop it silently); every other key is kept.
        if ('__proto__' in JSON.parse(text).report.pools && Object.hasOwn(JSON.parse(text).report.pools, '__proto__')) {
          expect(response.status).toBe(400);
          expect(response.body).toContain('report.pools.__proto__: the name \\"__proto__\\" is not allowed');
        } else if (response.status === 200) {
          stored200 += 1;
          const stored = (await agents.get('a'))!.report!.pools;
          expect(Object.keys(stored).sort()).toEqual(Object.keys(JSON.parse(text).report.pools).sort());
        }
      }),
      { numRuns: 40 },
    );
    expect(stored200).toBeGreaterThan(5);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
