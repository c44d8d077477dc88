/**
 * Issue 10, item 3, off Lambda: a CloudWatch metric read by the real SDK client on a machine
 * without AWS credentials or without a region (as under `poolscale up`), and a source the
 * process does not serve at all, each say so in the decision the runtime records.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetricSource, createCloudWatchClientFactory } from '../../shared/adapters/cloudwatch';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, NoneTarget, StaticMetricSource } from '../../shared/adapters/memory';
import { PoolSchema, type Policy } from '../../shared/domain/policy';
import type { MetricSource } from '../../shared/ports/MetricSource';
import { runTick } from '../../shared/runtime/tick';
import { freePort } from '../support/redis';

const CREDENTIAL_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_ARN',
] as const;

const backlogPool: Policy = PoolSchema.parse({
  id: 'sqs-workers',
  target: { kind: 'none' },
  min: 1,
  max: 10,
  metrics: {
    backlog: { source: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: 'jobs' } },
  },
  rules: [{ type: 'target', metric: 'backlog', perWorker: 10 }],
});

async function tickWith(metrics: MetricSource[]) {
  const log = new MemoryDecisionLog();
  const result = await runTick({
    policies: new MemoryPolicyStore([backlogPool]),
    states: new MemoryStateStore(),
    log,
    metrics: [new StaticMetricSource(), ...metrics],
    targets: [new NoneTarget()],
    clock: { now: () => Date.now() },
  });
  const [recorded] = await log.list(backlogPool.id, { limit: 1 });
  return { outcome: result.outcomes[0]!, recorded: recorded! };
}

describe('Function: runTick, a CloudWatch metric on a machine that cannot read CloudWatch', () => {
  const saved = Object.fromEntries(CREDENTIAL_ENV.map((key) => [key, process.env[key]]));
  let endpoint: string;

  beforeEach(async () => {
    for (const key of CREDENTIAL_ENV) delete process.env[key];
    // No file, no instance metadata: the SDK's whole provider chain comes up empty, fast.
    Object.assign(process.env, {
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/poolscale-test/credentials',
      AWS_CONFIG_FILE: '/nonexistent/poolscale-test/config',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    // Nothing listens there: no request may leave the machine in a test.
    endpoint = `http://127.0.0.1:${await freePort()}`;
  });

  afterEach(() => {
    for (const key of CREDENTIAL_ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('says credentials are missing, in the decision and its reasons', { timeout: 30_000 }, async () => {
    // Prepare
    const source = new CloudWatchMetricSource({ clients: createCloudWatchClientFactory({ region: 'us-east-1', endpoint, maxAttempts: 1 }) });

    // Act
    const { outcome, recorded } = await tickWith([source]);

    // Assess
    expect(outcome.decision?.metricErrors).toEqual([
      {
        metric: 'backlog',
        source: 'cloudwatch',
        errorClass: 'CredentialsProviderError',
        message: expect.stringMatching(/GetMetricData failed .*Could not load credentials/),
      },
    ]);
    expect(recorded.metricErrors).toEqual(outcome.decision?.metricErrors);
    expect(recorded.reasons.map((r) => r.message).join('\n')).toMatch(/no fresh backlog \(cloudwatch: .*Could not load credentials/);
  });

  it('says the region is missing', { timeout: 30_000 }, async () => {
    // Prepare
    const source = new CloudWatchMetricSource({
      clients: createCloudWatchClientFactory({ endpoint, maxAttempts: 1, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example' } }),
    });

    // Act
    const { recorded } = await tickWith([source]);

    // Assess
    expect(recorded.metricErrors).toEqual([expect.objectContaining({ source: 'cloudwatch', errorClass: 'RegionMissing', message: expect.stringMatching(/Region is missing/) })]);
  });

  it('says no CloudWatch source is configured in a process that has none', async () => {
    // Act
    const { recorded } = await tickWith([]);

    // Assess
    expect(recorded.metricErrors).toEqual([
      { metric: 'backlog', source: 'cloudwatch', errorClass: 'NoSource', message: 'no metric source for "cloudwatch" is configured here' },
    ]);
    expect(recorded.reasons.map((r) => r.message).join('\n')).toContain('no fresh backlog (cloudwatch: no metric source for "cloudwatch" is configured here)');
  });
});
