import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { StaticMetricSource } from '../../shared/adapters/memory';
import { PoolSchema } from '../../shared/domain/policy';
import { type RuntimeDeps, runTick } from '../../shared/runtime/tick';
import { type Dynalite, createTables, startDynalite, uniqueTableNames } from '../support/dynalite';
import { RecordingTarget } from '../support/recordingTarget';

describe('Function: runTick on DynamoDB (dynalite)', () => {
  let dynalite: Dynalite;
  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(async () => {
    await dynalite.stop();
  });

  it('50 concurrent evaluations of one pool give exactly one scaling action and one history record', async () => {
    // Prepare
    const names = uniqueTableNames('overlap');
    await createTables(dynalite.client, names);
    const client = DynamoDBDocumentClient.from(dynalite.client, { marshallOptions: { removeUndefinedValues: true } });
    const policies = new DynamoPolicyStore(client, names.policies);
    await policies.put(
      PoolSchema.parse({
        id: 'bots',
        target: { kind: 'none' },
        min: 0,
        max: 100,
        metrics: { busy: { source: 'static', value: 8 } },
        rules: [{ type: 'buffer', minFree: 3, batch: 5 }],
      }),
    );
    const target = new RecordingTarget({ bots: 10 });
    const log = new DynamoDecisionLog(client, names.history);
    const deps: RuntimeDeps = {
      policies,
      states: new DynamoStateStore(client, names.state),
      log,
      metrics: [new StaticMetricSource()],
      targets: [target],
      clock: { now: () => Date.UTC(2026, 10, 23, 12) },
    };

    // Act
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => runTick(deps, { force: true, eventId: `evt-${i}` })));

    // Assess: one action. Evaluations that lost the claim did nothing; those that read the
    // state after the winner committed recorded a hold (cooldown) — every decision made is in
    // the history, and only one of them scales.
    const outcomes = results.flatMap((result) => result.outcomes);
    expect(target.calls).toEqual([expect.objectContaining({ poolId: 'bots', desired: 15 })]);
    expect(outcomes.filter((outcome) => outcome.acted)).toHaveLength(1);
    for (const outcome of outcomes.filter((o) => !o.acted)) {
      expect(outcome.skipped === 'conflict' || outcome.decision?.action === 'none').toBe(true);
    }
    const recorded = await log.list('bots', { limit: 100 });
    expect(recorded).toHaveLength(outcomes.filter((outcome) => outcome.decision).length);
    expect(recorded.filter((decision) => decision.action !== 'none')).toHaveLength(1);
  });
});
