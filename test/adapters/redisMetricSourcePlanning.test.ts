import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MetricSourceError } from '../../shared/domain/errors';
import type { MetricSpec } from '../../shared/domain/policy';
import type { MetricRequest } from '../../shared/ports/MetricSource';
import { COUNT_KEYS_BATCH_SCRIPT, COUNT_KEYS_SCRIPT } from '../../shared/adapters/redis/countKeysScript';
import type { RedisCommand, RedisCommandRunner, RedisReply } from '../../shared/adapters/redis/RedisCommandRunner';
import { commandFor, RedisMetricSource } from '../../shared/adapters/redis/RedisMetricSource';

type RedisSpec = Extract<MetricSpec, { source: 'redis' }>;

const NOW = 1_700_000_000_000;

/** One count per question for the batched count_keys EVAL, 1 for anything else. */
const answerOnes = (command: RedisCommand): RedisReply =>
  command[1] === COUNT_KEYS_BATCH_SCRIPT ? { result: Array.from({ length: Number(command[4]) }, () => 1) } : { result: 1 };

/** Records every pipeline and answers each command with `answer` (no network). */
function fakeRunner(answer: (command: RedisCommand) => RedisReply = answerOnes) {
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
      pattern: fc.constantFrom('bot_status:*', 'bot:*', 'bot_[ab]:*'),
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
        const batchable = (spec: RedisSpec) => spec.type === 'count_keys' && !spec.pattern.includes('[');
        const alone = new Set(specs.filter((spec) => !batchable(spec)).map((spec) => JSON.stringify(commandFor(spec))));
        const questions = new Set(specs.filter(batchable).map((spec) => JSON.stringify(commandFor(spec))));
        expect(pipelines).toHaveLength(1);
        const sent = pipelines[0]!;
        const batchCommands = sent.filter((command) => command[1] === COUNT_KEYS_BATCH_SCRIPT);
        expect(new Set(sent.filter((command) => !batchCommands.includes(command)).map((c) => JSON.stringify(c)))).toEqual(alone);
        expect(sent.length).toBe(alone.size + batchCommands.length);
        expect(batchCommands.map((command) => command[4])).toEqual(questions.size > 0 ? [questions.size] : []);
        expect([...readings.values()].every((reading) => 'value' in reading && reading.value === 1)).toBe(true);
        expect([...readings.keys()].sort()).toEqual(requests.map((r) => r.id).sort());
        expect(source.stats).toEqual({ roundTrips: 1, commands: sent.length, requests: specs.length });
      }),
    );
  });

  it.each([
    { case: 'one question: its own glob as MATCH', patterns: ['bot_status:*'], match: 'bot_status:*' },
    { case: 'several: their common literal prefix', patterns: ['bot_status:a:*', 'bot_status:b?:*'], match: 'bot_status:*' },
    { case: 'no common prefix: every key', patterns: ['a:*', 'b:*'], match: '*' },
  ])('scans once for all count_keys questions, narrowing the SCAN to $case', async ({ patterns, match }) => {
    // Prepare
    const { runner, pipelines } = fakeRunner();
    const source = new RedisMetricSource(runner);

    // Act
    await source.read(
      patterns.map((pattern, i) => request(`p${i}`, { source: 'redis', type: 'count_keys', pattern, equals: 'ACTIVE' })),
      NOW,
    );

    // Assess
    expect(pipelines).toHaveLength(1);
    expect(pipelines[0]).toHaveLength(1);
    expect(pipelines[0]![0]!.slice(0, 5)).toEqual(['EVAL', COUNT_KEYS_BATCH_SCRIPT, 0, match, patterns.length]);
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
    expect(readings.get('p/cpu')).toEqual({ error: 'metric p/cpu: source static is not served by Redis', at: NOW, source: 'static', errorClass: 'WrongSource' });
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
    expect(readings.get('a')).toEqual({ error: 'LLEN celery: Upstash REST at https://x failed: fetch failed', at: NOW, source: 'redis', errorClass: 'Error' });
    expect(readings.get('b')).toEqual({ error: 'HGET stats busy: Upstash REST at https://x failed: fetch failed', at: NOW, source: 'redis', errorClass: 'Error' });
  });

  it.each([
    { case: 'a numeric string for LLEN', spec: { source: 'redis', type: 'list_length', key: 'q' }, reply: { result: '7' }, expected: { value: 7, at: NOW } },
    {
      case: 'a non-integer reply for LLEN',
      spec: { source: 'redis', type: 'list_length', key: 'q' },
      reply: { result: 'x' },
      expected: { error: 'LLEN q: unexpected reply "x"', at: NOW, source: 'redis', errorClass: 'UnexpectedReply' },
    },
    {
      case: 'an empty string for number',
      spec: { source: 'redis', type: 'number', key: 'n' },
      reply: { result: '' },
      expected: { error: 'GET n: value "" is not a number', at: NOW, source: 'redis', errorClass: 'NotANumber' },
    },
    {
      case: 'Infinity for number',
      spec: { source: 'redis', type: 'number', key: 'n' },
      reply: { result: 'Infinity' },
      expected: { error: 'GET n: value "Infinity" is not a number', at: NOW, source: 'redis', errorClass: 'NotANumber' },
    },
    {
      case: 'a server error for count_keys',
      spec: { source: 'redis', type: 'count_keys', pattern: 'b:*', field: 'status' },
      reply: { error: 'NOSCRIPT' },
      expected: { error: 'count_keys b:* (field status): NOSCRIPT', at: NOW, source: 'redis', errorClass: 'NOSCRIPT' },
    },
    {
      case: 'a non-array reply for the count_keys batch',
      spec: { source: 'redis', type: 'count_keys', pattern: 'b:*' },
      reply: { result: 3 },
      expected: { error: 'count_keys b:*: unexpected reply 3', at: NOW, source: 'redis', errorClass: 'UnexpectedReply' },
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
