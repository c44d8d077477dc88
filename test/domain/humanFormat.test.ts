import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { humanCompared, humanDuration, humanNumber, humanPercent } from '../../shared/domain/humanFormat';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Reads a humanDuration string back into milliseconds (`"1m 30s"` -> 90000), beyond a year too. */
const readBack = (text: string): number => {
  const negative = text.startsWith('-');
  const total = text
    .replace(/^-/, '')
    .split(' ')
    .reduce((sum, part) => {
      const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(part);
      if (!match) throw new Error(`not a duration part: ${part} in ${text}`);
      return sum + Number(match[1]) * UNIT_MS[match[2]!]!;
    }, 0);
  return negative ? -total : total;
};

const YEAR = 365 * 86_400_000;

describe('Function: humanDuration', () => {
  it.each([
    { case: 'zero', ms: 0, text: '0s' },
    { case: 'a few milliseconds', ms: 40, text: '40ms' },
    { case: 'fractional milliseconds round', ms: 0.4, text: '0s' },
    { case: 'just under 100 ms rounds to tenths', ms: 99.6, text: '0.1s' },
    { case: 'tenths of a second', ms: 400, text: '0.4s' },
    { case: 'tenths round up into whole seconds', ms: 960, text: '1s' },
    { case: 'whole seconds', ms: 59_000, text: '59s' },
    { case: 'seconds round to nearest', ms: 59_499, text: '59s' },
    { case: 'rounding up into minutes', ms: 59_967, text: '1m' },
    { case: 'minutes and seconds', ms: 90_000, text: '1m 30s' },
    { case: 'whole minutes', ms: 600_000, text: '10m' },
    { case: 'just under an hour', ms: 3_599_000, text: '59m 59s' },
    { case: 'rounding up into hours', ms: 3_599_700, text: '1h' },
    { case: 'hours and minutes', ms: 2 * 3_600_000 + 5 * 60_000 + 20_000, text: '2h 5m' },
    { case: 'rounding up into days', ms: 86_400_000 - 20_000, text: '1d' },
    { case: 'one day', ms: 86_400_000, text: '1d' },
    { case: 'days and hours', ms: 3 * 86_400_000 + 4 * 3_600_000 + 1_000, text: '3d 4h' },
    { case: 'a year', ms: YEAR, text: '365d' },
    { case: 'negative', ms: -90_000, text: '-1m 30s' },
    { case: 'not a number', ms: NaN, text: '?' },
    { case: 'infinite', ms: Infinity, text: 'forever' },
  ])('formats $case ($ms ms) as $text', ({ ms, text }) => {
    expect(humanDuration(ms)).toBe(text);
  });

  it('is within a rounding step of the exact value, never NaN or undefined, at most 9 characters', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10 * YEAR, noNaN: true }), (ms) => {
        const text = humanDuration(ms);
        expect(text).not.toMatch(/NaN|undefined|e[+-]/);
        expect(text.length).toBeLessThanOrEqual(9);
        // The step of the range the value is written in (see the table on humanDuration).
        const step = ms < 99.5 ? 1 : ms < 950 ? 100 : ms < 3_599_500 ? 1_000 : ms < 86_370_000 ? 60_000 : 3_600_000;
        expect(Math.abs(readBack(text) - ms)).toBeLessThanOrEqual(step / 2);
      }),
    );
  });

  it('never rounds a longer duration to a shorter one', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: YEAR, noNaN: true }), fc.double({ min: 0, max: YEAR, noNaN: true }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(readBack(humanDuration(low))).toBeLessThanOrEqual(readBack(humanDuration(high)));
      }),
    );
  });

  it.each([
    { case: 'down below a minute', ms: 59_967, rounding: 'down' as const, text: '59s' },
    { case: 'down below an hour', ms: 3_599_999, rounding: 'down' as const, text: '59m 59s' },
    { case: 'down below a day', ms: 86_399_999, rounding: 'down' as const, text: '23h 59m' },
    { case: 'down below a millisecond', ms: 0.9, rounding: 'down' as const, text: '0s' },
    { case: 'up past a minute', ms: 60_001, rounding: 'up' as const, text: '1m 1s' },
    { case: 'up from a fraction of a millisecond', ms: 0.2, rounding: 'up' as const, text: '1ms' },
    { case: 'up on a whole step stays', ms: 180_000, rounding: 'up' as const, text: '3m' },
    { case: 'down on a negative duration goes further from zero', ms: -59_967, rounding: 'down' as const, text: '-1m' },
  ])('rounds $case ($ms ms, $rounding) as $text', ({ ms, rounding, text }) => {
    expect(humanDuration(ms, rounding)).toBe(text);
  });

  it.each(['down', 'up'] as const)('rounds %s: never past the exact value, at most one step of the shown unit from it', (rounding) => {
    /** The step of the unit a text ends in. */
    const stepOf = (text: string) => (text.endsWith('ms') ? 1 : /^0\.\ds$/.test(text) ? 100 : text.includes('d') ? 3_600_000 : text.includes('h') ? 60_000 : 1_000);
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10 * YEAR, noNaN: true }), (ms) => {
        const text = humanDuration(ms, rounding);
        const shown = readBack(text);
        expect(rounding === 'down' ? shown <= ms : shown >= ms).toBe(true);
        expect(Math.abs(shown - ms)).toBeLessThanOrEqual(stepOf(text));
      }),
    );
  });

  it('is symmetric around zero', () => {
    fc.assert(
      fc.property(fc.double({ min: Number.MIN_VALUE, max: YEAR, noNaN: true }), (ms) => {
        expect(humanDuration(-ms)).toBe(`-${humanDuration(ms)}`);
      }),
    );
  });
});

