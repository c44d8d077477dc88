/**
 * Issue 12: sizing that does not compound over starting workers, and a forecaster robust to one
 * bad day that finds sub-hourly recurrence and gates its floor on its own accuracy.
 */
import { describe, expect, it } from 'vitest';
import type { PredictiveRule, TargetRule } from '../../shared/domain/policy';
import type { ForecastState } from '../../shared/domain/types';
import { decide, forecastPeak, learnForecast } from '../../shared/engine';
import { forecastAccuracy } from '../../shared/engine/forecast';
import { targetRule } from '../../shared/engine/rules/target';
import { ctxOf, MINUTE, observe, policyOf, stateOf } from './fixtures';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 5, 0, 0, 0); // a Monday

describe('Function: targetRule (workers still starting)', () => {
  const policy = policyOf({ rules: [{ type: 'target', metric: 'utilization', targetValue: 0.8, tolerance: 0.05 }] });
  const rule = policy.rules[0] as TargetRule;
  it.each([
    // 10 serving saturated, 10 more already starting: ceil(10 x 1 / 0.8) = 13 <= 20 ordered: hold (the old rule asked 25).
    { case: 'saturated with enough starting: hold, no compounding', current: 20, ready: 10, utilization: 1, desired: 20 },
    // 10 serving at 2x target: 25 needed, 12 ordered: 25 (the old rule asked ceil(12 x 1.25) = 15 now and again next tick).
    { case: 'more needed than ordered: sized from the serving ones', current: 12, ready: 10, utilization: 2, desired: 25 },
    { case: 'scale-down: starting workers are set aside', current: 14, ready: 10, utilization: 0.4, desired: 5 },
    { case: 'nothing serving yet: hold what is starting', current: 8, ready: 0, utilization: 1, desired: 8 },
    { case: 'all serving: HPA proportional as before', current: 10, ready: 10, utilization: 1, desired: 13 },
  ])('$case', ({ current, ready, utilization, desired }) => {
    const { proposal } = targetRule(rule, ctxOf(policy, { utilization }, current, { ready }));
    expect(proposal.desired).toBe(desired);
  });

  it('a pool saturated for several ticks while workers start does not grow geometrically', () => {
    // Prepare: 4 serving, startup takes 3 ticks; utilization stays 1.0 meanwhile.
    const p = policyOf({ min: 1, max: 1000, behaviour: { cooldownUp: 0 }, rules: [{ type: 'target', metric: 'utilization', targetValue: 0.8, tolerance: 0.05 }] });
    let state = stateOf();
    let desired = 4;
    const seen: number[] = [];

    // Act
    for (let k = 0; k < 3; k += 1) {
      const now = START + k * MINUTE;
      const result = decide(p, observe(now, { utilization: 1 }, { desired, ready: 4, pending: desired - 4 }), state, now);
      state = result.state;
      desired = result.decision.desired;
      seen.push(desired);
    }

    // Assess: 5 once (ceil(4 / 0.8)), not 5 -> 7 -> 9.
    expect(seen).toEqual([5, 5, 5]);
  });
});

/** Learns `days` of per-minute load from `load(t)`. */
function learn(rule: PredictiveRule, from: number, minutes: number, load: (t: number) => number, start?: ForecastState): ForecastState {
  let fc = start;
  for (let k = 0; k < minutes; k += 1) fc = learnForecast(fc, rule, load(from + k * MINUTE), from + k * MINUTE);
  return fc!;
}

const ruleInput = (extra: Record<string, unknown>) => ({ type: 'predictive' as const, mode: 'forecast-and-scale' as const, metric: 'busy', slot: '5m', horizon: '5m', minHistory: '1d', ...extra });
const ruleOf = (extra: Record<string, unknown>) => policyOf({ rules: [ruleInput(extra)] }).rules[0] as PredictiveRule;

describe('Function: forecastPeak (robust seasonal forecaster)', () => {
  const hour = (t: number) => new Date(t).getUTCHours();

  it('one bad day does not move the forecast (median of the last days)', () => {
    // Prepare: 10 busy 10:00-11:00 every day; on day 3 a spike of 200 at that time.
    const rule = ruleOf({ seasonality: 'daily' });
    const load = (t: number) => (hour(t) === 10 ? (Math.floor((t - START) / DAY) === 3 ? 200 : 10) : 2);

    // Act
    const fc = learn(rule, START, 5 * 24 * 60, load);

    // Assess: day 5, 10:00
    expect(forecastPeak(fc, rule, START + 5 * DAY + 10 * 3_600_000)).toBe(10);
  });

  it('weekly seasonality: a Saturday follows the Saturdays before it, not the weekdays', () => {
    // Prepare: weekdays 30 all day, weekends 5.
    const rule = ruleOf({ seasonality: 'weekly' });
    const weekend = (t: number) => [0, 6].includes(new Date(t).getUTCDay());
    const fc = learn(rule, START, 19 * 24 * 60 + 12 * 60, (t) => (weekend(t) ? 5 : 30));

    // Act: Saturday of the third week, noon (learnt up to then).
    const saturday = START + 19 * DAY + 12 * 3_600_000;

    // Assess
    expect(new Date(saturday).getUTCDay()).toBe(6);
    expect(forecastPeak(fc, rule, saturday)).toBe(5);
  });

  it('finds a burst that recurs every 30 minutes within a few hours, before any daily history', () => {
    // Prepare: 2 busy, 40 at minutes :02-:04 and :32-:34.
    const rule = ruleOf({ seasonality: 'daily' });
    const load = (t: number) => ([2, 3, 4].includes(new Date(t).getUTCMinutes() % 30) ? 40 : 2);
    const fc = learn(rule, START, 3 * 60 - 5, load);

    // Act / Assess: at 02:57 the horizon reaches the 03:00-03:05 slot; at 03:12 it does not.
    expect(forecastPeak(fc, rule, START + 3 * 3_600_000 - 3 * MINUTE)).toBe(40);
    const later = learn(rule, START + 3 * 60 * MINUTE - 5 * MINUTE, 17, load, fc);
    expect(forecastPeak(later, rule, START + 3 * 3_600_000 + 12 * MINUTE)).toBeLessThan(40);
  });

  it('gates the floor on its own accuracy: a profile that stops coming true is switched off', () => {
    // Prepare: a daily peak of 50 at 10:00-12:00 for a week, then it stops.
    const policy = policyOf({ min: 1, max: 100, rules: [ruleInput({ seasonality: 'daily' })] });
    const rule = policy.rules[0] as PredictiveRule;
    const peak = (t: number) => (hour(t) >= 10 && hour(t) < 12 ? 50 : 5);
    const before = learn(rule, START, 7 * 24 * 60, peak);
    expect(forecastAccuracy(before).overRatio).toBeLessThan(0.1);
    const at = START + 7 * DAY + 10 * 3_600_000;
    expect(decide(policy, observe(at, { busy: 5 }, { desired: 5 }), stateOf({ forecast: before }), at).decision.desired).toBeGreaterThanOrEqual(50);

    // Act: two days where the peak does not come.
    const after = learn(rule, START + 7 * DAY, 2 * 24 * 60, () => 5, before);
    const later = START + 9 * DAY + 10 * 3_600_000;
    const { decision } = decide(policy, observe(later, { busy: 5 }, { desired: 5 }), stateOf({ forecast: after }), later);

    // Assess: the forecast still expects the peak (median of the week), but it is not applied.
    expect(decision.forecast!.peakLoad).toBe(50);
    expect(decision.desired).toBe(5);
    expect(decision.reasons.map((r) => r.code)).toContain('rule.predictive.gated');
  });
});
