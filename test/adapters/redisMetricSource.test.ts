import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MetricSpec } from '../../shared/domain/policy';
import { isSample, type MetricReading } from '../../shared/domain/types';
import type { MetricRequest } from '../../shared/ports/MetricSource';
import { ioredisRunner } from '../../shared/adapters/redis/ioredisRunner';
import type { RedisCommandRunner } from '../../shared/adapters/redis/RedisCommandRunner';
import { RedisMetricSource } from '../../shared/adapters/redis/RedisMetricSource';
import { upstashRunner } from '../../shared/adapters/redis/upstashRunner';
import { freePort, startRedis, type TestRedis } from '../support/redis';
import { startUpstashRest, type UpstashRest } from '../support/upstashRest';

type RedisSpec = Extract<MetricSpec, { source: 'redis' }>;

const NOW = 1_700_000_000_000;
const TOKEN = 'test-token';

const request = (id: string, spec: RedisSpec): MetricRequest => ({ id, poolId: id.split('/')[0] ?? id, name: id, spec });

const valueOf = (reading: MetricReading | undefined): number => {
  if (!isSample(reading)) throw new Error(`expected a sample, got ${JSON.stringify(reading)}`);
  return reading.value;
};
const errorOf = (reading: MetricReading | undefined): string => {
  if (reading === undefined || isSample(reading)) throw new Error(`expected a failure, got ${JSON.stringify(reading)}`);
  return reading.error;
};

let redis: TestRedis;
let rest: UpstashRest;
let admin: Redis;
const runners: RedisCommandRunner[] = [];

beforeAll(async () => {
  redis = await startRedis();
  rest = await startUpstashRest({ redisUrl: redis.url, token: TOKEN });
  admin = new Redis(redis.url);
});

afterAll(async () => {
  await Promise.all(runners.map((runner) => runner.close()));
  admin.disconnect();
  await rest?.stop();
  await redis?.stop();
});

/** Both clients, over the same server, so every behaviour is checked for TCP and REST alike. */
const clients = [
  {
    case: 'ioredis (TCP)',
    httpRequestsPerRead: 0,
    make: (options: { timeoutMs?: number } = {}) => track(ioredisRunner(redis.url, options)),
  },
  {
    case: 'Upstash REST',
    httpRequestsPerRead: 1,
    make: (options: { timeoutMs?: number } = {}) => track(upstashRunner({ url: rest.url, token: TOKEN, ...options })),
  },
];
function track(runner: RedisCommandRunner): RedisCommandRunner {
  runners.push(runner);
  return runner;
}

