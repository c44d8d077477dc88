/**
 * The relay under hostile input: arbitrary methods, paths, headers and bodies, unsigned,
 * badly signed and correctly signed. Only 200/400/401/404/405/409 come back, never a 5xx or a
 * thrown error, and nothing but a correctly signed, valid heartbeat changes any record.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { createRelayHandler } from '../../shared/relay/createRelayHandler';
import { startDynamoFixture, type DynamoFixture } from '../adapters/dynamodbSupport';
import type { RelayRequest, RelayResponse } from '../../shared/relay/createRelayHandler';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { HOST_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/relay/headers';
import { signRequest } from '../../shared/relay/signRequest';
import { memoryPolicy, SECRET_A, SECRET_B, relayWorld, report } from '../relay/relayFixtures';

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
  expect(() => JSON.parse(response!.body) as unknown).not.toThrow();
  return response!;
}

const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', 'a', 'b', 'nobody', '__proto__', 'constructor', '0', '-1', '1e308', 'NaN', 'f'.repeat(64), '0'.repeat(64), 'x'.repeat(10_000)),
  fc.nat().map(String),
);

const headerName = fc.constantFrom(HOST_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER, 'X-Poolscale-Host', 'X-POOLSCALE-SIGNATURE', 'content-type', '__proto__', 'constructor');

const body = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.constantFrom('', '{', 'null', '[]', '{"__proto__":{"polluted":1}}', `${'['.repeat(50_000)}${']'.repeat(50_000)}`),
  fc
    .record(
      {
        agentVersion: fc.oneof(fc.string(), fc.integer()),
        report: fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.record({
            at: fc.oneof(fc.integer(), fc.double()),
            memAvailableGb: fc.oneof(fc.double(), fc.integer(), fc.string()),
            memTotalGb: fc.oneof(fc.double(), fc.constant(64)),
            cpu: fc.oneof(fc.double(), fc.integer({ min: -5, max: 500 })),
            load1: fc.double(),
            pools: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
          }),
        ),
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
);

describe('Function: createRelayHandler (reliability: hostile input)', () => {
  it('arbitrary unsigned or badly signed requests: only 4xx, never a crash, nothing recorded (property)', async () => {
    const world = await relayWorld();
    const before = JSON.stringify([await world.agents.get('a'), await world.agents.get('b')]);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('POST', 'post', 'GET', 'PUT', 'DELETE', 'OPTIONS', ''),
        fc.oneof(fc.constantFrom('/agent/heartbeat', '/agent/heartbeat/', '/v1/agent/heartbeat', '/agent/heartbeat//', '/agent'), fc.string({ maxLength: 40 })),
        fc.dictionary(headerName, headerValue, { maxKeys: 6 }),
        body,
        async (method, path, headers, text) => {
          const response = await call(world.handler, { method, path, headers, body: text });
          // Without the secret nobody reaches the 200 or the nonce store.
          expect(response.status).not.toBe(200);
          expect(response.status).not.toBe(409);
        },
      ),
      { numRuns: 2000 },
    );
    expect(JSON.stringify([await world.agents.get('a'), await world.agents.get('b')])).toBe(before);
    expect(await world.log.list('a-web')).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('correctly signed but arbitrary bodies: 200 or 400 naming the field, never 5xx (property)', async () => {
    const world = await relayWorld();
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(['a', SECRET_A] as const, ['b', SECRET_B] as const), body, async ([host, secret], text) => {
        // Prepare: a fresh nonce each time, signed by the host's own secret.
        world.advance(1_000);
        const headers = signRequest({ hostId: host, secret, body: text, now: world.now(), nonce: `fuzz-nonce-${++counter}` });

        // Act
        const response = await call(world.handler, { method: 'POST', path: '/agent/heartbeat', headers, body: text });

        // Assess
        expect([200, 400]).toContain(response.status);
        if (response.status === 400) {
          const answer = JSON.parse(response.body) as { error: string; problems?: string[] };
          expect(answer.error.length).toBeGreaterThan(0);
          for (const problem of answer.problems ?? []) expect(problem).toMatch(/: .+/);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('signed requests with tampered headers are refused with 401, never 5xx (property)', async () => {
    const world = await relayWorld();
    let counter = 0;
    const text = JSON.stringify({ agentVersion: 'fuzz', report: report(30, { web: { running: 2, busy: 1, rssGb: 1 } }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(HOST_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER), headerValue, async (name, value) => {
        // Prepare: a valid request with one header replaced.
        const headers: Record<string, string> = signRequest({ hostId: 'a', secret: SECRET_A, body: text, now: world.now(), nonce: `tamper-${++counter}-xxxxxxxx` });
        fc.pre(headers[name] !== value);
        headers[name] = value;

        // Act
        const response = await call(world.handler, { method: 'POST', path: '/agent/heartbeat', headers, body: text });

        // Assess
        expect(response.status).toBe(401);
      }),
      { numRuns: 2000 },
    );
    expect((await world.agents.get('a'))?.report).toBeUndefined();
  });
});

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
      { numRuns: 300 },
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
      { numRuns: 60 },
    );
    expect(stored200).toBeGreaterThan(10);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
