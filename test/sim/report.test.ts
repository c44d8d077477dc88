import { describe, expect, it } from 'vitest';
import { downsample } from '../../shared/sim/report';

describe('Function: downsample', () => {
  it('keeps at most the requested points and each bucket maximum', () => {
    // Prepare: a single spike in 40 000 rows must survive.
    const values = new Float64Array(40_000).fill(1);
    values[12_345] = 99;

    // Act
    const points = downsample(values, 2000);

    // Assess
    expect(points.length).toBeLessThanOrEqual(2000);
    expect(Math.max(...points.map((p) => p.value))).toBe(99);
  });

  it('returns short series unchanged', () => {
    // Act / Assess
    expect(downsample([3, 1, 2], 2000).map((p) => p.value)).toEqual([3, 1, 2]);
  });
});
