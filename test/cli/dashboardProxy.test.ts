/**
 * `poolscale dashboard --api URL` (issue 10, item 9) as users run it: a process serving the
 * dashboard on 127.0.0.1 and forwarding its API calls to a fake upstream that checks each
 * request's SigV4 Authorization header by signing it again with the same credentials. The
 * proxy refuses foreign Host headers, cross-site requests and callers without its token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upstreamBase } from '../../shared/cli/commands/dashboard';

const CLI = fileURLToPath(new URL('../../bin/poolscale.js', import.meta.url));
const CREDENTIALS = { accessKeyId: 'AKIDDASHBOARDTEST', secretAccessKey: 'dashboard-test-secret-key' };
const REGION = 'eu-west-1';

interface Seen {
  method: string;
  path: string;
  authorization?: string;
  verified: boolean;
  body: string;
}

/** Signs the received request again and compares: true only for a correct SigV4 signature. */
async function verifySigV4(method: string, url: URL, headers: Record<string, string>, body: string): Promise<boolean> {
  const authorization = headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const amzDate = headers['x-amz-date'];
  if (!authorization.startsWith('AWS4-HMAC-SHA256 ') || !amzDate || !signedHeaders.includes('host')) return false;
  // The signer trusts a given x-amz-content-sha256 as the payload hash: it must be the body's.
  const payloadHash = headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== createHash('sha256').update(body).digest('hex')) return false;
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: CREDENTIALS, sha256: Sha256 });
  const again = await signer.sign(
    {
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(signedHeaders.filter((name) => name !== 'x-amz-date').map((name) => [name, headers[name] ?? ''])),
      ...(body ? { body } : {}),
    },
    { signingDate },
  );
  return (again.headers as Record<string, string>).authorization === authorization;
}

