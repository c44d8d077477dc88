/**
 * HTTP API under a bounded loopback load: the local control plane (same router as the API
 * Lambda, in-memory storage, 100 pools with static metrics and a few ticks of history) served
 * in-process, and autocannon with 20 connections for 10 s over GET /pools, GET /pools/{id} and
 * GET /pools/{id}/history. Reports requests/s, latency p50/p99/max and non-2xx responses.
 * Client and server share the process and the machine's cores, so the figure is a floor.
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import type { Bench } from './run';
import { ConfigSchema } from '../shared/domain/policy';
import { startControlPlane } from '../shared/local/controlPlane';

const POOLS = 100;
const DURATION_S = 10;
const CONNECTIONS = 20;

const config = ConfigSchema.parse({
  pools: Array.from({ length: POOLS }, (_, i) => ({
    id: `pool-${String(i).padStart(3, '0')}`,
    target: { kind: 'none' },
    min: 1,
    max: 50,
    interval: '1s',
    metrics: { busy: { source: 'static', value: i % 17 } },
    rules: [{ type: 'buffer', minFree: 2, batch: 3 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
  })),
});

/** The part of autocannon's API used here (the package ships no types). */
interface Request {
  method: string;
  path?: string;
  setupRequest?: (request: { path: string }) => { path: string };
}
interface Histogram {
  p50: number;
  p99: number;
  max: number;
  average: number;
  total: number;
}
interface Result {
  requests: Histogram;
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (
  options: { url: string; connections: number; duration: number; requests: Request[] },
  done: (error: Error | null, result: Result) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function run(url: string, requests: Request[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, requests }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

const bench: Bench = {
  name: 'api',
  description: `local control plane, ${POOLS} pools in memory, autocannon ${CONNECTIONS} connections x ${DURATION_S} s per route mix`,
  async run(log) {
    const plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 3_600_000 });
    try {
      // A few ticks a second apart, so every pool has state and some history to page.
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setTimeout(resolve, 1_050));
        await plane.tick();
      }
      const ids = Array.from({ length: POOLS }, (_, i) => `pool-${String(i).padStart(3, '0')}`);
      let next = 0;
      const pick = () => ids[next++ % ids.length]!;
      const mixes: { name: string; requests: Request[] }[] = [
        { name: 'GET /pools', requests: [{ method: 'GET', path: '/pools' }] },
        { name: 'GET /pools/{id}', requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/pools/${pick()}` }) }] },
        { name: 'GET /pools/{id}/history', requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/pools/${pick()}/history?limit=20` }) }] },
        {
          name: 'mixed (1:1:1)',
          requests: [
            { method: 'GET', path: '/pools' },
            { method: 'GET', setupRequest: (req) => ({ ...req, path: `/pools/${pick()}` }) },
            { method: 'GET', setupRequest: (req) => ({ ...req, path: `/pools/${pick()}/history?limit=20` }) },
          ],
        },
      ];
      for (const path of ['/pools', `/pools/${ids[0]}`, `/pools/${ids[0]}/history?limit=20`]) {
        const response = await fetch(`${plane.url}${path}`);
        log(`GET ${path}: ${response.status}, ${(await response.arrayBuffer()).byteLength} bytes`);
      }
      log(`load average before: ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
      log('| route | requests | req/s (mean) | p50 ms | p99 ms | max ms | non-2xx | errors/timeouts |');
      log('|---|---:|---:|---:|---:|---:|---:|---:|');
      for (const mix of mixes) {
        const result = await run(plane.url, mix.requests);
        log(
          `| ${mix.name} | ${result.requests.total} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${result.non2xx} | ${result.errors}/${result.timeouts} |`,
        );
      }
      log(`load average after: ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
    } finally {
      await plane.stop();
    }
  },
};

export default bench;
