import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from './Agent';

export const CONTROL_TOKEN_HEADER = 'x-poolscale-token';

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

/** Compares a presented token with the expected one in constant time, whatever their lengths. */
export function tokenMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || expected.length === 0) return false;
  const a = Buffer.from(presented, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // timingSafeEqual needs equal lengths: compare against itself on a mismatch so the time
  // taken does not depend on where (or whether) the strings differ.
  const same = a.length === b.length;
  return timingSafeEqual(same ? a : b, b) && same;
}

/** The path of an origin-form request target (`/status?x=1`); undefined for anything else. */
function pathOf(target: string | undefined): URL | undefined {
  if (!target || !target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    return new URL(target, 'http://127.0.0.1');
  } catch {
    return undefined;
  }
}

/**
 * The Host values that name a loopback listener on `port` (a client leaves out the default
 * port 80): what a local server answers to, so that a page whose name a DNS rebinding attack
 * points at 127.0.0.1, and which sends its own name, is refused.
 */
export function loopbackHosts(port: number): string[] {
  return ['127.0.0.1', 'localhost', '[::1]'].flatMap((name) => (port === 80 ? [`${name}:${port}`, name] : [`${name}:${port}`]));
}

const send = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));

/**
 * `/status` (JSON), `/metrics` (Prometheus) and `POST /stop` on 127.0.0.1 only, answering only
 * requests whose Host names loopback and this port (403 otherwise). `/stop` needs
 * the control token from the agent's state file (mode 0600), so only the agent's own user
 * (or root) can stop it through this port. A malformed request target is a 400 and an error
 * inside a handler a 500 for that request only: nothing a client sends can stop the agent.
 */
export async function startStatusServer(
  agent: Agent,
  port: number,
  onStop: (options: { stopWorkers: boolean }) => void,
): Promise<StatusServer> {
  let bound = 0;
  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = pathOf(request.url);
    const host = (request.headers.host ?? '').toLowerCase();
    if (!url) {
      send(response, 400, { error: 'Bad request target' });
    } else if (!loopbackHosts(bound).includes(host)) {
      // A page whose name a DNS rebinding attack points at 127.0.0.1 sends its own name here.
      send(response, 403, { error: `This port answers only to the Host 127.0.0.1:${bound}, localhost:${bound} or [::1]:${bound}` });
    } else if (request.method === 'GET' && url.pathname === '/status') {
      send(response, 200, agent.status());
    } else if (request.method === 'GET' && url.pathname === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(agent.metricsText());
    } else if (request.method === 'POST' && url.pathname === '/stop') {
      if (!tokenMatches(request.headers[CONTROL_TOKEN_HEADER], agent.controlToken)) {
        send(response, 403, { error: 'Bad control token' });
        return;
      }
      const stopWorkers = url.searchParams.get('workers') === '1';
      send(response, 202, { stopping: true, stopWorkers });
      onStop({ stopWorkers });
    } else {
      send(response, 404, { error: 'Not found' });
    }
  };
  const server = createServer((request, response) => {
    try {
      handle(request, response);
    } catch {
      if (!response.headersSent) send(response, 500, { error: 'Internal error' });
      else response.destroy();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.unref();
  bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
