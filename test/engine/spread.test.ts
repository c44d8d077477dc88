import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SpreadState } from '../../shared/domain/types';
import { decide } from '../../shared/engine';
import { staffing, staffingObserved } from '../../shared/engine/rules/target';
import { MEDIAN_ABS_NORMAL, RISE_RUN, SPREAD_RATE, learnSpreads, observedDeviation, risingTrend, updateSpread } from '../../shared/engine/spread';
import { MINUTE, T0, observe, policyOf, stateOf } from './fixtures';
import { prng } from '../../bench/prng';

/** Standard normal deviates (Box-Muller) from a seeded uniform source. */
function normal(seed: number): () => number {
  const u = prng(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Feeds loads one minute apart; returns the final state. `seen` receives every state. */
function feed(loads: number[], from?: SpreadState, seen?: (state: SpreadState) => void): SpreadState {
  let state = from;
  let at = from ? from.at : T0;
  for (const load of loads) {
    at += MINUTE;
    state = updateSpread(state, load, at, 3 * MINUTE);
    seen?.(state);
  }
  return state!;
}

/**
 * The estimator moves by 5 % steps around its target, so a single state is within about +-20 %
 * (one standard deviation) of it: the mean over the last `last` evaluations is what converges.
 */
function settled(loads: number[], last: number, of: (state: SpreadState) => number, from?: SpreadState): number {
  const values: number[] = [];
  feed(loads, from, (state) => values.push(of(state)));
  const tail = values.slice(-last);
  return tail.reduce((a, b) => a + b, 0) / tail.length;
}

describe('Function: updateSpread (running medians of the change between evaluations)', () => {
  const previous: SpreadState = { at: T0, load: 100, spread: 5, trend: 1 };
  const rising: SpreadState = { ...previous, recent: [4, 7, 9] };
  it.each([
    { case: 'first value: Poisson spread (median |change| 0.674 sqrt(R)), no trend', before: undefined, load: 100, at: T0, expected: { load: 100, spread: MEDIAN_ABS_NORMAL * 10, trend: 0, recent: undefined } },
    { case: 'first value of an idle pool', before: undefined, load: 0, at: T0, expected: { load: 0, spread: 0, trend: 0, recent: undefined } },
    { case: 'a gap longer than maxGap starts again (and forgets the recent changes)', before: rising, load: 400, at: T0 + 4 * MINUTE, expected: { load: 400, spread: MEDIAN_ABS_NORMAL * 20, trend: 0, recent: undefined } },
    { case: 'a clock moved back starts again', before: previous, load: 400, at: T0 - MINUTE, expected: { load: 400, spread: MEDIAN_ABS_NORMAL * 20, trend: 0, recent: undefined } },
    { case: 'a change above the spread raises it by e^rate, the trend by rate x spread', before: previous, load: 120, at: T0 + MINUTE, expected: { load: 120, spread: 5 * Math.exp(SPREAD_RATE), trend: 1 + SPREAD_RATE * 5, recent: [20] } },
    { case: 'a change below the spread lowers it by e^-rate', before: previous, load: 101, at: T0 + MINUTE, expected: { load: 101, spread: 5 * Math.exp(-SPREAD_RATE), trend: 1, recent: [1] } },
    { case: 'a fall lowers the trend', before: previous, load: 90, at: T0 + MINUTE, expected: { load: 90, spread: 5 * Math.exp(SPREAD_RATE), trend: 1 - SPREAD_RATE * 5, recent: [-10] } },
    { case: 'the recent changes keep the last RISE_RUN, newest last', before: rising, load: 130, at: T0 + MINUTE, expected: { load: 130, spread: 5 * Math.exp(SPREAD_RATE), trend: 1 + SPREAD_RATE * 5, recent: [7, 9, 30] } },
  ])('$case', ({ before, load, at, expected }) => {
    const next = updateSpread(before, load, at, 3 * MINUTE);
    expect(next.at).toBe(at);
    expect(next.load).toBe(expected.load);
    expect(next.spread).toBeCloseTo(expected.spread, 9);
    expect(next.trend).toBeCloseTo(expected.trend, 9);
    expect(next.recent).toEqual(expected.recent);
  });

  it('settles on the standard deviation of the change: iid noise of sd 10 around 500 changes with sd 10 x sqrt(2)', () => {
    const z = normal(7);
    const loads = Array.from({ length: 3000 }, () => 500 + 10 * z());
    const deviation = settled(loads, 2000, observedDeviation);
    expect(deviation).toBeGreaterThan(10 * Math.SQRT2 * 0.9);
    expect(deviation).toBeLessThan(10 * Math.SQRT2 * 1.1);
    expect(Math.abs(settled(loads, 2000, (state) => state.trend))).toBeLessThan(1);
  });

  it('keeps the Poisson spread for Poisson-like load (sd sqrt(R) of the change with R = 400: about 20)', () => {
    const z = normal(11);
    // Offered load of Poisson arrivals, 30 s jobs counted per minute: sd sqrt(R / 2) per value.
    const loads = Array.from({ length: 3000 }, () => 400 + Math.sqrt(200) * z());
    const deviation = settled(loads, 2000, observedDeviation);
    expect(deviation).toBeGreaterThan(20 * 0.9);
    expect(deviation).toBeLessThan(20 * 1.1);
  });

  it('one burst moves the spread by two steps at most, however large', () => {
    const z = normal(3);
    const calm = feed(Array.from({ length: 600 }, () => 100 + 3 * z()));
    const burst = feed([100_000, 100], calm);
    expect(burst.spread / calm.spread).toBeLessThanOrEqual(Math.exp(2 * SPREAD_RATE) + 1e-9);
    expect(Math.abs(burst.trend - calm.trend)).toBeLessThanOrEqual(2 * SPREAD_RATE * Math.max(calm.spread, burst.spread) * Math.exp(SPREAD_RATE) + 1e-9);
  });

  it('finds the slope of a steady ramp, and forgets it once the ramp ends', () => {
    const z = normal(5);
    const loads = Array.from({ length: 600 }, (_, i) => 1000 + 8 * i + 2 * z());
    const slope = settled(loads, 300, (state) => state.trend);
    expect(slope).toBeGreaterThan(8 * 0.85);
    expect(slope).toBeLessThan(8 * 1.15);
    const ramp = feed(loads);
    const after = settled(Array.from({ length: 300 }, () => 5800 + 2 * z()), 100, (state) => state.trend, ramp);
    expect(Math.abs(after)).toBeLessThan(1);
  });

  it('follows a lasting change of regime (4x the noise) within about 15 evaluations per doubling', () => {
    const z = normal(9);
    const quiet = feed(Array.from({ length: 600 }, () => 300 + 5 * z()));
    // 4x = two doublings: 30 evaluations; by 60 the estimate is at the new level.
    const after = settled(Array.from({ length: 80 }, () => 300 + 20 * z()), 20, observedDeviation, quiet);
    expect(after).toBeGreaterThan(20 * Math.SQRT2 * 0.75);
  });

  it('stays finite and non-negative whatever the loads (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 200 }), (loads) => {
        const state = feed(loads);
        expect(Number.isFinite(state.spread) && state.spread > 0 || state.spread === 0).toBe(true);
        expect(Number.isFinite(state.trend)).toBe(true);
      }),
    );
  });
});

