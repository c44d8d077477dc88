/**
 * Issue 13 (demo): each stop of the demo left 27-36 jobs in `demo:jobs` for the next run. The
 * load generator now removes, at its stop, the jobs it queued that nobody took, and only those:
 * a user's entries in the same list stay. Real Redis (a throwaway redis-server).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoadGenerator } from '../../shared/local/loadGenerator';
import { type TestRedis, startRedis } from '../support/redis';
import { waitFor } from '../agent/support';

describe('Load generator: what it queued and nobody took is removed at its stop', () => {
  let redis: TestRedis;
  let client: Redis;
  let dir: string;
  let trace: string;

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    dir = mkdtempSync(join(tmpdir(), 'poolscale-load-'));
    // 600 arrivals a minute: at 60x, ~10 jobs per real second.
    trace = join(dir, 'load.csv');
    writeFileSync(trace, 't_seconds,arrivals\n0,600\n60,600\n120,600\n');
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    { case: 'nobody consumes', consumed: 0 },
    { case: 'a consumer took some', consumed: 3 },
  ])('$case: the user\'s entries stay, the generator\'s go', async ({ consumed }) => {
    const queue = `jobs:${consumed}`;
    await client.lpush(queue, 'user-job-1', '{"id":"user-2"}');
    const load = startLoadGenerator({ redisUrl: redis.url, trace, queue, speedup: 60, scale: 1, loop: true });

    await waitFor('the generator to queue 10 jobs', async () => (await client.llen(queue)) >= 12);
    for (let i = 0; i < consumed; i++) await client.lpop(queue); // the newest: the generator's
    const removed = await load.stop();
    const left = await client.lrange(queue, 0, -1);

    expect(left).toEqual(['{"id":"user-2"}', 'user-job-1']);
    expect(removed).toBe(load.pushed() - consumed);
    expect(removed).toBeGreaterThanOrEqual(10 - consumed);
    expect(await load.stop()).toBe(0);
  }, 60_000);

  it('halt stops the pushing; nothing is removed until stop', async () => {
    const queue = 'jobs:halt';
    const load = startLoadGenerator({ redisUrl: redis.url, trace, queue, speedup: 60, scale: 1, loop: true });
    await waitFor('some jobs', async () => (await client.llen(queue)) >= 3);

    load.halt();
    const pushed = load.pushed();
    // Every push the generator made has landed once the length equals its count.
    await waitFor('the last push to land', async () => (await client.llen(queue)) === pushed);
    const afterHalt = await client.llen(queue);
    const removed = await load.stop();

    expect(load.pushed()).toBe(pushed);
    expect(afterHalt).toBe(pushed);
    expect(removed).toBe(pushed);
    expect(await client.llen(queue)).toBe(0);
  }, 60_000);

  it('says how long a pass over the trace takes (the demo banner prints it)', () => {
    // The demo's trace: 180 rows a minute apart, so 3 h of trace, 3 min at 60x.
    const demo = startLoadGenerator({ redisUrl: redis.url, trace: join(import.meta.dirname, '../../examples/demo/load.csv'), queue: 'unused', speedup: 60, scale: 0, loop: true });
    expect(demo.loopSeconds).toBe(180);
    demo.halt();
    return demo.stop().then(() => undefined);
  });
});
