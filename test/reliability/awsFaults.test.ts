/**
 * AWS faults through the whole runtime tick, with the real CloudWatch and ECS adapters on
 * mocked SDK clients: CloudWatch throttling and empty data never scale a pool in blind, the
 * fallback applies after N failed reads, other pools go on, and readings recover. An ECS
 * UpdateService that fails (after the SDK's own retries, counted in sdkRetry.test.ts; the mock
 * here stands for one SDK call) is recorded as `action.failed` and retried next tick from a
 * fresh DescribeServices, without overshooting.
 */
import { CloudWatchClient, CloudWatchServiceException, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, ECSClient, ECSServiceException, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricSource } from '../../shared/adapters/cloudwatch';
import { EcsScaleTarget } from '../../shared/adapters/ecs';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../../shared/adapters/memory';
import { type Policy, PoolSchema } from '../../shared/domain/policy';
import type { MetricReading } from '../../shared/domain/types';
import type { MetricRequest, MetricSource } from '../../shared/ports/MetricSource';
import type { ScaleTarget } from '../../shared/ports/ScaleTarget';
import { type RuntimeDeps, runTick } from '../../shared/runtime/tick';
import { RecordingTarget } from '../support/recordingTarget';
import { steadyPool } from '../support/steadyPool';

const START = Date.UTC(2026, 10, 23, 12);
const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };


function world(pools: Policy[], metrics: MetricSource[], targets: ScaleTarget[]) {
  let now = START;
  const log = new MemoryDecisionLog();
  const deps: RuntimeDeps = {
    policies: new MemoryPolicyStore(pools),
    states: new MemoryStateStore(),
    log,
    metrics: [...metrics, new StaticMetricSource()],
    targets,
    clock: { now: () => now },
  };
  const tick = async () => {
    now += 60_000;
    const result = await runTick(deps);
    return Object.fromEntries(result.outcomes.map((outcome) => [outcome.poolId, outcome]));
  };
  return { deps, log, tick, now: () => now };
}

const codes = (outcome: { decision?: { reasons: { code: string }[] } } | undefined) => outcome?.decision?.reasons.map((r) => r.code) ?? [];

