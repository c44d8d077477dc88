import { describe, expect, it } from 'vitest';
import { decide } from '../../shared/engine';
import { MINUTE, T0, observe, policyOf, stateOf } from './fixtures';

describe('Function: decide', () => {
  it('scales the seed 000 bot pool: 10 bots, 8 busy -> free 2 < 3 -> +5 -> 15', () => {
    // Prepare
    const policy = policyOf({ min: 1, max: 100, rules: [{ type: 'buffer', minFree: 3, batch: 5 }] });
    // Act
    const { decision, state } = decide(policy, observe(T0, { busy: 8 }, { desired: 10 }), stateOf(), T0, 'schedule');
    // Assess
    expect(decision).toMatchObject({ current: 10, desired: 15, action: 'scale_up', trigger: 'schedule' });
    expect(decision.reasons.map((r) => r.code)).toContain('rule.buffer.below_min_free');
    expect(state).toMatchObject({ desired: 15, lastScaleUpAt: T0, lastEvaluatedAt: T0, consecutiveFailures: 0 });
  });

  it('caps at max with a cap.max reason', () => {
    const policy = policyOf({ min: 1, max: 12, rules: [{ type: 'buffer', minFree: 3, batch: 5 }] });
    const { decision } = decide(policy, observe(T0, { busy: 8 }, { desired: 10 }), stateOf(), T0);
    expect(decision.desired).toBe(12);
    expect(decision.reasons).toContainEqual({ code: 'cap.max', message: 'capped 15 -> 12 by max' });
  });

  it('holds when paused, even outside bounds', () => {
    const policy = policyOf({ min: 5, max: 10, paused: true, rules: [{ type: 'buffer', minFree: 3, batch: 5 }] });
    const { decision } = decide(policy, observe(T0, { busy: 2 }, { desired: 2 }), stateOf(), T0);
    expect(decision).toMatchObject({ desired: 2, action: 'none' });
    expect(decision.reasons[0]!.code).toBe('paused');
  });

  it('applies a manual override clamped to bounds and drops an expired one', () => {
    const policy = policyOf({ min: 1, max: 10, rules: [{ type: 'buffer', minFree: 0, batch: 1 }] });
    const manual = { desired: 50, reason: 'load test', at: T0 - MINUTE, until: T0 + MINUTE };
    const active = decide(policy, observe(T0, { busy: 0 }, { desired: 3 }), stateOf({ manual }), T0);
    expect(active.decision.desired).toBe(10);
    expect(active.state.manual).toEqual(manual);
    const expired = decide(policy, observe(T0 + MINUTE, { busy: 0 }, { desired: 10 }), active.state, T0 + MINUTE);
    expect(expired.state.manual).toBeUndefined();
    expect(expired.decision.reasons[0]!.code).toBe('manual.expired');
  });
});
