import { describe, expect, it } from 'vitest';
import type { Observations } from '../../shared/domain/types';
import { applyBudget, decide } from '../../shared/engine';
import { MINUTE, T0, observe, policyOf, stateOf } from './fixtures';

const codes = (reasons: { code: string }[]) => reasons.map((r) => r.code);
const quiet = { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 };

describe('Function: decide (behaviour)', () => {
  const target = policyOf({ min: 1, max: 20, behaviour: quiet, rules: [{ type: 'target', targetValue: 0.6 }, { type: 'memory', perWorkerGb: 4, role: 'limit' }] });

  it.each([
    { case: 'metric failed', metrics: { utilization: { value: 0.1, at: T0 }, mem_available_gb: { error: 'timeout', at: T0 } } },
    { case: 'metric stale', metrics: { utilization: { value: 0.1, at: T0 }, mem_available_gb: { value: 64, at: T0 - 10 * MINUTE } } },
    { case: 'metric absent', metrics: { utilization: { value: 0.1, at: T0 } } },
  ])('never scales in when data is missing: $case', ({ metrics }) => {
    // Prepare
    const observations: Observations = { at: T0, metrics: metrics as Observations['metrics'], target: { desired: 10, ready: 10, pending: 0, stable: true } };
    // Act
    const { decision, state } = decide(target, observations, stateOf({ consecutiveFailures: 0 }), T0);
    // Assess
    expect(decision.desired).toBe(10);
    expect(codes(decision.reasons)).toContain('data.missing');
    expect(state.consecutiveFailures).toBe(1);
  });

  it('still scales up when some data is missing', () => {
    const observations: Observations = { at: T0, metrics: { utilization: { value: 0.9, at: T0 } }, target: { desired: 4, ready: 4, pending: 0, stable: true } };
    expect(decide(target, observations, stateOf(), T0).decision.desired).toBe(6);
  });

  it.each([
    { case: 'hold keeps current', fallback: { after: 3, action: 'hold' as const }, failures: 2, desired: 3 },
    { case: 'set raises to count', fallback: { after: 3, action: 'set' as const, count: 5 }, failures: 2, desired: 5 },
    { case: 'set never scales in', fallback: { after: 3, action: 'set' as const, count: 2 }, failures: 2, desired: 3 },
    { case: 'set waits for enough failures', fallback: { after: 3, action: 'set' as const, count: 5 }, failures: 0, desired: 3 },
  ])('fallback: $case', ({ fallback, failures, desired }) => {
    const policy = policyOf({ min: 1, max: 20, fallback, behaviour: quiet, rules: [{ type: 'target', targetValue: 0.6 }] });
    const { decision, state } = decide(policy, observe(T0, {}, { desired: 3 }), stateOf({ consecutiveFailures: failures }), T0);
    expect(decision.desired).toBe(desired);
    expect(state.consecutiveFailures).toBe(failures + 1);
    if (failures + 1 >= fallback.after) expect(codes(decision.reasons)).toContain('fallback');
  });

  it('resets consecutive failures on a full read', () => {
    const { state } = decide(target, observe(T0, { utilization: 0.6, mem_available_gb: 64 }, { desired: 3 }), stateOf({ consecutiveFailures: 7 }), T0);
    expect(state.consecutiveFailures).toBe(0);
  });

  it('stabilises scale-down to the highest recommendation of the window', () => {
    const policy = policyOf({ min: 1, max: 20, behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: '5m' }, rules: [{ type: 'target', targetValue: 0.5 }] });
    const state = stateOf({ recommendations: [{ t: T0 - 4 * MINUTE, desired: 8 }, { t: T0 - 10 * MINUTE, desired: 20 }] });
    const { decision, state: next } = decide(policy, observe(T0, { utilization: 0.1 }, { desired: 10 }), state, T0);
    expect(decision.desired).toBe(8);
    expect(codes(decision.reasons)).toContain('stabilization.down');
    expect(next.recommendations).toEqual([{ t: T0 - 4 * MINUTE, desired: 8 }, { t: T0, desired: 2 }]);
  });

  it('does not scale in while the target is not stable', () => {
    const { decision } = decide(target, observe(T0, { utilization: 0.1, mem_available_gb: 64 }, { desired: 10, stable: false, note: 'deployment in progress' }), stateOf(), T0);
    expect(decision.desired).toBe(10);
    expect(decision.reasons.find((r) => r.code === 'target.not_ready')?.message).toContain('deployment in progress');
  });

  it.each([
    { case: 'up', behaviour: { ...quiet, maxStepUp: 2 }, utilization: 1.2, desired: 12, code: 'step.up' },
    { case: 'down', behaviour: { ...quiet, maxStepDown: 3 }, utilization: 0.06, desired: 7, code: 'step.down' },
  ])('limits the step $case', ({ behaviour, utilization, desired, code }) => {
    const policy = policyOf({ min: 1, max: 40, behaviour, rules: [{ type: 'target', targetValue: 0.6 }] });
    const { decision } = decide(policy, observe(T0, { utilization }, { desired: 10 }), stateOf(), T0);
    expect(decision.desired).toBe(desired);
    expect(codes(decision.reasons)).toContain(code);
  });

  it('caps by the memory limit ceiling', () => {
    const { decision } = decide(target, observe(T0, { utilization: 1.2, mem_available_gb: 32 }, { desired: 10 }), stateOf(), T0);
    expect(decision.desired).toBe(7);
    expect(codes(decision.reasons)).toContain('ceiling');
  });

  it('dry run decides but does not stamp the scale time', () => {
    const policy = policyOf({ min: 1, max: 20, dryRun: true, behaviour: quiet, rules: [{ type: 'target', targetValue: 0.6 }] });
    const { decision, state } = decide(policy, observe(T0, { utilization: 0.9 }, { desired: 4 }), stateOf(), T0);
    expect(decision).toMatchObject({ action: 'scale_up', dryRun: true, desired: 6 });
    expect(state.lastScaleUpAt).toBeUndefined();
  });

  it('holds a disabled pool', () => {
    const policy = policyOf({ min: 1, max: 20, enabled: false, rules: [{ type: 'target', targetValue: 0.6 }] });
    const { decision } = decide(policy, observe(T0, { utilization: 0.9 }, { desired: 4 }), stateOf(), T0);
    expect(decision).toMatchObject({ action: 'none', desired: 4 });
    expect(decision.reasons[0]!.code).toBe('disabled');
  });

  it('holds when paused through the API', () => {
    const { decision } = decide(target, observe(T0, { utilization: 0.9 }, { desired: 4 }), stateOf({ paused: { reason: 'incident', at: T0, by: 'ana' } }), T0);
    expect(decision.desired).toBe(4);
    expect(decision.reasons[0]!.message).toContain('incident');
  });

  it('starts from state.desired, then min, without target status', () => {
    const policy = policyOf({ min: 2, max: 20, rules: [] });
    expect(decide(policy, observe(T0, {}), stateOf({ desired: 5 }), T0).decision.current).toBe(5);
    expect(decide(policy, observe(T0, {}), stateOf(), T0).decision.current).toBe(2);
  });

  it('explains a hold within tolerance', () => {
    const policy = policyOf({ min: 1, max: 20, rules: [{ type: 'target', targetValue: 0.6 }] });
    const { decision } = decide(policy, observe(T0, { utilization: 0.62 }, { desired: 4 }), stateOf(), T0);
    expect(decision.action).toBe('none');
    expect(decision.reasons.map((r) => r.message)).toContain('utilization 0.62 within 10% of target 0.6: hold 4');
  });

  it('lets memory that cannot fit more workers win over a schedule floor, saying so', () => {
    const policy = policyOf({
      min: 1,
      max: 20,
      behaviour: quiet,
      rules: [
        { type: 'memory', perWorkerGb: 4, role: 'limit' },
        { type: 'schedule', windows: [{ cron: '* * * * *', min: 6 }] },
      ],
    });
    const { decision } = decide(policy, observe(T0, { mem_available_gb: 12 }, { desired: 3 }), stateOf(), T0);
    // The floor asks for 6, but only 2 fit in 12 GB (4 GB reserve, 4 GB each): memory is physical.
    expect(decision.desired).toBe(2);
    expect(decision.reasons.find((r) => r.code === 'ceiling.hard')?.message).toContain('only 2 fit');
  });

  it('does not touch a decision within the budget', () => {
    const policy = policyOf({ min: 1, max: 20, behaviour: quiet, rules: [{ type: 'target', targetValue: 0.6 }] });
    const result = decide(policy, observe(T0, { utilization: 0.9 }, { desired: 4 }), stateOf(), T0);
    expect(applyBudget([{ policy, result }], { maxWorkers: 100 })).toEqual([result]);
  });

  describe('reason messages: durations as a person reads them (issue 13)', () => {
    const calm = policyOf({ min: 1, max: 20, behaviour: { cooldownUp: '3m', cooldownDown: '5m', stabilizationDown: 0 }, rules: [{ type: 'target', targetValue: 0.6 }] });
    it.each([
      {
        case: 'a manual override: the time left rounded',
        state: stateOf({ manual: { desired: 5, reason: 'load test', at: T0 - MINUTE, until: T0 + 59_967, by: 'ana' } }),
        utilization: 0.6,
        code: 'manual',
        message: 'manual override by ana (load test): 5 for 1m more',
      },
      {
        case: 'a scale-in within cooldownDown: the time since rounded down, so it reads below the cooldown',
        state: stateOf({ lastScaleDownAt: T0 - (5 * MINUTE - 400) }),
        utilization: 0.1,
        code: 'cooldown.down',
        message: 'last scaling 4m 59s ago < cooldownDown 5m: holding 10 instead of 2',
      },
      {
        case: 'a scale-up within cooldownUp: minutes and seconds',
        state: stateOf({ lastScaleUpAt: T0 - 90_500 }),
        utilization: 0.9,
        code: 'cooldown.up',
        message: 'last scale-up 1m 30s ago < cooldownUp 3m: holding 10 instead of 15',
      },
    ])('$case', ({ state, utilization, code, message }) => {
      // Act
      const { decision } = decide(calm, observe(T0, { utilization }, { desired: 10 }), state, T0);
      // Assess
      expect(decision.reasons.find((r) => r.code === code)?.message).toBe(message);
    });
  });
});