/** A raw request with any Host header (fetch would not let us set it). */
function raw(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('Process: poolscale dashboard --api URL', () => {
  let upstream: Server;
  let upstreamPort: number;
  const seen: Seen[] = [];
  let child: ChildProcess;
  let port: number;
  let token: string;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        void (async () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const url = new URL(req.url ?? '/', `http://127.0.0.1:${upstreamPort}`);
          const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
          const verified = await verifySigV4(req.method ?? 'GET', url, headers, body);
          seen.push({ method: req.method ?? 'GET', path: url.pathname + url.search, authorization: headers.authorization, verified, body });
          if (!verified) {
            res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Forbidden' }));
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'upstream=1', etag: '"v7"' }).end(JSON.stringify({ ok: true, path: url.pathname, body: body || null }));
        })();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;

    // The CLI as a process, with credentials in its environment (the SDK's default chain).
    child = spawn(process.execPath, [CLI, 'dashboard', '--api', `http://127.0.0.1:${upstreamPort}/prod`, '--port', '0', '--region', REGION], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_SESSION_TOKEN: '', AWS_PROFILE: '', POOLSCALE_API: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no address printed within 45 s: ${output}`)), 45_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /(http:\/\/127\.0\.0\.1:\d+\/dashboard#token=\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`dashboard exited with ${code}: ${output}`)));
    });
    const url = new URL(address);
    port = Number(url.port);
    token = url.hash.replace('#token=', '');
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  const local = () => ({ host: `127.0.0.1:${port}` });
  const withToken = () => ({ ...local(), authorization: `Bearer ${token}` });

  it('serves the dashboard page itself, with its CSP, without the token', async () => {
    const page = await raw(port, '/dashboard', { headers: local() });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<html');
    expect(String(page.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
  });

  it('forwards API calls under the stage prefix, signed with SigV4 (checked upstream), never the local token', async () => {
    // Act
    const before = seen.length;
    const list = await raw(port, '/pools?status=false', { headers: { ...withToken(), accept: 'application/json' } });
    const scale = await raw(port, '/pools/bots/scale', { method: 'POST', headers: { ...withToken(), 'content-type': 'application/json' }, body: '{"desired":4,"reason":"incident"}' });

    // Assess
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toMatchObject({ ok: true, path: '/prod/pools' });
    expect(scale.status).toBe(200);
    expect(JSON.parse(scale.body)).toMatchObject({ path: '/prod/pools/bots/scale', body: '{"desired":4,"reason":"incident"}' });
    const forwarded = seen.slice(before);
    expect(forwarded.map((s) => [s.method, s.path, s.verified])).toEqual([
      ['GET', '/prod/pools?status=false', true],
      ['POST', '/prod/pools/bots/scale', true],
    ]);
    expect(forwarded.every((s) => s.authorization?.startsWith(`AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/`))).toBe(true);
    expect(forwarded.some((s) => s.authorization?.includes(token))).toBe(false);
    // Upstream cookies do not come back to the browser; the ETag does.
    expect(list.headers['set-cookie']).toBeUndefined();
    expect(list.headers.etag).toBe('"v7"');
  });

  it.each([
    { case: 'a foreign Host (DNS rebinding)', headers: () => ({ host: `rebind.test:${port}`, authorization: `Bearer ${token}` }), status: 403 },
    { case: 'a cross-origin Origin', headers: () => ({ ...withToken(), origin: 'http://evil.test' }), status: 403 },
    { case: 'another loopback port as Origin', headers: () => ({ ...withToken(), origin: 'http://127.0.0.1:1' }), status: 403 },
    { case: 'Sec-Fetch-Site: cross-site', headers: () => ({ ...withToken(), 'sec-fetch-site': 'cross-site' }), status: 403 },
    { case: 'Sec-Fetch-Site: same-site', headers: () => ({ ...withToken(), 'sec-fetch-site': 'same-site' }), status: 403 },
    { case: 'no token (another user of the machine)', headers: () => local(), status: 401 },
    { case: 'a wrong token', headers: () => ({ ...local(), authorization: 'Bearer not-the-token' }), status: 401 },
  ])('refuses $case with $status and forwards nothing', async ({ headers, status }) => {
    const before = seen.length;
    const response = await raw(port, '/pools/bots/pause', { method: 'POST', headers: { ...headers(), 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(status);
    expect(seen.length).toBe(before);
  });

  it('answers a malformed request target with 400 and keeps serving', async () => {
    expect((await raw(port, '//[', { headers: withToken() })).status).toBe(400);
    expect((await raw(port, '/dashboard', { headers: local() })).status).toBe(200);
  });
});

describe('Test helper: verifySigV4 (the fake upstream is not always-accept)', () => {
  it('accepts a correct signature and refuses one for another body or key', async () => {
    const url = new URL('http://127.0.0.1:4000/prod/pools');
    const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: CREDENTIALS, sha256: Sha256 });
    const sign = async (credentials = CREDENTIALS) =>
      (await new SignatureV4({ service: 'execute-api', region: REGION, credentials, sha256: Sha256 }).sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: 4000, path: url.pathname, query: {}, headers: { host: url.host }, body: '{"a":1}' })).headers as Record<string, string>;
    expect(signer).toBeDefined();
    expect(await verifySigV4('POST', url, await sign(), '{"a":1}')).toBe(true);
    expect(await verifySigV4('POST', url, await sign(), '{"a":2}')).toBe(false);
    expect(await verifySigV4('POST', url, await sign({ ...CREDENTIALS, secretAccessKey: 'other' }), '{"a":1}')).toBe(false);
  });
});

describe('Function: upstreamBase', () => {
  it.each([
    { api: 'http://api.example.com', message: /--api must be an https:\/\/ URL \(got "http:\/\/api.example.com"\)/ },
    { api: 'not a url', message: /--api must be the URL of the deployed API \(got "not a url"\)/ },
    { api: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod?x=1', message: /must not carry a query/ },
  ])('refuses $api naming the option and the value', ({ api, message }) => {
    expect(() => upstreamBase(api)).toThrow(message);
  });
});