describe('Function: risingTrend (the slope provisioned ahead)', () => {
  const at = { at: T0, load: 100, spread: 5 };
  it.each([
    { case: 'no recent changes: the median trend', state: { ...at, trend: 2 }, expected: 2 },
    { case: 'three rises: the smallest of them, above the trend', state: { ...at, trend: 1, recent: [5, 8, 3] }, expected: 3 },
    { case: 'three rises below the trend: the trend', state: { ...at, trend: 4, recent: [5, 8, 3] }, expected: 4 },
    { case: 'one of the three fell: the trend', state: { ...at, trend: 1, recent: [5, -1, 3] }, expected: 1 },
    { case: 'fewer than RISE_RUN changes: the trend', state: { ...at, trend: 0, recent: [50, 80] }, expected: 0 },
    { case: 'a falling load provisions nothing ahead', state: { ...at, trend: -3, recent: [-1, -2, -3] }, expected: 0 },
    { case: 'non-finite values count as none', state: { ...at, trend: Number.NaN, recent: [Number.NaN, 2, 3] }, expected: 0 },
  ])('$case: $expected', ({ state, expected }) => {
    expect(risingTrend(state)).toBe(expected);
  });

  it('follows a ramp after RISE_RUN rising evaluations, and not one jump', () => {
    const calm = feed(Array.from({ length: 200 }, () => 1000));
    const ramp = (steps: number) => feed(Array.from({ length: steps }, (_, i) => 1000 + 200 * (i + 1)), calm);
    expect(RISE_RUN).toBe(3);
    expect(risingTrend(ramp(2))).toBeLessThan(20);
    expect(risingTrend(ramp(3))).toBe(200);
    expect(risingTrend(ramp(10))).toBe(200);
    const jump = feed([5000, 5000, 5000, 5000], calm);
    expect(risingTrend(jump)).toBeLessThan(20);
    // The median trend alone takes tens of evaluations to reach the slope.
    expect(ramp(3).trend).toBeLessThan(20);
  });

  it('is finite and non-negative whatever the loads (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e7, noNaN: true }), { minLength: 1, maxLength: 100 }), (loads) => {
        const rise = risingTrend(feed(loads));
        expect(Number.isFinite(rise) && rise >= 0).toBe(true);
      }),
    );
  });
});

