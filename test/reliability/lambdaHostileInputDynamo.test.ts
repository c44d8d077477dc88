/**
 * The API Lambda as deployed (the `handler` of functions/api.ts, deps built from the
 * environment: DynamoDB on dynalite) under generated API Gateway events whose bodies reach the
 * stores: policies with hostile map keys and numbers, scale/pause/resume bodies, If-Match
 * headers. Never a 5xx, never an error logged. (lambdaHostileInput.test.ts covers arbitrary
 * events on in-memory stores.) POOLSCALE_FUZZ_RUNS raises the runs for a long run.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fixture } from '../functions/support';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';

const RUNS = Number(process.env.POOLSCALE_FUZZ_RUNS ?? 300);
const ENV_KEYS = ['POLICIES_TABLE', 'STATE_TABLE', 'HISTORY_TABLE', 'AGENTS_TABLE', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'POWERTOOLS_LOG_LEVEL'] as const;

type Handler = (event: unknown) => Promise<{ statusCode?: number; body?: string }>;

const key = fc.oneof(
  fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'prototype', '__defineSetter__', 'busy', 'free', 'QueueName'),
  fc.string({ minLength: 1, maxLength: 8 }),
);
const numberText = fc.oneof(
  fc.integer({ min: -5, max: 50 }).map(String),
  fc.constantFrom('1e300', '-1e300', '1e400', `1${'0'.repeat(400)}`, '9007199254740993', '12345678901234567890', '-0', '0.5', '4.9e-324', '1e12'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
);
const durationText = fc.oneof(numberText, fc.constantFrom('"30s"', '"1ms"', '"0s"', '"365d"', '"366d"', '"999999999d"', `"${'9'.repeat(400)}d"`, '"5m"'));

/** A policy body as JSON text (by hand, so `__proto__` stays a key and huge numbers stay numbers). */
const policyBody = fc
  .record({ metric: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('busy', 'queue', 'jobs_1') }, { weight: 2, arbitrary: key }), dimension: key, value: numberText, max: fc.oneof(fc.integer({ min: 1, max: 40 }).map(String), numberText), interval: durationText, stale: durationText })
  .map(
    ({ metric, dimension, value, max, interval, stale }) =>
      `{"target":{"kind":"none"},"min":0,"max":${max},"interval":${interval},"staleAfter":${stale},"metrics":{${JSON.stringify(metric)}:{"source":"static","value":${value}},"q":{"source":"cloudwatch","namespace":"N","metricName":"M","dimensions":{${JSON.stringify(dimension)}:"d"}}},"rules":[{"type":"buffer","busyMetric":${JSON.stringify(metric)},"minFree":1,"batch":1}]}`,
  );
const operatorBody = fc.oneof(
  fc.record({ desired: numberText, reason: fc.string({ maxLength: 20 }), extra: fc.constantFrom('', ',"durationSeconds":60', ',"__proto__":{"x":1}', ',"constructor":1') }).map(({ desired, reason, extra }) => `{"desired":${desired},"reason":${JSON.stringify(reason)}${extra}}`),
  fc.constantFrom('', '{}', '{"clearManual":true}', '{"clearManual":"yes"}', '{"reason":"r"}', '{"__proto__":{"polluted":1}}', 'null', '[]'),
);

const request = fc.oneof(
  fc.record({ method: fc.constant('PUT'), path: fc.constantFrom('/pools/bots', '/pools/other'), body: policyBody }),
  fc.record({ method: fc.constant('POST'), path: fc.constantFrom('/pools/bots/scale', '/pools/bots/pause', '/pools/bots/resume'), body: operatorBody }),
  fc.record({ method: fc.constantFrom('GET', 'GET', 'GET', 'DELETE'), path: fc.constantFrom('/pools/bots', '/pools', '/pools/bots/history', '/pools/constructor', '/pools/__proto__'), body: fc.constant('') }),
);
const hostileHeaders = fc.record(
  {
    'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'),
    'if-match': fc.constantFrom('*', '"stale"', 'W/"x"', '"a", "b"', 'legacy', '"legacy"', ''),
    'if-none-match': fc.constantFrom('*', '"x"'),
  },
  { requiredKeys: ['content-type'] },
);
// Mostly plain JSON requests, so that many reach the stores.
const headers = fc.oneof({ weight: 3, arbitrary: fc.constant<Record<string, string>>({ 'content-type': 'application/json' }) }, { weight: 2, arbitrary: hostileHeaders });

