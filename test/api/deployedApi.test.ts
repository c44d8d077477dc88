/**
 * The API as deployed: the module-level `handler` of functions/api.ts with its dependencies
 * built from the environment exactly as in Lambda (table names from env, DynamoDB through
 * AWS_ENDPOINT_URL_DYNAMODB = dynalite, ECS mocked at the SDK). Findings of issue 11 (items 3,
 * 5, 7) and issue 10 (item 8) that concern deployed behaviour.
 */
import { describe, expect, it } from 'vitest';
import { ecsPool, lambdaApiHarness } from './lambdaApiHarness';

const JSON_TYPE = { 'content-type': 'application/json' };

describe('Module: functions/api.ts handler on DynamoDB (dynalite) and ECS', () => {
  const lambda = lambdaApiHarness('deployed-api');
  const call = lambda.call;
  const store = { get: (id: string) => lambda.store.get(id) };
  const ecs = { updates: () => lambda.ecs.updates(), failWith: (error: Error | undefined) => lambda.ecs.failWith(error) };

  describe('Stores safe for any key, numbers bounded (issue 11, item 7)', () => {
    it.each<{ case: string; input: Record<string, unknown>; path: string }>([
      { case: 'a metric named constructor', input: { metrics: JSON.parse('{"constructor":{"source":"static","value":1}}') }, path: 'metrics.constructor' },
      { case: 'a metric named toString', input: { metrics: JSON.parse('{"toString":{"source":"static","value":1}}') }, path: 'metrics.toString' },
      { case: 'a metric named hasOwnProperty', input: { metrics: JSON.parse('{"hasOwnProperty":{"source":"static","value":1}}') }, path: 'metrics.hasOwnProperty' },
      { case: 'a rule reading a metric named valueOf', input: { rules: [{ type: 'buffer', busyMetric: 'valueOf', minFree: 1, batch: 1 }] }, path: 'rules[0].busyMetric' },
    ])('$case: 400 naming the field, never 500', async ({ path, input }) => {
      // Act
      const response = await call('PUT', '/pools/reserved', ecsPool('reserved', input));

      // Assess
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      const problem = response.body.problems.find((p: { path: string }) => p.path === path);
      expect(problem?.message).toMatch(/reserved/);
    });

    it.each([
      { case: 'a metric named __proto__', text: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"__proto__":{"source":"static","value":1}}}', path: 'metrics.__proto__' },
      {
        case: 'a dimension named __proto__',
        text: '{"target":{"kind":"none"},"min":1,"max":3,"metrics":{"q":{"source":"cloudwatch","namespace":"AWS/SQS","metricName":"N","dimensions":{"__proto__":"x"}}}}',
        path: 'metrics.q.dimensions.__proto__',
      },
    ])('$case: 400 naming it instead of dropping it silently with 200', async ({ text, path }) => {
      // Act
      const response = await call('PUT', '/pools/proto', text);

      // Assess
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.problems.map((p: { path: string }) => p.path)).toContain(path);
      expect((await call('GET', '/pools/proto')).status).toBe(404);
    });

    it('CloudWatch dimension names constructor and toString are stored and read back exactly', async () => {
      // Prepare
      const dimensions = { constructor: 'a', toString: 'b', valueOf: 'c', QueueName: 'jobs' };
      const policy = ecsPool('dims', { metrics: { depth: { source: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions } } });

      // Act
      const put = await call('PUT', '/pools/dims', policy);
      const got = await call('GET', '/pools/dims');

      // Assess
      expect(put.status, JSON.stringify(put.body)).toBe(200);
      expect(got.status).toBe(200);
      expect(got.body.policy.metrics.depth.dimensions).toEqual(dimensions);
      expect(Object.keys(got.body.policy.metrics.depth.dimensions)).toEqual(Object.keys(dimensions));
      expect((await store.get('dims'))?.metrics.depth).toMatchObject({ dimensions });
    });

    it.each([
      { case: '"999999999d" as interval', field: 'interval', text: '"999999999d"' },
      { case: '"366d" as a cooldown', field: 'behaviour.cooldownDown', text: '"366d"' },
      { case: 'a 400-digit interval', field: 'interval', text: `1${'0'.repeat(400)}` },
      { case: 'a 400-digit max', field: 'max', text: `1${'0'.repeat(400)}` },
      { case: 'a 20-digit max', field: 'max', text: '12345678901234567890' },
      { case: 'a static value of 1e300', field: 'metrics.busy.value', text: '1e300' },
      { case: 'a step threshold of -1e300', field: 'rules[0].up[0].above', text: '-1e300' },
    ])('$case: 400 naming $field, never 500', async ({ field, text: value }) => {
      // Prepare: the value placed at the field, as raw JSON text (JSON.stringify cannot write 1e400).
      const body: Record<string, any> = ecsPool('bounds');
      const marker = '"__VALUE__"';
      const [head, ...rest] = field.split('.');
      if (field === 'rules[0].up[0].above') body.rules = [{ type: 'steps', metric: 'busy', up: [{ above: '__VALUE__', workers: 2 }] }];
      else if (rest.length === 0) body[head!] = '__VALUE__';
      else if (head === 'behaviour') body.behaviour = { cooldownDown: '__VALUE__' };
      else body.metrics = { busy: { source: 'static', value: '__VALUE__' } };
      const text = JSON.stringify(body).replace(marker, value);

      // Act
      const response = await call('PUT', '/pools/bounds', text);

      // Assess
      expect(response.status, JSON.stringify(response.body)).toBe(400);
      expect(response.body.problems.map((p: { path: string }) => p.path)).toContain(field);
    });
  });

  describe('Optimistic concurrency on policies (issue 11, item 5)', () => {
    it('GET returns the revision as ETag; of two GET -> edit -> PUT with If-Match, the second is 412 and nothing is lost', async () => {
      // Prepare
      expect((await call('PUT', '/pools/shared', ecsPool('shared'))).status).toBe(200);
      const alice = await call('GET', '/pools/shared');
      const bob = await call('GET', '/pools/shared');
      expect(alice.headers.etag).toMatch(/^"[\w-]+"$/);
      expect(alice.headers.etag).toBe(`"${alice.body.revision}"`);

      // Act
      const first = await call('PUT', '/pools/shared', { ...alice.body.policy, max: 12 }, { ...JSON_TYPE, 'if-match': alice.headers.etag! });
      const second = await call('PUT', '/pools/shared', { ...bob.body.policy, min: 3 }, { ...JSON_TYPE, 'if-match': bob.headers.etag! });

      // Assess
      expect(first.status).toBe(200);
      expect(first.headers.etag).not.toBe(alice.headers.etag);
      expect(second.status).toBe(412);
      expect(second.body).toMatchObject({ error: 'PreconditionFailed' });
      expect(second.body.message).toMatch(/changed since it was read/);
      expect(second.headers.etag).toBe(first.headers.etag);
      const stored = await call('GET', '/pools/shared');
      expect(stored.body.policy).toMatchObject({ max: 12, min: 1 });

      // Bob re-reads, re-applies and succeeds.
      const retry = await call('PUT', '/pools/shared', { ...stored.body.policy, min: 3 }, { ...JSON_TYPE, 'if-match': stored.headers.etag! });
      expect(retry.status).toBe(200);
      expect((await call('GET', '/pools/shared')).body.policy).toMatchObject({ max: 12, min: 3 });
    });

    it('concurrent conditional PUTs from the same revision: exactly one wins', async () => {
      // Prepare
      await call('PUT', '/pools/race', ecsPool('race'));
      const read = await call('GET', '/pools/race');

      // Act
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, index) => call('PUT', '/pools/race', { ...read.body.policy, max: 10 + index }, { ...JSON_TYPE, 'if-match': read.headers.etag! })),
      );

      // Assess
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([200, 412, 412, 412, 412, 412, 412, 412]);
      const winner = answers.find((answer) => answer.status === 200)!;
      expect((await call('GET', '/pools/race')).body.policy.max).toBe(winner.body.policy.max);
    });

    it('DELETE with a stale If-Match is 412 and deletes nothing; with the current one it deletes', async () => {
      // Prepare
      await call('PUT', '/pools/doomed', ecsPool('doomed'));
      const old = await call('GET', '/pools/doomed');
      await call('PUT', '/pools/doomed', { ...old.body.policy, max: 9 });

      // Act
      const stale = await call('DELETE', '/pools/doomed', undefined, { 'if-match': old.headers.etag! });
      const current = await call('GET', '/pools/doomed');
      const fresh = await call('DELETE', '/pools/doomed', undefined, { 'if-match': current.headers.etag! });

      // Assess
      expect(stale.status).toBe(412);
      expect(current.status).toBe(200);
      expect(fresh.status).toBe(204);
      expect((await call('GET', '/pools/doomed')).status).toBe(404);
    });

    it('DELETE removes the pool\'s history from DynamoDB: a pool created again under its id starts with none', async () => {
      // Prepare: a pool whose manual scale is in its history
      await call('PUT', '/pools/reborn', ecsPool('reborn'));
      expect((await call('POST', '/pools/reborn/scale', { desired: 3, reason: 'before the delete' }, JSON_TYPE)).status).toBe(200);
      expect(JSON.stringify((await call('GET', '/pools/reborn/history')).body)).toContain('before the delete');

      // Act
      expect((await call('DELETE', '/pools/reborn')).status).toBe(204);
      await call('PUT', '/pools/reborn', ecsPool('reborn'));
      const history = await call('GET', '/pools/reborn/history');

      // Assess
      expect(history.status).toBe(200);
      expect(JSON.stringify(history.body)).not.toContain('before the delete');
    });

    it('If-None-Match: * creates only; If-Match: * updates only', async () => {
      // Act
      const created = await call('PUT', '/pools/once', ecsPool('once'), { ...JSON_TYPE, 'if-none-match': '*' });
      const again = await call('PUT', '/pools/once', ecsPool('once'), { ...JSON_TYPE, 'if-none-match': '*' });
      const missing = await call('PUT', '/pools/never', ecsPool('never'), { ...JSON_TYPE, 'if-match': '*' });

      // Assess
      expect(created.status).toBe(200);
      expect(again.status).toBe(412);
      expect(again.body.message).toMatch(/already exists/);
      expect(missing.status).toBe(412);
      expect((await call('GET', '/pools/never')).status).toBe(404);
    });

    it.each([
      { case: 'a weak tag', value: 'W/"abc"' },
      { case: 'two tags', value: '"a", "b"' },
      { case: 'an unquoted tag', value: 'abc' },
    ])('If-Match with $case is a 400 naming headers.if-match', async ({ value }) => {
      await call('PUT', '/pools/tags', ecsPool('tags'));
      const response = await call('PUT', '/pools/tags', ecsPool('tags'), { ...JSON_TYPE, 'if-match': value });
      expect(response.status).toBe(400);
      expect(response.body.problems[0].path).toBe('headers.if-match');
    });

    it('without If-Match a PUT is unconditional (documented: last write wins)', async () => {
      await call('PUT', '/pools/blind', ecsPool('blind'));
      const response = await call('PUT', '/pools/blind', ecsPool('blind', { max: 7 }));
      expect(response.status).toBe(200);
      expect(response.body.policy.max).toBe(7);
    });
  });

  describe('Mutating routes need a JSON content type (issue 11, item 3)', () => {
    it.each(['pause', 'resume', 'scale'])('a form post to /pools/{id}/%s is a 400 and changes nothing', async (action) => {
      // Prepare
      await call('PUT', '/pools/csrf', ecsPool('csrf'));

      // Act
      const response = await call('POST', `/pools/csrf/${action}`, action === 'scale' ? 'desired=9&reason=x' : '', { 'content-type': 'application/x-www-form-urlencoded' });

      // Assess
      expect(response.status).toBe(400);
      expect(response.body.problems[0].path).toBe('headers.content-type');
      const pool = await call('GET', '/pools/csrf');
      expect(pool.body.state?.paused).toBeUndefined();
      expect(pool.body.state?.manual).toBeUndefined();
    });
  });

  describe('A failed manual scale is not a 200 (issue 10, item 8)', () => {
    it('ECS refusing UpdateService is a 502 carrying the error, and the failure is in the history', async () => {
      // Prepare
      await call('PUT', '/pools/refused', ecsPool('refused'));
      ecs.failWith(Object.assign(new Error('User is not authorized to perform: ecs:UpdateService'), { name: 'AccessDeniedException' }));

      // Act
      const response = await call('POST', '/pools/refused/scale', { desired: 6, reason: 'incident' });

      // Assess
      expect(response.status, JSON.stringify(response.body)).toBe(502);
      expect(response.body.error).toBe('TargetError');
      expect(response.body.message).toContain('not authorized to perform: ecs:UpdateService');
      const history = await call('GET', '/pools/refused/history');
      expect(history.body.decisions[0].reasons.map((r: { code: string }) => r.code)).toContain('action.failed');
    });

    it('a manual scale of a paused pool is a 409 saying it applies on resume', async () => {
      // Prepare
      await call('PUT', '/pools/held', ecsPool('held'));
      await call('POST', '/pools/held/pause', { reason: 'maintenance' });
      const before = ecs.updates().length;

      // Act
      const response = await call('POST', '/pools/held/scale', { desired: 6, reason: 'incident' });

      // Assess
      expect(response.status).toBe(409);
      expect(response.body.message).toMatch(/paused/);
      expect(ecs.updates().length).toBe(before);
    });
  });
});
