/**
 * The HTTP API router under hostile input beyond test/api/hostileInput.test.ts: oversized
 * bodies, wrong content types, unicode ids and paths, extreme JSON numbers, prototype-pollution
 * keys and deep nesting. Thousands of generated requests; never a 5xx, never an unexpected
 * error reported, every 400/413 names the field it refuses, and nothing leaks into prototypes.
 *
 * One suite, run on two backends: the in-memory stores (apiHostileInput.test.ts) and the
 * DynamoDB stores on dynalite (apiHostileInputDynamo.test.ts), where a key such as
 * `constructor` or a number beyond the safe integers used to become a 500.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApi, type ApiDeps, type ApiResponse } from '../../shared/api';
import { MAX_BODY_BYTES } from '../../shared/api/schemas';
import type { Policy } from '../../shared/domain/policy';
import { policy, request } from '../api/support';

/** Fresh deps per generated case: a store holding `policies` and nothing else of interest. */
export interface HostileBackend {
  name: string;
  deps(policies?: Policy[]): Promise<{ deps: ApiDeps; errors: unknown[] }>;
  /** Runs per property (the memory backend affords more). */
  runs: number;
  /** Timeout of each property. */
  timeoutMs: number;
  /** Counts requests and 5xx answers, for the results. */
  tally: { requests: number; serverErrors: number };
}

const JSON_TYPE = { 'content-type': 'application/json' };

interface Problem {
  path: string;
  message: string;
}

function problems(response: ApiResponse): Problem[] {
  const body = JSON.parse(response.body) as { problems?: Problem[] };
  return body.problems ?? [];
}

/** A refusal of input names at least one field with a non-empty path and message. */
function expectNamesFields(response: ApiResponse): void {
  if (response.status !== 400 && response.status !== 413) return;
  const found = problems(response);
  expect(found.length, response.body).toBeGreaterThan(0);
  for (const p of found) {
    expect(typeof p.path).toBe('string');
    expect(p.path.length).toBeGreaterThan(0);
    expect(typeof p.message).toBe('string');
    expect(p.message.length).toBeGreaterThan(0);
  }
}

let tally: HostileBackend['tally'] | undefined;

function expectSafe(response: ApiResponse, errors: unknown[], label: string): void {
  if (tally) {
    tally.requests++;
    if (response.status >= 500) tally.serverErrors++;
  }
  expect(response.status, `${label} -> ${response.body.slice(0, 300)}`).toBeLessThan(500);
  expect(response.status).toBeGreaterThanOrEqual(200);
  expect(errors, label).toEqual([]);
  if (response.body !== '') expect(() => JSON.parse(response.body) as unknown).not.toThrow();
  expectNamesFields(response);
  // No request may pollute Object.prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(({} as Record<string, unknown>).admin).toBeUndefined();
}

const WRITE_ROUTES = [
  { method: 'PUT', path: '/pools/bots' },
  { method: 'POST', path: '/pools/bots/scale' },
  { method: 'POST', path: '/pools/bots/pause' },
  { method: 'POST', path: '/pools/bots/resume' },
];

/** JSON number literals that JavaScript reads as NaN-free but extreme values. */
const extremeNumber = fc.constantFrom(
  '1e308',
  '-1e308',
  '1e309',
  '-1e309',
  '-0',
  '0.0000000000000000000001',
  '9007199254740993',
  '123456789012345678901234567890',
  `1${'0'.repeat(400)}`,
  '4.9e-324',
  '1.5',
  '-1',
  '1E2',
);

/** Literals that are not JSON numbers at all (JSON.parse must refuse them or they are strings). */
const notJsonNumber = fc.constantFrom('NaN', 'Infinity', '-Infinity', '+1', '0x10', '01', '.5', '1.', '"NaN"', '"Infinity"', '"1e308"', '"12345678901234567890"');

