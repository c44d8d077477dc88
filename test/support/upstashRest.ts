import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

/** One HTTP request the shim received, for assertions on round trips. */
export interface ShimRequest {
  method: string;
  path: string;
  /** Commands in the body (1 for `POST /` and path-style, n for `/pipeline`). */
  commands: number;
}

/** An Upstash-REST-compatible endpoint in front of a real Redis, for integration tests. */
export interface UpstashRest {
  /** `http://127.0.0.1:<port>` */
  url: string;
  token: string;
  /** Every request received so far (including refused ones), oldest first. */
  readonly requests: ShimRequest[];
  /** Answer the next `count` requests with HTTP `status` and an `{ error }` body. */
  failNext(count: number, status?: number): void;
  /** Delay every answer by this many milliseconds (0 = none), to provoke client timeouts. */
  delayMs: number;
  stop(): Promise<void>;
}

type Reply = { result: unknown } | { error: string };

/**
 * Starts the shim: `POST /` (one command as a JSON array), `POST /pipeline` and
 * `POST /multi-exec` (arrays of commands), path-style `GET|POST /cmd/arg/...`, Bearer token
 * auth, and `Upstash-Encoding: base64` answers as @upstash/redis expects them (every string
 * base64, numbers and nulls as they are, nested arrays walked; a top-level `OK` left plain).
 *
 * @example
 * const rest = await startUpstashRest({ redisUrl: redis.url, token: 'secret' });
 * afterAll(() => rest.stop());
 */
export async function startUpstashRest(options: { redisUrl: string; token: string }): Promise<UpstashRest> {
  const redis = new Redis(options.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2_000,
    commandTimeout: 5_000,
  });
  redis.on('error', () => {
    // Reported per request as { error }; the listener keeps ioredis from printing them.
  });
  await redis.connect();

  let failures = { remaining: 0, status: 500 };
  const requests: ShimRequest[] = [];

  const run = async (command: unknown[]): Promise<Reply> => {
    const [name, ...args] = command.map(String);
    if (!name) return { error: 'ERR empty command' };
    try {
      return { result: asWire(await redis.call(name, args)) };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  };

  const runMany = async (commands: unknown[][], atomic: boolean): Promise<Reply[]> => {
    if (commands.length === 0) return [];
    const batch = atomic ? redis.multi() : redis.pipeline();
    for (const command of commands) {
      const [name, ...args] = command.map(String);
      batch.call(name ?? '', args);
    }
    try {
      const replies = (await batch.exec()) ?? [];
      return replies.map(([error, result]) => (error ? { error: error.message } : { result: asWire(result) }));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return commands.map(() => ({ error: message }));
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://shim');
    const body = await readBody(request);
    const base64 = String(request.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const send = async (status: number, payload: unknown) => {
      if (shim.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, shim.delayMs));
      if (response.destroyed) return;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    const encode = (reply: Reply): Reply =>
      base64 && 'result' in reply ? { result: encodeTop(reply.result) } : reply;

    const path = url.pathname.replace(/\/+$/, '');
    let parsed: unknown;
    try {
      parsed = body.length > 0 ? JSON.parse(body) : undefined;
    } catch {
      parsed = undefined;
    }
    const entry: ShimRequest = {
      method: request.method ?? 'GET',
      path: url.pathname,
      commands: Array.isArray(parsed) && Array.isArray(parsed[0]) ? parsed.length : 1,
    };
    requests.push(entry);

    if (request.headers.authorization !== `Bearer ${options.token}` && url.searchParams.get('_token') !== options.token) {
      return send(401, { error: 'Unauthorized' });
    }
    if (failures.remaining > 0) {
      failures.remaining -= 1;
      return send(failures.status, { error: `ERR injected failure (HTTP ${failures.status})` });
    }

    if (request.method === 'POST' && (path === '' || path === '/')) {
      if (!Array.isArray(parsed) || parsed.length === 0) return send(400, { error: 'ERR command must be a non-empty JSON array' });
      const reply = await run(parsed);
      return 'error' in reply ? send(400, reply) : send(200, encode(reply));
    }
    if (request.method === 'POST' && (path === '/pipeline' || path === '/multi-exec')) {
      if (!Array.isArray(parsed) || !parsed.every(Array.isArray)) {
        return send(400, { error: 'ERR body must be a JSON array of commands' });
      }
      const replies = await runMany(parsed as unknown[][], path === '/multi-exec');
      return send(200, replies.map(encode));
    }
    // Path style: /get/key, /set/key/value, or POST /set/key with the value as the body.
    const segments = path.split('/').filter(Boolean).map(decodeURIComponent);
    if (segments.length > 0) {
      if (request.method === 'POST' && body.length > 0) segments.push(body);
      const reply = await run(segments);
      return 'error' in reply ? send(400, reply) : send(200, encode(reply));
    }
    return send(404, { error: 'ERR not found' });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const shim: UpstashRest = {
    url: `http://127.0.0.1:${port}`,
    token: options.token,
    requests,
    delayMs: 0,
    failNext(count, status = 500) {
      failures = { remaining: count, status };
    },
    async stop() {
      // Clients keep connections alive; close them or server.close() would wait for them.
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      redis.disconnect();
    },
  };
  return shim;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The client leaves a top-level `OK` as it is and base64-decodes every other string. */
function encodeTop(value: unknown): unknown {
  return value === 'OK' ? value : encodeDeep(value);
}

function encodeDeep(value: unknown): unknown {
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('base64');
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(encodeDeep);
  return value;
}

/**
 * ioredis turns some replies (HGETALL) into objects even through `call`; Redis and Upstash
 * send them as flat `[field, value, ...]` arrays, which is what the client parses.
 */
function asWire(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asWire);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    return Object.entries(value).flatMap(([field, item]) => [field, asWire(item)]);
  }
  return value;
}
