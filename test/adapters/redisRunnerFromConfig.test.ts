import { describe, expect, it } from 'vitest';
import { MetricSourceError } from '../../shared/domain/errors';
import { redisConfigFromEnv, redisRunnerFromConfig } from '../../shared/adapters/redis/fromEnv';

describe('Function: redisRunnerFromConfig', () => {
  it.each([
    { case: 'a redis:// URL', config: { url: 'redis://127.0.0.1:6379' }, kind: 'tcp' },
    { case: 'a rediss:// URL with a password', config: { url: 'rediss://default:pw@host:6380' }, kind: 'tcp' },
    { case: 'a REST URL and token', config: { restUrl: 'https://eu1-x.upstash.io', token: 't' }, kind: 'rest' },
    { case: 'an https URL given as url', config: { url: 'https://eu1-x.upstash.io', token: 't' }, kind: 'rest' },
    { case: 'both, preferring TCP', config: { url: 'redis://h:1', restUrl: 'https://x.upstash.io', token: 't' }, kind: 'tcp' },
  ])('chooses the $kind client for $case', async ({ config, kind }) => {
    // Act
    const runner = redisRunnerFromConfig(config);

    // Assess
    expect(runner.kind).toBe(kind);
    await runner.close();
  });

  it.each([
    { case: 'nothing', config: {}, message: /No Redis configured/ },
    { case: 'a REST URL without token', config: { restUrl: 'https://x.upstash.io' }, message: /token is missing/ },
    { case: 'an unknown scheme', config: { url: 'memcached://u:secret@h' }, message: /Expected a redis:\/\/.*got h\)/ },
    { case: 'a REST URL that is not http', config: { restUrl: 'ftp://x', token: 't' }, message: /start with https/ },
  ])('refuses $case with a MetricSourceError', ({ config, message }) => {
    // Act
    const act = () => redisRunnerFromConfig(config);

    // Assess
    expect(act).toThrow(MetricSourceError);
    expect(act).toThrow(message);
  });
});

describe('Function: redisConfigFromEnv', () => {
  it.each([
    { case: 'REDIS_URL', env: { REDIS_URL: 'redis://h:1' }, expected: { url: 'redis://h:1' } },
    {
      case: 'the Upstash pair',
      env: { UPSTASH_REDIS_REST_URL: 'https://x', UPSTASH_REDIS_REST_TOKEN: 't' },
      expected: { restUrl: 'https://x', token: 't' },
    },
    { case: 'nothing', env: {}, expected: undefined },
  ])('reads $case', ({ env, expected }) => {
    // Act
    const config = redisConfigFromEnv(env);

    // Assess
    expect(config).toEqual(expected);
  });
});