describe.each(clients)('Class: RedisMetricSource over $case', ({ make, httpRequestsPerRead }) => {
  let source: RedisMetricSource;

  beforeEach(async () => {
    await admin.flushall();
    rest.delayMs = 0;
    rest.failNext(0);
    source = new RedisMetricSource(make());
  });

  describe('Method: read', () => {
    it('counts the seed 000 bot pool: 8 of 10 bot_status keys ACTIVE, 2 WAITING', async () => {
      // Prepare
      for (let bot = 1; bot <= 10; bot++) await admin.set(`bot_status:bot-${bot}`, bot <= 8 ? 'ACTIVE' : 'WAITING');
      await admin.set('other:bot-1', 'ACTIVE');

      // Act
      const readings = await source.read(
        [
          request('bots/busy', { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' }),
          request('bots/free', { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: ['WAITING'] }),
          request('bots/total', { source: 'redis', type: 'count_keys', pattern: 'bot_status:*' }),
          request('bots/either', { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: ['WAITING', 'ACTIVE'] }),
        ],
        NOW,
      );

      // Assess
      expect(valueOf(readings.get('bots/busy'))).toBe(8);
      expect(valueOf(readings.get('bots/free'))).toBe(2);
      expect(valueOf(readings.get('bots/total'))).toBe(10);
      expect(valueOf(readings.get('bots/either'))).toBe(10);
      expect(readings.get('bots/busy')).toEqual({ value: 8, at: NOW });
    });

    it('counts hash fields when `field` is given, skipping keys of another type', async () => {
      // Prepare
      for (let bot = 1; bot <= 10; bot++) {
        await admin.hset(`bot:${bot}`, { status: bot <= 8 ? 'ACTIVE' : 'WAITING', host: `h${bot}` });
      }
      await admin.set('bot:stray', 'ACTIVE');
      await admin.rpush('bot:list', 'ACTIVE');

      // Act
      const readings = await source.read(
        [
          request('bots/busy', { source: 'redis', type: 'count_keys', pattern: 'bot:*', field: 'status', equals: 'ACTIVE' }),
          request('bots/free', { source: 'redis', type: 'count_keys', pattern: 'bot:*', field: 'status', equals: 'WAITING' }),
          request('bots/with-status', { source: 'redis', type: 'count_keys', pattern: 'bot:*', field: 'status' }),
          request('bots/string-active', { source: 'redis', type: 'count_keys', pattern: 'bot:*', equals: 'ACTIVE' }),
        ],
        NOW,
      );

      // Assess
      expect(valueOf(readings.get('bots/busy'))).toBe(8);
      expect(valueOf(readings.get('bots/free'))).toBe(2);
      expect(valueOf(readings.get('bots/with-status'))).toBe(10);
      expect(valueOf(readings.get('bots/string-active'))).toBe(1);
    });

    it('counts `[...]` class patterns with their own SCAN next to the batched ones', async () => {
      // Prepare
      for (const pool of ['a', 'b', 'c']) await admin.set(`bot_${pool}:1`, 'ACTIVE');
      await admin.set('bot_a:2', 'WAITING');

      // Act
      const readings = await source.read(
        [
          request('ab/busy', { source: 'redis', type: 'count_keys', pattern: 'bot_[ab]:*', equals: 'ACTIVE' }),
          request('not-c/all', { source: 'redis', type: 'count_keys', pattern: 'bot_[^c]:*' }),
          request('all/busy', { source: 'redis', type: 'count_keys', pattern: 'bot_*', equals: 'ACTIVE' }),
          request('a/free', { source: 'redis', type: 'count_keys', pattern: 'bot_a:?', equals: 'WAITING' }),
        ],
        NOW,
      );

      // Assess
      expect(valueOf(readings.get('ab/busy'))).toBe(2);
      expect(valueOf(readings.get('not-c/all'))).toBe(3);
      expect(valueOf(readings.get('all/busy'))).toBe(3);
      expect(valueOf(readings.get('a/free'))).toBe(1);
      expect(source.stats).toMatchObject({ roundTrips: 1, commands: 3 });
    });

    it('matches keys exactly as Redis SCAN MATCH does, for any keys and `*`/`?`/escape globs (property)', async () => {
      const char = fc.constantFrom('a', 'b', ':', '.', '%', '-', '*', '?', 'é', '(');
      const keyArbitrary = fc.array(char, { minLength: 1, maxLength: 6 }).map((chars) => chars.join(''));
      const token = fc.oneof(char.filter((c) => c !== '*' && c !== '?'), fc.constantFrom('*', '?'), char.map((c) => `\\${c}`));
      const globArbitrary = fc.array(token, { minLength: 1, maxLength: 5 }).map((tokens) => tokens.join(''));
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(keyArbitrary, { maxLength: 25 }),
          fc.uniqueArray(globArbitrary, { minLength: 1, maxLength: 4 }),
          async (keys, globs) => {
            // Prepare
            await admin.flushall();
            if (keys.length > 0) await admin.mset(...keys.flatMap((key) => [key, 'v']));
            const expected: number[] = [];
            for (const glob of globs) {
              let cursor = '0';
              let count = 0;
              do {
                const [next, found] = await admin.scan(cursor, 'MATCH', glob, 'COUNT', 1000);
                cursor = next;
                count += found.length;
              } while (cursor !== '0');
              expected.push(count);
            }

            // Act
            const readings = await source.read(
              globs.map((pattern, i) => request(`g${i}`, { source: 'redis', type: 'count_keys', pattern })),
              NOW,
            );

            // Assess
            expect(globs.map((_, i) => valueOf(readings.get(`g${i}`)))).toEqual(expected);
          },
        ),
        { numRuns: 40 },
      );
    });

    it('counts across more keys than one SCAN step returns', async () => {
      // Prepare
      const pipeline = admin.pipeline();
      for (let i = 0; i < 2_500; i++) pipeline.set(`job:${i}`, i % 5 === 0 ? 'RUNNING' : 'DONE');
      await pipeline.exec();

      // Act
      const readings = await source.read(
        [request('jobs/running', { source: 'redis', type: 'count_keys', pattern: 'job:*', equals: 'RUNNING' })],
        NOW,
      );

      // Assess
      expect(valueOf(readings.get('jobs/running'))).toBe(500);
    });

    it('reads a Celery queue length with LLEN, and 0 for a queue that does not exist', async () => {
      // Prepare
      await admin.rpush('celery', ...Array.from({ length: 42 }, (_, i) => `task-${i}`));

      // Act
      const readings = await source.read(
        [
          request('workers/queue', { source: 'redis', type: 'list_length', key: 'celery' }),
          request('workers/empty', { source: 'redis', type: 'list_length', key: 'celery.priority' }),
        ],
        NOW,
      );

      // Assess
      expect(readings.get('workers/queue')).toEqual({ value: 42, at: NOW });
      expect(readings.get('workers/empty')).toEqual({ value: 0, at: NOW });
    });

    it.each([
      { case: 'an integer', stored: '17', expected: 17 },
      { case: 'a float', stored: '0.75', expected: 0.75 },
      { case: 'a negative number with spaces', stored: ' -3 ', expected: -3 },
    ])('reads `number` from a string key holding $case', async ({ stored, expected }) => {
      // Prepare
      await admin.set('pool:load', stored);

      // Act
      const readings = await source.read([request('p/load', { source: 'redis', type: 'number', key: 'pool:load' })], NOW);

      // Assess
      expect(readings.get('p/load')).toEqual({ value: expected, at: NOW });
    });

    it('reads `hash_field` from a hash', async () => {
      // Prepare
      await admin.hset('pool:stats', { busy: '6', free: '4' });

      // Act
      const readings = await source.read(
        [
          request('p/busy', { source: 'redis', type: 'hash_field', key: 'pool:stats', field: 'busy' }),
          request('p/free', { source: 'redis', type: 'hash_field', key: 'pool:stats', field: 'free' }),
        ],
        NOW,
      );

      // Assess
      expect(valueOf(readings.get('p/busy'))).toBe(6);
      expect(valueOf(readings.get('p/free'))).toBe(4);
    });

    it.each([
      { case: 'a missing key for `number`', spec: { source: 'redis', type: 'number', key: 'nope' }, message: /GET nope.*nope does not exist/ },
      { case: 'a missing hash field', spec: { source: 'redis', type: 'hash_field', key: 'h', field: 'zz' }, message: /HGET h zz.*no field zz/ },
      { case: 'a non-numeric value', spec: { source: 'redis', type: 'number', key: 'word' }, message: /GET word.*"banana" is not a number/ },
      { case: 'WRONGTYPE for LLEN', spec: { source: 'redis', type: 'list_length', key: 'word' }, message: /LLEN word.*WRONGTYPE/ },
      { case: 'WRONGTYPE for GET', spec: { source: 'redis', type: 'number', key: 'queue' }, message: /GET queue.*WRONGTYPE/ },
      { case: 'WRONGTYPE for HGET', spec: { source: 'redis', type: 'hash_field', key: 'queue', field: 'x' }, message: /HGET queue x.*WRONGTYPE/ },
    ] satisfies { case: string; spec: RedisSpec; message: RegExp }[])(
      'reports $case as a MetricFailure naming the key, without failing the others',
      async ({ spec, message }) => {
        // Prepare
        await admin.hset('h', { a: '1' });
        await admin.set('word', 'banana');
        await admin.rpush('queue', 'x', 'y');

        // Act
        const readings = await source.read(
          [request('p/bad', spec), request('p/good', { source: 'redis', type: 'list_length', key: 'queue' })],
          NOW,
        );

        // Assess
        expect(errorOf(readings.get('p/bad'))).toMatch(message);
        expect(readings.get('p/bad')).toMatchObject({ at: NOW });
        expect(readings.get('p/good')).toEqual({ value: 2, at: NOW });
      },
    );

    it('sends the requests of 100 pools as one pipeline, one command per distinct question', async () => {
      // Prepare
      for (let pool = 0; pool < 100; pool++) await admin.rpush(`queue:${pool}`, ...Array.from({ length: pool + 1 }, () => 't'));
      await admin.set('bot_status:a', 'ACTIVE');
      const requests = Array.from({ length: 100 }, (_, pool) => [
        request(`pool-${pool}/queue`, { source: 'redis', type: 'list_length', key: `queue:${pool}` }),
        // Every pool shares the same bot question: it must be asked once.
        request(`pool-${pool}/busy`, { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' }),
      ]).flat();
      const httpBefore = rest.requests.length;

      // Act
      const readings = await source.read(requests, NOW);

      // Assess
      expect(source.stats.roundTrips).toBe(1);
      expect(source.stats.commands).toBe(101);
      expect(readings.size).toBe(200);
      expect(valueOf(readings.get('pool-41/queue'))).toBe(42);
      expect(valueOf(readings.get('pool-99/busy'))).toBe(1);
      const http = rest.requests.slice(httpBefore);
      // The shim only sees Upstash traffic: one POST /pipeline for REST, nothing for TCP.
      expect(http).toEqual(
        Array.from({ length: httpRequestsPerRead }, () => ({ method: 'POST', path: '/pipeline', commands: 101 })),
      );
    });

    it('agrees with a direct count for any mix of bot states (property)', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.constantFrom('ACTIVE', 'WAITING', 'STOPPING'), { maxLength: 40 }), async (states) => {
          // Prepare
          await admin.flushall();
          if (states.length > 0) await admin.mset(...states.flatMap((state, i) => [`bot_status:bot-${i}`, state]));

          // Act
          const readings = await source.read(
            [request('bots/busy', { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' })],
            NOW,
          );

          // Assess
          expect(valueOf(readings.get('bots/busy'))).toBe(states.filter((state) => state === 'ACTIVE').length);
        }),
        { numRuns: 15 },
      );
    });
  });
});

/**
 * How ioredis words a connection that went away, depending on when the loss is noticed: before
 * the pipeline is sent (the runner's "unavailable", with the socket error), while it is in
 * flight ("Connection is closed.", "Reached the max retries per request limit"), or not at all
 * before the command timeout ("Command timed out"). A loaded machine changes which one wins,
 * so the tests accept each of them, and only them.
 */
const CONNECTION_LOST = /unavailable|connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|max retries per request|command timed out/i;

describe('Class: RedisMetricSource when the server fails', () => {
  const specs: MetricRequest[] = [
    request('a/queue', { source: 'redis', type: 'list_length', key: 'celery' }),
    request('b/busy', { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' }),
  ];

  afterEach(() => {
    rest.delayMs = 0;
    rest.failNext(0);
  });

  it('fails every request with the cause when Redis goes down after connecting (ioredis)', { timeout: 30_000 }, async () => {
    // Prepare
    const doomed = await startRedis();
    const source = new RedisMetricSource(track(ioredisRunner(doomed.url, { timeoutMs: 500 })));
    expect(valueOf((await source.read(specs, NOW)).get('a/queue'))).toBe(0);
    await doomed.stop();

    // Act
    const readings = await source.read(specs, NOW);

    // Assess
    expect(errorOf(readings.get('a/queue'))).toMatch(/^LLEN celery: /);
    expect(errorOf(readings.get('a/queue'))).toMatch(CONNECTION_LOST);
    expect(errorOf(readings.get('b/busy'))).toMatch(/^count_keys bot_status:\*: /);
    expect(readings.get('a/queue')).toMatchObject({ source: 'redis', at: NOW });
  });

  it('reads again once Redis is back on the same address (ioredis)', { timeout: 45_000 }, async () => {
    // Prepare
    const first = await startRedis();
    const source = new RedisMetricSource(track(ioredisRunner(first.url, { timeoutMs: 500 })));
    await source.read(specs, NOW);
    await first.stop();
    const down = await source.read(specs, NOW);
    const again = await startRedis({ port: first.port });

    // Act: the client reconnects in the background; poll (bounded) until a read succeeds.
    let reading: MetricReading | undefined;
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline && !isSample(reading)) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      reading = (await source.read(specs, NOW)).get('a/queue');
    }
    await again.stop();

    // Assess
    expect(errorOf(down.get('a/queue'))).toMatch(CONNECTION_LOST);
    expect(reading).toEqual({ value: 0, at: NOW });
  });

  it('fails every request when nothing listens on the port (ioredis)', { timeout: 20_000 }, async () => {
    // Prepare: a refusal is immediate; a generous connect timeout keeps a stalled event loop
    // from reporting ETIMEDOUT first on a loaded machine.
    const port = await freePort();
    const source = new RedisMetricSource(track(ioredisRunner(`redis://127.0.0.1:${port}`, { timeoutMs: 5_000 })));

    // Act
    const readings = await source.read(specs, NOW);

    // Assess
    expect(errorOf(readings.get('a/queue'))).toMatch(/LLEN celery: Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable: .*ECONNREFUSED/);
    expect(errorOf(readings.get('b/busy'))).toMatch(/ECONNREFUSED/);
    expect(readings.get('a/queue')).toMatchObject({ source: 'redis', errorClass: 'ECONNREFUSED' });
    expect(source.stats.roundTrips).toBe(1);
  });

  it('fails every request when nothing listens on the port, hiding the password (ioredis)', { timeout: 20_000 }, async () => {
    // Prepare
    const port = await freePort();
    const source = new RedisMetricSource(track(ioredisRunner(`redis://poolscale:s3cret@127.0.0.1:${port}`, { timeoutMs: 5_000 })));

    // Act
    const readings = await source.read(specs, NOW);

    // Assess
    expect(errorOf(readings.get('a/queue'))).toContain(`redis://poolscale:***@127.0.0.1:${port}`);
    expect(errorOf(readings.get('a/queue'))).not.toContain('s3cret');
  });

  it('fails every request with the reason when the Upstash REST endpoint refuses connections', async () => {
    // Prepare
    const port = await freePort();
    const source = new RedisMetricSource(track(upstashRunner({ url: `http://127.0.0.1:${port}`, token: TOKEN, retries: 0 })));

    // Act
    const readings = await source.read(specs, NOW);

    // Assess
    expect(errorOf(readings.get('a/queue'))).toMatch(/LLEN celery: Upstash REST at http:\/\/127\.0\.0\.1:\d+ failed: fetch failed \(.*ECONNREFUSED/);
    expect(errorOf(readings.get('b/busy'))).toMatch(/ECONNREFUSED/);
  });

  it.each([
    { case: 'HTTP 500', status: 500 },
    { case: 'HTTP 503', status: 503 },
  ])('fails every request on $case from Upstash REST', async ({ status }) => {
    // Prepare
    rest.failNext(1, status);
    const source = new RedisMetricSource(track(upstashRunner({ url: rest.url, token: TOKEN })));

    // Act
    const readings = await source.read(specs, NOW);

    // Assess
    expect(errorOf(readings.get('a/queue'))).toMatch(new RegExp(`LLEN celery: Upstash REST at .* failed: .*HTTP ${status}`));
    expect(errorOf(readings.get('b/busy'))).toMatch(/injected failure/);
  });

  it('fails every request when Upstash REST does not answer in time', { timeout: 10_000 }, async () => {
    // Prepare
    rest.delayMs = 2_000;
    const source = new RedisMetricSource(track(upstashRunner({ url: rest.url, token: TOKEN, timeoutMs: 200, retries: 0 })));

    // Act
    const readings = await source.read(specs, NOW);

    // Assess
    expect(errorOf(readings.get('a/queue'))).toMatch(/LLEN celery: .*no answer within 200 ms/);
    expect(errorOf(readings.get('b/busy'))).toMatch(/no answer within 200 ms/);
  });

  it('fails every request with an authorization message when the token is wrong', async () => {
    // Prepare
    const source = new RedisMetricSource(track(upstashRunner({ url: rest.url, token: 'wrong' })));

    // Act
    const readings = await source.read(specs, NOW);

    // Assess
    expect(errorOf(readings.get('a/queue'))).toMatch(/authorization refused.*Unauthorized/);
    expect(errorOf(readings.get('a/queue'))).not.toContain('command was');
  });
});
