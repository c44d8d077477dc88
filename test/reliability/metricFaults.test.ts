/**
 * Metric faults through the whole runtime with real parts: a real redis-server stopped and
 * started again, and an Upstash-REST endpoint answering errors and timeouts. No scale-in on
 * missing data, the configured fallback after N failures, other pools in the same tick
 * unaffected, and recovery when the source returns.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../../shared/adapters/memory';
import { RedisMetricSource, ioredisRunner, upstashRunner } from '../../shared/adapters/redis';
import { type Policy, PoolSchema } from '../../shared/domain/policy';
import type { MetricSource } from '../../shared/ports/MetricSource';
import { type RuntimeDeps, runTick } from '../../shared/runtime/tick';
import { RecordingTarget } from '../support/recordingTarget';
import { steadyPool } from '../support/steadyPool';
import { type TestRedis, startRedis } from '../support/redis';
import { type UpstashRest, startUpstashRest } from '../support/upstashRest';

const queuePool = (id: string, fallback: Record<string, unknown>): Policy =>
  PoolSchema.parse({
    id,
    target: { kind: 'none' },
    min: 1,
    max: 10,
    interval: '1m',
    metrics: { queue_length: { source: 'redis', type: 'list_length', key: 'jobs' } },
    rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    fallback,
  });


function harness(pool: Policy, redisSource: MetricSource) {
  let now = Date.UTC(2026, 10, 23, 12);
  const target = new RecordingTarget({ [pool.id]: 6, steady: 10 });
  const deps: RuntimeDeps = {
    policies: new MemoryPolicyStore([pool, steadyPool]),
    states: new MemoryStateStore(),
    log: new MemoryDecisionLog(),
    metrics: [new StaticMetricSource(), redisSource],
    targets: [target],
    clock: { now: () => now },
  };
  const tick = async () => {
    now += 60_000;
    const result = await runTick(deps);
    return Object.fromEntries(result.outcomes.map((outcome) => [outcome.poolId, outcome]));
  };
  return { target, tick, count: (id: string) => target.counts.get(id) ?? (id === pool.id ? 6 : 10) };
}

describe('Reliability: metric faults', () => {
  let redis: TestRedis;
  let writer: Redis;
  beforeAll(async () => {
    redis = await startRedis();
    writer = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    writer.disconnect();
    await redis.stop();
  });

  it('Redis down: holds (no scale-in), applies the fallback after 3 failures, other pools go on, and recovers', async () => {
    // Prepare: 60 jobs, 10 per worker -> 6 workers, as the pool runs now.
    await writer.del('jobs');
    await writer.rpush('jobs', ...Array.from({ length: 60 }, (_, i) => `job-${i}`));
    const runner = ioredisRunner(redis.url, { timeoutMs: 500 });
    const { tick, count, target } = harness(queuePool('queue', { after: 3, action: 'set', count: 8 }), new RedisMetricSource(runner));
    const first = await tick();
    expect(first.queue?.decision).toMatchObject({ desired: 6, action: 'none' });
    expect(first.steady).toMatchObject({ acted: true, decision: expect.objectContaining({ desired: 13 }) });

    // Act: Redis goes away.
    const port = redis.port;
    await redis.stop();
    const down = [await tick(), await tick(), await tick()];

    // Assess: never below 6 while blind; the third failure triggers the fallback floor of 8;
    // the static pool scaled as usual in the same ticks.
    expect(down[0]!.queue?.decision?.reasons.map((r) => r.code)).toContain('data.missing');
    expect(down[0]!.queue?.decision?.desired).toBe(6);
    expect(down[1]!.queue?.decision?.desired).toBe(6);
    expect(down[2]!.queue?.decision?.reasons.map((r) => r.code)).toContain('fallback');
    expect(count('queue')).toBe(8);
    // Each blind decision says why: the source, a class and the key, in the rule's reason too.
    for (const outcome of down) {
      expect(outcome.queue?.decision?.metricErrors).toEqual([
        { metric: 'queue_length', source: 'redis', errorClass: expect.stringMatching(/\S/), message: expect.stringMatching(/^LLEN jobs: /) },
      ]);
      expect(outcome.queue?.decision?.reasons.map((r) => r.message).join('\n')).toMatch(/no fresh queue_length \(redis: LLEN jobs: /);
      expect(outcome.steady?.decision?.metricErrors).toBeUndefined();
    }
    for (const outcome of down) {
      expect(outcome.steady?.error).toBeUndefined();
      expect(outcome.steady?.decision?.reasons.map((r) => r.code)).not.toContain('data.missing');
    }

    // Act: Redis comes back (same port), now with 5 jobs.
    redis = await startRedis({ port });
    writer.disconnect();
    writer = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    await writer.rpush('jobs', 'a', 'b', 'c', 'd', 'e');
    let recovered;
    // The client reconnects in the background with its own (real-time) backoff.
    const deadline = Date.now() + 30_000;
    while (count('queue') !== 1 && Date.now() < deadline) {
      recovered = await tick();
      if (count('queue') !== 1) await new Promise((resolve) => setTimeout(resolve, 250));
    }

    // Assess: readings return and the policy scales in again on real data.
    expect(count('queue')).toBe(1);
    expect(recovered?.queue?.decision?.reasons.map((r) => r.code)).not.toContain('data.missing');
    expect(recovered?.queue?.decision?.metricErrors).toBeUndefined();
    expect(target.calls.filter((call) => call.poolId === 'queue').map((call) => call.desired)).toEqual([8, 1]);
    await runner.close?.();
  }, 60_000);

  describe('Upstash REST faults', () => {
    let shim: UpstashRest;
    beforeAll(async () => {
      shim = await startUpstashRest({ redisUrl: redis.url, token: 'test-token' });
    });
    afterAll(async () => {
      await shim.stop();
    });

    it.each([
      { case: 'HTTP 500 errors', fault: (s: UpstashRest) => s.failNext(2, 500) },
      { case: 'HTTP 429 throttling', fault: (s: UpstashRest) => s.failNext(2, 429) },
      { case: 'timeouts', fault: (s: UpstashRest) => (s.delayMs = 1_500) },
    ])('$case: no scale-in while failing, normal decisions once it answers', async ({ fault }) => {
      // Prepare: 60 jobs -> 6 workers; a 1 s client timeout.
      shim.delayMs = 0;
      await writer.del('jobs');
      await writer.rpush('jobs', ...Array.from({ length: 60 }, (_, i) => `job-${i}`));
      const runner = upstashRunner({ url: shim.url, token: shim.token, timeoutMs: 1_000, retries: 0 });
      const { tick, count } = harness(queuePool('upstash', { after: 5, action: 'hold' }), new RedisMetricSource(runner));
      await tick();
      await writer.ltrim('jobs', 0, 4); // load drops to 5 jobs: a scale-in is due ...

      // Act: ... but the source fails for two ticks.
      fault(shim);
      const failing = [await tick(), await tick()];
      shim.delayMs = 0;
      const healthy = await tick();

      // Assess
      for (const outcome of failing) {
        expect(outcome.upstash?.decision?.reasons.map((r) => r.code)).toContain('data.missing');
        expect(outcome.upstash?.decision?.desired).toBe(6);
        expect(outcome.upstash?.decision?.metricErrors).toEqual([
          expect.objectContaining({ metric: 'queue_length', source: 'redis', message: expect.stringMatching(/^LLEN jobs: Upstash REST at /) }),
        ]);
        expect(outcome.upstash?.decision?.metricErrors?.[0]?.message).not.toContain(shim.token);
        expect(outcome.steady?.decision).toBeDefined();
      }
      expect(healthy.upstash?.decision).toMatchObject({ action: 'scale_down', desired: 1 });
      expect(count('upstash')).toBe(1);
    }, 60_000);
  });
});