describe('Function: humanNumber', () => {
  it.each([
    { case: 'a long ratio', x: 0.7430894308943089, text: '0.743' },
    { case: 'a short ratio', x: 0.97, text: '0.97' },
    { case: 'zero', x: 0, text: '0' },
    { case: 'negative zero', x: -0, text: '0' },
    { case: 'an integer', x: 12, text: '12' },
    { case: 'a big integer', x: 1_500_000, text: '1500000' },
    { case: 'an integer beyond exponent notation', x: 1e21, text: '1000000000000000000000' },
    { case: 'a fraction over 100', x: 1234.5, text: '1235' },
    { case: 'a fraction between 10 and 100', x: 12.345, text: '12.3' },
    { case: 'rounding up to 100', x: 99.96, text: '100' },
    { case: 'rounding to an integer below 100', x: 2.0004, text: '2' },
    { case: 'a small fraction', x: 0.00012345, text: '0.000123' },
    { case: 'a fraction below six decimals', x: 1e-7, text: '0' },
    { case: 'a negative fraction', x: -0.7430894, text: '-0.743' },
    { case: 'a negative fraction rounding to zero', x: -1e-9, text: '0' },
    { case: 'floating-point noise', x: 0.1 + 0.2, text: '0.3' },
    { case: 'not a number', x: NaN, text: '?' },
    { case: 'infinity', x: Infinity, text: '∞' },
    { case: 'minus infinity', x: -Infinity, text: '-∞' },
    { case: 'six decimals rounded once, not twice (3 digits, then 6 places)', x: 0.00002845, text: '0.000028' },
  ])('formats $case ($x) as $text', ({ x, text }) => {
    expect(humanNumber(x)).toBe(text);
  });

  it('is a plain decimal within 3 significant digits (or 0.5e-6) of the value, never NaN or undefined', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), (x) => {
        const text = humanNumber(x);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        // Fractions below 100 in magnitude: '-0.000123' is the longest form.
        if (Math.abs(x) < 99.95) expect(text.length).toBeLessThanOrEqual(9);
        const allowed = Math.max(Math.abs(x) * 0.005, 0.5e-6, Math.abs(x) >= 99.95 ? 0.5 : 0);
        expect(Math.abs(Number(text) - x)).toBeLessThanOrEqual(allowed * (1 + 1e-9));
      }),
    );
  });

  it('never rounds a larger number to a smaller one', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        expect(Number(humanNumber(low))).toBeLessThanOrEqual(Number(humanNumber(high)));
      }),
    );
  });

  it('keeps every safe integer exactly', () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        expect(humanNumber(n)).toBe(String(n));
      }),
    );
  });
});

