/**
 * Issue 11, finding 1: one malformed request (`GET http://[ HTTP/1.1`, or `<img src=".../[">`
 * on any web page) to the agent's status port threw an uncaught TypeError and `poolscale up`
 * exited with its API, relay and agent, orphaning the workers. Every listener answers 400 now,
 * and `up`, its API, its relay, its agent and the workers are all still there afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROL_TOKEN_HEADER, tokenMatches } from '../../shared/agent/statusServer';
import { type TestRedis, freePort, startRedis } from '../support/redis';
import { ROOT, type UpProcess, rawRequest, startUp, waitFor, workersOf } from './upProcess';

const MALFORMED = [
  { case: 'an absolute-form target with a broken host', line: 'GET http://[ HTTP/1.1' },
  { case: 'a protocol-relative target with a broken host', line: 'GET //[ HTTP/1.1' },
  { case: 'an absolute-form target with a bad port', line: 'GET http://:99999/ HTTP/1.1' },
  { case: 'an absolute-form target with a bad escape', line: 'POST http://%zz/stop HTTP/1.1' },
  { case: 'an asterisk-form target', line: 'OPTIONS * HTTP/1.1' },
];

describe('Security: malformed request targets against `poolscale up` and its agent', () => {
  let redis: TestRedis;
  let dir: string;
  let up: UpProcess;
  let statusPort: number;
  const poolName = `malformed-${process.pid}`;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'poolscale-malformed-'));
    statusPort = await freePort();
    writeFileSync(
      join(dir, 'agent.yaml'),
      [
        'hostId: local',
        'secret: malformed-secret-0123456789abcdef',
        'interval: 1s',
        `statusPort: ${statusPort}`,
        `stateFile: ${join(dir, 'agent.json')}`,
        'gracePeriod: 5s',
        'stopWorkersOnExit: true',
        'pools:',
        `  - name: ${poolName}`,
        '    poolId: demo',
        '    kind: command',
        `    command: [node, ${join(ROOT, 'examples/demo/worker.mjs')}]`,
        '    initialWorkers: 1',
        '    env: { QUEUE: "demo:jobs", SERVICE_MS: "500" }',
        '    queue: { key: "demo:jobs" }',
      ].join('\n'),
    );
    writeFileSync(join(dir, 'demo.yaml'), readFileSync(join(ROOT, 'examples/demo.yaml'), 'utf8').replace('pool: demo-workers', `pool: ${poolName}`));
    up = await startUp(['--config', join(dir, 'demo.yaml'), '--agent', join(dir, 'agent.yaml'), '--in-memory'], { cwd: dir, env: { REDIS_URL: redis.url } });
    await waitFor('the agent status port', async () => (await fetch(`http://127.0.0.1:${statusPort}/status`).catch(() => undefined))?.ok, 60_000);
    await waitFor('a worker', () => workersOf(poolName).length >= 1, 60_000);
  }, 150_000);

  afterAll(async () => {
    await up?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(MALFORMED)('$case: the status port and the API answer 4xx and everything keeps running', async ({ line }) => {
    // Prepare
    const workers = workersOf(poolName);
    const request = `${line}\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`;

    // Act
    const fromAgent = await rawRequest(statusPort, request);
    const fromApi = await rawRequest(up.port, request);

    // Assess: refused (Node's parser may refuse before the handler: 400 too) ...
    for (const status of [fromAgent, fromApi]) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
    // ... and the process, the API, the relay, the agent and the same workers are all there.
    expect(up.alive()).toBe(true);
    expect((await up.api('/health')).status).toBe(200);
    expect((await up.api('/pools')).status).toBe(200);
    const relay = await fetch(`${up.url}/agent/heartbeat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(relay.status).toBe(401); // unsigned: refused by the relay, which is still serving
    expect((await fetch(`http://127.0.0.1:${statusPort}/status`)).status).toBe(200);
    expect(workersOf(poolName)).toEqual(expect.arrayContaining(workers));
  });

  it('the agent still heartbeats to the relay after the malformed requests', async () => {
    const lastSeen = async () => {
      const status = (await (await fetch(`http://127.0.0.1:${statusPort}/status`)).json()) as { lastHeartbeatAt?: number; relay?: { lastSuccessAt?: number } };
      return JSON.stringify(status);
    };
    const before = await lastSeen();
    await waitFor('a new heartbeat', async () => (await lastSeen()) !== before, 30_000);
    expect(up.output()).not.toMatch(/Invalid URL|TypeError/);
  });

  it.each([
    { case: 'the status port', port: () => statusPort, line: 'GET /status HTTP/1.1' },
    { case: 'the relay of up', port: () => up.port, line: 'POST /agent/heartbeat HTTP/1.1' },
  ])('$case refuses a rebound Host (403) and answers its own', async ({ port, line }) => {
    const at = (host: string) => rawRequest(port(), `${line}\r\nHost: ${host}\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`);
    expect(await at(`evil.example:${port()}`)).toBe(403);
    expect(await at(`127.0.0.1:${port()}0`)).toBe(403);
    // The right Host gets past the check: the status, or the relay's refusal of an unsigned heartbeat.
    expect(await at(`127.0.0.1:${port()}`)).toBe(line.startsWith('GET') ? 200 : 401);
  });

  it('/stop refuses a wrong token of any length (403) and keeps the agent running', async () => {
    for (const token of ['', 'x', 'a'.repeat(36), 'a'.repeat(1000)]) {
      const response = await fetch(`http://127.0.0.1:${statusPort}/stop`, { method: 'POST', headers: { [CONTROL_TOKEN_HEADER]: token } });
      expect(response.status).toBe(403);
    }
    expect((await fetch(`http://127.0.0.1:${statusPort}/status`)).status).toBe(200);
  });
});

describe('Function: tokenMatches (constant-time, length-safe)', () => {
  it.each([
    { presented: 'secret-token', expected: 'secret-token', match: true },
    { presented: 'secret-tokeN', expected: 'secret-token', match: false },
    { presented: 'secret', expected: 'secret-token', match: false },
    { presented: 'secret-token-longer', expected: 'secret-token', match: false },
    { presented: '', expected: 'secret-token', match: false },
    { presented: undefined, expected: 'secret-token', match: false },
    { presented: ['secret-token'], expected: 'secret-token', match: false },
    { presented: '', expected: '', match: false },
    { presented: 'é', expected: 'e\u0301', match: false },
  ])('$presented vs $expected -> $match', ({ presented, expected, match }) => {
    expect(tokenMatches(presented, expected)).toBe(match);
  });
});
