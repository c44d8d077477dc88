/**
 * bench/bounds.bench.ts's lower bound on any supply that is a function of some information per
 * row: cases whose optimum is known by hand.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hindsightBound } from '../../bench/bounds.bench';

const rows = (...d: number[]) => Float64Array.from(d);

describe('Function: hindsightBound', () => {
  it.each([
    { case: 'one short row allowed: the spike is left short', demand: rows(1, 1, 1, 1, 10), key: () => 0, allowed: 1, min: 0, minutes: 5 },
    { case: 'no short row allowed, nothing known: every row holds the spike', demand: rows(1, 1, 1, 1, 10), key: () => 0, allowed: 0, min: 0, minutes: 50 },
    { case: 'the information singles the spike out', demand: rows(1, 1, 1, 1, 10), key: (k: number) => (k === 4 ? 1 : 0), allowed: 0, min: 0, minutes: 14 },
    { case: 'min applies to idle rows', demand: rows(0, 0, 3), key: (k: number) => k, allowed: 0, min: 1, minutes: 5 },
    { case: 'leaving a whole bucket short at min can be the cheapest', demand: rows(5, 5, 1), key: (k: number) => (k < 2 ? 0 : 1), allowed: 2, min: 1, minutes: 3 },
  ])('$case: $minutes worker-minutes', ({ demand, key, allowed, min, minutes }) => {
    expect(hindsightBound(demand, key, allowed, min) * 60).toBeCloseTo(minutes, 6);
  });

  it('is never above a feasible supply of the same information, nor above the optimum known row by row (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 0, max: 5 }), (values, allowed) => {
        const demand = Float64Array.from(values);
        // Knowing each row exactly, min 0: the optimum leaves the `allowed` largest rows at 0 and
        // covers the rest exactly.
        const optimum = [...values].sort((x, y) => x - y).slice(0, Math.max(0, values.length - allowed)).reduce((a, b) => a + b, 0);
        expect(hindsightBound(demand, (k) => k, allowed, 0) * 60).toBeLessThanOrEqual(optimum + 1e-6);
        // Knowing nothing: holding the peak everywhere is feasible.
        expect(hindsightBound(demand, () => 0, allowed, 0) * 60).toBeLessThanOrEqual(Math.max(...values) * values.length + 1e-6);
      }),
    );
  });
});