describe('Function: staffingObserved', () => {
  it.each([
    { case: 'Poisson spread wins when the observed one is smaller', load: 100, beta: 2, deviation: 4, ahead: 0, expected: 120 },
    { case: 'burstier than Poisson: the observed deviation', load: 100, beta: 2, deviation: 25, ahead: 0, expected: 150 },
    { case: 'a rising trend over the lead is added', load: 100, beta: 2, deviation: 4, ahead: 12.5, expected: 133 },
    { case: 'a non-finite deviation or trend counts as none', load: 100, beta: 2, deviation: Number.NaN, ahead: Number.POSITIVE_INFINITY, expected: 120 },
    { case: 'no load, no spread', load: 0, beta: 2, deviation: 0, ahead: 0, expected: 0 },
  ])('$case: $expected', ({ load, beta, deviation, ahead, expected }) => {
    expect(staffingObserved(load, beta, deviation, ahead)).toBe(expected);
  });

  it('is never below square-root staffing and nondecreasing in deviation and trend (property)', () => {
    const nonNegative = (max: number) => fc.double({ min: 0, max, noNaN: true });
    fc.assert(
      fc.property(nonNegative(1e6), nonNegative(5), nonNegative(1e4), nonNegative(1e4), nonNegative(100), nonNegative(100), (load, beta, deviation, ahead, more, further) => {
        const s = staffingObserved(load, beta, deviation, ahead);
        expect(s).toBeGreaterThanOrEqual(staffing(load, beta));
        expect(staffingObserved(load, beta, deviation + more, ahead)).toBeGreaterThanOrEqual(s);
        expect(staffingObserved(load, beta, deviation, ahead + further)).toBeGreaterThanOrEqual(s);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('decide() with `spread: observed`', () => {
  const rule = { type: 'target' as const, name: 'offered', metric: 'offered_load', perWorker: 1, beta: 2, spread: 'observed' as const };
  const policy = policyOf({ max: 10_000, rules: [rule], behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 } });

  /** Runs one-minute ticks of offered_load through decide(); returns the last decision and state. */
  function run(loads: number[], p = policy) {
    let state = stateOf();
    let decision;
    loads.forEach((load, i) => {
      const now = T0 + i * MINUTE;
      ({ decision, state } = decide(p, observe(now, { offered_load: load }, { desired: state.desired ?? 1 }), state, now, 'schedule'));
    });
    return { decision: decision!, state };
  }

  it('keeps the estimate in the state under the rule name and sizes from it, saying so', () => {
    const z = normal(21);
    // Bursty load: sd 30 around 400 (Poisson would be about 14).
    const { decision, state } = run(Array.from({ length: 300 }, () => 400 + 30 * z()));
    const learnt = state.spreads?.offered;
    expect(learnt).toBeDefined();
    const deviation = observedDeviation(learnt!);
    expect(deviation).toBeGreaterThan(Math.sqrt(400));
    expect(decision.proposals[0]!.desired).toBe(staffingObserved(learnt!.load, 2, deviation, risingTrend(learnt!) * 2));
    expect(decision.proposals[0]!.reason.message).toMatch(/observed spread/);
  });

  it('adds the rising trend over `lead` (default two intervals)', () => {
    const loads = Array.from({ length: 200 }, (_, i) => 1000 + 10 * i);
    const { decision: twoIntervals, state } = run(loads);
    const learnt = state.spreads!.offered!;
    expect(risingTrend(learnt)).toBeGreaterThanOrEqual(10);
    const deviation = observedDeviation(learnt);
    expect(twoIntervals.proposals[0]!.desired).toBe(staffingObserved(learnt.load, 2, deviation, 2 * risingTrend(learnt)));
    const fiveMinutes = run(loads, policyOf({ max: 10_000, rules: [{ ...rule, lead: '5m' }] })).decision;
    expect(fiveMinutes.proposals[0]!.desired).toBe(staffingObserved(learnt.load, 2, deviation, 5 * risingTrend(learnt)));
    expect(fiveMinutes.proposals[0]!.reason.message).toMatch(/\+ rising/);
  });

  it('Poisson-like load gets the same count as plain square-root staffing', () => {
    const z = normal(22);
    const loads = Array.from({ length: 300 }, () => Math.round(400 + Math.sqrt(200) * z()));
    const observed = run(loads).decision.proposals[0]!.desired!;
    const plain = run(loads, policyOf({ max: 10_000, rules: [{ ...rule, spread: 'poisson' }] })).decision.proposals[0]!.desired!;
    expect(observed).toBeGreaterThanOrEqual(plain);
    expect(observed).toBeLessThanOrEqual(plain + Math.ceil(0.3 * 2 * Math.sqrt(400)));
  });

  it('a tick without a fresh value keeps the estimate; a policy without the option drops it', () => {
    const { state } = run([100, 120, 90]);
    const now = T0 + 3 * MINUTE;
    const missing = decide(policy, observe(now, {}, { desired: 5 }), state, now, 'schedule').state;
    expect(missing.spreads).toEqual(state.spreads);
    const plainPolicy = policyOf({ max: 10_000, rules: [{ ...rule, spread: 'poisson' }] });
    const dropped = decide(plainPolicy, observe(now, { offered_load: 100 }, { desired: 5 }), state, now, 'schedule').state;
    expect(dropped.spreads).toBeUndefined();
  });

  it('learnSpreads: rules without a name are keyed by position; other rules learn nothing', () => {
    const p = policyOf({ rules: [{ type: 'target', metric: 'utilization', targetValue: 0.7 }, { type: 'target', metric: 'offered_load', perWorker: 1, beta: 2, spread: 'observed' }] });
    expect(Object.keys(learnSpreads(p, undefined, { offered_load: 9, utilization: 0.5 }, T0)!)).toEqual(['#1']);
    expect(learnSpreads(policyOf({ rules: [{ type: 'target', metric: 'offered_load', perWorker: 1, beta: 2 }] }), undefined, { offered_load: 9 }, T0)).toBeUndefined();
  });
});
