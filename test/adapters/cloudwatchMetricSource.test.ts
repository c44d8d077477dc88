import { CloudWatchClient, CloudWatchServiceException, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EcsTargetSchema, MetricSpecSchema, PoolSchema, type EcsTarget } from '../../shared/domain/policy';
import { MemoryPolicyStore } from '../../shared/adapters/memory/MemoryPolicyStore';
import { ecsTargetResolver } from '../../shared/adapters/cloudwatch/ecsTargetResolver';
import type { MetricRequest } from '../../shared/ports/MetricSource';
import { CloudWatchMetricSource, type CloudWatchMetricSourceOptions } from '../../shared/adapters/cloudwatch/CloudWatchMetricSource';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');

const request = (poolId: string, name: string, spec: unknown): MetricRequest => ({
  id: `${poolId}/${name}`,
  poolId,
  name,
  spec: MetricSpecSchema.parse(spec),
});

const queueDepth = (poolId: string, extra: Record<string, unknown> = {}) =>
  request(poolId, 'queue_length', {
    source: 'cloudwatch',
    namespace: 'AWS/SQS',
    metricName: 'ApproximateNumberOfMessagesVisible',
    dimensions: { QueueName: `${poolId}-jobs` },
    stat: 'Maximum',
    ...extra,
  });

const ecsTargets: Record<string, EcsTarget> = {
  bots: EcsTargetSchema.parse({ kind: 'ecs', cluster: 'main', service: 'bots' }),
  arns: EcsTargetSchema.parse({
    kind: 'ecs',
    cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod',
    service: 'arn:aws:ecs:eu-west-1:123456789012:service/prod/api',
    region: 'eu-west-1',
  }),
};

