import { describe, expect, it } from 'vitest';
import { CeleryPoolSchema } from '../../shared/agent/AgentConfigSchema';
import { parseAgentConfig } from '../../shared/agent/loadAgentConfig';
import { celeryCommand, celeryQueues } from '../../shared/agent/supervisors/celeryCommand';
import { ValidationError } from '../../shared/domain/errors';

const base = { hostId: 'r620', secret: 'a-secret-of-sixteen+', relayUrl: 'https://relay.example/prod', pools: [{ name: 'web', kind: 'command', command: 'sleep 1000' }] };

describe('Function: parseAgentConfig', () => {
  it('fills defaults, resolves paths against the config directory and builds local policies', () => {
    // Act
    const loaded = parseAgentConfig(
      {
        ...base,
        stateFile: 'state.json',
        pools: [
          {
            name: 'transcription',
            kind: 'celery',
            app: 'audioscribetranslate.celery_app',
            policy: { min: 2, max: 8, metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } }, rules: [{ type: 'memory', perWorkerGb: 6 }] },
          },
        ],
      },
      {},
      '/etc/poolscale',
    );

    // Assess
    expect(loaded.config.stateFile).toBe('/etc/poolscale/state.json');
    expect(loaded.config.interval).toBe(20_000);
    expect(loaded.config.stopWorkersOnExit).toBe(false);
    expect(loaded.secret).toBe(base.secret);
    expect(loaded.localPolicies.transcription).toMatchObject({ id: 'transcription', min: 2, target: { kind: 'host', host: 'r620', pool: 'transcription' } });
  });

  it('takes the Celery program as an argv and the queues as a list or a comma-separated string', () => {
    const pool = CeleryPoolSchema.parse({ name: 'c', kind: 'celery', app: 'a', celery: ['/usr/bin/python3', '-m', 'celery'], queues: 'x, y' });
    expect(celeryCommand(pool, 'c-1@h').slice(0, 5)).toEqual(['/usr/bin/python3', '-m', 'celery', '-A', 'a']);
    expect(celeryQueues(pool)).toEqual(['x', 'y']);
    expect(celeryQueues(CeleryPoolSchema.parse({ name: 'c', kind: 'celery', app: 'a' }))).toEqual(['celery']);
  });

  it('takes the secret from the environment', () => {
    const loaded = parseAgentConfig({ ...base, secret: undefined }, { POOLSCALE_AGENT_SECRET: 'from-env-0123456789' }, '/');
    expect(loaded.secret).toBe('from-env-0123456789');
  });

  it.each([
    { case: 'a relay without a secret', input: { ...base, secret: undefined }, path: 'secret' },
    { case: 'duplicate pool names', input: { ...base, pools: [base.pools[0], base.pools[0]] }, path: 'pools.1.name' },
    { case: 'a gunicorn pool with neither pidFile nor command', input: { ...base, pools: [{ name: 'g', kind: 'gunicorn' }] }, path: 'pools.0' },
    { case: 'an invalid local policy', input: { ...base, pools: [{ ...base.pools[0], policy: { min: 3, max: 'x' } }] }, path: 'pools.0.policy.max' },
    { case: 'an unknown pool kind', input: { ...base, pools: [{ name: 'x', kind: 'uwsgi' }] }, path: 'pools.0.kind' },
    { case: 'a gunicorn master that daemonizes', input: { ...base, pools: [{ name: 'g', kind: 'gunicorn', command: ['gunicorn', '--daemon', 'app:app'] }] }, path: 'pools.0.command' },
    { case: 'a gunicorn master that daemonizes (-D in a string)', input: { ...base, pools: [{ name: 'g', kind: 'gunicorn', command: 'gunicorn -D app:app' }] }, path: 'pools.0.command' },
    { case: 'a celery worker that detaches', input: { ...base, pools: [{ name: 'c', kind: 'celery', app: 'a', extraArgs: ['--detach'] }] }, path: 'pools.0.extraArgs' },
    { case: 'a negative maxWorkers', input: { ...base, pools: [{ ...base.pools[0], maxWorkers: -1 }] }, path: 'pools.0.maxWorkers' },
  ])('refuses $case naming the field', ({ input, path }) => {
    let error: unknown;
    try {
      parseAgentConfig(input, {}, '/');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).problems.map((p) => p.path)).toContain(path);
  });
});

describe('Function: celeryCommand', () => {
  it('builds the seed 001 worker command with the per-child memory limit in KB', () => {
    const pool = CeleryPoolSchema.parse({ name: 'transcription', kind: 'celery', app: 'ast.celery_app', queues: ['transcription', 'translation'], concurrency: 2, memoryLimitGb: 6 });
    expect(celeryCommand(pool, 'transcription-3@r620')).toEqual([
      'celery', '-A', 'ast.celery_app', 'worker', '--concurrency', '2', '-n', 'transcription-3@r620',
      '-Q', 'transcription,translation', '--max-memory-per-child', String(3 * 1024 * 1024),
    ]);
  });
});

describe('File: examples/agent.yaml', () => {
  it('is a valid agent config whose fallback policies parse (seed 001 memory fit, seed 003 CPU steps)', async () => {
    const { readFileSync } = await import('node:fs');
    const { parse } = await import('yaml');
    const input = parse(readFileSync(new URL('../../examples/agent.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
    delete input.secretFile;
    const loaded = parseAgentConfig(input, { POOLSCALE_AGENT_SECRET: 'from-env-0123456789' }, '/etc/poolscale');
    expect(Object.keys(loaded.localPolicies)).toEqual(['transcription', 'backdipro']);
    expect(loaded.localPolicies.transcription?.rules[0]).toMatchObject({ type: 'memory', perWorkerGb: 6, thresholdGb: 12 });
    expect(loaded.localPolicies.backdipro?.rules[0]).toMatchObject({ type: 'steps', upFor: 180_000, downFor: 900_000 });
  });
});
