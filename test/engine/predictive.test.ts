import { describe, expect, it } from 'vitest';
import type { Policy, PredictiveRule } from '../../shared/domain/policy';
import type { PoolState } from '../../shared/domain/types';
import { decide, forecastPeak, learnForecast } from '../../shared/engine';
import { MINUTE, observe, policyOf, stateOf } from './fixtures';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 0, 0, 0);
/** Daily profile: 20 busy workers 09:00-10:00 UTC, 2 otherwise. */
const load = (t: number) => {
  const hour = new Date(t).getUTCHours();
  return hour === 9 ? 20 : 2;
};

function learn(policy: Policy, days: number): { state: PoolState; end: number } {
  let state = stateOf();
  const end = START + days * DAY;
  for (let t = START; t < end; t += 5 * MINUTE) {
    state = decide(policy, observe(t, { busy: load(t) }, { desired: state.desired ?? policy.min }), state, t).state;
  }
  return { state, end };
}

describe('Function: decide (predictive)', () => {
  const scale = policyOf({
    min: 1,
    max: 50,
    rules: [{ type: 'predictive', mode: 'forecast-and-scale', metric: 'busy', horizon: '30m', slot: '15m', targetUtilization: 0.7, minHistory: '1d' }],
  });

  it('raises the floor ahead of a learnt daily peak', () => {
    // Prepare
    const { state, end } = learn(scale, 3);
    const before = end + 8 * 3_600_000 + 40 * MINUTE; // 08:40, the horizon reaches into 09:00-09:10
    // Act
    const { decision } = decide(scale, observe(before, { busy: 2 }, { desired: 3 }), state, before);
    // Assess
    expect(decision.forecast).toMatchObject({ mode: 'forecast-and-scale', horizonMs: 1_800_000 });
    expect(decision.forecast!.peakLoad).toBeGreaterThan(15);
    expect(decision.desired).toBeGreaterThanOrEqual(22);
    expect(decision.reasons.map((r) => r.code)).toContain('floor');
  });

  it('does not raise capacity in a quiet period and never lowers it', () => {
    const { state, end } = learn(scale, 3);
    const night = end + 3 * 3_600_000;
    const { decision } = decide(scale, observe(night, { busy: 2 }, { desired: 10 }), state, night);
    expect(decision.desired).toBe(10);
    expect(decision.forecast!.workers).toBeLessThan(10);
  });

  it('only reports in forecast-only mode', () => {
    const only = policyOf({ min: 1, max: 50, rules: [{ type: 'predictive', mode: 'forecast-only', minHistory: '1d' }] });
    const { state, end } = learn(only, 2);
    const before = end + 8 * 3_600_000 + 40 * MINUTE;
    const { decision } = decide(only, observe(before, { busy: 2 }, { desired: 3 }), state, before);
    expect(decision.desired).toBe(3);
    expect(decision.forecast?.mode).toBe('forecast-only');
    expect(decision.forecast!.workers).toBeGreaterThan(3);
  });

  it('abstains until minHistory is learnt', () => {
    const { state, end } = learn(scale, 0.5);
    const { decision } = decide(scale, observe(end, { busy: 2 }, { desired: 3 }), state, end);
    expect(decision.forecast).toBeUndefined();
    expect(decision.reasons.map((r) => r.code)).toContain('rule.predictive.learning');
  });

  it.each([
    { case: 'daily 15-minute slots', seasonality: 'daily' as const, slots: 96 },
    { case: 'weekly 15-minute slots', seasonality: 'weekly' as const, slots: 96 },
  ])('keeps a bounded history, 15 days of slots whatever it learnt: $case', ({ seasonality, slots }) => {
    const rule = policyOf({ rules: [{ type: 'predictive', seasonality }] }).rules[0] as PredictiveRule;
    let fc = learnForecast(undefined, rule, 1, START);
    const sizes = new Set<number>();
    for (let t = START; t < START + 30 * DAY; t += 15 * MINUTE) {
      fc = learnForecast(fc, rule, (t / MINUTE) % 7, t);
      sizes.add((fc as unknown as { history: string }).history.length);
    }
    // 2 characters per slot; the slots closed in the last hour wait in `pending`.
    expect([...sizes]).toEqual([15 * slots * 2]);
    expect((fc as unknown as { pending: string }).pending.length).toBeLessThan(2 * 12);
  });

  it('never forecasts negative load', () => {
    const rule = policyOf({ rules: [{ type: 'predictive' }] }).rules[0] as PredictiveRule;
    let fc = learnForecast(undefined, rule, 100, START);
    for (let t = START; t < START + 2 * DAY; t += 15 * MINUTE) fc = learnForecast(fc, rule, Math.max(0, 100 - (t - START) / MINUTE), t);
    expect(forecastPeak(fc!, rule, START + 3 * DAY)).toBeGreaterThanOrEqual(0);
  });
});
