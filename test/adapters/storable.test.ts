/**
 * Numbers brought into DynamoDB's range before a state or decision is written (storable.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STORABLE_MAX_MAGNITUDE, STORABLE_MIN_MAGNITUDE, storable } from '../../shared/adapters/dynamodb/storable';

describe('Function: storable', () => {
  it.each([
    { case: 'an ordinary number stays', value: 0.25, expected: 0.25 },
    { case: 'zero stays', value: 0, expected: 0 },
    { case: 'the smallest storable magnitude stays', value: STORABLE_MIN_MAGNITUDE, expected: STORABLE_MIN_MAGNITUDE },
    { case: 'below it: 0', value: 1e-200, expected: 0 },
    { case: 'a negative denormal: 0', value: -5e-324, expected: 0 },
    { case: 'above the largest: the largest', value: 1e200, expected: STORABLE_MAX_MAGNITUDE },
    { case: 'a negative huge: minus the largest', value: -Number.MAX_VALUE, expected: -STORABLE_MAX_MAGNITUDE },
    { case: 'a string is no number', value: '1e-200', expected: '1e-200' },
  ])('$case', ({ value, expected }) => {
    expect(storable(value)).toBe(expected);
  });

  it('walks objects and arrays, keeps `__proto__` as an own key and binary values as they are', () => {
    const binary = new Uint8Array([1, 2]);
    const value = JSON.parse('{"a":[1,1e-300,{"b":1e300}],"__proto__":{"c":1e-140},"h":null}') as Record<string, unknown>;
    value.bin = binary;
    const out = storable(value) as Record<string, unknown>;
    expect(out).not.toBe(value);
    expect(Object.keys(out)).toEqual(['a', '__proto__', 'h', 'bin']);
    expect(out.a).toEqual([1, 0, { b: STORABLE_MAX_MAGNITUDE }]);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ c: 0 });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.bin).toBe(binary);
    // The input is not changed.
    expect((value.a as unknown[])[1]).toBe(1e-300);
  });

  it('returns the same value when nothing is out of range, and puts every number in range (property)', () => {
    const json = fc.jsonValue();
    fc.assert(
      fc.property(json, fc.double({ noNaN: true }), (value, extra) => {
        const out = storable({ value, extra });
        const numbers: number[] = [];
        const collect = (v: unknown): void => {
          if (typeof v === 'number') numbers.push(v);
          else if (Array.isArray(v)) v.forEach(collect);
          else if (v && typeof v === 'object') Object.values(v).forEach(collect);
        };
        collect(out);
        for (const n of numbers) {
          if (Number.isFinite(n) && n !== 0) {
            expect(Math.abs(n)).toBeGreaterThanOrEqual(STORABLE_MIN_MAGNITUDE);
            expect(Math.abs(n)).toBeLessThanOrEqual(STORABLE_MAX_MAGNITUDE);
          }
        }
        const inRange = { value: [1, 'x', { y: 2.5 }], extra: 3 };
        expect(storable(inRange)).toBe(inRange);
      }),
    );
  });
});
