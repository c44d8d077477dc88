/**
 * The host routes (issue 10, item 9) as a router sees them: client errors are answered by the
 * routes themselves (400/404/405/409/413/501, naming the field), secrets appear only in the
 * answers of enrolment and rotation, and ids that are not host ids never reach the store.
 */
import { describe, expect, it } from 'vitest';
import { MemoryAgentStore } from '../../shared/adapters/memory';
import type { ApiRequest } from '../../shared/api';
import { hostRoutes } from '../../shared/api/hostRoutes';
import { StorageError } from '../../shared/domain/errors';
import { hostApi } from './hostApi';

const JSON_TYPE = { 'content-type': 'application/json' };
const req = (method: string, path: string, body?: unknown, headers: Record<string, string> = JSON_TYPE): ApiRequest => ({
  method,
  path,
  query: {},
  headers,
  ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
});

function world() {
  const agents = new MemoryAgentStore(() => 1_000);
  const reported: unknown[] = [];
  const api = hostApi(agents, (error) => reported.push(error));
  const call = async (request: ApiRequest) => {
    const response = await api(request);
    return { ...response, json: response.body ? (JSON.parse(response.body) as Record<string, any>) : undefined };
  };
  return { agents, call, reported };
}

describe('Module: hostRoutes', () => {
  it('enrols a host (201, the secret once), shows and lists it without the secret', async () => {
    // Prepare
    const { call, agents } = world();

    // Act
    const added = await call(req('POST', '/hosts', { hostId: 'r620-01', poolIds: ['celery', 'celery', 'web'] }));
    const shown = await call(req('GET', '/hosts/r620-01'));
    const listed = await call(req('GET', '/hosts'));

    // Assess
    expect(added.status).toBe(201);
    expect(added.headers.location).toBe('/hosts/r620-01');
    expect(added.json).toMatchObject({ host: { hostId: 'r620-01', poolIds: ['celery', 'web'], createdAt: 1_000 }, secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await agents.get('r620-01'))?.secret).toBe(added.json!.secret);
    expect(shown.status).toBe(200);
    expect(listed.json!.hosts.map((h: { hostId: string }) => h.hostId)).toEqual(['r620-01']);
    for (const body of [shown.body, listed.body]) {
      expect(body).not.toContain(added.json!.secret);
      expect(body).not.toMatch(/"secret"/);
    }
  });

  it('rotates the secret: a new one, returned once, stored; its date recorded', async () => {
    const { call, agents } = world();
    const added = await call(req('POST', '/hosts', { hostId: 'r620-01' }));
    const rotated = await call(req('POST', '/hosts/r620-01/rotate-secret'));
    expect(rotated.status).toBe(200);
    expect(rotated.json!.secret).not.toBe(added.json!.secret);
    expect((await agents.get('r620-01'))?.secret).toBe(rotated.json!.secret);
    expect(rotated.json!.host).not.toHaveProperty('secret');
  });

  it.each([
    { case: 'a host id with "#"', body: { hostId: 'nonce#r620#x' }, path: 'hostId', message: /host id must be 1-128 characters.*"nonce#r620#x"/ },
    { case: 'an empty host id', body: { hostId: '' }, path: 'hostId', message: /host id must be/ },
    { case: 'a host id that is not a string', body: { hostId: 7 }, path: 'hostId', message: /string/ },
    { case: 'a bad pool id', body: { hostId: 'r620', poolIds: ['Bad Pool'] }, path: 'poolIds.0', message: /must be a pool id/ },
    { case: 'an unknown field', body: { hostId: 'r620', secret: 'mine' }, path: 'body', message: /secret/ },
    { case: 'a body that is not an object', body: [1], path: 'body', message: /object/ },
  ])('POST /hosts with $case: 400 naming $path, nothing created', async ({ body, path, message }) => {
    const { call, agents } = world();
    const response = await call(req('POST', '/hosts', body));
    expect(response.status).toBe(400);
    const problem = response.json!.problems.find((p: { path: string }) => p.path === path);
    expect(problem?.message ?? JSON.stringify(response.json)).toMatch(message);
    expect(await agents.list()).toEqual([]);
  });

  it.each([
    { case: 'no content type', request: req('POST', '/hosts', { hostId: 'r620' }, {}), status: 400, field: 'headers.content-type' },
    { case: 'a form content type (CSRF)', request: req('POST', '/hosts', 'hostId=r620', { 'content-type': 'application/x-www-form-urlencoded' }), status: 400, field: 'headers.content-type' },
    { case: 'malformed JSON', request: req('POST', '/hosts', '{', JSON_TYPE), status: 400, field: 'body' },
    { case: 'a 300 KB body', request: req('POST', '/hosts', `{"hostId":"${'a'.repeat(300_000)}"}`), status: 413, field: 'body' },
    { case: 'malformed percent-encoding', request: req('GET', '/hosts/%E0%A4%A'), status: 400, field: 'path.id' },
  ])('$case: $status naming $field', async ({ request, status, field }) => {
    const { call } = world();
    const response = await call(request);
    expect(response.status).toBe(status);
    expect(response.json!.problems.map((p: { path: string }) => p.path)).toContain(field);
  });

  it.each([
    { request: req('GET', '/hosts/nobody'), status: 404 },
    { request: req('GET', `/hosts/${encodeURIComponent('nonce#r620-01#abc')}`), status: 404 },
    { request: req('GET', '/hosts/__proto__'), status: 404 },
    { request: req('DELETE', '/hosts/nobody'), status: 404 },
    { request: req('POST', '/hosts/nobody/rotate-secret'), status: 404 },
    { request: req('PUT', '/hosts/r620'), status: 405 },
    { request: req('DELETE', '/hosts'), status: 405 },
  ])('$request.method $request.path: $status', async ({ request, status }) => {
    const { call } = world();
    expect((await call(request)).status).toBe(status);
  });

  it('a second enrolment of the same host is 409 and keeps the first secret', async () => {
    const { call, agents } = world();
    const first = await call(req('POST', '/hosts', { hostId: 'r620' }));
    const second = await call(req('POST', '/hosts', { hostId: 'r620' }));
    expect(second.status).toBe(409);
    expect(second.json!.message).toContain('already enrolled; use rotate-secret');
    expect((await agents.get('r620'))?.secret).toBe(first.json!.secret);
  });

  it('without an agent store: 501 saying so; a store failure: 500, reported, its message not shown', async () => {
    const bare = hostApi(undefined);
    expect((await bare(req('GET', '/hosts'))).status).toBe(501);
    expect((await bare(req('GET', '/pools'))).status).toBe(200);

    const { agents, call, reported } = world();
    agents.list = async () => {
      throw new StorageError('table gone');
    };
    const response = await call(req('GET', '/hosts'));
    expect(response.status).toBe(500);
    expect(response.body).not.toContain('table gone');
    expect(reported).toHaveLength(1);
  });

  it('exports createApi routes: template and per-method handlers', () => {
    expect(hostRoutes.map((route) => [route.template, Object.keys(route.methods)])).toEqual([
      ['/hosts', ['GET', 'POST']],
      ['/hosts/{id}', ['GET', 'DELETE']],
      ['/hosts/{id}/rotate-secret', ['POST']],
    ]);
  });
});
