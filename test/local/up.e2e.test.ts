import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestRedis, startRedis } from '../support/redis';

const ROOT = resolve(import.meta.dirname, '../..');

/** Processes whose environment names this pool: the agent's workers. */
function workersOf(poolName: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(`POOLSCALE_POOL=${poolName}`)) pids.push(Number(entry));
    } catch {
      // The process ended or is not ours to read.
    }
  }
  return pids;
}

describe('Command: poolscale up (the npm start demo, end to end)', () => {
  let redis: TestRedis;
  let dir: string;
  let child: ChildProcess | undefined;
  const poolName = `e2e-${process.pid}`;

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'poolscale-e2e-'));
    writeFileSync(
      join(dir, 'agent.yaml'),
      [
        'hostId: local',
        'interval: 1s',
        'statusPort: 0',
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
    writeFileSync(
      join(dir, 'demo.yaml'),
      readFileSync(join(ROOT, 'examples/demo.yaml'), 'utf8').replace('pool: demo-workers', `pool: ${poolName}`),
    );
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('scales the demo pool up under the flash crowd, and Ctrl-C leaves no process behind', async () => {
    // Act: run the demo as `npm start` does, on the test's own Redis and a free port.
    child = spawn(
      process.execPath,
      [join(ROOT, 'bin/poolscale.js'), 'up', '--config', join(dir, 'demo.yaml'), '--agent', join(dir, 'agent.yaml'),
        '--load', join(ROOT, 'examples/demo/load.csv'), '--load-scale', '0.005', '--port', '0', '--in-memory'],
      { cwd: dir, env: { ...process.env, REDIS_URL: redis.url }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));

    // Assess: within a minute of start the pool has scaled up, with real worker processes.
    const deadline = Date.now() + 90_000;
    while (!/demo\s+desired\s+[3-8].*scale_up/.test(output) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(output).toMatch(/demo\s+desired\s+[3-8].*scale_up/);
    expect(workersOf(poolName).length).toBeGreaterThanOrEqual(2);

    // Act: Ctrl-C.
    const exited = new Promise<number | null>((resolveExit) => child!.once('exit', (code) => resolveExit(code)));
    child.kill('SIGINT');
    const code = await exited;

    // Assess: a clean stop, and every worker is gone.
    expect(code).toBe(0);
    expect(output).toContain('poolscale up: stopped');
    expect(workersOf(poolName)).toEqual([]);
    // The banner says the load loops; the jobs it queued that no worker took are gone with it
    // (the next run starts clean), and it says how many it removed when there were any.
    expect(output).toContain('replaying');
    expect(output).toMatch(/the load starts again every 3m \(jobs still queued at the stop are removed\)/);
    const client = new Redis(redis.url);
    try {
      expect(await client.llen('demo:jobs')).toBe(0);
    } finally {
      client.disconnect();
    }
  }, 150_000);

  it('says clearly when Redis is not reachable', async () => {
    const result = await new Promise<{ code: number | null; text: string }>((resolveRun) => {
      const run = spawn(process.execPath, [join(ROOT, 'bin/poolscale.js'), 'up', '--config', join(dir, 'demo.yaml'), '--port', '0', '--in-memory'], {
        cwd: dir,
        env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' },
      });
      let text = '';
      run.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      run.on('exit', (code) => resolveRun({ code, text }));
    });
    expect(result.code).toBe(1);
    expect(result.text).toContain('Redis is not reachable at redis://127.0.0.1:1');
  }, 60_000);
});