describe('Class: CloudWatchMetricSource', () => {
  const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(client);
  const regions: (string | undefined)[] = [];
  const source = (options: CloudWatchMetricSourceOptions = {}) =>
    new CloudWatchMetricSource({
      clients: (region) => {
        regions.push(region);
        return client;
      },
      resolveTarget: (poolId) => ecsTargets[poolId],
      ...options,
    });

  beforeEach(() => {
    mock.reset();
    regions.length = 0;
  });

  it('serves the cloudwatch and ecs sources', () => {
    expect(source().sources).toEqual(['cloudwatch', 'ecs']);
  });

  describe('Method: read', () => {
    it('builds the exact GetMetricData input and takes the newest datapoint', async () => {
      // Prepare
      mock.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          {
            Id: 'q0',
            StatusCode: 'Complete',
            Timestamps: [new Date(NOW - 120_000), new Date(NOW - 60_000), new Date(NOW - 180_000)],
            Values: [5, 7, 3],
          },
        ],
      });
      const req = queueDepth('jobs', { period: '1m', lookback: '10m', endOffset: '2m', region: 'eu-central-1' });

      // Act
      const readings = await source().read([req], NOW);

      // Assess
      expect(mock.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toEqual({
        MetricDataQueries: [
          {
            Id: 'q0',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'ApproximateNumberOfMessagesVisible',
                Dimensions: [{ Name: 'QueueName', Value: 'jobs-jobs' }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date(NOW - 120_000 - 600_000),
        EndTime: new Date(NOW - 120_000),
        ScanBy: 'TimestampDescending',
      });
      expect(regions).toEqual(['eu-central-1']);
      expect(readings.get('jobs/queue_length')).toEqual({ value: 7, at: NOW - 60_000 });
    });

    it.each([
      { case: 'cpu', type: 'cpu', metricName: 'CPUUtilization', pool: 'bots', dims: ['main', 'bots'], region: undefined },
      { case: 'memory by ARN', type: 'memory', metricName: 'MemoryUtilization', pool: 'arns', dims: ['prod', 'api'], region: 'eu-west-1' },
    ])('reads the ECS $case utilization of the pool\'s service in percent', async ({ type, metricName, pool, dims, region }) => {
      // Prepare
      mock.on(GetMetricDataCommand).resolves({
        MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(NOW - 60_000)], Values: [73.5] }],
      });

      // Act
      const readings = await source().read([request(pool, type, { source: 'ecs', type })], NOW);

      // Assess
      expect(mock.commandCalls(GetMetricDataCommand)[0]!.args[0].input).toEqual({
        MetricDataQueries: [
          {
            Id: 'q0',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ECS',
                MetricName: metricName,
                Dimensions: [
                  { Name: 'ClusterName', Value: dims[0] },
                  { Name: 'ServiceName', Value: dims[1] },
                ],
              },
              Period: 60,
              Stat: 'Average',
            },
            ReturnData: true,
          },
        ],
        StartTime: new Date(NOW - 300_000),
        EndTime: new Date(NOW),
        ScanBy: 'TimestampDescending',
      });
      expect(regions).toEqual([region]);
      expect(readings.get(`${pool}/${type}`)).toEqual({ value: 73.5, at: NOW - 60_000 });
    });

    it('reports a MetricFailure naming the metric when there are no datapoints', async () => {
      // Prepare
      mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', Timestamps: [], Values: [] }] });

      // Act
      const readings = await source().read([request('bots', 'cpu', { source: 'ecs', type: 'cpu' })], NOW);

      // Assess
      expect(readings.get('bots/cpu')).toEqual({
        error: 'no datapoints in the last 5m for AWS/ECS CPUUtilization (ClusterName=main, ServiceName=bots)',
        at: NOW,
        source: 'ecs',
        errorClass: 'NoData',
      });
    });

    it('fails an ecs metric of a pool without an ecs target, without a call', async () => {
      // Act
      const readings = await source().read([request('nowhere', 'cpu', { source: 'ecs', type: 'cpu' })], NOW);

      // Assess
      expect(readings.get('nowhere/cpu')).toMatchObject({ error: expect.stringContaining('no ecs target') });
      expect(mock.calls()).toHaveLength(0);
    });

    it('sends 1,200 queries in 3 calls of at most 500 with ids q0..qN and maps every result back', async () => {
      // Prepare
      mock.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries: { Id: string }[] }) => ({
        MetricDataResults: input.MetricDataQueries.map((query) => ({
          Id: query.Id,
          Timestamps: [new Date(NOW - 60_000)],
          Values: [Number(query.Id.slice(1))],
        })),
      }));
      const requests = Array.from({ length: 1_200 }, (_, index) => queueDepth(`pool-${index}`));

      // Act
      const readings = await source().read(requests, NOW);

      // Assess
      const inputs = mock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
      expect(inputs.map((input) => input.MetricDataQueries?.length)).toEqual([500, 500, 200]);
      expect(inputs.every((input) => input.MetricDataQueries!.every((query, index) => query.Id === `q${index}`))).toBe(true);
      expect(inputs.every((input) => input.MetricDataQueries!.every((query) => /^[a-z][a-zA-Z0-9_]*$/.test(query.Id!)))).toBe(true);
      expect(readings.size).toBe(1_200);
      expect(readings.get('pool-0/queue_length')).toEqual({ value: 0, at: NOW - 60_000 });
      expect(readings.get('pool-1199/queue_length')).toEqual({ value: 199, at: NOW - 60_000 });
      expect(inputs[2]!.MetricDataQueries![199]!.MetricStat!.Metric!.Dimensions).toEqual([{ Name: 'QueueName', Value: 'pool-1199-jobs' }]);
    });

    it('groups calls by region and time window', async () => {
      // Prepare
      mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });

      // Act
      await source().read(
        [queueDepth('a'), queueDepth('b', { region: 'eu-west-1' }), queueDepth('c'), queueDepth('d', { lookback: '15m' })],
        NOW,
      );

      // Assess
      const inputs = mock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
      expect(inputs.map((input) => input.MetricDataQueries!.map((query) => query.MetricStat!.Metric!.Dimensions![0]!.Value))).toEqual([
        ['a-jobs', 'c-jobs'],
        ['b-jobs'],
        ['d-jobs'],
      ]);
      expect(inputs[2]!.StartTime).toEqual(new Date(NOW - 900_000));
      expect(regions).toEqual([undefined, 'eu-west-1', undefined]);
    });

    it('follows NextToken and keeps the newest datapoint over all pages', async () => {
      // Prepare
      mock
        .on(GetMetricDataCommand)
        .resolvesOnce({
          MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(NOW - 120_000)], Values: [1] }],
          NextToken: 'page-2',
        })
        .resolves({
          MetricDataResults: [
            { Id: 'q0', Timestamps: [new Date(NOW - 30_000)], Values: [9] },
            { Id: 'q1', Timestamps: [new Date(NOW - 90_000)], Values: [4] },
          ],
        });

      // Act
      const readings = await source().read([queueDepth('a'), queueDepth('b')], NOW);

      // Assess
      const inputs = mock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
      expect(inputs[0]!.NextToken).toBeUndefined();
      expect(inputs[1]!.NextToken).toBe('page-2');
      expect(inputs[1]!.MetricDataQueries).toEqual(inputs[0]!.MetricDataQueries);
      expect(readings.get('a/queue_length')).toEqual({ value: 9, at: NOW - 30_000 });
      expect(readings.get('b/queue_length')).toEqual({ value: 4, at: NOW - 90_000 });
    });

    it('fails every request of a throttled call, and only those', async () => {
      // Prepare
      mock
        .on(GetMetricDataCommand, { StartTime: new Date(NOW - 300_000) })
        .rejects(new CloudWatchServiceException({ name: 'Throttling', $fault: 'client', $metadata: {}, message: 'Rate exceeded' }))
        .on(GetMetricDataCommand, { StartTime: new Date(NOW - 900_000) })
        .resolves({ MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(NOW)], Values: [2] }] });

      // Act
      const readings = await source().read([queueDepth('a'), queueDepth('b'), queueDepth('c', { lookback: '15m' })], NOW);

      // Assess
      expect(readings.get('a/queue_length')).toEqual({
        error: 'CloudWatch GetMetricData failed for AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=a-jobs): Throttling: Rate exceeded',
        at: NOW,
        source: 'cloudwatch',
        errorClass: 'Throttling',
      });
      expect(readings.get('b/queue_length')).toMatchObject({ error: expect.stringContaining('Rate exceeded') });
      expect(readings.get('c/queue_length')).toEqual({ value: 2, at: NOW });
    });

    it('names a non-Complete status code when there are no datapoints', async () => {
      // Prepare
      mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', StatusCode: 'Forbidden', Timestamps: [], Values: [] }] });

      // Act
      const readings = await source().read([queueDepth('a')], NOW);

      // Assess
      expect(readings.get('a/queue_length')).toMatchObject({ error: expect.stringMatching(/no datapoints in the last 5m .*status Forbidden/) });
    });

    it('refuses specs of other sources without a call', async () => {
      // Act
      const readings = await source().read([request('a', 'busy', { source: 'static', value: 1 })], NOW);

      // Assess
      expect(readings.get('a/busy')).toMatchObject({ error: 'source "static" is not read by CloudWatch' });
      expect(mock.calls()).toHaveLength(0);
    });
  });
});

