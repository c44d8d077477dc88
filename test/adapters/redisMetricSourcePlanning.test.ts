import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricSourceError } from '../../shared/domain/errors';
import type { MetricSpec } from '../../shared/domain/policy';
import type { MetricRequest } from '../../shared/ports/MetricSource';
import { COUNT_KEYS_SCRIPT } from '../../shared/adapters/redis/countKeysScript';
import type { RedisCommand, RedisCommandRunner, RedisReply } from '../../shared/adapters/redis/RedisCommandRunner';
import { commandFor, RedisMetricSource } from '../../shared/adapters/redis/RedisMetricSource';

type RedisSpec = Extract<MetricSpec, { source: 'redis' }>;

const NOW = 1_700_000_000_000;

/** Records every pipeline and answers each command with `answer` (no network). */
function fakeRunner(answer: (command: RedisCommand) => RedisReply = () => ({ result: 1 })) {
  const pipelines: RedisCommand[][] = [];
  const runner: RedisCommandRunner = {
    kind: 'tcp',
    async pipeline(commands) {
      pipelines.push([...commands]);
      return commands.map(answer);
    },
    async close() {},
  };
  return { runner, pipelines };
}

const request = (id: string, spec: MetricSpec): MetricRequest => ({ id, poolId: id, name: id, spec });

const specArbitrary: fc.Arbitrary<RedisSpec> = fc.oneof(
  fc.record({ source: fc.constant('redis' as const), type: fc.constant('list_length' as const), key: fc.constantFrom('q1', 'q2', 'q3') }),
  fc.record({ source: fc.constant('redis' as const), type: fc.constant('number' as const), key: fc.constantFrom('n1', 'n2') }),
  fc.record({
    source: fc.constant('redis' as const),
    type: fc.constant('hash_field' as const),
    key: fc.constantFrom('h1', 'h2'),
    field: fc.constantFrom('busy', 'free'),
  }),
  fc.record(
    {
      source: fc.constant('redis' as const),
      type: fc.constant('count_keys' as const),
      pattern: fc.constantFrom('bot_status:*', 'bot:*'),
      equals: fc.oneof(fc.constantFrom('ACTIVE', 'WAITING'), fc.subarray(['ACTIVE', 'WAITING', 'IDLE'], { minLength: 1 })),
      field: fc.constantFrom('status'),
    },
    { requiredKeys: ['source', 'type', 'pattern'] },
  ),
);

describe('Function: commandFor', () => {
  it.each([
    { case: 'list_length', spec: { source: 'redis', type: 'list_length', key: 'celery' }, expected: ['LLEN', 'celery'] },
    { case: 'number', spec: { source: 'redis', type: 'number', key: 'load' }, expected: ['GET', 'load'] },
    { case: 'hash_field', spec: { source: 'redis', type: 'hash_field', key: 'h', field: 'f' }, expected: ['HGET', 'h', 'f'] },
    {
      case: 'count_keys without equals',
      spec: { source: 'redis', type: 'count_keys', pattern: 'bot_status:*' },
      expected: ['EVAL', COUNT_KEYS_SCRIPT, 0, 'bot_status:*', ''],
    },
    {
      case: 'count_keys with a field and unsorted, repeated equals',
      spec: { source: 'redis', type: 'count_keys', pattern: 'bot:*', field: 'status', equals: ['WAITING', 'ACTIVE', 'WAITING'] },
      expected: ['EVAL', COUNT_KEYS_SCRIPT, 0, 'bot:*', 'status', 'ACTIVE', 'WAITING'],
    },
  ] satisfies { case: string; spec: RedisSpec; expected: RedisCommand }[])('maps $case', ({ spec, expected }) => {
    // Act
    const command = commandFor(spec);

    // Assess
    expect(command).toEqual(expected);
  });
});