export function hostileApiSuite(backend: HostileBackend): void {
  tally = backend.tally;
  describe(`Function: createApi (reliability: hostile input, ${backend.name} stores)`, () => {
  it('oversized bodies are 413 naming `body` on every write route, whatever the content type', async () => {
    // Prepare
    const { deps, errors } = await backend.deps();
    const api = createApi(deps);
    const bodies = [
      `{"reason":"${'x'.repeat(MAX_BODY_BYTES)}","desired":1}`,
      // Multi-byte characters: under the limit in UTF-16 code units, over it in UTF-8 bytes.
      `{"reason":"${'€'.repeat(Math.ceil(MAX_BODY_BYTES / 3) + 10)}","desired":1}`,
      ' '.repeat(MAX_BODY_BYTES + 1) + '{}',
    ];

    for (const route of WRITE_ROUTES) {
      for (const body of bodies) {
        for (const headers of [JSON_TYPE, { 'content-type': 'text/plain' }, {}]) {
          // Act
          const response = await api(request(route.method, route.path, { headers, body }));

          // Assess
          expectSafe(response, errors, `${route.method} ${route.path} ${body.length} chars`);
          expect(response.status).toBe(413);
          expect(problems(response).map((p) => p.path)).toEqual(['body']);
        }
      }
    }
  });

  it('a body just under the limit is parsed (no off-by-one refusal)', async () => {
    const { deps, errors } = await backend.deps();
    const api = createApi(deps);
    const filler = 'x'.repeat(MAX_BODY_BYTES - '{"desired":3,"reason":"r","x":""}'.length);
    const response = await api(request('POST', '/pools/bots/scale', { headers: JSON_TYPE, body: `{"desired":3,"reason":"r","x":"${filler}"}` }));
    expectSafe(response, errors, 'just under the limit');
    // Parsed, then refused by the strict schema for the unknown key `x`, not for its size.
    expect(response.status).toBe(400);
    expect(problems(response).map((p) => p.path).join(' ')).toContain('x');
  });

  it('wrong or odd content types are 400 naming headers.content-type (property)', async () => {
    const contentType = fc.oneof(
      fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'json', 'application/json-seq', '', ' ', ';', 'application/', '*/*', 'text/json'),
      fc.string({ maxLength: 40 }).filter((value) => !/^\s*application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(value)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WRITE_ROUTES), contentType, fc.constantFrom('{"desired":2,"reason":"r"}', '{}', '[]'), async (route, type, body) => {
        // Prepare
        const { deps, errors } = await backend.deps();
        const api = createApi(deps);

        // Act
        const response = await api(request(route.method, route.path, { headers: { 'Content-Type': type }, body }));

        // Assess
        expectSafe(response, errors, `${route.method} ${route.path} content-type ${JSON.stringify(type)}`);
        expect(response.status).toBe(400);
        expect(problems(response).map((p) => p.path)).toEqual(['headers.content-type']);
      }),
      { numRuns: backend.runs },
    );
  }, backend.timeoutMs);

  it('unicode ids and paths are 404/400/405, never 5xx, and never reach a pool they do not name (property)', async () => {
    const unicodeSegment = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => encodeURIComponent(s)),
      fc.constantFrom('b%C3%B6ts', 'bots%00', 'bots%2F..%2Fweb', '%F0%9F%A4%96', '%ED%A0%80', '%C0%AF', 'ｂｏｔｓ', 'bots\u200b', 'BOTS', '\u0000', '%', '%%', '..%2F..'),
    );
    const tail = fc.constantFrom('', '/history', '/scale', '/pause', '/resume');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'PUT', 'POST', 'DELETE'), unicodeSegment, tail, async (method, id, rest) => {
        // Prepare
        const { deps, errors } = await backend.deps([policy({ id: 'bots' })]);
        const api = createApi(deps);
        const before = JSON.stringify(await deps.policies.get('bots'));

        // Act
        const response = await api(request(method, `/pools/${id}${rest}`, { headers: JSON_TYPE, body: '{"desired":2,"reason":"fuzz"}' }));

        // Assess: only the real id `bots` may change pool `bots`.
        expectSafe(response, errors, `${method} /pools/${JSON.stringify(id)}${rest}`);
        let decoded: string | undefined;
        try {
          decoded = decodeURIComponent(id);
        } catch {
          decoded = undefined;
        }
        if (decoded !== 'bots') expect(JSON.stringify(await deps.policies.get('bots'))).toBe(before);
        if (decoded !== 'bots') expect(await deps.states.get('bots')).toBeUndefined();
      }),
      { numRuns: backend.runs },
    );
  }, backend.timeoutMs);

  it('extreme JSON numbers in every numeric field are refused by field or accepted in range, never 5xx (property)', async () => {
    const numericBody = fc.oneof(
      fc.tuple(fc.oneof(extremeNumber, notJsonNumber), fc.oneof(extremeNumber, notJsonNumber)).map(
        ([desired, duration]) => ({ route: WRITE_ROUTES[1]!, body: `{"desired":${desired},"reason":"r","durationSeconds":${duration}}` }),
      ),
      fc.tuple(fc.constantFrom('min', 'max', 'interval', 'priority', 'staleAfter'), fc.oneof(extremeNumber, notJsonNumber)).map(([field, value]) => ({
        route: WRITE_ROUTES[0]!,
        body: `{"target":{"kind":"none"},"min":1,"max":5,"metrics":{"busy":{"source":"static","value":${value}}},"rules":[{"type":"buffer","minFree":${value},"batch":2}],"${field}":${value}}`,
      })),
      fc.oneof(extremeNumber, notJsonNumber).map((value) => ({ route: { method: 'GET', path: `/pools/bots/history` }, body: '', query: { limit: value, before: value } })),
    );
    await fc.assert(
      fc.asyncProperty(numericBody, async (input) => {
        // Prepare
        const { deps, errors } = await backend.deps();
        const api = createApi(deps);

        // Act
        const response = await api(
          request(input.route.method, input.route.path, { headers: JSON_TYPE, ...(input.body ? { body: input.body } : {}), query: 'query' in input ? input.query : {} }),
        );

        // Assess: a refusal names a field; an accepted policy stores only finite numbers.
        expectSafe(response, errors, `${input.route.method} ${input.route.path} ${input.body}`);
        const stored = await deps.policies.get('bots');
        const finite = JSON.stringify(stored, (_key, value: unknown) => {
          if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`non-finite number stored: ${value}`);
          return value;
        });
        expect(finite).toBeDefined();
        const state = await deps.states.get('bots');
        if (state?.manual) expect(Number.isSafeInteger(state.manual.desired)).toBe(true);
      }),
      { numRuns: backend.runs },
    );
  }, backend.timeoutMs);

  it.each([
    { case: '__proto__ at the top of a scale body', route: WRITE_ROUTES[1]!, body: '{"__proto__":{"polluted":1,"admin":true},"desired":2,"reason":"r"}' },
    { case: 'constructor.prototype in a scale body', route: WRITE_ROUTES[1]!, body: '{"constructor":{"prototype":{"polluted":1}},"desired":2,"reason":"r"}' },
    { case: '__proto__ in a pause body', route: WRITE_ROUTES[2]!, body: '{"__proto__":{"polluted":1}}' },
    { case: '__proto__ in a resume body', route: WRITE_ROUTES[3]!, body: '{"__proto__":{"polluted":1}}' },
    {
      case: '__proto__ inside a policy',
      route: WRITE_ROUTES[0]!,
      body: '{"__proto__":{"polluted":1},"target":{"kind":"none","__proto__":{"admin":true}},"min":1,"max":3,"metrics":{"__proto__":{"source":"static","value":1},"busy":{"source":"static","value":1}},"rules":[{"type":"buffer","minFree":1,"batch":1}]}',
    },
    {
      case: 'constructor and prototype as metric names',
      route: WRITE_ROUTES[0]!,
      body: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"constructor":{"source":"static","value":1},"prototype":{"source":"static","value":1}},"rules":[{"type":"buffer","metric":"constructor","minFree":1,"batch":1}]}',
    },
  ])('$case: no 5xx, no prototype pollution, no hidden field accepted', async ({ route, body }) => {
    // Prepare
    const { deps, errors } = await backend.deps();
    const api = createApi(deps);

    // Act
    const response = await api(request(route.method, route.path, { headers: JSON_TYPE, body }));
    const listed = await api(request('GET', '/pools', {}));
    const detail = await api(request('GET', '/pools/bots', {}));

    // Assess
    expectSafe(response, errors, body);
    expectSafe(listed, errors, 'GET /pools');
    expectSafe(detail, errors, 'GET /pools/bots');
    expect(listed.status).toBe(200);
    expect(detail.body).not.toContain('polluted');
    expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
  });

  it('prototype-pollution keys anywhere in arbitrary JSON bodies never pollute and never 5xx (property)', async () => {
    const key = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'desired', 'reason', 'target', 'rules', 'metrics', 'min', 'max');
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.jsonValue({ maxDepth: 1 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
        fc.array(tie('node'), { maxLength: 3 }),
      ),
    })).node;
    // JSON.stringify drops a real __proto__ key; write the text by hand so the key is in the body.
    const toText = (node: unknown): string => {
      if (node === null || typeof node !== 'object') return JSON.stringify(node);
      if (Array.isArray(node)) return `[${node.map(toText).join(',')}]`;
      return `{${Object.entries(node).map(([k, v]) => `${JSON.stringify(k)}:${toText(v)}`).join(',')}}`;
    };
    const hostile = fc.dictionary(key, value, { maxKeys: 6 }).map((record) => {
      const inner = toText(record);
      return inner === '{}' ? '{"__proto__":{"polluted":1}}' : `{"__proto__":{"polluted":1},${inner.slice(1)}`;
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...WRITE_ROUTES), hostile, async (route, body) => {
        const { deps, errors } = await backend.deps();
        const api = createApi(deps);
        const response = await api(request(route.method, route.path, { headers: JSON_TYPE, body }));
        expectSafe(response, errors, `${route.method} ${route.path} ${body}`);
        const listed = await api(request('GET', '/pools/bots', {}));
        expectSafe(listed, errors, 'GET /pools/bots');
      }),
      { numRuns: backend.runs },
    );
  }, backend.timeoutMs);

  it.each([
    { case: 'a metric named constructor', body: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"constructor":{"source":"static","value":1}},"rules":[{"type":"buffer","busyMetric":"constructor","minFree":1,"batch":1}]}', status: 400 },
    { case: 'a metric named toString', body: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"toString":{"source":"static","value":1}}}', status: 400 },
    { case: 'a metric named __proto__', body: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"__proto__":{"source":"static","value":1}}}', status: 400 },
    { case: 'an interval of 999999999d', body: '{"target":{"kind":"none"},"min":1,"max":3,"interval":"999999999d"}', status: 400 },
    { case: 'a static value of 1e300', body: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"busy":{"source":"static","value":1e300}}}', status: 400 },
    {
      case: 'dimension names constructor, toString and valueOf',
      body: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"q":{"source":"cloudwatch","namespace":"N","metricName":"M","dimensions":{"constructor":"a","toString":"b","valueOf":"c"}}}}',
      status: 200,
    },
  ])('$case, a policy that reaches the store: $status, never 5xx, read back as written', async ({ body, status }) => {
    // Prepare
    const { deps, errors } = await backend.deps();
    const api = createApi(deps);

    // Act
    const response = await api(request('PUT', '/pools/bots', { headers: JSON_TYPE, body }));
    const detail = await api(request('GET', '/pools/bots', {}));

    // Assess
    expectSafe(response, errors, body);
    expectSafe(detail, errors, 'GET /pools/bots');
    expect(response.status, response.body).toBe(status);
    if (status === 200) expect(JSON.parse(detail.body).policy.metrics).toEqual(JSON.parse(body).metrics);
  });

  it('valid policies with generated map keys and numbers: 200 read back exactly, or 400 by field; never 5xx (property)', async () => {
    const key = fc.oneof(
      fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'prototype', 'isPrototypeOf', '__lookupGetter__', 'busy', 'QueueName'),
      fc.string({ minLength: 1, maxLength: 10 }),
    );
    // The metric name: hostile often, plainly valid more often, so that a fair share of the
    // cases reach the store whatever the random seed (each field must be valid for that).
    const metricKey = fc.oneof({ arbitrary: key, weight: 2 }, { arbitrary: fc.constantFrom('busy', 'queue_length', 'workers_2'), weight: 3 });
    const number = fc.oneof(extremeNumber, fc.double({ noNaN: true, noDefaultInfinity: true }).map(String), fc.integer().map(String));
    const value = fc.oneof({ arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String), weight: 4 }, { arbitrary: number, weight: 1 });
    const max = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 1000 }).map(String), weight: 4 }, { arbitrary: number, weight: 1 });
    const duration = fc.oneof(
      { arbitrary: fc.constantFrom('"30s"', '60', '"1m"'), weight: 4 },
      { arbitrary: number, weight: 1 },
      { arbitrary: fc.constantFrom('"999999999d"', '"366d"', '"365d"', '"1ms"', '"0s"', '"1.5h"', `"${'9'.repeat(400)}d"`), weight: 1 },
    );
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(metricKey, key, value, duration, max, async (metric, dimension, value, interval, max) => {
        // Prepare: JSON text by hand, so `__proto__` stays a key and 400-digit numbers stay numbers.
        const body = `{"target":{"kind":"none"},"min":0,"max":${max},"interval":${interval},"metrics":{${JSON.stringify(metric)}:{"source":"static","value":${value}},"q":{"source":"cloudwatch","namespace":"N","metricName":"M","dimensions":{${JSON.stringify(dimension)}:"d"}}},"rules":[{"type":"buffer","busyMetric":${JSON.stringify(metric)},"minFree":1,"batch":1}]}`;
        const { deps, errors } = await backend.deps();
        const api = createApi(deps);

        // Act
        const response = await api(request('PUT', '/pools/bots', { headers: JSON_TYPE, body }));

        // Assess
        expectSafe(response, errors, body);
        if (response.status === 200) {
          stored++;
          const detail = await api(request('GET', '/pools/bots', {}));
          expectSafe(detail, errors, 'GET /pools/bots');
          const metrics = JSON.parse(detail.body).policy.metrics as Record<string, { dimensions?: Record<string, string> }>;
          expect(Object.keys(metrics)).toEqual(expect.arrayContaining([metric]));
          expect(metrics.q?.dimensions).toEqual(JSON.parse(`{${JSON.stringify(dimension)}:"d"}`));
        }
      }),
      { numRuns: backend.runs },
    );
    // The property is about the store: a fair share of the cases must have reached it.
    expect(stored).toBeGreaterThan(backend.runs / 20);
  }, backend.timeoutMs);

  it.each([
    { case: 'arrays 200000 deep', body: `${'['.repeat(200_000)}${']'.repeat(200_000)}` },
    { case: 'objects 50000 deep', body: `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}` },
    { case: 'deep nesting inside `reason`', body: `{"desired":1,"reason":${'['.repeat(20_000)}${']'.repeat(20_000)}}` },
    { case: 'deep nesting inside rules', body: `{"target":{"kind":"none"},"min":1,"max":2,"rules":[${'{"type":"buffer","x":'.repeat(10_000)}1${'}'.repeat(10_000)}]}` },
    { case: 'unbalanced deep nesting', body: '['.repeat(100_000) },
    { case: 'a 100000-element array', body: `{"desired":1,"reason":"r","x":[${Array(100_000).fill('1').join(',')}]}` },
  ])('$case: 4xx naming a field on every write route, no crash', async ({ body }) => {
    // Prepare
    const { deps, errors } = await backend.deps();
    const api = createApi(deps);

    for (const route of WRITE_ROUTES) {
      // Act
      const response = await api(request(route.method, route.path, { headers: JSON_TYPE, body }));

      // Assess
      expectSafe(response, errors, `${route.method} ${route.path}`);
      expect(response.status).toBeGreaterThanOrEqual(400);
    }
  });
});
}
