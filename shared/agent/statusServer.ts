import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from './Agent';

export const CONTROL_TOKEN_HEADER = 'x-poolscale-token';

export interface StatusServer {
  port: number;
  close(): Promise<void>;
}

/**
 * `/status` (JSON), `/metrics` (Prometheus) and `POST /stop` on 127.0.0.1 only. `/stop` needs
 * the control token from the agent's state file (mode 0600), so only the agent's own user
 * (or root) can stop it through this port.
 */
export async function startStatusServer(
  agent: Agent,
  port: number,
  onStop: (options: { stopWorkers: boolean }) => void,
): Promise<StatusServer> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (request.method === 'GET' && url.pathname === '/status') {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(agent.status()));
    } else if (request.method === 'GET' && url.pathname === '/metrics') {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(agent.metricsText());
    } else if (request.method === 'POST' && url.pathname === '/stop') {
      if (request.headers[CONTROL_TOKEN_HEADER] !== agent.controlToken) {
        response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Bad control token' }));
        return;
      }
      const stopWorkers = url.searchParams.get('workers') === '1';
      response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ stopping: true, stopWorkers }));
      onStop({ stopWorkers });
    } else {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Not found' }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