describe('Function: ecsTargetResolver', () => {
  it.each([
    { case: 'an ecs pool', id: 'bots', expected: { kind: 'ecs', cluster: 'main', service: 'bots', protectBusyTasks: false } },
    { case: 'a host pool', id: 'celery', expected: undefined },
    { case: 'an unknown pool', id: 'nobody', expected: undefined },
  ])('returns the target of $case', async ({ id, expected }) => {
    // Prepare
    const policies = new MemoryPolicyStore([
      PoolSchema.parse({ id: 'bots', min: 0, max: 2, target: { kind: 'ecs', cluster: 'main', service: 'bots' } }),
      PoolSchema.parse({ id: 'celery', min: 0, max: 2, target: { kind: 'host', host: 'r620', pool: 'celery' } }),
    ]);

    // Act / Assess
    expect(await ecsTargetResolver(policies)(id)).toEqual(expected);
  });
});

describe('Class: CloudWatchMetricSource (target lookups)', () => {
  it('looks a pool up once per read for its cpu and memory metrics', async () => {
    // Prepare
    const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    mockClient(client).on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const lookups: string[] = [];
    const source = new CloudWatchMetricSource({
      clients: () => client,
      resolveTarget: async (poolId) => {
        lookups.push(poolId);
        return ecsTargets[poolId];
      },
    });

    // Act
    await source.read(
      [request('bots', 'cpu', { source: 'ecs', type: 'cpu' }), request('bots', 'mem', { source: 'ecs', type: 'memory' })],
      NOW,
    );

    // Assess
    expect(lookups).toEqual(['bots']);
  });
});
