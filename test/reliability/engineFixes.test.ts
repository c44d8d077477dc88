import { DescribeServicesCommand, ECSClient, ECSServiceException, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { EcsScaleTarget } from '../../shared/adapters/ecs';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../../shared/adapters/memory';
import { parsePolicy } from '../../shared/config/validate';
import { PoolSchema } from '../../shared/domain/policy';
import { initialState, type PoolState } from '../../shared/domain/types';
import { decide } from '../../shared/engine';
import { runTick } from '../../shared/runtime/tick';

describe('Reliability: engine fixes found by the fault tests', () => {
  it('a pool evaluated for the first time while DescribeServices fails does not call UpdateService', async () => {
    // Prepare: the ECS service runs 10 tasks; poolscale has no state for it yet (new pool, cold start).
    const client = new ECSClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const mock = mockClient(client);
    mock.on(DescribeServicesCommand).rejects(new ECSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: {}, message: 'Rate exceeded' }));
    mock.on(UpdateServiceCommand).resolves({});
    const pool = PoolSchema.parse({
      id: 'api', target: { kind: 'ecs', cluster: 'main', service: 'api' }, min: 1, max: 40, interval: '1m',
      metrics: { busy: { source: 'static', value: 9 } }, rules: [{ type: 'buffer', minFree: 2, batch: 3 }],
    });
    const target = new EcsScaleTarget({ clients: () => client });

    // Act
    const result = await runTick({
      policies: new MemoryPolicyStore([pool]), states: new MemoryStateStore(), log: new MemoryDecisionLog(),
      metrics: [new StaticMetricSource()], targets: [target], clock: { now: () => Date.UTC(2026, 10, 23, 12) },
    });

    // Assess: with the real count unknown, any UpdateService is a blind move (here 10 -> 4).
    expect(mock.commandCalls(UpdateServiceCommand).map((c) => c.args[0].input.desiredCount)).toEqual([]);
    expect(result.outcomes[0]?.acted).toBe(false);
  });

  it('a memory-sized pool with default behaviour sheds workers that no longer fit without waiting out stabilisation', () => {
    // Prepare: memory rule (role size), 6 GB per worker, 4 GB reserve; default behaviour (5 min stabilisation/cooldown).
    const policy = parsePolicy({
      id: 'celery', target: { kind: 'host', host: 'r620', pool: 'celery' }, min: 1, max: 8, interval: '1m',
      metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } },
      rules: [{ type: 'memory', perWorkerGb: 6, reserveGb: 4 }],
    });
    let state: PoolState = initialState(policy.id);
    let running = 8;
    let now = Date.UTC(2026, 10, 23, 12);
    const counts: number[] = [];

    // Act: available memory falls 64 -> 10 GB over six minutes.
    for (const mem of [64, 52, 40, 28, 16, 10]) {
      now += 60_000;
      const { decision, state: next } = decide(policy, { at: now, metrics: { mem_available_gb: { value: mem, at: now } }, target: { desired: running, ready: running, pending: 0, stable: true } }, state, now);
      state = next;
      running = decision.desired;
      counts.push(running);
    }

    // Assess: each count fits (floor((mem - 4) / 6), at least min 1).
    expect(counts).toEqual([8, 8, 6, 4, 2, 1]);
  });
});
