import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createApi } from '../../shared/api';
import type { ApiResponse } from '../../shared/api';
import { memoryDeps, policy, request } from './support';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'get', 'TRACE', ''];

const segment = fc.oneof(
  fc.constantFrom('bots', 'web', 'ghost', '', '..', '%', '%2F', '%E0%A4%A', '__proto__', 'constructor', 'a'.repeat(300)),
  fc.string({ maxLength: 20 }),
);

const path = fc.oneof(
  fc.tuple(segment, fc.constantFrom('', '/history', '/scale', '/pause', '/resume', '/', '/x')).map(([id, tail]) => `/pools/${id}${tail}`),
  fc.constantFrom('/', '', '/pools', '/pools/', '/openapi.json', '/health', '//pools', '/pools//scale'),
  fc.string({ maxLength: 40 }),
);

const jsonBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
  fc.record({
    desired: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.double(), fc.string(), fc.constant(null)),
    reason: fc.oneof(fc.string({ maxLength: 600 }), fc.integer(), fc.constant(null)),
    durationSeconds: fc.oneof(fc.integer({ min: -10, max: 10 ** 9 }), fc.string()),
  }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
  fc.record({
    id: fc.oneof(fc.constant('bots'), fc.string()),
    target: fc.oneof(fc.constant({ kind: 'none' }), fc.jsonValue({ maxDepth: 2 })),
    min: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.string()),
    max: fc.oneof(fc.integer({ min: -2, max: 20 }), fc.string()),
    interval: fc.oneof(fc.constantFrom('30s', '5m', 'soon', ''), fc.integer()),
    rules: fc.array(fc.record({ type: fc.constantFrom('buffer', 'memory', 'steps', 'nope'), minFree: fc.integer(), batch: fc.integer() }), { maxLength: 3 }),
    metrics: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  }, { requiredKeys: [] }).map((value) => JSON.stringify(value)),
  fc.constantFrom('{', '[', 'null', '"x"', '{"__proto__": {"admin": true}}', '{"constructor": {"prototype": 1}}', '\u0000', '{"desired": 1e400, "reason": "r"}'),
  fc.string({ maxLength: 50 }),
);

const headers = fc.oneof(
  fc.constant({ 'content-type': 'application/json' }),
  fc.constant({ 'Content-Type': 'application/json; charset=utf-8' }),
  fc.constant({}),
  fc.dictionary(fc.constantFrom('content-type', 'Content-Type', 'x-other'), fc.string({ maxLength: 30 }), { maxKeys: 2 }),
);

const query = fc.dictionary(fc.constantFrom('limit', 'before', 'x', '__proto__'), fc.oneof(fc.string({ maxLength: 20 }), fc.integer().map(String)), { maxKeys: 3 });

/** A 4xx that is a validation error names at least one field, each with a non-empty path. */
function assertNamesFields(response: ApiResponse): void {
  const body = JSON.parse(response.body) as { error: string; problems?: { path: unknown; message: unknown }[] };
  if (response.status === 400 || response.status === 413) {
    expect(body.error).toBe('ValidationError');
    expect(body.problems?.length).toBeGreaterThan(0);
    for (const problem of body.problems ?? []) {
      expect(typeof problem.path).toBe('string');
      expect((problem.path as string).length).toBeGreaterThan(0);
      expect(typeof problem.message).toBe('string');
    }
  }
}

describe('Function: createApi (hostile input)', () => {
  it('never answers 5xx to any method, path, header, query or body, and every 400 names a field', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), path, headers, query, fc.option(jsonBody, { nil: undefined }), async (method, p, h, q, body) => {
        // Prepare: a fresh pool each run, so PUT/DELETE of one run cannot hide a crash in the next.
        const { deps, errors } = memoryDeps([policy({ id: 'bots' }), policy({ id: 'web', min: 0, max: 3 })]);
        const api = createApi(deps);

        // Act
        const response = await api(request(method, p, { headers: h, query: q, ...(body === undefined ? {} : { body }), principal: 'arn:aws:iam::1:user/fuzz' }));

        // Assess
        expect(response.status, `${method} ${p} ${body ?? ''} -> ${response.body}`).toBeLessThan(500);
        expect(errors).toEqual([]);
        expect(response.headers['content-type'] ?? 'application/json').toBe('application/json');
        if (response.body !== '') assertNamesFields(response);
      }),
      { numRuns: 600 },
    );
  });

  it.each([
    { case: 'JSON nested 100000 deep', body: `${'['.repeat(100_000)}${']'.repeat(100_000)}` },
    { case: 'an object nested 5000 deep in a policy field', body: `{"target":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)},"min":1,"max":2}` },
    { case: 'a huge number of keys', body: JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]))) },
    { case: 'a lone surrogate', body: '{"desired":1,"reason":"\\ud800"}' },
  ])('answers 4xx, not 5xx, to $case', async ({ body }) => {
    // Prepare
    const { deps, errors } = memoryDeps();
    const api = createApi(deps);

    // Act
    const responses = await Promise.all(
      ['/pools/bots', '/pools/bots/scale', '/pools/bots/pause'].map((p) =>
        api(request(p.endsWith('bots') ? 'PUT' : 'POST', p, { headers: { 'content-type': 'application/json' }, body })),
      ),
    );

    // Assess
    for (const response of responses) {
      expect(response.status).toBeLessThan(500);
      expect(response.status).toBeGreaterThanOrEqual(200);
      if (response.status >= 400) assertNamesFields(response);
    }
    expect(errors).toEqual([]);
  });
});