describe('Module: functions/api.ts handler on dynalite (reliability: hostile input reaching the stores)', () => {
  let dynalite: Dynalite;
  let handler: Handler;
  const logged: string[] = [];
  const saved = Object.fromEntries(ENV_KEYS.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    dynalite = await startDynalite();
    const names = uniqueTableNames('lambda-hostile');
    await createTables(dynalite.client, names);
    Object.assign(process.env, {
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    // The handler logs through Powertools to stdout: keep the lines, to find any error logged.
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logged.push(String(chunk));
      return true;
    });
    ({ handler } = (await import('../../functions/api')) as unknown as { handler: Handler });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    for (const name of ENV_KEYS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    await dynalite.stop();
  });

  it.each(['5e-324', '1e-200', '-1e-131'])('a static metric reading %s (under DynamoDB\'s smallest number): the pool still scales, its state and history written', async (value) => {
    // Found by the property below: the policy was accepted, then every state write of the pool
    // failed with "Number underflow" and each request on it was a 500.
    const call = async (method: string, path: string, body: string) => {
      const event = fixture('api-get-pools');
      Object.assign(event, { rawPath: path, body });
      event.requestContext.http.method = method;
      event.requestContext.http.path = path;
      event.headers['content-type'] = 'application/json';
      logged.length = 0;
      return handler(event);
    };
    const put = await call('PUT', '/pools/tiny', `{"target":{"kind":"none"},"min":0,"max":40,"metrics":{"busy":{"source":"static","value":${value}}},"rules":[{"type":"buffer","busyMetric":"busy","minFree":1,"batch":1}]}`);
    expect(put.statusCode).toBe(200);

    const scale = await call('POST', '/pools/tiny/scale', '{"desired":3,"reason":"probe"}');

    expect(scale.statusCode, scale.body).toBe(200);
    expect(logged.filter((line) => line.includes('"level":"ERROR"'))).toEqual([]);
    const history = await call('GET', '/pools/tiny/history', '');
    expect(history.statusCode).toBe(200);
    expect(history.body).toContain('probe');
  });

  it('generated policy and operator requests: never a 5xx, never an error logged (property)', async () => {
    const tally = { requests: 0, byStatus: new Map<number, number>() };
    // A pool to act on: the first accepted PUT creates it; seed one so operator routes reach it.
    const seed = fixture('api-get-pools');
    Object.assign(seed, { rawPath: '/pools/bots', body: '{"target":{"kind":"none"},"min":0,"max":40,"metrics":{"busy":{"source":"static","value":1}}}' });
    seed.headers['content-type'] = 'application/json';
    seed.requestContext.http.method = 'PUT';
    expect((await handler(seed)).statusCode).toBe(200);

    await fc.assert(
      fc.asyncProperty(request, headers, async (input, extra) => {
        // Prepare
        const event = fixture('api-get-pools');
        event.rawPath = input.path;
        event.requestContext.http.method = input.method;
        event.requestContext.http.path = input.path;
        event.headers = { ...event.headers, ...extra };
        if (input.body !== '') event.body = input.body;
        logged.length = 0;

        // Act
        const result = await handler(event);

        // Assess
        tally.requests++;
        tally.byStatus.set(result.statusCode ?? 0, (tally.byStatus.get(result.statusCode ?? 0) ?? 0) + 1);
        const label = `${input.method} ${input.path} ${JSON.stringify(extra)} ${input.body.slice(0, 300)} -> ${result.body?.slice(0, 300)}`;
        expect(result.statusCode, label).toBeLessThan(500);
        expect(logged.filter((line) => line.includes('"level":"ERROR"')), label).toEqual([]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
    if (process.env.POOLSCALE_FUZZ_REPORT) {
      console.info(`hostile Lambda API events on dynalite: ${tally.requests} requests, by status ${JSON.stringify(Object.fromEntries([...tally.byStatus].sort()))}`);
    }
    // Most policies are refused; some must have reached the store for the property to mean anything.
    expect(tally.byStatus.get(200) ?? 0).toBeGreaterThan(RUNS / 20);
  }, Math.max(120_000, RUNS * 1_000));
});
