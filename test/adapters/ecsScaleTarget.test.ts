import {
  DescribeServicesCommand,
  ECSClient,
  ECSServiceException,
  ListTasksCommand,
  ServerException,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ScaleTargetError } from '../../shared/domain/errors';
import { PoolSchema, type Policy } from '../../shared/domain/policy';
import { EcsScaleTarget, type EcsScaleTargetOptions } from '../../shared/adapters/ecs/EcsScaleTarget';

const ecsPool = (id: string, target: Record<string, unknown> = {}): Policy =>
  PoolSchema.parse({ id, min: 0, max: 50, target: { kind: 'ecs', cluster: 'main', service: id, ...target } });

const service = (name: string, extra: Partial<Service> = {}): Service => ({
  serviceName: name,
  serviceArn: `arn:aws:ecs:us-east-1:123456789012:service/main/${name}`,
  status: 'ACTIVE',
  desiredCount: 4,
  runningCount: 3,
  pendingCount: 1,
  deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
  ...extra,
});

const throttled = () =>
  new ECSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });

describe('Class: EcsScaleTarget', () => {
  const client = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
  const mock = mockClient(client);
  const regions: (string | undefined)[] = [];
  const target = (options: EcsScaleTargetOptions = {}) =>
    new EcsScaleTarget({
      clients: (region) => {
        regions.push(region);
        return client;
      },
      ...options,
    });

  beforeEach(() => {
    mock.reset();
    regions.length = 0;
  });

  describe('Method: status', () => {
    it('reads desired, running and pending counts of a stable service', async () => {
      // Prepare
      mock.on(DescribeServicesCommand).resolves({ services: [service('bots')] });

      // Act
      const status = await target().status(ecsPool('bots', { region: 'eu-west-1' }));

      // Assess
      expect(status).toEqual({ desired: 4, ready: 3, pending: 1, stable: true });
      expect(mock.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({ cluster: 'main', services: ['bots'] });
      expect(regions).toEqual(['eu-west-1']);
    });

    it.each([
      {
        case: 'two deployments',
        deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }, { status: 'ACTIVE', rolloutState: 'COMPLETED' }],
        note: 'deployment in progress (2 deployments active)',
      },
      {
        case: 'a primary rollout in progress',
        deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }],
        note: 'deployment in progress (primary rollout IN_PROGRESS)',
      },
    ])('reports not stable with a note during $case', async ({ deployments, note }) => {
      // Prepare
      mock.on(DescribeServicesCommand).resolves({ services: [service('bots', { deployments: deployments as Service['deployments'] })] });

      // Act
      const status = await target().status(ecsPool('bots'));

      // Assess
      expect(status).toMatchObject({ stable: false, note });
    });

    it.each([
      {
        case: 'a missing service',
        response: { services: [], failures: [{ arn: 'arn:aws:ecs:us-east-1:123456789012:service/main/bots', reason: 'MISSING' }] },
        message: /not found: MISSING/,
      },
      { case: 'an INACTIVE service', response: { services: [service('bots', { status: 'INACTIVE' })] }, message: /is INACTIVE/ },
      { case: 'a DRAINING service', response: { services: [service('bots', { status: 'DRAINING' })] }, message: /is DRAINING/ },
    ])('throws a non-retryable ScaleTargetError for $case', async ({ response, message }) => {
      // Prepare
      mock.on(DescribeServicesCommand).resolves(response);

      // Act
      const error = await target()
        .status(ecsPool('bots'))
        .catch((reason: unknown) => reason);

      // Assess
      expect(error).toBeInstanceOf(ScaleTargetError);
      expect((error as ScaleTargetError).retryable).toBe(false);
      expect((error as Error).message).toMatch(message);
    });

    it('throws a retryable ScaleTargetError with cause for a server fault, without retrying it itself', async () => {
      // Prepare: the mock replaces the SDK's send, so each call here is one SDK call (whose own retries are measured in test/reliability/sdkRetry.test.ts).
      const fault = new ServerException({ $metadata: { httpStatusCode: 500 }, message: 'boom' });
      mock.on(DescribeServicesCommand).rejects(fault);

      // Act
      const error = await target()
        .status(ecsPool('bots'))
        .catch((reason: unknown) => reason);

      // Assess
      expect(error).toMatchObject({ name: 'ScaleTargetError', retryable: true, cause: fault });
      expect(mock.commandCalls(DescribeServicesCommand)).toHaveLength(1);
    });
  });

  describe('Method: describeMany', () => {
    it('groups by region and cluster in chunks of 10 services', async () => {
      // Prepare
      mock.on(DescribeServicesCommand).callsFake((input: { services: string[] }) => ({
        services: input.services.map((name) => service(name)),
      }));
      const pools = [
        ...Array.from({ length: 23 }, (_, index) => ecsPool(`main-${index}`)),
        ecsPool('other-0', { cluster: 'other' }),
        ecsPool('eu-0', { region: 'eu-west-1' }),
        PoolSchema.parse({ id: 'plain', min: 0, max: 1, target: { kind: 'none' } }),
      ];

      // Act
      const statuses = await target().describeMany(pools);

      // Assess
      const inputs = mock.commandCalls(DescribeServicesCommand).map((call) => call.args[0].input);
      // Calls run a few at once, so their order is not part of the contract.
      expect(inputs).toHaveLength(5);
      expect(inputs).toEqual(expect.arrayContaining([
        { cluster: 'main', services: Array.from({ length: 10 }, (_, index) => `main-${index}`) },
        { cluster: 'main', services: Array.from({ length: 10 }, (_, index) => `main-${index + 10}`) },
        { cluster: 'main', services: ['main-20', 'main-21', 'main-22'] },
        { cluster: 'other', services: ['other-0'] },
        { cluster: 'main', services: ['eu-0'] },
      ]));
      expect(statuses.size).toBe(26);
      expect(statuses.get('main-22')).toEqual({ desired: 4, ready: 3, pending: 1, stable: true });
      expect(statuses.get('plain')).toBeInstanceOf(ScaleTargetError);
    });

    it('keeps at most `concurrency` DescribeServices calls in flight', async () => {
      // Prepare
      let inFlight = 0;
      let most = 0;
      mock.on(DescribeServicesCommand).callsFake(async (input: { services: string[] }) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        return { services: input.services.map((name) => service(name)) };
      });
      const pools = Array.from({ length: 60 }, (_, index) => ecsPool(`p-${index}`));

      // Act
      const statuses = await target({ concurrency: 2 }).describeMany(pools);

      // Assess
      expect(mock.commandCalls(DescribeServicesCommand)).toHaveLength(6);
      expect(most).toBe(2);
      expect([...statuses.values()].every((status) => !(status instanceof Error))).toBe(true);
    });

    it('turns a failed call into an error for each pool of that call only', async () => {
      // Prepare
      mock
        .on(DescribeServicesCommand, { cluster: 'broken' })
        .rejects(new ECSServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {}, message: 'no' }))
        .on(DescribeServicesCommand, { cluster: 'main' })
        .resolves({ services: [service('fine')] });

      // Act
      const statuses = await target().describeMany([ecsPool('fine'), ecsPool('bad', { cluster: 'broken' })]);

      // Assess
      expect(statuses.get('fine')).toMatchObject({ stable: true });
      expect(statuses.get('bad')).toMatchObject({ name: 'ScaleTargetError', retryable: false });
      expect(mock.commandCalls(DescribeServicesCommand, { cluster: 'broken' })).toHaveLength(1);
    });
  });

  describe('Method: scale', () => {
    it('sets desiredCount with UpdateService', async () => {
      // Prepare
      mock.on(UpdateServiceCommand).resolves({});

      // Act
      await target().scale(ecsPool('bots'), { desired: 7, reason: 'buffer' });

      // Assess
      expect(mock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
        cluster: 'main',
        service: 'bots',
        desiredCount: 7,
      });
    });

    it('leaves retries of a throttled UpdateService to the SDK: one call, a retryable error', async () => {
      // Prepare
      mock.on(UpdateServiceCommand).rejects(throttled());

      // Act
      const attempt = target().scale(ecsPool('bots'), { desired: 5, reason: 'up' });

      // Assess
      await expect(attempt).rejects.toMatchObject({ name: 'ScaleTargetError', retryable: true, message: /ThrottlingException/ });
      expect(mock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    });

    it('does not retry a client error', async () => {
      // Prepare
      mock
        .on(UpdateServiceCommand)
        .rejects(new ECSServiceException({ name: 'ServiceNotActiveException', $fault: 'client', $metadata: {}, message: 'inactive' }));

      // Act
      const attempt = target().scale(ecsPool('bots'), { desired: 5, reason: 'up' });

      // Assess
      await expect(attempt).rejects.toMatchObject({ name: 'ScaleTargetError', retryable: false });
      expect(mock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    });

    it.each([
      { case: 'a negative count', desired: -1 },
      { case: 'a fraction', desired: 1.5 },
    ])('refuses $case without calling ECS', async ({ desired }) => {
      await expect(target().scale(ecsPool('bots'), { desired, reason: 'x' })).rejects.toBeInstanceOf(ScaleTargetError);
      expect(mock.calls()).toHaveLength(0);
    });

    it('refuses a pool whose target is not ecs', async () => {
      const pool = PoolSchema.parse({ id: 'h', min: 0, max: 1, target: { kind: 'host', host: 'r620', pool: 'celery' } });
      await expect(target().scale(pool, { desired: 1, reason: 'x' })).rejects.toThrow(/no ecs target/);
    });
  });

  describe('Task scale-in protection', () => {
    const arn = (id: string) => `arn:aws:ecs:us-east-1:123456789012:task/main/${id}`;
    const busyPool = () => ecsPool('bots', { protectBusyTasks: true });

    it('protects busy tasks and unprotects idle ones before a scale-in, in chunks of 10', async () => {
      // Prepare
      const running = Array.from({ length: 14 }, (_, index) => arn(`t${index}`));
      const busy = ['t0', 't1', 't2', 't3', 't4', 't5', 't6', 't7', 't8', 't9', arn('t10')];
      mock.on(DescribeServicesCommand).resolves({ services: [service('bots', { desiredCount: 14 })] });
      mock.on(ListTasksCommand).resolvesOnce({ taskArns: running.slice(0, 8), nextToken: 'page2' }).resolves({ taskArns: running.slice(8) });
      mock.on(UpdateTaskProtectionCommand).resolves({ failures: [] });
      mock.on(UpdateServiceCommand).resolves({});

      // Act
      await target({ busyTasks: async () => busy, protectionMinutes: 30 }).scale(busyPool(), { desired: 11, reason: 'idle' });

      // Assess
      expect(mock.commandCalls(ListTasksCommand).map((call) => call.args[0].input)).toEqual([
        { cluster: 'main', serviceName: 'bots', desiredStatus: 'RUNNING' },
        { cluster: 'main', serviceName: 'bots', desiredStatus: 'RUNNING', nextToken: 'page2' },
      ]);
      expect(mock.commandCalls(UpdateTaskProtectionCommand).map((call) => call.args[0].input)).toEqual([
        { cluster: 'main', tasks: running.slice(0, 10), protectionEnabled: true, expiresInMinutes: 30 },
        { cluster: 'main', tasks: [running[10]], protectionEnabled: true, expiresInMinutes: 30 },
        { cluster: 'main', tasks: running.slice(11), protectionEnabled: false },
      ]);
      expect(mock.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toMatchObject({ desiredCount: 11 });
      // Protection comes before the scale-in.
      const order = mock.calls().map((call) => call.args[0].constructor.name);
      expect(order.lastIndexOf('UpdateTaskProtectionCommand')).toBeLessThan(order.indexOf('UpdateServiceCommand'));
    });

    it('does not touch protection on a scale-up', async () => {
      // Prepare
      mock.on(DescribeServicesCommand).resolves({ services: [service('bots', { desiredCount: 4 })] });
      mock.on(UpdateServiceCommand).resolves({});

      // Act
      await target({ busyTasks: async () => ['t1'] }).scale(busyPool(), { desired: 6, reason: 'up' });

      // Assess
      expect(mock.commandCalls(UpdateTaskProtectionCommand)).toHaveLength(0);
      expect(mock.commandCalls(UpdateServiceCommand)).toHaveLength(1);
    });

    it('stops the scale-in when a busy task cannot be protected', async () => {
      // Prepare
      mock.on(DescribeServicesCommand).resolves({ services: [service('bots', { desiredCount: 4 })] });
      mock.on(ListTasksCommand).resolves({ taskArns: [arn('t1'), arn('t2')] });
      mock.on(UpdateTaskProtectionCommand).resolves({ failures: [{ arn: arn('t1'), reason: 'TASK_NOT_VALID' }] });

      // Act
      const attempt = target({ busyTasks: async () => ['t1'] }).scale(busyPool(), { desired: 2, reason: 'down' });

      // Assess
      await expect(attempt).rejects.toThrow(/TASK_NOT_VALID/);
      expect(mock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    });

    it.each([
      { case: 'no busy-task provider', options: {}, message: /sets target.protectBusyTasks but nothing here can tell its busy tasks/ },
      {
        case: 'a provider that fails',
        options: { busyTasks: async () => Promise.reject(new Error('Redis at redis://cache:6379 is unavailable')) },
        message: /Busy tasks of pool "bots" could not be read, scale-in refused: Redis at redis:\/\/cache:6379 is unavailable/,
      },
    ])('refuses a scale-in with $case, naming the pool', async ({ options, message }) => {
      // Prepare
      mock.on(DescribeServicesCommand).resolves({ services: [service('bots', { desiredCount: 4 })] });

      // Act
      const attempt = target(options).scale(busyPool(), { desired: 2, reason: 'down' });

      // Assess
      await expect(attempt).rejects.toThrow(message);
      expect(mock.commandCalls(UpdateTaskProtectionCommand)).toHaveLength(0);
      expect(mock.commandCalls(UpdateServiceCommand)).toHaveLength(0);
    });

    it('exposes protectTasks and unprotectTasks', async () => {
      // Prepare
      mock.on(UpdateTaskProtectionCommand).resolves({});
      const ecs = target();

      // Act
      await ecs.protectTasks('main', ['a', 'b'], 5);
      await ecs.unprotectTasks('main', ['a']);

      // Assess
      expect(mock.commandCalls(UpdateTaskProtectionCommand).map((call) => call.args[0].input)).toEqual([
        { cluster: 'main', tasks: ['a', 'b'], protectionEnabled: true, expiresInMinutes: 5 },
        { cluster: 'main', tasks: ['a'], protectionEnabled: false },
      ]);
    });
  });
});
