/**
 * The shared API router behind a plain node:http server on 127.0.0.1, for tests that run the
 * CLI as a process against it. `beforeAnswer` runs after the router answered a request and
 * before the answer is sent: a test plays "another writer" there.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../../shared/adapters/memory';
import { createApi, type ApiDeps, type ApiRequest, type ApiResponse } from '../../shared/api';
import { policy } from '../api/support';
import { RecordingTarget } from './recordingTarget';

export interface ApiServer {
  url: string;
  requests: ApiRequest[];
  stop(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** In-memory API deps with one pool `bots` (1..20) whose target runs 2: the CLI process tests' world. */
export function botsApiDeps(): { deps: ApiDeps; target: RecordingTarget } {
  const target = new RecordingTarget({ bots: 2 });
  const deps: ApiDeps = {
    policies: new MemoryPolicyStore([policy({ id: 'bots', min: 1, max: 20 })]),
    states: new MemoryStateStore(),
    log: new MemoryDecisionLog(),
    metrics: [new StaticMetricSource()],
    targets: [target],
    clock: { now: () => Date.now() },
    reportError: () => {},
  };
  return { deps, target };
}

export async function startApiServer(deps: ApiDeps, beforeAnswer?: (request: ApiRequest, response: ApiResponse) => Promise<void>): Promise<ApiServer> {
  const api = createApi(deps);
  const requests: ApiRequest[] = [];
  const server = createServer((incoming, outgoing) => {
    void (async () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const headers = Object.fromEntries(Object.entries(incoming.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
      const request: ApiRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body: await readBody(incoming),
      };
      requests.push(request);
      const response = await api(request);
      await beforeAnswer?.(request, response);
      outgoing.writeHead(response.status, response.headers).end(response.body);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
