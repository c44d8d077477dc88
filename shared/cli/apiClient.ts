/**
 * A small client for the poolscale HTTP API, local or deployed. Requests to a deployed API
 * (an `execute-api` host, or `--sigv4`) are signed with SigV4 using the SDK's default
 * credential chain, as the API's IAM authorizer requires. Requests to `poolscale up` (a loopback
 * URL) carry its bearer token: `POOLSCALE_TOKEN`, or the file `token` in the data folder
 * (`POOLSCALE_DATA`, default `.poolscale/data` under the working directory).
 */
import { resolve } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SignatureV4 } from '@smithy/signature-v4';
import { DEFAULT_DATA_DIR, readToken } from '../local/dataFolder';

export interface ApiClientOptions {
  baseUrl: string;
  /** Sign requests; default: when the host is an execute-api endpoint. */
  sigv4?: boolean;
  region?: string;
  env?: Record<string, string | undefined>;
  /** Credentials for signing; default: the SDK's default provider chain. */
  credentials?: () => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>;
  /** Bearer token of `poolscale up`; default: see `localToken`. */
  token?: string;
  /** Where a relative POOLSCALE_DATA is resolved (default: the process's working directory). */
  cwd?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/**
 * The token to send to `baseUrl` without signing, for a loopback URL only (`poolscale up` listens
 * on loopback alone): POOLSCALE_TOKEN, else the one `up` stored in its data folder. Neither is
 * ever sent to another host.
 */
export function localToken(baseUrl: URL, env: Record<string, string | undefined> = {}, cwd = process.cwd()): string | undefined {
  if (!LOOPBACK_HOSTS.has(baseUrl.hostname)) return undefined;
  if (env.POOLSCALE_TOKEN) return env.POOLSCALE_TOKEN.trim();
  return readToken(resolve(cwd, env.POOLSCALE_DATA || DEFAULT_DATA_DIR));
}

export class ApiError extends Error {
  constructor(
    public readonly status: number,
    public readonly body: unknown,
  ) {
    const detail = body as { message?: string; error?: string; problems?: { path: string; message: string }[] } | undefined;
    const problems = detail?.problems?.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n');
    super(`${status} ${detail?.message ?? detail?.error ?? 'request failed'}${problems ? `\n${problems}` : ''}`);
  }
}

const EXECUTE_API = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The region of an API Gateway endpoint's host name (China's `.amazonaws.com.cn` too), or undefined for any other host. */
export function executeApiRegion(hostname: string): string | undefined {
  return EXECUTE_API.exec(hostname)?.[1];
}

export function createApiClient(options: ApiClientOptions) {
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const regionFromHost = executeApiRegion(base.hostname);
  const sign = options.sigv4 ?? regionFromHost !== undefined;
  const region = options.region ?? regionFromHost ?? options.env?.AWS_REGION ?? options.env?.AWS_DEFAULT_REGION ?? 'us-east-1';
  const credentials = options.credentials ?? (() => new CloudWatchClient({ region }).config.credentials());
  const signer = sign ? new SignatureV4({ service: 'execute-api', region, credentials, sha256: Sha256 }) : undefined;
  // SigV4 uses the Authorization header itself; a bearer token goes only to unsigned requests.
  const token = signer ? undefined : (options.token ?? localToken(base, options.env, options.cwd));

  /** `headers` are extra request headers (If-Match, If-None-Match). */
  return async function request<T = unknown>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    let headers: Record<string, string> = {
      host: url.host,
      accept: 'application/json',
      ...(payload ? { 'content-type': 'application/json' } : {}),
      ...Object.fromEntries(Object.entries(extraHeaders).map(([name, value]) => [name.toLowerCase(), value])),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    if (signer) {
      const signed = await signer.sign({
        method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        ...(payload ? { body: payload } : {}),
      });
      headers = signed.headers as Record<string, string>;
    }
    const { host: _host, ...sendHeaders } = headers;
    const response = await fetch(url, { method, headers: sendHeaders, ...(payload ? { body: payload } : {}) });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // Not JSON (a gateway error page): keep the text.
    }
    if (!response.ok) throw new ApiError(response.status, parsed);
    return parsed as T;
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
