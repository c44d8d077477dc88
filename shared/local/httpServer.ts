/**
 * The local HTTP front: the same API handler as the Lambda (same routes and validation), the
 * relay endpoint agents talk to, and the dashboard page. Loopback only by default.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;
export interface Route {
  prefix: string;
  handler: HttpHandler;
}

/** Bodies above this are refused before they are read whole (the API's own limit is lower). */
const MAX_BODY = 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return chunks.length ? Buffer.concat(chunks).toString('utf8') : undefined;
}

/** A request target that is not an origin-form path (`/pools?x=1`) is refused with 400. */
function parseTarget(target: string): URL {
  const refuse = () => Object.assign(new Error(`Bad request target ${JSON.stringify(target.slice(0, 100))}`), { status: 400 });
  // `//host/path` and absolute-form targets would otherwise be read as another host's URL.
  if (!target.startsWith('/') || target.startsWith('//')) throw refuse();
  try {
    return new URL(`http://localhost${target}`);
  } catch {
    throw refuse();
  }
}

export function toHttpRequest(req: IncomingMessage, body: string | undefined): HttpRequest {
  const url = parseTarget(req.url ?? '/');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    ...(body !== undefined ? { body } : {}),
  };
}

export interface LocalServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Routes by path prefix: the first route whose prefix matches handles the request. */
export async function startHttpServer(
  routes: Route[],
  port: number,
  host = '127.0.0.1',
): Promise<LocalServer> {
  const answer = async (req: IncomingMessage): Promise<HttpResponse> => {
    try {
      const request = toHttpRequest(req, await readBody(req));
      const route = routes.find((candidate) => request.path === candidate.prefix || request.path.startsWith(candidate.prefix));
      return route
        ? await route.handler(request)
        : { status: 404, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: 'NotFound', message: `No route for ${request.path}` }) };
    } catch (error) {
      const status = (error as { status?: number }).status ?? 500;
      const known: Record<number, [string, string]> = {
        400: ['BadRequest', (error as Error).message],
        413: ['PayloadTooLarge', 'Request body too large'],
      };
      const [name, message] = known[status] ?? ['InternalError', 'Internal error'];
      return { status: known[status] ? status : 500, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: name, message }) };
    }
  };
  // Nothing a request does may escape this callback: an exception here would end `poolscale up`
  // with the API, the relay and the agent in it.
  const createListener = () => createServer((req: IncomingMessage, res: ServerResponse) => {
    void answer(req)
      .then((response) => {
        res.writeHead(response.status, response.headers);
        res.end(response.body);
      })
      .catch(() => {
        // A response that cannot be written (a bad header from a handler, a closed socket).
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'InternalError', message: 'Internal error' }));
        else res.destroy();
      })
      .catch(() => res.destroy());
  });
  const servers = await listenLoopback(createListener, port, host);
  const address = servers[0]!.address() as AddressInfo;
  return {
    server: servers[0]!,
    url: `http://${host}:${address.port}`,
    close: async () => {
      await Promise.all(
        servers.map(
          (server) =>
            new Promise<void>((resolve) => {
              server.closeAllConnections();
              server.close(() => resolve());
            }),
        ),
      );
    },
  };
}

const listen = (server: Server, port: number, host: string) =>
  new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(error);
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      resolve();
    });
  });

const closeQuietly = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/** How many fresh ports to try when `port` is 0 and another process holds the IPv6 side. */
const PORT_ATTEMPTS = 5;

/**
 * Listens on `host`; for 127.0.0.1, on the IPv6 loopback ::1 at the same port as well. Browsers
 * and clients may resolve `localhost` to ::1 first, and a port free on 127.0.0.1 may be held on
 * ::1 by another user's process, which would then receive the dashboard's token and the CLI's.
 * So ::1 taken is an error (with port 0, another port is tried); only a machine without IPv6
 * (no ::1 to bind, for anyone) is served on 127.0.0.1 alone.
 */
export async function listenLoopback(createListener: () => Server, port: number, host = '127.0.0.1'): Promise<Server[]> {
  for (let attempt = 1; ; attempt += 1) {
    const v4 = createListener();
    await listen(v4, port, host);
    v4.on('error', () => {}); // after listen: a failed accept must not end the process
    if (host !== '127.0.0.1') return [v4];
    const bound = (v4.address() as AddressInfo).port;
    const v6 = createListener();
    try {
      await listen(v6, bound, '::1');
      v6.on('error', () => {});
      return [v4, v6];
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return [v4];
      await closeQuietly(v4);
      if (code === 'EADDRINUSE' && port === 0 && attempt < PORT_ATTEMPTS) continue;
      throw new Error(
        code === 'EADDRINUSE'
          ? `Port ${bound} is free on 127.0.0.1 but taken on ::1 (the IPv6 loopback) by another process, which would receive requests for localhost:${bound}; choose another port`
          : `Cannot listen on [::1]:${bound}: ${(error as Error).message}`,
      );
    }
  }
}
