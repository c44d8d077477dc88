/**
 * The local API's access rules (shared/local/accessGuard.ts) as a table, and over real HTTP
 * (Node's http client can send any Host, which fetch cannot).
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccess } from '../../shared/local/accessGuard';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { type HttpRequest, startHttpServer } from '../../shared/local/httpServer';
import { botsConfig } from '../support/botsConfig';

const PORT = 8123;
const TOKEN = 'guard-token-0123456789abcdef';
const req = (headers: Record<string, string>, path = '/pools', method = 'GET'): HttpRequest => ({ method, path, query: {}, headers });
const ok = { host: `127.0.0.1:${PORT}`, authorization: `Bearer ${TOKEN}` };

describe('Function: checkAccess', () => {
  it.each<{ case: string; headers: Record<string, string>; status: number | undefined }>([
    { case: 'the bound address with the token', headers: ok, status: undefined },
    { case: 'localhost:PORT', headers: { ...ok, host: `localhost:${PORT}` }, status: undefined },
    { case: '[::1]:PORT', headers: { ...ok, host: `[::1]:${PORT}` }, status: undefined },
    { case: 'Host in capitals', headers: { ...ok, host: `LOCALHOST:${PORT}` }, status: undefined },
    { case: 'same-origin browser request', headers: { ...ok, origin: `http://127.0.0.1:${PORT}`, 'sec-fetch-site': 'same-origin' }, status: undefined },
    { case: 'typed in the address bar', headers: { ...ok, 'sec-fetch-site': 'none' }, status: undefined },
    { case: 'a rebound name', headers: { ...ok, host: `rebind.test:${PORT}` }, status: 403 },
    { case: 'the right name, another port', headers: { ...ok, host: `127.0.0.1:${PORT + 1}` }, status: 403 },
    { case: 'no port', headers: { ...ok, host: '127.0.0.1' }, status: 403 },
    { case: 'no Host', headers: { authorization: ok.authorization }, status: 403 },
    { case: '0.0.0.0:PORT', headers: { ...ok, host: `0.0.0.0:${PORT}` }, status: 403 },
    { case: 'a suffix trick', headers: { ...ok, host: `127.0.0.1:${PORT}.evil.example` }, status: 403 },
    { case: 'Origin of another port', headers: { ...ok, origin: `http://127.0.0.1:${PORT + 1}` }, status: 403 },
    { case: 'Origin null (sandboxed frame, file:)', headers: { ...ok, origin: 'null' }, status: 403 },
    { case: 'Origin https of the same host', headers: { ...ok, origin: `https://127.0.0.1:${PORT}` }, status: 403 },
    { case: 'Sec-Fetch-Site cross-site', headers: { ...ok, 'sec-fetch-site': 'cross-site' }, status: 403 },
    { case: 'Sec-Fetch-Site same-site (another loopback port)', headers: { ...ok, 'sec-fetch-site': 'same-site' }, status: 403 },
    { case: 'no token', headers: { host: ok.host }, status: 401 },
    { case: 'a wrong token', headers: { ...ok, authorization: `Bearer ${TOKEN}x` }, status: 401 },
    { case: 'the token without "Bearer"', headers: { ...ok, authorization: TOKEN }, status: 401 },
    { case: 'a Basic header', headers: { ...ok, authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, status: 401 },
  ])('$case -> $status', ({ headers, status }) => {
    expect(checkAccess(req(headers), { port: () => PORT, token: TOKEN })?.status).toBe(status);
  });

  it.each([
    { host: 'localhost', port: 80, allowed: true },
    { host: '127.0.0.1', port: 80, allowed: true },
    { host: 'localhost', port: PORT, allowed: false },
  ])('Host $host without a port on port $port (a client leaves out :80): allowed $allowed', ({ host, port, allowed }) => {
    const refused = checkAccess(req({ host, authorization: ok.authorization }), { port: () => port, token: TOKEN });
    expect(refused === undefined).toBe(allowed);
  });

  it.each(['/health', '/dashboard', '/dashboard/app.js'])('%s needs no token but still the Host', (path) => {
    const options = { port: () => PORT, token: TOKEN, publicPaths: ['/health', '/dashboard', '/dashboard/app.js'] };
    expect(checkAccess(req({ host: ok.host }, path), options)).toBeUndefined();
    expect(checkAccess(req({ host: `rebind.test:${PORT}` }, path), options)?.status).toBe(403);
  });
});

describe('Local API over HTTP: Host, token, relay', () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startControlPlane({ config: botsConfig(), port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 3_600_000, token: TOKEN });
  });
  afterAll(async () => {
    await plane.stop();
  });

  const get = (path: string, headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const url = new URL(plane.url);
      const request = httpRequest({ host: url.hostname, port: url.port, path, headers, setHost: false }, (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode!, body }));
      });
      request.on('error', reject);
      request.end();
    });

  it.each([
    { case: 'bound Host and token', headers: () => ({ host: new URL(plane.url).host, authorization: `Bearer ${TOKEN}` }), status: 200 },
    { case: 'a rebound Host with the token', headers: () => ({ host: `rebind.test:${new URL(plane.url).port}`, authorization: `Bearer ${TOKEN}` }), status: 403 },
    { case: 'bound Host without the token', headers: () => ({ host: new URL(plane.url).host }), status: 401 },
  ])('/pools: $case -> $status', async ({ headers, status }) => {
    const response = await get('/pools', headers());
    expect(response.status).toBe(status);
    if (status !== 200) expect(response.body).not.toContain('bots');
  });

  it('/health answers without the token', async () => {
    expect((await get('/health', { host: new URL(plane.url).host })).status).toBe(200);
  });

  it('the same server answers on [::1] at the same port (no other process can hold it there)', async () => {
    const port = new URL(plane.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest({ host: '::1', port, path: '/pools', headers: { host: `[::1]:${port}`, authorization: `Bearer ${TOKEN}` }, setHost: false }, (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(200);
  });
});

describe('Function: startHttpServer on a port another process holds on ::1', () => {
  it('refuses to start, naming ::1, instead of leaving localhost to that process', async () => {
    // Prepare: another "user" listens on [::1]:P, with P free on 127.0.0.1
    const squatter = createServer((_request, response) => response.end('squatter'));
    await new Promise<void>((resolve) => squatter.listen(0, '::1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      // Act and assess
      await expect(startHttpServer([{ prefix: '/', handler: async () => ({ status: 200, headers: {}, body: 'ok' }) }], port)).rejects.toThrow(/taken on ::1/);
      // ... and 127.0.0.1:P was let go, not left half-bound.
      const probe = createServer();
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject);
        probe.listen(port, '127.0.0.1', resolve);
      });
      await new Promise<void>((resolve) => probe.close(() => resolve()));
    } finally {
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
    }
  });
});
