import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { Decision } from '../../shared/domain/types';
import {
  createDecisionMetrics,
  publishDecisions,
  recordDecision,
} from '../../shared/adapters/emf/decisionMetrics';

const decision = (poolId: string, extra: Partial<Decision> = {}): Decision => ({
  poolId,
  at: Date.parse('2026-11-23T12:00:00Z'),
  current: 2,
  desired: 4,
  action: 'scale_up',
  dryRun: false,
  reasons: [],
  proposals: [],
  ...extra,
});

interface EmfLine {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

describe('Function: recordDecision', () => {
  let write: MockInstance<typeof process.stdout.write>;
  const lines = (): EmfLine[] =>
    write.mock.calls
      .map((call) => String(call[0]))
      .filter((text) => text.includes('"_aws"'))
      .map((text) => JSON.parse(text) as EmfLine);

  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_DEV', '');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    // Powertools writes EMF through a Console bound to process.stdout.
    write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    write.mockRestore();
    vi.unstubAllEnvs();
  });

  it('writes one EMF line in namespace poolscale with dimension PoolId and the four metrics', () => {
    // Prepare
    const metrics = createDecisionMetrics('poolscale-evaluator');

    // Act
    recordDecision(metrics, decision('bots'), { desired: 2, ready: 2, pending: 0, stable: true });
    metrics.publishStoredMetrics();

    // Assess
    const emitted = lines();
    expect(emitted).toHaveLength(1);
    const line = emitted[0]!;
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'poolscale',
        Dimensions: [expect.arrayContaining(['service', 'PoolId'])],
        Metrics: [
          { Name: 'Desired', Unit: 'Count' },
          { Name: 'Ready', Unit: 'Count' },
          { Name: 'Decisions', Unit: 'Count' },
          { Name: 'ScaleActions', Unit: 'Count' },
        ],
      },
    ]);
    expect(line).toMatchObject({
      PoolId: 'bots',
      service: 'poolscale-evaluator',
      action: 'scale_up',
      Desired: 4,
      Ready: 2,
      Decisions: 1,
      ScaleActions: 1,
    });
  });

  it.each([
    { case: 'a hold', extra: { action: 'none' as const, desired: 2 }, scaleActions: 0 },
    { case: 'a dry-run scale-down', extra: { action: 'scale_down' as const, desired: 1, dryRun: true }, scaleActions: 0 },
    { case: 'a scale-down', extra: { action: 'scale_down' as const, desired: 1 }, scaleActions: 1 },
  ])('counts ScaleActions $scaleActions for $case and leaves Ready out without a status', ({ extra, scaleActions }) => {
    // Prepare
    const metrics = createDecisionMetrics();

    // Act
    recordDecision(metrics, decision('celery', extra));
    metrics.publishStoredMetrics();

    // Assess
    const line = lines()[0]!;
    expect(line).toMatchObject({ PoolId: 'celery', Desired: extra.desired, Decisions: 1, ScaleActions: scaleActions });
    expect(line).not.toHaveProperty('Ready');
    expect(line._aws.CloudWatchMetrics[0]!.Metrics.map((metric) => metric.Name)).toEqual(['Desired', 'Decisions', 'ScaleActions']);
  });

  it('leaves flushing to the caller', () => {
    // Act
    recordDecision(createDecisionMetrics(), decision('bots'));

    // Assess
    expect(lines()).toEqual([]);
  });

  it('counts metric failures per source on lines of their own, without the PoolId dimension', () => {
    // Prepare
    const metrics = createDecisionMetrics('poolscale-evaluator');
    const failed = decision('bots', {
      action: 'none',
      metricErrors: [
        { metric: 'queue_length', source: 'redis', errorClass: 'ECONNREFUSED', message: 'x' },
        { metric: 'busy', source: 'redis', errorClass: 'ETIMEDOUT', message: 'y' },
        { metric: 'backlog', source: 'cloudwatch', errorClass: 'AccessDeniedException', message: 'z' },
      ],
    });

    // Act
    recordDecision(metrics, failed);
    metrics.publishStoredMetrics();

    // Assess: the two failure lines are written at once; the decision line when flushed.
    const emitted = lines();
    expect(emitted).toHaveLength(3);
    const failures = emitted.filter((line) => 'MetricFailures' in line);
    expect(failures.map((line) => [line.Source, line.MetricFailures, line.errorClasses, line.poolId])).toEqual([
      ['redis', 2, 'ECONNREFUSED,ETIMEDOUT', 'bots'],
      ['cloudwatch', 1, 'AccessDeniedException', 'bots'],
    ]);
    for (const line of failures) {
      expect(line._aws.CloudWatchMetrics).toEqual([
        { Namespace: 'poolscale', Dimensions: [expect.arrayContaining(['service', 'Source'])], Metrics: [{ Name: 'MetricFailures', Unit: 'Count' }] },
      ]);
      expect(line._aws.CloudWatchMetrics[0]!.Dimensions[0]).not.toContain('PoolId');
    }
    expect(emitted.find((line) => 'Decisions' in line)).toMatchObject({ PoolId: 'bots', Decisions: 1 });
  });

  describe('Function: publishDecisions', () => {
    it('writes one line per pool so PoolId values never mix', () => {
      // Prepare
      const metrics = createDecisionMetrics();

      // Act
      publishDecisions(metrics, [{ decision: decision('a', { desired: 3 }) }, { decision: decision('b', { desired: 8 }) }]);

      // Assess
      expect(lines().map((line) => [line.PoolId, line.Desired])).toEqual([
        ['a', 3],
        ['b', 8],
      ]);
    });
  });
});
