import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { redisBusyTasks, taskFromKey } from '../../shared/adapters/redis/busyTasks';
import { ioredisRunner } from '../../shared/adapters/redis/ioredisRunner';
import type { RedisCommandRunner } from '../../shared/adapters/redis/RedisCommandRunner';
import { ScaleTargetError } from '../../shared/domain/errors';
import { PoolSchema, type PolicyInput } from '../../shared/domain/policy';
import { startRedis, type TestRedis } from '../support/redis';

const pool = (input: Partial<PolicyInput>) =>
  PoolSchema.parse({ id: 'bots', min: 0, max: 20, target: { kind: 'ecs', cluster: 'main', service: 'bots', protectBusyTasks: true }, ...input });

describe('Function: taskFromKey', () => {
  it.each([
    { case: 'a prefix pattern', pattern: 'bot_status:*', key: 'bot_status:9f2c', task: '9f2c' },
    { case: 'a task ARN after the prefix', pattern: 'bot_status:*', key: 'bot_status:arn:aws:ecs:us-east-1:1:task/main/9f2c', task: 'arn:aws:ecs:us-east-1:1:task/main/9f2c' },
    { case: 'a prefix and a suffix', pattern: 'task:*:state', key: 'task:9f2c:state', task: '9f2c' },
    { case: 'a pattern with two stars (last segment)', pattern: 'pool:*:task:*', key: 'pool:a:task:9f2c', task: '9f2c' },
    { case: 'a pattern with ? (last segment)', pattern: 'bot?:*', key: 'bot1:9f2c', task: '9f2c' },
  ])('takes the task from $case', ({ pattern, key, task }) => {
    expect(taskFromKey(pattern, key)).toBe(task);
  });
});

describe('Function: redisBusyTasks', () => {
  let redis: TestRedis;
  let runner: RedisCommandRunner;

  beforeAll(async () => {
    redis = await startRedis();
    runner = ioredisRunner(redis.url);
  });
  afterAll(async () => {
    await runner.close();
    await redis.stop();
  });
  beforeEach(async () => {
    await runner.pipeline([['FLUSHALL']]);
  });

  it.each([
    {
      case: 'string values equal to one wanted value',
      commands: [['SET', 'bot_status:t1', 'ACTIVE'], ['SET', 'bot_status:t2', 'WAITING'], ['SET', 'bot_status:t3', 'ACTIVE'], ['SET', 'other:t4', 'ACTIVE']],
      busy: { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' },
      expected: ['t1', 't3'],
    },
    {
      case: 'a hash field equal to one of several values',
      commands: [['HSET', 'w:t1', 'state', 'BUSY'], ['HSET', 'w:t2', 'state', 'IDLE'], ['HSET', 'w:t3', 'state', 'STARTING'], ['SET', 'w:t4', 'BUSY']],
      busy: { source: 'redis', type: 'count_keys', pattern: 'w:*', field: 'state', equals: ['BUSY', 'STARTING'] },
      expected: ['t1', 't3'],
    },
    {
      case: 'every matching key when no value is given',
      commands: [['SET', 'lease:t5', 'x'], ['SET', 'lease:t6', 'y']],
      busy: { source: 'redis', type: 'count_keys', pattern: 'lease:*' },
      expected: ['t5', 't6'],
    },
  ])('lists the busy tasks from $case', async ({ commands, busy, expected }) => {
    // Prepare
    await runner.pipeline(commands);

    // Act
    const tasks = await redisBusyTasks(runner)(pool({ metrics: { busy } as PolicyInput['metrics'] }));

    // Assess
    expect(tasks.sort()).toEqual(expected);
  });

  it('reads the busy metric named by the buffer rule', async () => {
    // Prepare
    await runner.pipeline([['SET', 'job:t9', 'RUNNING']]);
    const policy = pool({
      metrics: { running: { source: 'redis', type: 'count_keys', pattern: 'job:*', equals: 'RUNNING' } },
      rules: [{ type: 'buffer', minFree: 1, batch: 1, busyMetric: 'running' }],
    });

    // Act
    const tasks = await redisBusyTasks(runner)(policy);

    // Assess
    expect(tasks).toEqual(['t9']);
  });

  it.each([
    { case: 'a busy metric that names no task', metrics: { busy: { source: 'static', value: 2 } }, configured: true, message: /busy metric "busy" of pool "bots" to be a redis count_keys .*it is static/ },
    { case: 'no busy metric', metrics: {}, configured: true, message: /it is not defined/ },
    { case: 'no Redis configured', metrics: { busy: { source: 'redis', type: 'count_keys', pattern: 'b:*' } }, configured: false, message: /no Redis is configured/ },
  ])('refuses $case with a non-retryable ScaleTargetError', async ({ metrics, configured, message }) => {
    // Act
    const error = await redisBusyTasks(configured ? runner : undefined)(pool({ metrics: metrics as PolicyInput['metrics'] })).catch((reason: unknown) => reason);

    // Assess
    expect(error).toBeInstanceOf(ScaleTargetError);
    expect(error).toMatchObject({ retryable: false, message });
  });
});
