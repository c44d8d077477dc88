import { describe, expect, it } from 'vitest';
import { errorClassOf, redactSecrets } from '../../shared/domain/metricErrors';
import type { MetricReading, Observations } from '../../shared/domain/types';
import { decide } from '../../shared/engine';
import { MINUTE, policyOf, stateOf, T0 } from './fixtures';

const queuePolicy = policyOf({
  metrics: {
    queue_length: { source: 'redis', type: 'list_length', key: 'celery' },
    cpu: { source: 'cloudwatch', namespace: 'AWS/ECS', metricName: 'CPUUtilization', dimensions: {} },
  },
  rules: [
    { type: 'target', metric: 'queue_length', perWorker: 10 },
    { type: 'steps', metric: 'cpu', up: [{ above: 80, workers: 1 }], down: [] },
  ],
  staleAfter: '3m',
});

const observed = (metrics: Record<string, MetricReading>): Observations => ({
  at: T0,
  metrics,
  target: { desired: 3, ready: 3, pending: 0, stable: true },
});

describe('Function: decide (metric errors carried as data)', () => {
  it.each([
    {
      case: 'a refused Redis connection',
      reading: {
        error: 'LLEN celery: Redis at redis://:***@127.0.0.1:6390 is unavailable: connect ECONNREFUSED 127.0.0.1:6390',
        at: T0,
        source: 'redis',
        errorClass: 'ECONNREFUSED',
      },
      expected: {
        metric: 'queue_length',
        source: 'redis',
        errorClass: 'ECONNREFUSED',
        message: 'LLEN celery: Redis at redis://:***@127.0.0.1:6390 is unavailable: connect ECONNREFUSED 127.0.0.1:6390',
      },
      reason: 'no fresh queue_length (redis: LLEN celery: Redis at redis://:***@127.0.0.1:6390 is unavailable: connect ECONNREFUSED 127.0.0.1:6390)',
    },
    {
      case: 'a stale sample (7 minutes old)',
      reading: { value: 40, at: T0 - 7 * MINUTE },
      expected: { metric: 'queue_length', source: 'redis', errorClass: 'stale', message: 'stale: last datapoint 7m ago (staleAfter 3m)' },
      reason: 'no fresh queue_length (redis: stale: last datapoint 7m ago (staleAfter 3m))',
    },
    {
      case: 'a sample just past staleAfter (its age rounded up, never down to the limit)',
      reading: { value: 40, at: T0 - 3 * MINUTE - 400 },
      expected: { metric: 'queue_length', source: 'redis', errorClass: 'stale', message: 'stale: last datapoint 3m 1s ago (staleAfter 3m)' },
      reason: 'no fresh queue_length (redis: stale: last datapoint 3m 1s ago (staleAfter 3m))',
    },
    {
      case: 'a failure without class or source (an adapter that gives neither)',
      reading: { error: 'something broke', at: T0 },
      expected: { metric: 'queue_length', source: 'redis', errorClass: 'Error', message: 'something broke' },
      reason: 'no fresh queue_length (redis: something broke)',
    },
    {
      case: 'a message holding a password the adapter did not hide',
      reading: { error: 'Redis at redis://app:hunter2@cache:6379 is unavailable', at: T0, errorClass: 'ETIMEDOUT' },
      expected: { metric: 'queue_length', source: 'redis', errorClass: 'ETIMEDOUT', message: 'Redis at redis://app:***@cache:6379 is unavailable' },
      reason: 'no fresh queue_length (redis: ETIMEDOUT Redis at redis://app:***@cache:6379 is unavailable)',
    },
  ])('says which source failed, its class and why for $case', ({ reading, expected, reason }) => {
    // Act
    const { decision } = decide(queuePolicy, observed({ queue_length: reading as MetricReading, cpu: { value: 10, at: T0 } }), stateOf({ desired: 3 }), T0);

    // Assess
    expect(decision.metricErrors).toEqual([expected]);
    expect(decision.reasons.map((r) => r.message).join('\n')).toContain(`${reason}: abstaining`);
    expect(JSON.stringify(decision)).not.toContain('hunter2');
  });

  it('leaves metricErrors out when every metric is fresh', () => {
    // Act
    const { decision } = decide(queuePolicy, observed({ queue_length: { value: 30, at: T0 }, cpu: { value: 10, at: T0 } }), stateOf({ desired: 3 }), T0);

    // Assess
    expect('metricErrors' in decision).toBe(false);
    expect(decision.reasons.map((r) => r.message).join('\n')).not.toContain('no fresh');
  });

  it('lists every unread metric, and appends causes a rule message does not name', () => {
    // Prepare: the buffer rule says "no fresh free or busy metric"; "busy" must not match inside "busy_workers".
    const policy = policyOf({
      metrics: {
        free: { source: 'redis', type: 'count_keys', pattern: 'bot:*', equals: 'WAITING' },
        busy_workers: { source: 'redis', type: 'count_keys', pattern: 'bot:*', equals: 'ACTIVE' },
      },
      rules: [{ type: 'buffer', freeMetric: 'free', busyMetric: 'busy_workers', minFree: 2, batch: 1 }],
    });
    const failure = { error: 'count_keys bot:*: NOAUTH Authentication required.', at: T0, source: 'redis', errorClass: 'NOAUTH' };

    // Act
    const { decision } = decide(policy, observed({ free: failure, busy_workers: failure }), stateOf({ desired: 3 }), T0);

    // Assess
    expect(decision.metricErrors?.map((e) => [e.metric, e.errorClass])).toEqual([
      ['free', 'NOAUTH'],
      ['busy_workers', 'NOAUTH'],
    ]);
    const buffer = decision.reasons.find((r) => r.code === 'rule.buffer.missing')!;
    expect(buffer.message).toBe(
      'no fresh free (redis: count_keys bot:*: NOAUTH Authentication required.) or busy_workers metric: abstaining' +
        ' (busy_workers: redis: count_keys bot:*: NOAUTH Authentication required.)',
    );
    expect(decision.action).toBe('none');
  });
});

