/**
 * bench/bounds.bench.ts's lower bound on any supply that is a function of some information per
 * row (cases whose optimum is known by hand), and the learned supplies of its fourth table: the
 * payment they are charged is the fair oracle's own, and a function learned on one half serves an
 * identical half exactly as it served the first.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heldOut, hindsightBound, learnSupply, paidWithStartup } from '../../bench/bounds.bench';
import { oracle } from '../../shared/sim/baselines';
import { demandOf } from '../../shared/sim/queueModel';
import { parseTrace } from '../../shared/sim/trace';

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

describe('Function: paidWithStartup', () => {
  it('charges a supply equal to the demand exactly what the fair oracle pays (property, 60 s rows, 60 s startup)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 5 }), (arrivals, min) => {
        const trace = parseTrace(`t_seconds,arrivals\n${arrivals.map((a, k) => `${60 * k},${a}`).join('\n')}\n`);
        const needed = Float64Array.from(arrivals, (a) => Math.max(min, demandOf(a, 30, 60)));
        expect(paidWithStartup(needed, 0, needed.length) / 60).toBeCloseTo(oracle(trace, { min }).summary.workerHours, 9);
      }),
    );
  });

  it.each([
    { case: 'a step up is paid one row early', supply: [1, 1, 5, 5], minutes: 1 + 5 + 5 + 5 },
    { case: 'a step down is paid at once', supply: [5, 5, 1, 1], minutes: 5 + 5 + 1 + 1 },
    { case: 'a one-row dip costs nothing less', supply: [5, 1, 5], minutes: 5 + 5 + 5 },
  ])('$case: $minutes worker-minutes', ({ supply, minutes }) => {
    expect(paidWithStartup(supply, 0, supply.length)).toBe(minutes);
  });
});

describe('Function: learnSupply', () => {
  const demand = rows(1, 2, 3, 4, 100, 10, 10, 10);
  const key = (k: number) => (k < 5 ? 'a' : 'b');
  it.each([
    { case: 'a short row is dear: each bucket holds its highest demand', lambda: 1e6, a: 100, b: 10 },
    { case: 'a short row is cheap: the spike is left short', lambda: 20, a: 4, b: 10 },
    { case: 'a short row is free: min everywhere', lambda: 0, a: 1, b: 1 },
  ])('$case', ({ lambda, a, b }) => {
    const supply = learnSupply(demand, [0, 1, 2, 3, 4, 5, 6, 7], key, lambda, 1);
    expect(supply.get('a')).toBe(a);
    expect(supply.get('b')).toBe(b);
  });
});

describe('Function: heldOut', () => {
  it('serves a half identical to the fitted one exactly as it served it, and counts keys it never saw', () => {
    const half = [3, 5, 8, 13, 8, 5, 3, 2, 40, 6, 7, 9];
    const demand = Float64Array.from([...half, ...half]);
    const needed = Float64Array.from(demand, (x) => Math.max(1, x));
    const r = heldOut(demand, needed, (k) => k % 12, () => 0, () => 1, [0, 12], [12, 24], 10, 1);
    expect(r.fitUnder).toBeLessThanOrEqual(10);
    expect(r.fitUnder).toBeGreaterThan(0);
    expect(r.testUnder).toBeCloseTo(r.fitUnder, 9);
    expect(r.testX).toBeCloseTo(r.fitX, 9);
    expect(r.unseen).toBe(0);
    const other = heldOut(demand, needed, (k) => (k < 12 ? 'fit' : 'test'), (k) => (k < 12 ? 'fit' : 'test'), () => 99, [0, 12], [12, 24], 10, 1);
    expect(other.unseen).toBe(12);
    expect(other.testUnder).toBe(0);
  });
});
