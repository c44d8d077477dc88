import { describe, expect, it } from 'vitest';
import { createApi, MAX_BODY_BYTES } from '../../shared/api';
import type { Decision } from '../../shared/domain/types';
import { jsonRequest, memoryDeps, NOW, policy, request } from './support';

const parse = (body: string) => JSON.parse(body) as Record<string, any>;

const decision = (at: number, desired = 2): Decision => ({
  poolId: 'bots',
  at,
  current: 1,
  desired,
  action: desired > 1 ? 'scale_up' : 'none',
  dryRun: false,
  reasons: [{ code: 'rule.buffer.below_min_free', message: `free 0 < minFree 1: +${desired - 1}` }],
  proposals: [],
  trigger: 'schedule',
});

describe('Function: createApi', () => {
  describe('Route: GET /health and /openapi.json', () => {
    it('serves the dashboard page, which loads nothing from outside its own API', async () => {
      const response = await createApi(memoryDeps().deps)(request('GET', '/dashboard'));
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.body).toContain('<title>poolscale</title>');
      expect(response.body).not.toMatch(/(src|href)="https?:/);
    });

    it('reports health as JSON', async () => {
      // Prepare
      const api = createApi(memoryDeps().deps);

      // Act
      const response = await api(request('GET', '/health'));

      // Assess
      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('application/json');
      expect(parse(response.body).status).toBe('ok');
    });

    it('serves an OpenAPI 3.1 document generated from the zod schemas', async () => {
      // Prepare
      const api = createApi(memoryDeps().deps);

      // Act
      const response = await api(request('GET', '/openapi.json'));

      // Assess
      const document = parse(response.body);
      expect(response.status).toBe(200);
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining(['/pools', '/pools/{id}', '/pools/{id}/history', '/pools/{id}/scale', '/pools/{id}/pause', '/pools/{id}/resume', '/health']),
      );
      expect(document.components.schemas.ScaleBody.required).toEqual(['desired', 'reason']);
      expect(document.components.schemas.PolicyBody.properties.target).toBeDefined();
    });

    it('has every $ref resolvable inside the document', async () => {
      // Prepare
      const document = parse((await createApi(memoryDeps().deps)(request('GET', '/openapi.json'))).body);
      const refs: string[] = [];
      const walk = (node: unknown): void => {
        if (Array.isArray(node)) node.forEach(walk);
        else if (node && typeof node === 'object') {
          for (const [key, value] of Object.entries(node)) {
            if (key === '$ref') refs.push(value as string);
            else walk(value);
          }
        }
      };

      // Act
      walk(document);

      // Assess
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        const target = ref.replace(/^#\//, '').split('/').reduce<any>((node, key) => node?.[key], document);
        expect(target, ref).toBeDefined();
      }
    });
  });

  describe('Route: GET /pools', () => {
    it('lists pools with target, bounds, desired, pause and last action summary', async () => {
      // Prepare
      const { deps } = memoryDeps([policy({ id: 'web', target: { kind: 'ecs', cluster: 'c1', service: 's1' } }), policy({ id: 'bots' })]);
      const api = createApi(deps);
      await api(jsonRequest('POST', '/pools/bots/pause', { reason: 'maintenance' }));
      await deps.states.put({ ...(await deps.states.get('bots'))!, version: 2, desired: 3, lastDecision: decision(NOW, 3) }, 1);

      // Act
      const response = await api(request('GET', '/pools'));

      // Assess
      expect(response.status).toBe(200);
      const { pools } = parse(response.body);
      expect(pools.map((pool: { id: string }) => pool.id)).toEqual(['bots', 'web']);
      expect(pools[0]).toMatchObject({
        id: 'bots',
        target: 'none',
        min: 1,
        max: 10,
        desired: 3,
        paused: true,
        pausedReason: 'maintenance',
        lastAction: { action: 'scale_up', desired: 3, summary: 'free 0 < minFree 1: +2' },
      });
      expect(pools[0].ready).toBe(1);
      expect(pools[1]).toMatchObject({ id: 'web', target: 'ecs:c1/s1', paused: false });
      // No ECS target is configured in these deps: its ready count is unknown, not an error.
      expect(pools[1].ready).toBeUndefined();
    });

    it('says why the last scaling action failed (lastActionError), and nothing once none did', async () => {
      // Prepare
      const { deps } = memoryDeps([policy({ id: 'bots' }), policy({ id: 'web' })]);
      const api = createApi(deps);
      await deps.states.put(
        { poolId: 'bots', version: 1, desired: 1, consecutiveFailures: 0, samples: [], recommendations: [], lastActionError: 'Agent "local" is not registered' },
        0,
      );

      // Act
      const { pools } = parse((await api(request('GET', '/pools'))).body);

      // Assess
      expect(pools[0]).toMatchObject({ id: 'bots', lastActionError: 'Agent "local" is not registered' });
      expect(pools[1]).not.toHaveProperty('lastActionError');
    });

    it.each([
      { case: 'a target that fails', query: {}, fails: true },
      { case: '?status=false', query: { status: 'false' }, fails: false },
    ])('lists pools without ready counts for $case', async ({ query, fails }) => {
      // Prepare
      const { deps } = memoryDeps();
      let reads = 0;
      deps.targets[0]!.status = async () => {
        reads++;
        if (fails) throw new Error('ThrottlingException');
        return { desired: 1, ready: 1, pending: 0, stable: true };
      };

      // Act
      const response = await createApi(deps)(request('GET', '/pools', { query }));

      // Assess
      expect(response.status).toBe(200);
      expect(parse(response.body).pools[0].ready).toBeUndefined();
      expect(reads).toBe(fails ? 1 : 0);
    });
  });

  describe('Route: GET /pools/{id}', () => {
    it('returns the policy, the state without samples and the last decision', async () => {
      // Prepare
      const { deps } = memoryDeps();
      await deps.states.put(
        { poolId: 'bots', version: 1, desired: 2, consecutiveFailures: 0, samples: [{ t: NOW, values: { busy: 2 } }], recommendations: [], lastDecision: decision(NOW) },
        0,
      );
      const api = createApi(deps);

      // Act
      const response = await api(request('GET', '/pools/bots'));

      // Assess
      expect(response.status).toBe(200);
      const body = parse(response.body);
      expect(body.policy.id).toBe('bots');
      expect(body.state.desired).toBe(2);
      expect(body.state.samples).toBeUndefined();
      expect(body.lastDecision.reasons[0].code).toBe('rule.buffer.below_min_free');
    });

    it.each([
      { case: 'an unknown pool', path: '/pools/nope' },
      { case: 'an id that cannot be a pool id', path: '/pools/%20DROP%20TABLE' },
      { case: 'an unknown route', path: '/pool' },
      { case: 'a deeper unknown route', path: '/pools/bots/history/extra' },
    ])('answers 404 for $case', async ({ path }) => {
      // Prepare
      const api = createApi(memoryDeps().deps);

      // Act
      const response = await api(request('GET', path));

      // Assess
      expect(response.status).toBe(404);
      expect(parse(response.body).error).toBe('NotFound');
    });
  });

  describe('Route: GET /pools/{id}/history', () => {
    it('returns decisions newest first with a cursor for the next page', async () => {
      // Prepare
      const { deps } = memoryDeps();
      for (let i = 0; i < 5; i++) await deps.log.append(decision(NOW + i * 1_000));
      const api = createApi(deps);

      // Act
      const first = parse((await api(request('GET', '/pools/bots/history', { query: { limit: '2' } }))).body);
      const second = parse((await api(request('GET', '/pools/bots/history', { query: { limit: '2', before: String(first.next) } }))).body);

      // Assess
      expect(first.decisions.map((d: Decision) => d.at)).toEqual([NOW + 4_000, NOW + 3_000]);
      expect(first.next).toMatch(new RegExp(`^${NOW + 3_000}~`));
      expect(second.decisions.map((d: Decision) => d.at)).toEqual([NOW + 2_000, NOW + 1_000]);
    });

    it('accepts an ISO time for before and defaults the limit to 50', async () => {
      // Prepare
      const { deps } = memoryDeps();
      for (let i = 59; i >= 0; i--) await deps.log.append(decision(NOW - i * 1_000));
      const api = createApi(deps);

      // Act
      const response = await api(request('GET', '/pools/bots/history', { query: { before: new Date(NOW).toISOString() } }));

      // Assess
      const body = parse(response.body);
      expect(response.status).toBe(200);
      expect(body.decisions).toHaveLength(50);
      expect(body.decisions[0].at).toBe(NOW - 1_000);
    });

    it.each([
      { case: 'limit 0', query: { limit: '0' }, field: 'query.limit' },
      { case: 'limit 501', query: { limit: '501' }, field: 'query.limit' },
      { case: 'limit not a number', query: { limit: 'ten' }, field: 'query.limit' },
      { case: 'before not a time', query: { before: 'yesterday' }, field: 'query.before' },
    ])('refuses $case with a 400 naming $field', async ({ query, field }) => {
      // Prepare
      const api = createApi(memoryDeps().deps);

      // Act
      const response = await api(request('GET', '/pools/bots/history', { query }));

      // Assess
      expect(response.status).toBe(400);
      expect(parse(response.body).problems.map((p: { path: string }) => p.path)).toEqual([field]);
    });

    it('answers 404 for the history of an unknown pool', async () => {
      const response = await createApi(memoryDeps().deps)(request('GET', '/pools/ghost/history'));
      expect(response.status).toBe(404);
    });
  });

  describe('Route: POST /pools/{id}/scale', () => {
    it('sets a manual count, applies it at once and records who asked', async () => {
      // Prepare
      const { deps } = memoryDeps();
      const api = createApi(deps);

      // Act
      const response = await api(
        jsonRequest('POST', '/pools/bots/scale', { desired: 7, reason: 'release night', durationSeconds: 600 }, { principal: 'arn:aws:iam::123456789012:user/ops' }),
      );

      // Assess
      expect(response.status).toBe(200);
      const body = parse(response.body);
      expect(body.state.manual).toMatchObject({ desired: 7, reason: 'release night', until: NOW + 600_000, by: 'arn:aws:iam::123456789012:user/ops' });
      expect(body.outcome.acted).toBe(true);
      expect((await deps.targets[0]!.status((await deps.policies.get('bots'))!)).desired).toBe(7);
    });

    it.each([
      { case: 'a missing reason', body: { desired: 3 }, fields: ['reason'] },
      { case: 'an empty reason', body: { desired: 3, reason: '   ' }, fields: ['reason'] },
      { case: 'a reason over 500 characters', body: { desired: 3, reason: 'x'.repeat(501) }, fields: ['reason'] },
      { case: 'a negative count', body: { desired: -1, reason: 'r' }, fields: ['desired'] },
      { case: 'a fractional count', body: { desired: 1.5, reason: 'r' }, fields: ['desired'] },
      { case: 'a count as a string', body: { desired: '3', reason: 'r' }, fields: ['desired'] },
      { case: 'a zero duration', body: { desired: 3, reason: 'r', durationSeconds: 0 }, fields: ['durationSeconds'] },
      { case: 'an unknown field', body: { desired: 3, reason: 'r', desird: 4 }, fields: ['desird'] },
      { case: 'several problems', body: { reason: 5 }, fields: ['desired', 'reason'] },
      { case: 'a count above the pool max', body: { desired: 11, reason: 'r' }, fields: ['desired'] },
      { case: 'an array body', body: [1, 2], fields: ['body'] },
    ])('refuses $case with a 400 naming each field', async ({ body, fields }) => {
      // Prepare
      const api = createApi(memoryDeps().deps);

      // Act
      const response = await api(jsonRequest('POST', '/pools/bots/scale', body));

      // Assess
      expect(response.status).toBe(400);
      const answer = parse(response.body);
      expect(answer.error).toBe('ValidationError');
      expect(answer.problems.map((p: { path: string }) => p.path).sort()).toEqual(fields);
    });

    it('answers 404 when scaling an unknown pool', async () => {
      const response = await createApi(memoryDeps().deps)(jsonRequest('POST', '/pools/ghost/scale', { desired: 1, reason: 'r' }));
      expect(response.status).toBe(404);
    });
  });

  describe('Route: POST /pools/{id}/pause and /resume', () => {
    it('pauses with a reason; resume clears the pause but keeps a manual override, and says so', async () => {
      // Prepare
      const { deps } = memoryDeps();
      const api = createApi(deps);
      await api(jsonRequest('POST', '/pools/bots/scale', { desired: 4, reason: 'incident' }));

      // Act
      const paused = parse((await api(jsonRequest('POST', '/pools/bots/pause', { reason: 'db migration' }, { principal: 'ops' }))).body);
      const resumed = await api(request('POST', '/pools/bots/resume', { headers: { 'content-type': 'application/json' } }));

      // Assess
      expect(paused.state.paused).toMatchObject({ reason: 'db migration', by: 'ops' });
      expect(resumed.status).toBe(200);
      const body = parse(resumed.body);
      expect(body.state.paused).toBeUndefined();
      expect(body.state.manual).toMatchObject({ desired: 4, reason: 'incident' });
      expect(body.resume).toMatchObject({ wasPaused: true, manualCleared: false, manualKept: true });
      expect(body.resume.message).toContain('clearManual');
      const history = parse((await api(request('GET', '/pools/bots/history'))).body);
      expect(history.decisions[0].reasons[0].message).toContain('manual override to 4 stays in force');
    });

    it('resume with {"clearManual": true} ends the manual override too, in the history', async () => {
      // Prepare
      const { deps } = memoryDeps();
      const api = createApi(deps);
      await api(jsonRequest('POST', '/pools/bots/scale', { desired: 4, reason: 'incident' }));

      // Act
      const resumed = await api(jsonRequest('POST', '/pools/bots/resume', { clearManual: true }, { principal: 'ops' }));

      // Assess
      expect(resumed.status).toBe(200);
      const body = parse(resumed.body);
      expect(body.state.manual).toBeUndefined();
      expect(body.resume).toMatchObject({ wasPaused: false, manualCleared: true, manualKept: false });
      const history = parse((await api(request('GET', '/pools/bots/history'))).body);
      expect(history.decisions[0].reasons[0].message).toContain('manual override to 4 cleared');
    });

    it('pauses with an empty body declared as JSON', async () => {
      const response = await createApi(memoryDeps().deps)(request('POST', '/pools/bots/pause', { headers: { 'Content-Type': 'application/json' } }));
      expect(response.status).toBe(200);
      expect(parse(response.body).state.paused.reason).toBe('paused through the API');
    });

    it.each([
      { case: 'pause, no body, no content type', path: '/pools/bots/pause', headers: {}, body: undefined },
      { case: 'resume, no body, no content type', path: '/pools/bots/resume', headers: {}, body: undefined },
      { case: 'pause as a form post', path: '/pools/bots/pause', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' },
      { case: 'resume as a form post with fields', path: '/pools/bots/resume', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'clearManual=true' },
      { case: 'resume as text/plain (a CORS-simple request)', path: '/pools/bots/resume', headers: { 'content-type': 'text/plain' }, body: '{"clearManual":true}' },
      { case: 'scale as multipart', path: '/pools/bots/scale', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '' },
    ])('refuses $case with 400 naming headers.content-type, changing nothing (CSRF)', async ({ path, headers, body }) => {
      // Prepare
      const { deps } = memoryDeps();
      const api = createApi(deps);
      await api(jsonRequest('POST', '/pools/bots/scale', { desired: 4, reason: 'incident' }));
      const before = await deps.states.get('bots');

      // Act
      const response = await api(request('POST', path, { headers, ...(body === undefined ? {} : { body }) }));

      // Assess
      expect(response.status).toBe(400);
      expect(parse(response.body).problems.map((p: { path: string }) => p.path)).toEqual(['headers.content-type']);
      expect(await deps.states.get('bots')).toEqual(before);
    });

    it('refuses fields resume does not know', async () => {
      const response = await createApi(memoryDeps().deps)(jsonRequest('POST', '/pools/bots/resume', { force: true }));
      expect(response.status).toBe(400);
      expect(parse(response.body).problems[0].path).toBe('force');
    });
  });

  describe('Route: DELETE /pools/{id} and a pool created again under its id', () => {
    it('starts the new pool with no history: the deleted one\'s decisions are gone', async () => {
      // Prepare: a pool with a manual scale in its history
      const { deps } = memoryDeps([]);
      const api = createApi(deps);
      const body = { target: { kind: 'none' }, min: 1, max: 5, rules: [{ type: 'buffer', minFree: 1, batch: 1 }] };
      await api(jsonRequest('PUT', '/pools/x1', body));
      expect((await api(jsonRequest('POST', '/pools/x1/scale', { desired: 4, reason: 'old' }))).status).toBe(200);
      expect(parse((await api(request('GET', '/pools/x1/history'))).body).decisions.length).toBeGreaterThan(0);

      // Act
      expect((await api(request('DELETE', '/pools/x1'))).status).toBe(204);
      await api(jsonRequest('PUT', '/pools/x1', body));
      const history = await api(request('GET', '/pools/x1/history'));

      // Assess
      expect(history.status).toBe(200);
      expect(JSON.stringify(parse(history.body))).not.toContain('old');
    });
  });

  describe('Route: PUT /pools/{id} lowering max below a standing manual override', () => {
    it('brings the override within the new bounds, so it does not spring back when they widen', async () => {
      // Prepare: a manual override of 5
      const { deps } = memoryDeps([]);
      const api = createApi(deps);
      const body = (max: number) => ({ target: { kind: 'none' }, min: 1, max, rules: [{ type: 'buffer', minFree: 1, batch: 1 }] });
      await api(jsonRequest('PUT', '/pools/x1', body(8)));
      expect((await api(jsonRequest('POST', '/pools/x1/scale', { desired: 5, reason: 'm' }))).status).toBe(200);

      // Act: max down to 3, then up to 8 again
      expect((await api(jsonRequest('PUT', '/pools/x1', body(3)))).status).toBe(200);
      const lowered = (await deps.states.get('x1'))?.manual?.desired;
      await api(jsonRequest('PUT', '/pools/x1', body(8)));

      // Assess
      expect(lowered).toBe(3);
      expect((await deps.states.get('x1'))?.manual?.desired).toBe(3);
    });
  });

  describe('Route: PUT and DELETE /pools/{id}', () => {
    it('creates a pool from a policy body, expanding durations, and deletes it', async () => {
      // Prepare
      const { deps } = memoryDeps([]);
      const api = createApi(deps);
      const body = { target: { kind: 'ecs', cluster: 'prod', service: 'bots' }, min: 2, max: 20, interval: '30s', rules: [{ type: 'buffer', minFree: 2, batch: 3 }] };

      // Act
      const put = await api(jsonRequest('PUT', '/pools/bots', body));
      const deleted = await api(request('DELETE', '/pools/bots'));
      const after = await api(request('GET', '/pools/bots'));

      // Assess
      expect(put.status).toBe(200);
      expect(parse(put.body).policy).toMatchObject({ id: 'bots', interval: '30s', min: 2, max: 20 });
      expect(deleted.status).toBe(204);
      expect(after.status).toBe(404);
    });

    it('GET then PUT of the same policy changes nothing (durations are shown as written, not in ms)', async () => {
      // Prepare
      const { deps } = memoryDeps([]);
      const api = createApi(deps);
      const body = { target: { kind: 'none' }, min: 1, max: 5, interval: '30s', behaviour: { cooldownUp: '2m', cooldownDown: '10m' }, rules: [{ type: 'steps', up: [{ above: 70, workers: 3 }], upFor: '3m' }] };
      await api(jsonRequest('PUT', '/pools/web', body));
      const stored = await deps.policies.get('web');

      // Act
      const shown = parse((await api(request('GET', '/pools/web'))).body).policy;
      const again = await api(jsonRequest('PUT', '/pools/web', shown));

      // Assess
      expect(again.status).toBe(200);
      expect(await deps.policies.get('web')).toEqual(stored);
      expect(stored).toMatchObject({ interval: 30_000, behaviour: { cooldownUp: 120_000, cooldownDown: 600_000 } });
    });

    it.each([
      { case: 'a body id that differs from the path', body: { id: 'other', target: { kind: 'none' }, min: 1, max: 2 }, field: 'id' },
      { case: 'an ecs target without a service', body: { target: { kind: 'ecs', cluster: 'c' }, min: 1, max: 2 }, field: 'target.service' },
      { case: 'a bad duration', body: { target: { kind: 'none' }, min: 1, max: 2, interval: 'soon' }, field: 'interval' },
      { case: 'a null body', body: null, field: 'body' },
    ])('refuses $case with a 400 naming $field', async ({ body, field }) => {
      // Prepare
      const api = createApi(memoryDeps([]).deps);

      // Act
      const response = await api(jsonRequest('PUT', '/pools/bots', body));

      // Assess
      expect(response.status).toBe(400);
      expect(parse(response.body).problems.map((p: { path: string }) => p.path)).toContain(field);
    });

    it('answers 404 when deleting an unknown pool', async () => {
      const response = await createApi(memoryDeps().deps)(request('DELETE', '/pools/ghost'));
      expect(response.status).toBe(404);
    });
  });

  describe('Errors common to every route', () => {
    it.each([
      { case: 'DELETE on /pools', method: 'DELETE', path: '/pools', allow: 'GET' },
      { case: 'GET on /scale', method: 'GET', path: '/pools/bots/scale', allow: 'POST' },
      { case: 'PATCH on a pool', method: 'PATCH', path: '/pools/bots', allow: 'GET, PUT, DELETE' },
    ])('answers 405 with Allow for $case', async ({ method, path, allow }) => {
      const response = await createApi(memoryDeps().deps)(request(method, path));
      expect(response.status).toBe(405);
      expect(response.headers.allow).toBe(allow);
    });

    it.each([
      { case: 'malformed JSON', headers: { 'content-type': 'application/json' }, body: '{"desired": 3,', field: 'body' },
      { case: 'a text/plain body', headers: { 'content-type': 'text/plain' }, body: '{"desired":3,"reason":"r"}', field: 'headers.content-type' },
      { case: 'no content type', headers: {}, body: '{"desired":3,"reason":"r"}', field: 'headers.content-type' },
    ])('refuses $case with a 400 naming $field', async ({ headers, body, field }) => {
      const response = await createApi(memoryDeps().deps)(request('POST', '/pools/bots/scale', { headers, body }));
      expect(response.status).toBe(400);
      expect(parse(response.body).problems[0].path).toBe(field);
    });

    it('accepts a JSON content type with a charset', async () => {
      const response = await createApi(memoryDeps().deps)(
        request('POST', '/pools/bots/pause', { headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{"reason":"r"}' }),
      );
      expect(response.status).toBe(200);
    });

    it('refuses a body over 256 KiB with 413 naming the body', async () => {
      // Prepare
      const body = JSON.stringify({ desired: 1, reason: 'r', padding: 'x'.repeat(MAX_BODY_BYTES) });

      // Act
      const response = await createApi(memoryDeps().deps)(jsonRequest('POST', '/pools/bots/scale', undefined, { body }));

      // Assess
      expect(response.status).toBe(413);
      expect(parse(response.body).problems[0]).toMatchObject({ path: 'body', value: body.length });
    });

    it('answers 403 when the authorizer refuses, telling it the route and the principal', async () => {
      // Prepare
      const { deps } = memoryDeps();
      const seen: unknown[] = [];
      const api = createApi({ ...deps, authorize: (context) => (seen.push(context), context.method === 'GET') });

      // Act
      const refused = await api(jsonRequest('POST', '/pools/bots/pause', {}, { principal: 'arn:aws:iam::1:user/viewer' }));
      const allowed = await api(request('GET', '/pools/bots'));

      // Assess
      expect(refused.status).toBe(403);
      expect(allowed.status).toBe(200);
      expect(seen[0]).toEqual({ method: 'POST', route: '/pools/{id}/pause', poolId: 'bots', principal: 'arn:aws:iam::1:user/viewer' });
    });

    it('answers 500 with a generic message when a store fails, and reports the error', async () => {
      // Prepare
      const { deps, errors } = memoryDeps();
      deps.policies.list = async () => {
        throw new Error('connection reset by peer 10.0.0.7');
      };

      // Act
      const response = await createApi(deps)(request('GET', '/pools'));

      // Assess
      expect(response.status).toBe(500);
      expect(response.body).not.toContain('10.0.0.7');
      expect(errors).toHaveLength(1);
    });
  });
});
