import { describe, expect, it } from 'vitest';
import { hpaBehaviour, hpaReplicas, oracle, staticPeakCount, targetTrackingStep } from '../../shared/sim/baselines';
import type { TargetTrackingState } from '../../shared/sim/baselines';
import type { Reason } from '../../shared/domain/types';
import { parseTrace } from '../../shared/sim/trace';

const closed = (arrivals: number[]) => parseTrace(`t_seconds,arrivals\n${arrivals.map((a, i) => `${i * 60},${a}`).join('\n')}\n`);

describe('Function: hpaReplicas (Kubernetes replica calculator)', () => {
  // Each row is one rule of replica_calculator.go (see shared/sim/baselines.ts).
  const cases: { rule: string; input: Parameters<typeof hpaReplicas>[0]; replicas: number }[] = [
    { rule: 'within the 10 % tolerance: no change', input: { currentReplicas: 10, usageRatio: 1.08, ready: 10, unready: 0, missing: 0 }, replicas: 10 },
    { rule: 'outside it: ceil(ratio x ready pods)', input: { currentReplicas: 10, usageRatio: 1.5, ready: 10, unready: 0, missing: 0 }, replicas: 15 },
    { rule: 'scale-down: ceil(ratio x ready pods)', input: { currentReplicas: 10, usageRatio: 0.5, ready: 10, unready: 0, missing: 0 }, replicas: 5 },
    { rule: 'scale-up: not-ready pods count at 0 % (5 starting already cover the need)', input: { currentReplicas: 15, usageRatio: 1.5, ready: 10, unready: 5, missing: 0 }, replicas: 15 },
    { rule: 'scale-up: not-ready pods at 0 %, the rest is added once', input: { currentReplicas: 12, usageRatio: 2, ready: 10, unready: 2, missing: 0 }, replicas: 20 },
    { rule: 'scale-down: not-ready pods are set aside', input: { currentReplicas: 15, usageRatio: 0.5, ready: 10, unready: 5, missing: 0 }, replicas: 5 },
    { rule: 'scale-down: pods missing metrics count at 100 % of target', input: { currentReplicas: 10, usageRatio: 0.5, ready: 8, unready: 0, missing: 2 }, replicas: 6 },
    { rule: 'scale-up: pods missing metrics count at 0 %', input: { currentReplicas: 10, usageRatio: 1.5, ready: 8, unready: 0, missing: 2 }, replicas: 12 },
    { rule: 'putting pods back reverses the direction: no change', input: { currentReplicas: 10, usageRatio: 1.2, ready: 2, unready: 8, missing: 0 }, replicas: 10 },
    { rule: 'putting pods back lands within tolerance: no change', input: { currentReplicas: 10, usageRatio: 0.85, ready: 5, unready: 0, missing: 5 }, replicas: 10 },
    { rule: 'no metrics from any ready pod: no change', input: { currentReplicas: 4, usageRatio: 0, ready: 0, unready: 4, missing: 0 }, replicas: 4 },
  ];
  it.each(cases)('$rule', ({ input, replicas }) => {
    expect(hpaReplicas(input).replicas).toBe(replicas);
  });
});

describe('Function: hpaBehaviour (default HPA behaviour)', () => {
  it('scales down only to the highest recommendation of the last 300 s', () => {
    // Prepare
    const recs: { t: number; replicas: number }[] = [];
    const reasons: Reason[] = [];

    // Act: 10 recommended at t=0, then 4 every minute.
    const at = (t: number, current: number, rec: number) => hpaBehaviour(recs, t, current, rec, 300, reasons);
    const seen = [at(0, 10, 10), at(60, 10, 4), at(120, 10, 4), at(240, 10, 4), at(299, 10, 4), at(300, 10, 4)];

    // Assess: the 10 leaves the window at t=300.
    expect(seen).toEqual([10, 10, 10, 10, 10, 4]);
  });

  it('scales up at once, at most max(2 x current, current + 4)', () => {
    const reasons: Reason[] = [];
    expect(hpaBehaviour([], 0, 2, 20, 300, reasons)).toBe(6);
    expect(hpaBehaviour([], 0, 10, 50, 300, reasons)).toBe(20);
    expect(hpaBehaviour([], 0, 10, 15, 300, reasons)).toBe(15);
  });
});