describe('Function: humanPercent', () => {
  it.each([
    { case: 'a long ratio', ratio: 0.7430894308943089, text: '74.3%' },
    { case: 'a ratio with float noise', ratio: 0.97, text: '97%' },
    { case: 'above one', ratio: 1.5, text: '150%' },
    { case: 'zero', ratio: 0, text: '0%' },
    { case: 'not a number', ratio: NaN, text: '?%' },
  ])('formats $case ($ratio) as $text', ({ ratio, text }) => {
    expect(humanPercent(ratio)).toBe(text);
  });
});

describe('Function: humanCompared', () => {
  it.each([
    { case: 'far from the reference', value: 0.7430894308943089, reference: 0.97, text: '0.743' },
    { case: 'just above the reference', value: 0.9704, reference: 0.97, text: '0.9704' },
    { case: 'just below the reference', value: 0.96996, reference: 0.97, text: '0.96996' },
    { case: 'equal to the reference', value: 0.97, reference: 0.97, text: '0.97' },
    { case: 'rounding would cross the reference', value: 12.352, reference: 12.354, text: '12.35' },
    { case: 'an integer stays whole', value: 5, reference: 4.9999, text: '5' },
    { case: 'a large fraction near an integer reference', value: 1234.4, reference: 1234.3, text: '1234.4' },
    { case: 'a negative value', value: -0.50004, reference: -0.5, text: '-0.50004' },
    { case: 'not a number', value: NaN, reference: 1, text: '?' },
  ])('formats $case ($value against $reference) as $text', ({ value, reference, text }) => {
    expect(humanCompared(value, reference)).toBe(text);
  });

  it.each([
    { case: 'no reference', value: 0.97041, references: [], text: '0.97' },
    { case: 'an unset bound', value: 0.97041, references: [undefined, 0.97], text: '0.9704' },
    { case: 'the upper bound of a band needs more digits', value: 2.5004, references: [1, 2.5], text: '2.5004' },
    { case: 'the lower bound of a band needs more digits', value: 0.99996, references: [1, 2.5], text: '0.99996' },
    { case: 'a rounding that suits one bound crosses the other', value: 1.23451, references: [1.234505, 1.2349], text: '1.23451' },
  ])('formats $case ($value against $references) as $text', ({ value, references, text }) => {
    expect(humanCompared(value, ...references)).toBe(text);
  });

  it('shows a value on the same side of the reference as the exact value, as a plain decimal', () => {
    const near = fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e-3, max: 1e-3, noNaN: true }));
    fc.assert(
      fc.property(fc.oneof(near, fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }))), ([reference, offset]) => {
        const value = reference + offset;
        // Beyond 100 decimals (subnormal doubles) a plain decimal cannot show the difference.
        fc.pre(value === 0 || Math.abs(value) > 1e-80);
        const text = humanCompared(value, reference);
        expect(text).toMatch(/^-?\d+(\.\d+)?$/);
        expect(Math.sign(Number(text) - reference)).toBe(Math.sign(value - reference));
      }),
    );
  });

  it('shows a value on the same side of every reference at once', () => {
    const finite = fc.double({ min: -1e3, max: 1e3, noNaN: true });
    fc.assert(
      fc.property(finite, fc.array(fc.double({ min: -1e-3, max: 1e-3, noNaN: true }), { maxLength: 4 }), (value, offsets) => {
        fc.pre(value === 0 || Math.abs(value) > 1e-80);
        const references = offsets.map((offset) => value + offset);
        const text = humanCompared(value, ...references);
        for (const reference of references) expect(Math.sign(Number(text) - reference)).toBe(Math.sign(value - reference));
      }),
    );
  });
});
