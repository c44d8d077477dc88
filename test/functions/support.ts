import { readFileSync } from 'node:fs';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { createDocumentClient, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { createEcsClientFactory, EcsScaleTarget } from '../../shared/adapters/ecs';
import { NoneTarget, StaticMetricSource } from '../../shared/adapters/memory';
import { PoolSchema, type Policy, type PolicyInput } from '../../shared/domain/policy';
import type { RuntimeDeps } from '../../shared/runtime/tick';
import type { FunctionLogger } from '../../functions/lib/FunctionLogger';
import { createTables, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';

/** A fixture event from test/functions/events, parsed fresh each time (tests may change it). */
export function fixture<T = Record<string, any>>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./events/${name}.json`, import.meta.url), 'utf8')) as T;
}

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  extra?: Record<string, unknown>;
}

/** Records log lines instead of printing them. */
export function recordingLogger(): FunctionLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (message: string, extra?: Record<string, unknown>) => void lines.push({ level, message, ...(extra ? { extra } : {}) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A flush counter standing in for Powertools Metrics. */
export const countingMetrics = () => ({ flushes: 0, publishStoredMetrics() { this.flushes++; } });

export const ecsPolicy = (input: Partial<PolicyInput> & { id: string }): Policy =>
  PoolSchema.parse({
    target: { kind: 'ecs', cluster: 'prod', service: `${input.id}-svc` },
    min: 1,
    max: 20,
    metrics: { busy: { source: 'static', value: 2 } },
    rules: [{ type: 'buffer', minFree: 2, batch: 3 }],
    ...input,
  });

/**
 * ECS mocked at the SDK: DescribeServices reports `running` tasks for every service, steady;
 * UpdateService succeeds. The mock's call list is the assertion surface.
 */
export function mockEcs(running = 2) {
  const ecs = mockClient(ECSClient);
  ecs.on(DescribeServicesCommand).callsFake((input: { cluster?: string; services?: string[] }) => ({
    services: (input.services ?? []).map((name) => ({
      serviceName: name,
      serviceArn: `arn:aws:ecs:${TEST_REGION}:123456789012:service/${input.cluster}/${name}`,
      status: 'ACTIVE',
      desiredCount: running,
      runningCount: running,
      pendingCount: 0,
      deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', rolloutState: 'COMPLETED', desiredCount: running, runningCount: running, pendingCount: 0 }],
    })),
    failures: [],
  }));
  ecs.on(UpdateServiceCommand).resolves({});
  const updates = () =>
    ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input as { cluster: string; service: string; desiredCount: number });
  return { ecs, updates };
}

/** Runtime deps on dynalite tables (fresh names per call) with a real EcsScaleTarget. */
export async function dynamoRuntime(dynalite: Dynalite, policies: Policy[], now: () => number = Date.now): Promise<RuntimeDeps> {
  const names = uniqueTableNames('functions');
  await createTables(dynalite.client, names);
  const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const policyStore = new DynamoPolicyStore(client, names.policies);
  for (const policy of policies) await policyStore.put(policy);
  return {
    policies: policyStore,
    states: new DynamoStateStore(client, names.state),
    log: new DynamoDecisionLog(client, names.history),
    metrics: [new StaticMetricSource()],
    targets: [
      new EcsScaleTarget({ clients: createEcsClientFactory({ region: TEST_REGION, credentials: TEST_CREDENTIALS }) }),
      new NoneTarget(),
    ],
    clock: { now },
  };
}