describe('Function: targetTrackingStep (AWS target tracking)', () => {
  const settings = { target: 0.5, min: 1, max: 100 };
  const run = (state: TargetTrackingState, points: (number | undefined)[], capacity: number, from = 0) =>
    points.map((p, k) => targetTrackingStep(state, settings, from + k * 60, capacity, p).desired);

  it('scales out after 3 consecutive one-minute datapoints above the target, proportionally', () => {
    const state: TargetTrackingState = { datapoints: [] };
    expect(run(state, [0.9, 0.9, 0.4, 0.9, 0.9], 10)).toEqual([10, 10, 10, 10, 10]);
    expect(run(state, [0.9], 10, 300)).toEqual([18]);
  });

  it('during the scale-out cooldown only a larger scale-out happens (capacity already added counts)', () => {
    const state: TargetTrackingState = { datapoints: [] };
    run(state, [0.9, 0.9], 10);
    expect(targetTrackingStep(state, settings, 120, 10, 0.9).desired).toBe(18);
    // Still above a minute later (new tasks not serving yet): 10 x 0.9 / 0.5 = 18 is not larger.
    expect(targetTrackingStep(state, settings, 180, 18, 0.9).desired).toBe(18);
    // The metric rises: 10 x 1.0 / 0.5 = 20 > 18.
    expect(targetTrackingStep(state, settings, 240, 18, 1).desired).toBe(20);
    // After the 300 s cooldown the base is the current capacity again.
    expect(targetTrackingStep(state, settings, 540, 20, 0.6).desired).toBe(24);
  });

  it('scales in only after 15 consecutive datapoints below 90 % of the target, then waits the scale-in cooldown', () => {
    const state: TargetTrackingState = { datapoints: [] };
    const low = Array<number>(14).fill(0.2);
    expect(run(state, low, 10).every((d) => d === 10)).toBe(true);
    expect(targetTrackingStep(state, settings, 14 * 60, 10, 0.2).desired).toBe(4);
    // Still low, but within the 300 s scale-in cooldown.
    expect(targetTrackingStep(state, settings, 15 * 60, 4, 0.2).desired).toBe(4);
    expect(targetTrackingStep(state, settings, 19 * 60 + 1, 4, 0.1).desired).toBe(1);
  });

  it('between 90 % and 100 % of the target nothing moves; insufficient data never scales', () => {
    const state: TargetTrackingState = { datapoints: [] };
    expect(run(state, Array<number>(20).fill(0.47), 10).every((d) => d === 10)).toBe(true);
    const gap: TargetTrackingState = { datapoints: [] };
    expect(run(gap, [0.9, 0.9, undefined, 0.9, 0.9], 10).every((d) => d === 10)).toBe(true);
  });
});

describe('Function: oracle', () => {
  it('fair: respects min and pays each worker from startup seconds before it serves', () => {
    // Prepare: 0, 20, 0, 0 jobs/min of 30 s: demand 0, 10, 0, 0.
    const trace = closed([0, 20, 0, 0]);

    // Act
    const run = oracle(trace, { serviceSeconds: 30, startupSeconds: 60, min: 1 });

    // Assess: serving max(1, demand); billed row 0 holds the 10 starting for row 1.
    expect([...run.supply]).toEqual([1, 10, 1, 1]);
    expect(run.timeline.map((e) => e.billed)).toEqual([10, 10, 1, 1]);
    expect(run.summary.workerHours).toBeCloseTo(((10 + 10 + 1 + 1) * 60) / 3600);
    expect(run.summary.underTimePct).toBe(0);
  });

  it('without startup or min it is the older bound (demand exactly)', () => {
    const run = oracle(closed([0, 20, 0, 0]), { serviceSeconds: 30, fair: false });
    expect(run.summary.workerHours).toBeCloseTo((10 * 60) / 3600);
  });

  it('a startup longer than a row holds the peak over every row that leads to it', () => {
    const run = oracle(closed([0, 0, 0, 20, 0]), { serviceSeconds: 30, startupSeconds: 150, min: 0 });
    // Row 3 (t=180) needs 10 workers started by t=30: paid from row 0's second 30.
    expect(run.timeline.map((e) => e.billed)).toEqual([5, 10, 10, 10, 0]);
  });
});

describe('Function: staticPeakCount (the static-peak baseline holds the peak within the pool\'s bounds)', () => {
  it.each([
    { case: 'the peak within the bounds', min: 1, max: 50, peak: 12.2, count: 13 },
    { case: 'a peak below min: min', min: 10, max: 50, peak: 6, count: 10 },
    { case: 'a peak above max: max', min: 1, max: 5000, peak: 1_000_000, count: 5000 },
    { case: 'no demand at all: at least 1', min: 0, max: 50, peak: 0, count: 1 },
  ])('$case -> $count', ({ min, max, peak, count }) => {
    expect(staticPeakCount({ min, max }, peak)).toBe(count);
  });
});
