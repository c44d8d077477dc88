import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RelayHandler } from '../../relay/createRelayHandler';

export interface RelayServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;

/** A request refused before the handler sees it: 400 (malformed target) or 413 (body too large). */
class RefusedRequest extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new RefusedRequest(413, `Body larger than ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RefusedRequest(413, `Body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The path of an origin-form target (`/agent/heartbeat?x`); anything else is a 400. */
function targetPath(target: string): string {
  if (!target.startsWith('/') || target.startsWith('//')) throw new RefusedRequest(400, 'Bad request target');
  try {
    return new URL(`http://relay${target}`).pathname;
  } catch {
    throw new RefusedRequest(400, 'Bad request target');
  }
}

/**
 * Serves a relay handler over plain HTTP: for `poolscale up` (local control plane) and tests.
 * In AWS the relay runs behind API Gateway instead.
 */
export async function serveRelay(handler: RelayHandler, options: { host?: string; port?: number } = {}): Promise<RelayServer> {
  const server = createServer((request, response) => {
    // Nothing a request does may escape: an exception here would end the process serving it.
    void (async () => {
      try {
        const path = targetPath(request.url ?? '/');
        const body = await readBody(request);
        const headers: Record<string, string | undefined> = {};
        for (const [key, value] of Object.entries(request.headers)) headers[key] = Array.isArray(value) ? value.join(',') : value;
        const result = await handler({ method: request.method ?? 'GET', path, headers, body });
        response.writeHead(result.status, result.headers).end(result.body);
      } catch (error) {
        if (response.headersSent) {
          response.destroy();
          return;
        }
        if (error instanceof RefusedRequest) {
          // Close after a refused body: the rest of it is not read.
          response.writeHead(error.status, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify({ error: error.message }));
          return;
        }
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'Internal error' }));
        console.error('relay request failed', error);
      }
    })().catch(() => response.destroy());
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
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
