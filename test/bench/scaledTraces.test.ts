/**
 * The larger traffic of bench/scaledTraces.ts (used by `bench/acceptance.ts --scaled`): the same
 * traces on every run, at the scale their names say.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TRACE_DIR } from '../../bench/acceptance';
import { prng } from '../../bench/prng';
import { poisson, scaledTraces } from '../../bench/scaledTraces';
import { parseTrace } from '../../shared/sim/trace';

function mean(values: Float64Array): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

describe('Function: scaledTraces', () => {
  const traces = scaledTraces(TRACE_DIR);
  const recorded = (file: string) => parseTrace(readFileSync(join(TRACE_DIR, file), 'utf8'));

  it('is deterministic: two builds give the same CSV', () => {
    expect(scaledTraces(TRACE_DIR).map((t) => t.csv)).toEqual(traces.map((t) => t.csv));
  });

  it.each([
    { name: 'sum10-nasa', from: 'nasa_http_1995_07.csv', factor: 10, wholeDays: true },
    { name: 'sum10-flash', from: 'synthetic-flash-crowd-2d.csv', factor: 10, wholeDays: false },
    { name: 'smooth10-diurnal', from: 'synthetic-diurnal-4w.csv', factor: 10, wholeDays: false },
    { name: 'x5-nasa', from: 'nasa_http_1995_07.csv', factor: 5 * Math.exp(0.02), wholeDays: false },
  ])('$name has the rows of $from (whole days only: $wholeDays) and about $factor x its mean', ({ name, from, factor, wholeDays }) => {
    const base = recorded(from);
    const trace = parseTrace(traces.find((t) => t.name === name)!.csv);
    expect(trace.rows).toBe(wholeDays ? Math.floor(base.rows / 1440) * 1440 : base.rows);
    const ratio = mean(trace.columns.arrivals!) / mean(base.columns.arrivals!);
    expect(ratio).toBeGreaterThan(factor * 0.97);
    expect(ratio).toBeLessThan(factor * 1.03);
  });

  it('poisson: mean and variance both near the mean asked, for small and large means', () => {
    for (const m of [3, 40, 500]) {
      const random = prng(11);
      const n = 20_000;
      const xs = Array.from({ length: n }, () => poisson(m, random));
      const avg = xs.reduce((a, b) => a + b, 0) / n;
      const variance = xs.reduce((a, b) => a + (b - avg) ** 2, 0) / n;
      expect(Math.abs(avg - m) / m).toBeLessThan(0.03);
      expect(Math.abs(variance - m) / m).toBeLessThan(0.08);
    }
  });
});
