import { describe, expect, it } from 'vitest';
import { fieldPath, valueAt } from '../../shared/config/fieldPath';

describe('Function: fieldPath', () => {
  it.each([
    { case: 'root', segments: [], path: '' },
    { case: 'nested list and keys', segments: ['pools', 0, 'rules', 1, 'minFree'], path: 'pools[0].rules[1].minFree' },
    { case: 'key with a dot', segments: ['pools', 0, 'metrics', 'mem.gb'], path: 'pools[0].metrics["mem.gb"]' },
    { case: 'key with a dash', segments: ['budget', 'max-workers'], path: 'budget.max-workers' },
    { case: 'index at the root', segments: [2], path: '[2]' },
  ])('formats $case', ({ segments, path }) => {
    expect(fieldPath(segments)).toBe(path);
  });
});

describe('Function: valueAt', () => {
  const input = { pools: [{ id: 'a', rules: [{ minFree: 3 }] }] };

  it.each([
    { case: 'a nested value', segments: ['pools', 0, 'rules', 0, 'minFree'], value: 3 },
    { case: 'a missing key', segments: ['pools', 0, 'max'], value: undefined },
    { case: 'past a scalar', segments: ['pools', 0, 'id', 'x'], value: undefined },
    { case: 'an inherited property', segments: ['pools', 'constructor'], value: undefined },
  ])('returns $case', ({ segments, value }) => {
    expect(valueAt(input, segments)).toEqual(value);
  });
});