describe('Class: RedisMetricSource (planning)', () => {
  it('answers every request once, sends each distinct command once, in one pipeline (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(specArbitrary, { minLength: 1, maxLength: 60 }), async (specs) => {
        // Prepare
        const { runner, pipelines } = fakeRunner();
        const source = new RedisMetricSource(runner);
        const requests = specs.map((spec, i) => request(`pool-${i}/m`, spec));

        // Act
        const readings = await source.read(requests, NOW);

        // Assess
        expect(pipelines).toHaveLength(1);
        const sent = pipelines[0]!.map((command) => JSON.stringify(command));
        expect(new Set(sent).size).toBe(sent.length);
        expect(new Set(sent)).toEqual(new Set(specs.map((spec) => JSON.stringify(commandFor(spec)))));
        expect([...readings.keys()].sort()).toEqual(requests.map((r) => r.id).sort());
        expect(source.stats).toEqual({ roundTrips: 1, commands: sent.length, requests: specs.length });
      }),
    );
  });

  it('sends nothing when there is nothing to read', async () => {
    // Prepare
    const { runner, pipelines } = fakeRunner();
    const source = new RedisMetricSource(runner);

    // Act
    const readings = await source.read([], NOW);

    // Assess
    expect(readings.size).toBe(0);
    expect(pipelines).toHaveLength(0);
    expect(source.stats.roundTrips).toBe(0);
  });

  it('answers a request for another source with a failure instead of sending it', async () => {
    // Prepare
    const { runner, pipelines } = fakeRunner();
    const source = new RedisMetricSource(runner);

    // Act
    const readings = await source.read([request('p/cpu', { source: 'static', value: 3 })], NOW);

    // Assess
    expect(readings.get('p/cpu')).toEqual({ error: 'metric p/cpu: source static is not served by Redis', at: NOW });
    expect(pipelines).toHaveLength(0);
  });

  it('turns a whole-batch failure into one failure per request, each naming its key', async () => {
    // Prepare
    const runner: RedisCommandRunner = {
      kind: 'rest',
      pipeline: async () => {
        throw new MetricSourceError('Upstash REST at https://x failed: fetch failed');
      },
      close: async () => {},
    };
    const source = new RedisMetricSource(runner);

    // Act
    const readings = await source.read(
      [
        request('a', { source: 'redis', type: 'list_length', key: 'celery' }),
        request('b', { source: 'redis', type: 'hash_field', key: 'stats', field: 'busy' }),
      ],
      NOW,
    );

    // Assess
    expect(readings.get('a')).toEqual({ error: 'LLEN celery: Upstash REST at https://x failed: fetch failed', at: NOW });
    expect(readings.get('b')).toEqual({ error: 'HGET stats busy: Upstash REST at https://x failed: fetch failed', at: NOW });
  });

  it.each([
    { case: 'a numeric string for LLEN', spec: { source: 'redis', type: 'list_length', key: 'q' }, reply: { result: '7' }, expected: { value: 7, at: NOW } },
    {
      case: 'a non-integer reply for LLEN',
      spec: { source: 'redis', type: 'list_length', key: 'q' },
      reply: { result: 'x' },
      expected: { error: 'LLEN q: unexpected reply "x"', at: NOW },
    },
    {
      case: 'an empty string for number',
      spec: { source: 'redis', type: 'number', key: 'n' },
      reply: { result: '' },
      expected: { error: 'GET n: value "" is not a number', at: NOW },
    },
    {
      case: 'Infinity for number',
      spec: { source: 'redis', type: 'number', key: 'n' },
      reply: { result: 'Infinity' },
      expected: { error: 'GET n: value "Infinity" is not a number', at: NOW },
    },
    {
      case: 'a server error for count_keys',
      spec: { source: 'redis', type: 'count_keys', pattern: 'b:*', field: 'status' },
      reply: { error: 'NOSCRIPT' },
      expected: { error: 'count_keys b:* (field status): NOSCRIPT', at: NOW },
    },
  ] satisfies { case: string; spec: RedisSpec; reply: RedisReply; expected: unknown }[])(
    'reads $case',
    async ({ spec, reply, expected }) => {
      // Prepare
      const { runner } = fakeRunner(() => reply);
      const source = new RedisMetricSource(runner);

      // Act
      const readings = await source.read([request('m', spec)], NOW);

      // Assess
      expect(readings.get('m')).toEqual(expected);
    },
  );
});
