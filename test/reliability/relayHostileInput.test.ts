/**
 * The relay under hostile input: arbitrary methods, paths, headers and bodies, unsigned,
 * badly signed and correctly signed. Only 200/400/401/404/405/409 come back, never a 5xx or a
 * thrown error, and nothing but a correctly signed, valid heartbeat changes any record.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RelayRequest, RelayResponse } from '../../shared/relay/createRelayHandler';
import { HOST_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/relay/headers';
import { signRequest } from '../../shared/relay/signRequest';
import { SECRET_A, SECRET_B, relayWorld, report } from '../relay/relayFixtures';

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
