import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../shared/config/closest';

describe('Function: editDistance', () => {
  it.each([
    { a: 'port', b: 'port', d: 0 },
    { a: 'prot', b: 'port', d: 1 }, // adjacent swap: one edit
    { a: 'hots', b: 'host', d: 1 },
    { a: 'agnet', b: 'agent', d: 1 },
    { a: 'port', b: 'pot', d: 1 },
    { a: 'port', b: 'ports', d: 1 },
    { a: 'ca', b: 'abc', d: 3 }, // optimal string alignment, not full Damerau (2)
    { a: 'config', b: 'cnofig', d: 1 },
    { a: 'abcdef', b: 'badcfe', d: 3 },
    { a: 'a', b: 'abcd', d: 3 }, // capped: lengths differ by more than two
  ])('$a ~ $b = $d', ({ a, b, d }) => {
    expect(editDistance(a, b)).toBe(d);
  });

  it('is symmetric, zero only for equal strings, and never above the plain Levenshtein distance', () => {
    const levenshtein = (a: string, b: string): number => {
      let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
      for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
      return previous[b.length]!;
    };
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 7 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 7 }), (a, b) => {
        const d = editDistance(a, b);
        expect(d).toBe(editDistance(b, a));
        expect(d === 0).toBe(a === b);
        if (Math.abs(a.length - b.length) <= 2) expect(d).toBeLessThanOrEqual(levenshtein(a, b));
      }),
    );
  });
});

describe('Function: closest', () => {
  const options = ['port', 'host', 'config', 'agent', 'load-scale', 'json'];
  it.each([
    { typed: 'prot', expected: 'port' },
    { typed: 'hots', expected: 'host' },
    { typed: 'confgi', expected: 'config' },
    { typed: 'CONFIG', expected: 'config' },
    { typed: 'load-sacle', expected: 'load-scale' },
    { typed: 'jsn', expected: 'json' },
    { typed: 'xyz', expected: undefined },
    { typed: 'porthole', expected: undefined },
  ])('$typed -> $expected', ({ typed, expected }) => {
    expect(closest(typed, options)).toBe(expected);
  });
});
