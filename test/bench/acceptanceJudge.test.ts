/**
 * The issue-12 acceptance as bench/acceptance.ts judges it: the rules every figure in
 * bench/RESULTS.md's acceptance tables rests on.
 */
import { describe, expect, it } from 'vitest';
import { judge } from '../../bench/acceptance';
import type { Comparison } from '../../shared/sim/compare';
import type { Summary } from '../../shared/sim/metrics';

type Figures = { workerHours: number; underTimePct: number };

/** A comparison of `hours` with the policy, HPA-style, target-tracking-style and the fair oracle. */
function comparison(hours: number, policy: Figures & { xOracle?: number }, hpa: Figures, tt: Figures): Comparison {
  const row = (name: string, figures: Figures & { xOracle?: number }) => ({ name, summary: { hours, ...figures } as Summary, supply: new Float64Array(0) });
  return { poolId: 'p', demand: new Float64Array(0), rows: [row('recommended', policy), row('hpa', hpa), row('target-tracking', tt), row('oracle', { workerHours: 1, underTimePct: 0 })] };
}

const HPA = { workerHours: 100, underTimePct: 4 };
const TT = { workerHours: 90, underTimePct: 6 };

describe('Function: judge (issue 12 acceptance)', () => {
  it.each([
    { case: 'a day or more: cheaper than both, half the lower under', hours: 24, policy: { workerHours: 90, underTimePct: 2 }, pass: true, notes: '' },
    { case: 'dearer than target tracking', hours: 48, policy: { workerHours: 91, underTimePct: 1 }, pass: false, notes: 'cost' },
    { case: 'more than half of HPA-style under', hours: 48, policy: { workerHours: 80, underTimePct: 2.01 }, pass: false, notes: 'under' },
    { case: 'both cost and under', hours: 48, policy: { workerHours: 120, underTimePct: 5 }, pass: false, notes: 'cost, under' },
    { case: 'under 1 hour: only HPA-style counts (dearer than TT is fine)', hours: 1, policy: { workerHours: 95, underTimePct: 3.9 }, pass: true, notes: '' },
    { case: 'under 1 hour: more under than HPA-style', hours: 1, policy: { workerHours: 50, underTimePct: 4.1 }, pass: false, notes: 'vs hpa' },
  ])('$case', ({ hours, policy, pass, notes }) => {
    const verdict = judge('some-trace.csv', comparison(hours, policy, HPA, TT));
    expect(verdict.pass).toBe(pass);
    expect(verdict.line).toContain(pass ? '| yes |' : `| no (${notes}) |`);
  });

  it('both under 0.1 % passes the under item whatever the halves', () => {
    const tiny = comparison(24 * 7, { workerHours: 80, underTimePct: 0.09 }, { workerHours: 100, underTimePct: 0.05 }, { workerHours: 90, underTimePct: 0.08 });
    expect(judge('bursty.csv', tiny).pass).toBe(true);
    const hpaAbove = comparison(24 * 7, { workerHours: 80, underTimePct: 0.09 }, { workerHours: 100, underTimePct: 0.11 }, { workerHours: 90, underTimePct: 0.08 });
    expect(judge('bursty.csv', hpaAbove).pass).toBe(false);
  });

  it.each([
    { file: 'synthetic-diurnal-4w.csv', xOracle: 1.31, pass: false },
    { file: 'nasa_http_1995_07.csv', xOracle: 1.3, pass: true },
    { file: 'synthetic-flash-crowd-2d.csv', xOracle: 5, pass: true },
  ])('x fair oracle <= 1.3 applies to the diurnal and web traces only: $file at $xOracle', ({ file, xOracle, pass }) => {
    const verdict = judge(file, comparison(48, { workerHours: 80, underTimePct: 1, xOracle }, HPA, TT));
    expect(verdict.pass).toBe(pass);
    if (!pass) expect(verdict.line).toContain('x oracle');
  });

  it('the scaled traces (not in the acceptance) are judged without the x-oracle item', () => {
    const c = comparison(48, { workerHours: 80, underTimePct: 1, xOracle: 2 }, HPA, TT);
    expect(judge('sum10-nasa (scaled)', c, { xOracle: false }).pass).toBe(true);
    expect(judge('sum10-nasa (scaled)', c).pass).toBe(false);
  });
});
