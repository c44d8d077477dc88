import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayHandler } from '../../relay/createRelayHandler';

export interface RelayServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Serves a relay handler over plain HTTP: for `poolscale up` (local control plane) and tests.
 * In AWS the relay runs behind API Gateway instead.
 */
export async function serveRelay(handler: RelayHandler, options: { host?: string; port?: number } = {}): Promise<RelayServer> {
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const body = await readBody(request);
        const headers: Record<string, string | undefined> = {};
        for (const [key, value] of Object.entries(request.headers)) headers[key] = Array.isArray(value) ? value.join(',') : value;
        const result = await handler({ method: request.method ?? 'GET', path: (request.url ?? '/').split('?')[0]!, headers, body });
        response.writeHead(result.status, result.headers).end(result.body);
      } catch (error) {
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Internal error' }));
        console.error('relay request failed', error);
      }
    })();
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