describe('Function: redactSecrets', () => {
  it.each([
    { case: 'a Redis URL password', text: 'Redis at redis://:hunter2@cache:6379 is down', expected: 'Redis at redis://:***@cache:6379 is down' },
    { case: 'a user and password', text: 'rediss://app:p%40ss@cache:6380/0', expected: 'rediss://app:***@cache:6380/0' },
    { case: 'an access key id', text: 'key AKIAIOSFODNN7EXAMPLE is not valid', expected: 'key *** is not valid' },
    { case: 'a secret pair', text: 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG failed', expected: 'aws_secret_access_key=*** failed' },
    { case: 'a JSON token', text: '{"token": "AYQgASQ", "url": "https://x"}', expected: '{"token": "***", "url": "https://x"}' },
    { case: 'a bearer token', text: 'Authorization: Bearer abcdefghijklmnop', expected: 'Authorization: Bearer ***' },
    { case: 'nothing secret', text: 'connect ECONNREFUSED 127.0.0.1:6390', expected: 'connect ECONNREFUSED 127.0.0.1:6390' },
  ])('hides $case', ({ text, expected }) => {
    expect(redactSecrets(text)).toBe(expected);
  });
});

describe('Function: errorClassOf', () => {
  const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
  const named = (message: string, name: string) => Object.assign(new Error(message), { name });

  it.each([
    { case: 'a system error code', error: withCode('connect ECONNREFUSED 127.0.0.1:6390', 'ECONNREFUSED'), expected: 'ECONNREFUSED' },
    { case: 'a code along the cause chain', error: new Error('Redis is unavailable', { cause: withCode('x', 'ETIMEDOUT') }), expected: 'ETIMEDOUT' },
    { case: 'an AggregateError of refusals', error: new Error('fetch failed', { cause: new AggregateError([withCode('a', 'ECONNREFUSED')]) }), expected: 'ECONNREFUSED' },
    { case: 'an AWS SDK exception', error: named('User is not authorized', 'AccessDeniedException'), expected: 'AccessDeniedException' },
    { case: 'missing credentials', error: named('Could not load credentials from any providers', 'CredentialsProviderError'), expected: 'CredentialsProviderError' },
    { case: 'a missing region', error: new Error('Region is missing'), expected: 'RegionMissing' },
    { case: 'a Redis error reply', error: new Error('WRONGTYPE Operation against a key holding the wrong kind of value'), expected: 'WRONGTYPE' },
    { case: 'a plain string', error: 'boom', expected: 'Error' },
  ])('classes $case as $expected', ({ error, expected }) => {
    expect(errorClassOf(error)).toBe(expected);
  });
});
