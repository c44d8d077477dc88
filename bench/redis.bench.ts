/**
 * Redis metric reads: one `read()` of 1,000 and 10,000 requests over a 10,000-key set, through
 * ioredis (TCP) and @upstash/redis (REST, against the local Upstash shim in front of the same
 * redis-server). Reports wall time per read and round trips per read.
 */
import { Redis } from 'ioredis';
import type { MetricSpec } from '../shared/domain/policy';
import { isSample } from '../shared/domain/types';
import type { MetricRequest } from '../shared/ports/MetricSource';
import { ioredisRunner } from '../shared/adapters/redis/ioredisRunner';
import type { RedisCommandRunner } from '../shared/adapters/redis/RedisCommandRunner';
import { RedisMetricSource } from '../shared/adapters/redis/RedisMetricSource';
import { upstashRunner } from '../shared/adapters/redis/upstashRunner';
import { startRedis } from '../test/support/redis';
import { startUpstashRest } from '../test/support/upstashRest';
import type { Bench } from './run';

const QUEUES = 9_000;
const BOT_POOLS = 20;
const BOTS_PER_POOL = 50;
const REPEATS = 5;

/** 9,000 Celery-style lists and 20 bot pools of 50 `bot_status:<pool>:<bot>` keys: 10,000 keys. */
async function seed(admin: Redis): Promise<void> {
  const pipeline = admin.pipeline();
  for (let q = 0; q < QUEUES; q++) pipeline.rpush(`celery:queue-${q}`, ...Array.from({ length: (q % 7) + 1 }, () => 't'));
  for (let p = 0; p < BOT_POOLS; p++) {
    for (let b = 0; b < BOTS_PER_POOL; b++) pipeline.set(`bot_status:pool-${p}:bot-${b}`, b % 5 === 0 ? 'WAITING' : 'ACTIVE');
  }
  await pipeline.exec();
}

/** Mixed requests: 9 in 10 are LLEN of a queue, 1 in 10 a count_keys of a bot pool. */
function mixedRequests(count: number, distinctPatterns = BOT_POOLS, classPatterns = false): MetricRequest[] {
  // `[:]` matches ':' like the plain glob, but a `[...]` class sends the question to its own
  // SCAN: the per-pattern cost the batched EVAL avoids.
  const separator = classPatterns ? '[:]' : ':';
  return Array.from({ length: count }, (_, i): MetricRequest => {
    const spec: MetricSpec =
      i % 10 === 9
        ? { source: 'redis', type: 'count_keys', pattern: `bot_status:pool-${Math.floor(i / 10) % distinctPatterns}${separator}*`, equals: 'ACTIVE' }
        : { source: 'redis', type: 'list_length', key: `celery:queue-${i % QUEUES}` };
    return { id: `pool-${i}/m`, poolId: `pool-${i}`, name: 'm', spec };
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const bench: Bench = {
  name: 'redis',
  description: 'RedisMetricSource.read() of 1,000 / 10,000 mixed requests over 10,000 keys, ioredis vs Upstash REST (local shim)',
  async run(log) {
    const redis = await startRedis();
    const rest = await startUpstashRest({ redisUrl: redis.url, token: 'bench' });
    const admin = new Redis(redis.url);
    const runners: { name: string; runner: RedisCommandRunner; http: boolean }[] = [
      { name: 'ioredis', runner: ioredisRunner(redis.url, { timeoutMs: 30_000 }), http: false },
      { name: 'upstash', runner: upstashRunner({ url: rest.url, token: 'bench', timeoutMs: 30_000 }), http: true },
    ];
    try {
      await seed(admin);
      log(`keys: ${await admin.dbsize()} (${QUEUES} lists, ${BOT_POOLS * BOTS_PER_POOL} bot_status strings)`);
      log('| runner | requests | count_keys patterns | commands sent | SCANs of the keyspace | median ms/read | min ms/read | round trips/read | HTTP requests/read |');
      log('|---|---|---|---|---|---|---|---|---|');
      const scenarios = [
        { requests: 1_000, patterns: BOT_POOLS, classPatterns: false },
        { requests: 10_000, patterns: BOT_POOLS, classPatterns: false },
        { requests: 1_000, patterns: 100, classPatterns: false },
        // The same 100 questions, one SCAN each (what every count_keys cost before batching).
        { requests: 1_000, patterns: 100, classPatterns: true },
        { requests: 10_000, patterns: 1_000, classPatterns: false },
      ];
      for (const { requests: count, patterns, classPatterns } of scenarios) {
        const requests = mixedRequests(count, patterns, classPatterns);
        const distinctPatterns = Math.min(patterns, Math.floor(count / 10));
        const scans = classPatterns ? distinctPatterns : 1;
        for (const { name, runner, http } of runners) {
          const source = new RedisMetricSource(runner);
          const first = await source.read(requests, Date.now()); // warm-up: connection, script parse
          const failures = [...first.values()].filter((reading) => !isSample(reading));
          if (failures.length > 0) throw new Error(`${failures.length} failed readings, e.g. ${JSON.stringify(failures[0])}`);
          const commandsPerRead = source.stats.commands;
          const httpBefore = rest.requests.length;
          const roundTripsBefore = source.stats.roundTrips;
          const times: number[] = [];
          for (let i = 0; i < REPEATS; i++) {
            const started = performance.now();
            await source.read(requests, Date.now());
            times.push(performance.now() - started);
          }
          log(
            `| ${name} | ${count.toLocaleString('en')} | ${distinctPatterns}${classPatterns ? ' (`[:]`)' : ''} | ${commandsPerRead} | ${scans} | ${median(times).toFixed(1)} | ${Math.min(...times).toFixed(1)} | ` +
              `${(source.stats.roundTrips - roundTripsBefore) / REPEATS} | ${http ? (rest.requests.length - httpBefore) / REPEATS : '-'} |`,
          );
        }
      }
    } finally {
      await Promise.all(runners.map(({ runner }) => runner.close()));
      admin.disconnect();
      await rest.stop();
      await redis.stop();
    }
  },
};

export default bench;
