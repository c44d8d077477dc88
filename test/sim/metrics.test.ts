import { describe, expect, it } from 'vitest';
import { elasticity, summarize } from '../../shared/sim/metrics';

describe('Function: elasticity', () => {
  it('computes the SPEC RG metrics of a hand-worked case', () => {
    // Prepare: demand rises 1,2,3; supply lags one step at t=1.
    const demand = [1, 2, 3];
    const supply = [1, 1, 3];

    // Act
    const e = elasticity({ demand, supply, rowSeconds: 60 });

    // Assess
    expect(e.underTimePct).toBeCloseTo(100 / 3); // under in 1 of 3 rows
    expect(e.overTimePct).toBe(0);
    expect(e.underAccuracyPct).toBeCloseTo((100 * 0.5) / 3); // missing 1 of 2 in one row
    expect(e.overAccuracyPct).toBe(0);
    // Steps: t=1 supply flat, demand up (differ); t=2 both up (same): 1 of 2 steps.
    expect(e.instabilityPct).toBeCloseTo(50);
    // One supply adaptation, two demand changes over 3 minutes: -1 per 3 min = -20/h.
    expect(e.jitterPerHour).toBeCloseTo(-20);
  });

  it.each([
    { case: 'over-provisioned by half', demand: [2, 2], supply: [3, 3], over: 100, aO: 50 },
    { case: 'idle with zero demand counts excess against one worker', demand: [0, 0], supply: [2, 2], over: 100, aO: 200 },
    { case: 'exact supply', demand: [4, 5], supply: [4, 5], over: 0, aO: 0 },
  ])('measures over-provisioning: $case', ({ demand, supply, over, aO }) => {
    // Act
    const e = elasticity({ demand, supply, rowSeconds: 60 });

    // Assess
    expect(e.overTimePct).toBeCloseTo(over);
    expect(e.overAccuracyPct).toBeCloseTo(aO);
    expect(e.underTimePct).toBe(0);
  });

  it('weights rows by their duration and skips rows of unknown demand', () => {
    // Act
    const e = elasticity({ demand: [2, Number.NaN, 2], supply: [1, 5, 2], rowSeconds: [30, 60, 90] });

    // Assess
    expect(e.seconds).toBe(120);
    expect(e.underTimePct).toBeCloseTo(25);
  });
});

describe('Function: summarize', () => {
  it('turns worker-seconds into hours and counts events per hour', () => {
    // Act
    const s = summarize({ demand: [1, 1], supply: [1, 1], rowSeconds: 1800, workerSeconds: 7200, seconds: 3600, scaleEvents: 3 });

    // Assess
    expect(s.workerHours).toBe(2);
    expect(s.eventsPerHour).toBe(3);
    expect(s.underTimePct).toBe(0);
    expect(s.waitP95Seconds).toBeUndefined();
  });
});