describe('Reliability: CloudWatch metric faults', () => {
  const client = new CloudWatchClient({ region: 'us-east-1', credentials });
  const mock = mockClient(client);
  beforeEach(() => mock.reset());

  const cwPool = PoolSchema.parse({
    id: 'sqs',
    target: { kind: 'none' },
    min: 1,
    max: 10,
    interval: '1m',
    metrics: {
      queue_length: {
        source: 'cloudwatch',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: 'jobs' },
        stat: 'Maximum',
      },
    },
    rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    fallback: { after: 3, action: 'set', count: 8 },
  });

  /** A GetMetricData answer with one datapoint a minute old (the clock moves per tick). */
  const datapoint = (value: number, at: () => number) => () => ({
    MetricDataResults: [{ Id: 'q0', StatusCode: 'Complete' as const, Timestamps: [new Date(at() - 60_000)], Values: [value] }],
  });

  const throttled = () =>
    new CloudWatchServiceException({ name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });

  it.each([
    { case: 'throttling (every call rejected)', fail: () => mock.on(GetMetricDataCommand).rejects(throttled()) },
    {
      case: 'empty data (no datapoints in the window)',
      fail: () => mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', StatusCode: 'Complete', Timestamps: [], Values: [] }] }),
    },
    {
      case: 'partial data (status PartialData, no values)',
      fail: () => mock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'q0', StatusCode: 'PartialData', Timestamps: [], Values: [] }] }),
    },
  ])('$case: holds while blind, sets the fallback after 3, other pools go on, recovers', async ({ fail }) => {
    // Prepare: 60 messages, 10 per worker -> 6 workers, as the pool runs now.
    const target = new RecordingTarget({ sqs: 6, steady: 10 });
    const source = new CloudWatchMetricSource({ clients: () => client });
    const w = world([cwPool, steadyPool], [source], [target]);
    mock.on(GetMetricDataCommand).callsFake(datapoint(60, w.now));
    const first = await w.tick();
    expect(first.sqs?.decision).toMatchObject({ desired: 6, action: 'none' });

    // Act: the queue empties (a scale-in would be due) but CloudWatch fails for three ticks.
    mock.reset();
    fail();
    const blind = [await w.tick(), await w.tick(), await w.tick()];

    // Assess: two holds at 6 naming the missing data, then the fallback floor of 8; the static
    // pool in the same ticks decided as usual.
    expect(blind.map((outcome) => outcome.sqs?.decision?.desired)).toEqual([6, 6, 8]);
    for (const outcome of blind) {
      expect(codes(outcome.sqs)).toContain('data.missing');
      expect(outcome.sqs?.error).toBeUndefined();
      expect(outcome.steady?.error).toBeUndefined();
      expect(codes(outcome.steady)).not.toContain('data.missing');
    }
    expect(codes(blind[2]!.sqs)).toContain('fallback');
    expect(blind[0]!.sqs?.decision?.observed).toEqual({});
    expect(target.calls.filter((call) => call.poolId === 'sqs').map((call) => call.desired)).toEqual([8]);
    expect(target.counts.get('steady')).toBe(13);

    // Act: CloudWatch answers again, with 5 messages.
    mock.reset();
    mock.on(GetMetricDataCommand).callsFake(datapoint(5, w.now));
    const recovered = await w.tick();

    // Assess: real data again, and the pool scales in on it.
    expect(codes(recovered.sqs)).not.toContain('data.missing');
    expect(recovered.sqs?.decision).toMatchObject({ action: 'scale_down', desired: 1 });
    expect(target.calls.filter((call) => call.poolId === 'sqs').map((call) => call.desired)).toEqual([8, 1]);
  });

  it('a throttled batch fails only the pools in it: a pool read through another region keeps its readings', async () => {
    // Prepare: the same pool twice, one reading eu-west-1, which is throttled.
    const euClient = new CloudWatchClient({ region: 'eu-west-1', credentials });
    const euMock = mockClient(euClient);
    const eu = PoolSchema.parse({
      ...cwPool,
      id: 'sqs-eu',
      metrics: { queue_length: { ...cwPool.metrics.queue_length, region: 'eu-west-1' } },
    });
    const target = new RecordingTarget({ sqs: 6, 'sqs-eu': 6 });
    const source = new CloudWatchMetricSource({ clients: (region) => (region === 'eu-west-1' ? euClient : client) });
    const w = world([cwPool, eu], [source], [target]);
    mock.on(GetMetricDataCommand).callsFake(datapoint(90, w.now));
    euMock.on(GetMetricDataCommand).rejects(throttled());

    // Act
    const outcome = await w.tick();

    // Assess
    expect(outcome.sqs?.decision).toMatchObject({ action: 'scale_up', desired: 9 });
    expect(outcome['sqs-eu']?.decision?.desired).toBe(6);
    expect(codes(outcome['sqs-eu'])).toContain('data.missing');
    euMock.restore();
  });
});

