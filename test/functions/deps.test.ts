import { describe, expect, it } from 'vitest';
import { buildDeps, FunctionConfigError, redisConfig } from '../../functions/lib/deps';
import { once } from '../../functions/lib/once';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:poolscale/redis-AbCdEf';

describe('Function: redisConfig', () => {
  it.each([
    { case: 'REDIS_URL', env: { REDIS_URL: 'redis://cache:6379', REDIS_SECRET_ARN: ARN }, expected: { url: 'redis://cache:6379' } },
    {
      case: 'Upstash REST URL and token',
      env: { UPSTASH_REDIS_REST_URL: 'https://eu1.upstash.io', UPSTASH_REDIS_REST_TOKEN: 'tok' },
      expected: { restUrl: 'https://eu1.upstash.io', token: 'tok' },
    },
    { case: 'nothing configured', env: {}, expected: undefined },
  ])('reads $case from the environment without touching Secrets Manager', async ({ env, expected }) => {
    // Prepare
    const fetched: string[] = [];

    // Act
    const config = await redisConfig(env, async (arn) => (fetched.push(arn), '{}'));

    // Assess
    expect(config).toEqual(expected);
    expect(fetched).toEqual([]);
  });

  it.each([
    { case: 'a TCP URL', secret: '{"url":"rediss://:pw@cache:6380"}', expected: { url: 'rediss://:pw@cache:6380' } },
    { case: 'an Upstash REST URL and token', secret: '{"restUrl":"https://eu1.upstash.io","token":"t0k"}', expected: { restUrl: 'https://eu1.upstash.io', token: 't0k' } },
    { case: 'a plain redis:// URL', secret: ' redis://cache:6379\n', expected: { url: 'redis://cache:6379' } },
  ])('reads $case from the secret behind REDIS_SECRET_ARN', async ({ secret, expected }) => {
    const config = await redisConfig({ REDIS_SECRET_ARN: ARN }, async () => secret);
    expect(config).toEqual(expected);
  });

  it.each([
    { case: 'a secret that is neither JSON nor a redis URL', secret: 'cache:6379' },
    { case: 'a secret without url or restUrl', secret: '{"host":"cache"}' },
    { case: 'a REST URL without its token', secret: '{"restUrl":"https://eu1.upstash.io"}' },
  ])('refuses $case with a FunctionConfigError naming the secret', async ({ secret }) => {
    const outcome = redisConfig({ REDIS_SECRET_ARN: ARN }, async () => secret);
    await expect(outcome).rejects.toThrow(FunctionConfigError);
    await expect(outcome).rejects.toThrow(ARN);
  });
});

describe('Function: redisConfig with REDIS_SSM_PARAMETER', () => {
  const PARAMETER = '/poolscale/redis';

  it.each([
    { case: 'a plain URL', value: 'rediss://:pw@cache:6380', expected: { url: 'rediss://:pw@cache:6380' } },
    { case: 'the JSON form', value: '{"restUrl":"https://eu1.upstash.io","token":"t"}', expected: { restUrl: 'https://eu1.upstash.io', token: 't' } },
  ])('reads $case from the SecureString parameter', async ({ value, expected }) => {
    const asked: string[] = [];
    const config = await redisConfig({ REDIS_SSM_PARAMETER: PARAMETER }, async () => 'unused', async (name) => (asked.push(name), value));
    expect(config).toEqual(expected);
    expect(asked).toEqual([PARAMETER]);
  });

  it('names the parameter when it cannot be read or holds nonsense', async () => {
    const unreadable = redisConfig({ REDIS_SSM_PARAMETER: PARAMETER }, undefined, async () => {
      throw new Error('AccessDeniedException');
    });
    await expect(unreadable).rejects.toThrow(`Could not read the Redis parameter ${PARAMETER}`);
    await expect(redisConfig({ REDIS_SSM_PARAMETER: PARAMETER }, undefined, async () => '{"host":1}')).rejects.toThrow(`Parameter ${PARAMETER} must hold`);
  });
});

describe('Function: once', () => {
  it('builds once for many concurrent callers, and again after a failure', async () => {
    // Prepare
    let builds = 0;
    const build = once(async () => {
      builds++;
      if (builds === 1) throw new Error('transient');
      return builds;
    });

    // Act
    const first = await Promise.allSettled([build(), build()]);
    const second = await Promise.all([build(), build(), build()]);

    // Assess
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(second).toEqual([2, 2, 2]);
    expect(builds).toBe(2);
  });
});

describe('Function: buildDeps, HISTORY_HEARTBEAT', () => {
  const tables = { POLICIES_TABLE: 'p', STATE_TABLE: 's', HISTORY_TABLE: 'h', AGENTS_TABLE: 'a' };
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };

  it.each([
    { case: 'unset (the runtime default)', value: undefined, expected: undefined },
    { case: 'a duration', value: '5m', expected: 300_000 },
    { case: 'off', value: 'off', expected: Infinity },
  ])('passes $case to the runtime', async ({ value, expected }) => {
    // Act
    const deps = await buildDeps({ ...tables, ...(value === undefined ? {} : { HISTORY_HEARTBEAT: value }) }, { logger: quiet });

    // Assess
    expect(deps.runtime.historyHeartbeatMs).toBe(expected);
  });

  it('refuses a bad value with a FunctionConfigError naming the variable', async () => {
    const attempt = buildDeps({ ...tables, HISTORY_HEARTBEAT: 'sometimes' }, { logger: quiet });
    await expect(attempt).rejects.toThrow(FunctionConfigError);
    await expect(attempt).rejects.toThrow(/HISTORY_HEARTBEAT.*sometimes/);
  });
});
