/**
 * `poolscale dashboard --api URL`: the dashboard of a deployed API (IAM auth) in your browser.
 * A proxy on 127.0.0.1 serves the dashboard page itself and forwards its API calls to URL,
 * signed with SigV4 using your AWS credentials (the SDK's default chain: env, profile, SSO).
 *
 * The proxy holds your credentials' power, so it answers only this user's browser tab:
 * - only the Host names of the address it bound (a DNS-rebinding page gets 403);
 * - no cross-site request (Origin / Sec-Fetch-Site), so another page cannot drive it;
 * - a random token, printed in the address's fragment (never sent to a server): other users of
 *   the machine, who can reach loopback too, get 401.
 * The same guard as `poolscale up` (shared/local/accessGuard.ts).
 */
import { randomBytes } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SignatureV4 } from '@smithy/signature-v4';
import { DASHBOARD_PUBLIC_PATHS, dashboardResponse } from '../../dashboard/page';
import { checkAccess } from '../../local/accessGuard';
import { startHttpServer, type HttpRequest, type HttpResponse } from '../../local/httpServer';
import { executeApiRegion } from '../apiClient';
import { parseCommandArgs } from '../args';
import type { CliIo } from '../io';

export const summary = "Serve a deployed API's dashboard on 127.0.0.1 through a SigV4-signing proxy";

const USAGE = `Usage: poolscale dashboard --api URL [--port N] [--region REGION]

Serves the dashboard on http://127.0.0.1:PORT and forwards its API calls to URL (your
deployed API, e.g. https://abc123.execute-api.eu-west-1.amazonaws.com), signed with SigV4
using your AWS credentials. Open the printed address: it carries a one-time token.

Options:
  --api URL        the deployed API (default $POOLSCALE_API)
  --port N         local port (default 8090; 0 picks a free one)
  --region REGION  region for SigV4 (default from the URL, else $AWS_REGION)`;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

export interface DashboardProxyOptions {
  api: string;
  port?: number;
  region?: string;
  env?: Record<string, string | undefined>;
  /** Default: the SDK's default provider chain. */
  credentials?: () => Promise<Credentials>;
  /** Default: random, 32 bytes. */
  token?: string;
}

export interface DashboardProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The address to open: the dashboard with the token in the fragment. */
  dashboardUrl: string;
  token: string;
  close(): Promise<void>;
}

/** Request headers passed upstream; everything else (cookies, the local token) stays here. */
const FORWARDED_REQUEST_HEADERS = ['accept', 'content-type', 'if-match', 'if-none-match'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'cache-control', 'etag', 'allow', 'retry-after', 'location', 'x-content-type-options'];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE']);

export class DashboardConfigError extends Error {}

export function upstreamBase(api: string): URL {
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new DashboardConfigError(`--api must be the URL of the deployed API (got "${api}")`);
  }
  if (url.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new DashboardConfigError(`--api must be an https:// URL (got "${api}"): signed requests and the answers would cross the network in clear`);
  }
  if (url.search || url.hash) throw new DashboardConfigError(`--api must not carry a query or fragment (got "${api}")`);
  return url;
}

const json = (status: number, error: string, message: string): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify({ error, message }),
});

export async function startDashboardProxy(options: DashboardProxyOptions): Promise<DashboardProxy> {
  const base = upstreamBase(options.api);
  const env = options.env ?? process.env;
  const region = options.region ?? executeApiRegion(base.hostname) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const credentials = options.credentials ?? (() => new CloudWatchClient({ region }).config.credentials());
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 });
  const token = options.token ?? randomBytes(32).toString('base64url');
  const prefix = base.pathname.replace(/\/+$/, '');
  let port = 0;

  const forward = async (request: HttpRequest): Promise<HttpResponse> => {
    if (!METHODS.has(request.method)) return json(405, 'MethodNotAllowed', `${request.method.slice(0, 20)} is not forwarded`);
    const target = new URL(base.href);
    target.pathname = `${prefix}${request.path}`;
    for (const [key, value] of Object.entries(request.query)) target.searchParams.set(key, value);
    const headers: Record<string, string> = { host: target.host };
    for (const name of FORWARDED_REQUEST_HEADERS) if (request.headers[name] !== undefined) headers[name] = request.headers[name]!;
    const body = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD' ? request.body : undefined;
    let signed;
    try {
      signed = await signer.sign({
        method: request.method,
        protocol: target.protocol,
        hostname: target.hostname,
        ...(target.port ? { port: Number(target.port) } : {}),
        path: target.pathname,
        query: Object.fromEntries(target.searchParams),
        headers,
        ...(body !== undefined ? { body } : {}),
      });
    } catch (error) {
      return json(502, 'NoCredentials', `Could not sign the request with your AWS credentials: ${(error as Error).message}`);
    }
    const { host: _host, ...send } = signed.headers as Record<string, string>;
    let response: Response;
    try {
      response = await fetch(target, { method: request.method, headers: send, redirect: 'manual', ...(body !== undefined ? { body } : {}) });
    } catch (error) {
      return json(502, 'BadGateway', `The API at ${base.origin} did not answer: ${(error as Error).message}`);
    }
    const out: Record<string, string> = {};
    for (const name of FORWARDED_RESPONSE_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) out[name] = value;
    }
    return { status: response.status, headers: out, body: await response.text() };
  };

  const handle = async (request: HttpRequest): Promise<HttpResponse> => {
    const refused = checkAccess(request, { port: () => port, token, publicPaths: [...DASHBOARD_PUBLIC_PATHS, '/'] });
    if (refused) return refused;
    if (request.path === '/') return { status: 302, headers: { location: '/dashboard', 'cache-control': 'no-store' }, body: '' };
    // The page, its script and style are served here, from this CLI's own version.
    const page = dashboardResponse(request.path, request.method);
    if (page) return page;
    return forward(request);
  };

  const server = await startHttpServer([{ prefix: '/', handler: handle }], options.port ?? 8090);
  port = Number(new URL(server.url).port);
  return {
    url: server.url,
    dashboardUrl: `${server.url}/dashboard#token=${token}`,
    token,
    close: server.close,
  };
}

const OPTIONS = { api: { type: 'string' }, port: { type: 'string' }, region: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if ('error' in parsed || parsed.positionals.length > 0) {
    io.err(`poolscale dashboard: ${'error' in parsed ? parsed.error : `unexpected argument "${parsed.positionals[0]}"`}\n\n${USAGE}`);
    return 2;
  }
  const { values } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const api = values.api ?? io.env.POOLSCALE_API;
  if (!api) {
    io.err(`poolscale dashboard: --api is required (or set POOLSCALE_API)\n\n${USAGE}`);
    return 2;
  }
  const port = values.port === undefined ? 8090 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    io.err(`poolscale dashboard: --port must be 0..65535 (got "${values.port}")`);
    return 2;
  }
  let proxy: DashboardProxy;
  try {
    proxy = await startDashboardProxy({ api, port, ...(values.region ? { region: values.region } : {}), env: io.env });
  } catch (error) {
    io.err(`poolscale dashboard: ${(error as Error).message}`);
    return error instanceof DashboardConfigError ? 2 : 1;
  }
  io.out(`Dashboard of ${api} (requests signed with your AWS credentials):`);
  io.out(`  ${proxy.dashboardUrl}`);
  io.out('Only this address (with its token) works; Ctrl-C stops the proxy.');
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await proxy.close();
  return 0;
}