describe('Reliability: ECS actuator faults', () => {
  const client = new ECSClient({ region: 'us-east-1', credentials });
  const mock = mockClient(client);
  beforeEach(() => mock.reset());

  /** Buffer rule: the desired count is relative to the current one, so a lost update would overshoot. */
  const ecsPool = PoolSchema.parse({
    id: 'api',
    target: { kind: 'ecs', cluster: 'main', service: 'api' },
    min: 1,
    max: 40,
    interval: '1m',
    metrics: { busy: { source: 'static', value: 9 } },
    rules: [{ type: 'buffer', minFree: 2, batch: 3, maxFree: 8 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
  });

  const throttling = () =>
    new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });
  const serverError = () =>
    new ECSServiceException({ name: 'ServerException', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'internal' });
  const accessDenied = () =>
    new ECSServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'not authorized' });

  /** A fake ECS service: DescribeServices reports its count; UpdateService fails from a queue, else sets it. */
  function fakeService(initial: number) {
    const service = { desired: initial, failures: [] as (() => Error)[], updates: [] as number[] };
    mock.on(DescribeServicesCommand).callsFake(() => ({
      services: [
        {
          serviceName: 'api',
          status: 'ACTIVE',
          desiredCount: service.desired,
          runningCount: service.desired,
          pendingCount: 0,
          deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
        },
      ],
      failures: [],
    }));
    mock.on(UpdateServiceCommand).callsFake((input: { desiredCount?: number }) => {
      service.updates.push(input.desiredCount!);
      const failure = service.failures.shift();
      if (failure) throw failure();
      service.desired = input.desiredCount!;
      return { service: { serviceName: 'api', desiredCount: service.desired } };
    });
    return service;
  }

  function ecsWorld(metrics: MetricSource[] = []) {
    const target = new EcsScaleTarget({ clients: () => client });
    return world([ecsPool], metrics, [target]);
  }

  it.each([
    { case: 'throttled (after the SDK\'s retries)', failures: [throttling], firstTick: [13] },
    { case: 'a server fault', failures: [serverError], firstTick: [13] },
    { case: 'a non-retryable error (access denied)', failures: [accessDenied], firstTick: [13] },
  ])('$case: one UpdateService call, records action.failed, then retries next tick from fresh status without overshooting', async ({ failures, firstTick }) => {
    // Prepare
    const service = fakeService(10);
    service.failures.push(...failures);
    const w = ecsWorld();

    // Act: the failing tick, then two healthy ticks.
    const failed = await w.tick();
    const updatesAfterFailure = [...service.updates];
    const retried = await w.tick();
    const settled = await w.tick();

    // Assess: the failure is in the outcome and the history; ECS still runs 10.
    expect(updatesAfterFailure).toEqual(firstTick);
    expect(failed.api).toMatchObject({ acted: false, decision: expect.objectContaining({ desired: 13 }) });
    expect(failed.api?.error).toMatch(/UpdateService/);
    expect(codes(failed.api)).toContain('action.failed');
    const [firstRecorded] = (await w.log.list('api')).slice(-1);
    expect(firstRecorded?.reasons.map((r) => r.code)).toContain('action.failed');
    const state = await w.deps.states.get('api');
    expect(state?.lastActionError ?? '').toBe('');

    // Assess: the next tick starts from DescribeServices (10), asks for 13 again, not 16;
    // the one after sees 13 with 4 free and leaves it.
    expect(retried.api).toMatchObject({ acted: true, decision: expect.objectContaining({ action: 'scale_up', desired: 13 }) });
    expect(settled.api).toMatchObject({ acted: false, decision: expect.objectContaining({ action: 'none', desired: 13 }) });
    expect(service.updates).toEqual([...firstTick, 13]);
    expect(service.desired).toBe(13);
    const history = await w.log.list('api');
    expect(history).toHaveLength(3);
  });

  it('a DescribeServices outage never scales in blind and scaling resumes from fresh status when it answers', async () => {
    // Prepare: a healthy tick takes the service from 10 to 13; then load drops to 2 busy.
    const service = fakeService(10);
    const busy = new SettableSource(9);
    const w = ecsWorld([busy]);
    await w.tick();
    busy.value = 2;
    mock.on(DescribeServicesCommand).rejects(throttling());

    // Act: two blind ticks, then DescribeServices answers again (still 13).
    const blind = [await w.tick(), await w.tick()];
    const restored = fakeService(13);
    const back = await w.tick();

    // Assess: no UpdateService while blind; the scale-in happens on real status.
    for (const outcome of blind) {
      expect(outcome.api).toMatchObject({ acted: false, decision: expect.objectContaining({ action: 'none', desired: 13 }) });
      expect(codes(outcome.api)).toContain('target.unavailable');
    }
    expect(service.updates).toEqual([13]);
    expect(back.api).toMatchObject({ acted: true, decision: expect.objectContaining({ action: 'scale_down' }) });
    expect(restored.updates).toEqual([back.api!.decision!.desired]);
  });
});

/** A `static` metric whose value a test can change between ticks. */
class SettableSource implements MetricSource {
  readonly sources = ['static'] as const;
  constructor(public value: number) {}
  async read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>> {
    return new Map(requests.map((request) => [request.id, { value: this.value, at: now }]));
  }
}
