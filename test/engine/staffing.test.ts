import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PoolSchema, type TargetRule } from '../../shared/domain/policy';
import { targetRule } from '../../shared/engine';
import { staffing } from '../../shared/engine/rules/target';
import { ctxOf, policyOf } from './fixtures';

const ruleOf = (policy: ReturnType<typeof policyOf>) => policy.rules[0] as TargetRule;

/** The target rule's proposal for this metric value (offered_load) with these options. */
function desiredOf(options: Partial<TargetRule>, value: number, current = 5): number | undefined {
  const policy = policyOf({ max: 1e9, rules: [{ type: 'target', metric: 'offered_load', ...options }] });
  return targetRule(ruleOf(policy), ctxOf(policy, { offered_load: value }, current)).proposal.desired;
}

describe('Function: staffing (square-root staffing, Halfin-Whitt)', () => {
  it.each([
    { case: 'no load, no workers', load: 0, beta: 2, expected: 0 },
    { case: 'beta 0 is ceil(R)', load: 2.5, beta: 0, expected: 3 },
    { case: 'beta 0, integer load', load: 7, beta: 0, expected: 7 },
    { case: 'one worker of load, beta 2', load: 1, beta: 2, expected: 3 },
    { case: 'small pool: relatively more headroom', load: 4, beta: 1, expected: 6 },
    { case: 'large pool: relatively less headroom', load: 100, beta: 2, expected: 120 },
    { case: 'beta 1.5 on 100', load: 100, beta: 1.5, expected: 115 },
    { case: '10,000 workers of load, beta 2 (2 % headroom)', load: 10_000, beta: 2, expected: 10_200 },
    { case: 'fractional sum rounds up', load: 2, beta: 1, expected: 4 },
    { case: 'float noise does not add a worker', load: 0.7 / 0.1, beta: 0, expected: 7 },
  ])('$case: staffing($load, $beta) = $expected', ({ load, beta, expected }) => {
    expect(staffing(load, beta)).toBe(expected);
  });

  const load = fc.double({ min: 0, max: 1e6, noNaN: true });
  const beta = fc.double({ min: 0, max: 5, noNaN: true });

  it('is never below the load', () => {
    fc.assert(fc.property(load, beta, (r, b) => {
      expect(staffing(r, b)).toBeGreaterThanOrEqual(r - 1e-6);
    }));
  });

  it('is nondecreasing in the load', () => {
    // Far apart and close together (a step that breaks monotony is found near it).
    const step = fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }));
    fc.assert(fc.property(fc.oneof(load, fc.double({ min: 0, max: 200, noNaN: true })), step, beta, (r, d, b) => {
      expect(staffing(r, b)).toBeLessThanOrEqual(staffing(r + d, b));
    }), { numRuns: 2000 });
  });

  it('is nondecreasing in the load on a fine grid (0 to 2,000 by 1/8, the usual betas)', () => {
    for (const b of [0, 0.5, 1, 1.5, 2, 3]) {
      let previous = 0;
      for (let i = 0; i <= 16_000; i += 1) {
        const s = staffing(i / 8, b);
        expect(s).toBeGreaterThanOrEqual(previous);
        previous = s;
      }
    }
  });

  it('is nondecreasing in beta', () => {
    fc.assert(fc.property(load, beta, beta, (r, b1, b2) => {
      const [lo, hi] = b1 <= b2 ? [b1, b2] : [b2, b1];
      expect(staffing(r, lo)).toBeLessThanOrEqual(staffing(r, hi));
    }));
  });

  it('equals ceil(R) with beta 0, and adds at most beta * sqrt(R) + 1 otherwise', () => {
    fc.assert(fc.property(load, beta, (r, b) => {
      expect(staffing(r, 0)).toBe(Math.ceil(Math.round(r * 1e9) / 1e9));
      expect(staffing(r, b)).toBeLessThanOrEqual(r + b * Math.sqrt(r) + 1);
    }));
  });

  it('headroom as a share of the load falls as the load grows (beta > 0)', () => {
    // Ceil aside: at 4x the load, the headroom share beta / sqrt(R) halves.
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 4 }), (n, b) => {
      const r = n * n; // sqrt exact: no rounding
      const share = (x: number) => (staffing(x, b) - x) / x;
      expect(share(4 * r)).toBeCloseTo(share(r) / 2, 9);
    }));
  });
});

describe('Target rule: `beta` (square-root staffing on perWorker)', () => {
  it.each([
    { case: 'offered load 100, perWorker 1, beta 2', options: { perWorker: 1, beta: 2 }, value: 100, desired: 120 },
    { case: 'offered load 1, perWorker 1, beta 2', options: { perWorker: 1, beta: 2 }, value: 1, desired: 3 },
    { case: 'no load: no workers', options: { perWorker: 1, beta: 2 }, value: 0, desired: 0 },
    { case: 'negative reading counts as 0', options: { perWorker: 1, beta: 2 }, value: -3, desired: 0 },
    { case: 'R = value / perWorker first: 50 / 0.5 = 100, + 1 x 10', options: { perWorker: 0.5, beta: 1 }, value: 50, desired: 110 },
    { case: 'beta 0 is the backlog mode', options: { perWorker: 0.8, beta: 0 }, value: 100, desired: 125 },
    { case: 'no beta: unchanged backlog mode', options: { perWorker: 0.8 }, value: 100, desired: 125 },
  ])('$case -> $desired', ({ options, value, desired }) => {
    expect(desiredOf(options, value)).toBe(desired);
  });

  it('says how it sized', () => {
    const policy = policyOf({ rules: [{ type: 'target', metric: 'offered_load', perWorker: 1, beta: 2 }] });
    const { proposal } = targetRule(ruleOf(policy), ctxOf(policy, { offered_load: 100 }, 5));
    expect(proposal.reason).toEqual({ code: 'rule.target.backlog_up', message: 'offered_load 100 / 1 per worker = 100 + 2 x sqrt(100) -> 120' });
  });

  it('with beta 0 proposes exactly what the rule without beta proposes, whatever the pool', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0.05, max: 10, noNaN: true }), fc.integer({ min: 0, max: 1000 }), (value, perWorker, current) => {
      expect(desiredOf({ perWorker, beta: 0 }, value, current)).toBe(desiredOf({ perWorker }, value, current));
    }));
  });

  it('is never below the rule without beta and nondecreasing in the load', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 4, noNaN: true }), (v1, v2, beta) => {
      const [lo, hi] = v1 <= v2 ? [v1, v2] : [v2, v1];
      expect(desiredOf({ perWorker: 1, beta }, lo)!).toBeGreaterThanOrEqual(desiredOf({ perWorker: 1 }, lo)!);
      expect(desiredOf({ perWorker: 1, beta }, lo)!).toBeLessThanOrEqual(desiredOf({ perWorker: 1, beta }, hi)!);
    }));
  });

  it.each([
    { case: 'a negative beta', beta: -1 },
    { case: 'a string', beta: 'sqrt' },
  ])('the schema rejects $case', ({ beta }) => {
    const parsed = PoolSchema.safeParse({ id: 'p', target: { kind: 'none' }, min: 0, max: 10, rules: [{ type: 'target', metric: 'offered_load', perWorker: 1, beta }] });
    expect(parsed.success).toBe(false);
  });
});
