import { describe, expect, it } from 'vitest';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../../shared/adapters/memory';
import { type Policy, type PolicyInput, PoolSchema } from '../../shared/domain/policy';
import type { MetricReading } from '../../shared/domain/types';
import type { MetricRequest, MetricSource } from '../../shared/ports/MetricSource';
import { type RuntimeDeps, isDue, runTick } from '../../shared/runtime/tick';
import { RecordingTarget } from '../support/recordingTarget';

/** Seed 000's bot pool: 10 bots, 8 ACTIVE, keep 3 free, add 5 at a time. */
const botPool = (overrides: Partial<PolicyInput> = {}): Policy =>
  PoolSchema.parse({
    id: 'bots',
    target: { kind: 'none' },
    min: 0,
    max: 100,
    interval: '30s',
    metrics: { busy: { source: 'static', value: 8 } },
    rules: [{ type: 'buffer', minFree: 3, batch: 5 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    ...overrides,
  });

function setup(policies: Policy[], initial: Record<string, number> = { bots: 10 }, metrics: MetricSource[] = [new StaticMetricSource()]) {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const target = new RecordingTarget(initial);
  const log = new MemoryDecisionLog();
  const states = new MemoryStateStore();
  const deps: RuntimeDeps = {
    policies: new MemoryPolicyStore(policies),
    states,
    log,
    metrics,
    targets: [target],
    clock: { now: () => now },
  };
  return { deps, target, log, states, advance: (ms: number) => (now += ms) };
}

describe('Function: runTick', () => {
  it('scales the seed 000 bot pool from 10 to 15 and records the decision with reasons', async () => {
    // Prepare
    const { deps, target, log } = setup([botPool()]);

    // Act
    const result = await runTick(deps, { trigger: 'schedule' });

    // Assess
    expect(target.calls).toEqual([expect.objectContaining({ poolId: 'bots', desired: 15 })]);
    expect(result.outcomes).toEqual([expect.objectContaining({ poolId: 'bots', acted: true })]);
    const [decision] = await log.list('bots');
    expect(decision).toMatchObject({ current: 10, desired: 15, action: 'scale_up', trigger: 'schedule' });
    expect(decision!.reasons.length).toBeGreaterThan(0);
  });

  it('acts exactly once when 50 evaluations of one pool overlap', async () => {
    // Prepare
    const { deps, target, log } = setup([botPool()]);

    // Act
    const results = await Promise.all(Array.from({ length: 50 }, () => runTick(deps, { force: true })));

    // Assess
    const outcomes = results.flatMap((result) => result.outcomes);
    expect(target.calls).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.acted)).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.skipped === 'conflict')).toHaveLength(49);
    expect(await log.list('bots')).toHaveLength(1);
  });

  it('skips a duplicate delivery of the same event', async () => {
    const { deps, target, advance } = setup([botPool()]);
    await runTick(deps, { eventId: 'evt-1', force: true });
    advance(60_000);

    const again = await runTick(deps, { eventId: 'evt-1', force: true });

    expect(again.outcomes).toEqual([{ poolId: 'bots', acted: false, skipped: 'duplicate_event' }]);
    expect(target.calls).toHaveLength(1);
  });

  it('evaluates a pool only when its interval has elapsed, unless forced', async () => {
    const { deps, advance } = setup([botPool()]);
    await runTick(deps);
    advance(10_000);

    const early = await runTick(deps);
    const forced = await runTick(deps, { force: true });

    expect(early.outcomes[0]).toMatchObject({ skipped: 'not_due' });
    expect(forced.outcomes[0]?.decision).toBeDefined();
  });

  it.each([
    { case: 'never evaluated', last: undefined, now: 0, due: true },
    { case: 'interval elapsed', last: 0, now: 30_000, due: true },
    { case: 'scheduler 1 s early', last: 0, now: 29_000, due: true },
    { case: 'half the interval', last: 0, now: 15_000, due: false },
  ])('isDue: $case', ({ last, now, due }) => {
    const state = last === undefined ? undefined : { poolId: 'bots', version: 1, consecutiveFailures: 0, samples: [], recommendations: [], lastEvaluatedAt: last };
    expect(isDue(botPool(), state, now)).toBe(due);
  });

  it('does not act for a dry-run pool but records what it would do', async () => {
    const { deps, target, log } = setup([botPool({ dryRun: true })]);

    await runTick(deps);

    expect(target.calls).toHaveLength(0);
    expect((await log.list('bots'))[0]).toMatchObject({ desired: 15, dryRun: true });
  });

  it('records a failed action, keeps the previous desired count, and retries next tick without overshooting', async () => {
    // Prepare
    const { deps, target, states, advance } = setup([botPool()]);
    target.failures = 1;

    // Act
    const first = await runTick(deps);
    advance(30_000);
    const second = await runTick(deps);

    // Assess
    expect(first.outcomes[0]).toMatchObject({ acted: false, error: expect.stringContaining('Throttling') });
    expect(first.outcomes[0]?.decision?.reasons.map((r) => r.code)).toContain('action.failed');
    expect(second.outcomes[0]).toMatchObject({ acted: true });
    expect(target.calls).toEqual([expect.objectContaining({ desired: 15 })]);
    expect((await states.get('bots'))?.lastActionError).toBeUndefined();
  });

  it('keeps other pools going when one metric source fails', async () => {
    // Prepare: a broken source for one pool; the other pool reads static values.
    const broken: MetricSource = {
      sources: ['redis'],
      read: async (_requests: readonly MetricRequest[]): Promise<Map<string, MetricReading>> => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:6390');
      },
    };
    const redisPool = botPool({ id: 'redis-bots', metrics: { busy: { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' } } });
    const { deps, target } = setup([botPool(), redisPool], { bots: 10, 'redis-bots': 10 }, [new StaticMetricSource(), broken]);

    // Act
    const result = await runTick(deps);

    // Assess
    const byId = Object.fromEntries(result.outcomes.map((outcome) => [outcome.poolId, outcome]));
    expect(byId.bots).toMatchObject({ acted: true });
    expect(byId['redis-bots']).toMatchObject({ acted: false, decision: expect.objectContaining({ action: 'none' }) });
    expect(target.calls.map((call) => call.poolId)).toEqual(['bots']);
  });

  it('reports pools asked for that do not exist', async () => {
    const { deps } = setup([botPool()]);
    const result = await runTick(deps, { poolIds: ['nope'], force: true });
    expect(result.outcomes).toEqual([{ poolId: 'nope', acted: false, skipped: 'not_found' }]);
  });

  it('skips disabled pools', async () => {
    const { deps, target } = setup([botPool({ enabled: false })]);
    const result = await runTick(deps);
    expect(result.outcomes).toEqual([{ poolId: 'bots', acted: false, skipped: 'disabled' }]);
    expect(target.calls).toHaveLength(0);
  });
});
