import { describe, expect, it } from 'vitest';
import type { Policy } from '../../shared/domain/policy';
import { applyBudget, decide } from '../../shared/engine';
import { T0, observe, policyOf, stateOf } from './fixtures';

/** A pool that wants `want` workers from `current` (backlog rule). */
function entry(id: string, current: number, want: number, extra: Partial<Parameters<typeof policyOf>[0]> = {}) {
  const policy: Policy = policyOf({ id, min: 1, max: 100, behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 }, rules: [{ type: 'target', metric: 'queue', perWorker: 1 }], ...extra });
  const result = decide(policy, observe(T0, { queue: want }, { desired: current }), stateOf({ poolId: id }), T0);
  return { policy, result };
}

describe('Function: applyBudget', () => {
  it('passes results through without a budget', () => {
    const entries = [entry('a', 2, 10)];
    expect(applyBudget(entries, undefined)).toEqual([entries[0]!.result]);
  });

  it('grants by priority and trims the rest with a reason', () => {
    // Prepare: 4 + 4 running, both want 10, budget 14 workers.
    const entries = [entry('low', 4, 10), entry('high', 4, 10, { priority: 5 })];
    // Act
    const [low, high] = applyBudget(entries, { maxWorkers: 14 });
    // Assess
    expect(high!.decision.desired).toBe(10);
    expect(low!.decision.desired).toBe(4);
    expect(low!.decision.action).toBe('none');
    expect(low!.state.desired).toBe(4);
    expect(low!.decision.reasons.find((r) => r.code === 'budget.workers')?.message).toBe('global budget maxWorkers 14: 10 -> 4 (6 fewer)');
  });

  it('limits by memory per worker', () => {
    const entries = [entry('a', 2, 10, { resources: { memoryGb: 4 } })];
    const [a] = applyBudget(entries, { maxMemoryGb: 24 });
    expect(a!.decision.desired).toBe(6);
    expect(a!.decision.reasons.map((r) => r.code)).toContain('budget.memory');
  });

  it('never trims below the current count or min, and leaves scale-ins alone', () => {
    const entries = [entry('a', 8, 12), entry('b', 10, 3)];
    const [a, b] = applyBudget(entries, { maxWorkers: 5 });
    expect(a!.decision.desired).toBe(8);
    expect(b!.decision.desired).toBe(3);
  });

  it('among equal priorities, grants smaller increases first', () => {
    const entries = [entry('big', 0, 10, { min: 0 }), entry('small', 0, 2, { min: 0 })];
    const [big, small] = applyBudget(entries, { maxWorkers: 6, maxCpu: 1000 });
    expect(small!.decision.desired).toBe(2);
    expect(big!.decision.desired).toBe(4);
  });
});
