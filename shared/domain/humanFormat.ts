/**
 * Numbers as a person reads them, for messages only (reasons, CLI, dashboard, report). Stored
 * values stay exact; these functions are for the strings written next to them.
 *
 * Pure and dependency-free so that every runtime (engine, CLI, dashboard) formats alike.
 *
 * `humanDuration` and `humanNumber` are also the dashboard's, in the browser: the page script
 * carries their source text (`Function.prototype.toString`, shared/dashboard/page.ts), as
 * compiled by tsx, vitest or a bundle (which may rename or minify). So each is self-contained:
 * it names nothing of this module but itself (no module-level constant or helper), and defines
 * no nested or arrow function (tsx's `keepNames` wraps those in a `__name` call that the page
 * does not have). test/local/dashboardHelpers.test.ts runs them with nothing else defined.
 */

/** What a message shows for a value that is not a number (NaN); never the string `NaN`. */
export const UNKNOWN_NUMBER = '?';

/** How `humanDuration` rounds: to the nearest step, or toward a smaller / larger duration. */
export type DurationRounding = 'nearest' | 'down' | 'up';

/**
 * Formats milliseconds as a rounded human duration of at most two units:
 *
 * | range (after rounding) | resolution         | examples                    |
 * | ---------------------- | ------------------ | --------------------------- |
 * | 0                      |                    | `0s`                        |
 * | under 100 ms           | 1 ms               | `40ms`                      |
 * | under 1 s              | 0.1 s              | `0.4s`                      |
 * | under 1 min            | 1 s                | `59s`                       |
 * | under 1 h              | 1 s                | `10m`, `1m 30s`             |
 * | under 1 d              | 1 min              | `2h`, `2h 5m`               |
 * | 1 d and more           | 1 h                | `1d`, `3d 4h`, `400d`       |
 *
 * Each value is rounded to a step of its range, to the nearest step (halves up) by default, and
 * a value that rounds up into the next range is written in that range: `59_967` -> `1m`,
 * `3_599_700` -> `1h`. Round `down` an elapsed time shown beside the limit it is below
 * (`59s ago < cooldown 1m`, never `1m ago < cooldown 1m`), `up` one shown beside a limit it
 * exceeds. Negative durations get a leading `-` (rounded the same way on the number line);
 * infinities read `forever` / `-forever`; NaN reads `?`.
 *
 * @example humanDuration(59_967) // '1m'
 * @example humanDuration(59_967, 'down') // '59s'
 * @example humanDuration(90_000) // '1m 30s'
 */
export function humanDuration(ms: number, rounding: DurationRounding = 'nearest'): string {
  // Self-contained (see the module's comment): its constants are its own, its `?` is UNKNOWN_NUMBER.
  const SECOND = 1_000;
  const MINUTE = 60 * SECOND;
  const HOUR = 60 * MINUTE;
  if (Number.isNaN(ms)) return '?';
  if (ms < 0) return `-${humanDuration(-ms, rounding === 'down' ? 'up' : rounding === 'up' ? 'down' : rounding)}`;
  if (ms === Infinity) return 'forever';
  const round = { nearest: Math.round, down: Math.floor, up: Math.ceil }[rounding];
  const wholeMs = round(ms);
  if (wholeMs === 0) return '0s';
  if (wholeMs < 100) return `${wholeMs}ms`;
  const tenths = round(ms / 100);
  if (tenths < 10) return `0.${tenths}s`;
  const seconds = round(ms / SECOND);
  if (seconds < 60) return `${seconds}s`;
  // Two units: the larger, then the smaller when it is not 0 (`1m`, `1m 30s`, `2h 5m`, `3d 4h`).
  const minutes = round(ms / MINUTE);
  const [total, per, bigUnit, smallUnit]: [number, number, string, string] =
    seconds < 60 * 60 ? [seconds, 60, 'm', 's'] : minutes < 24 * 60 ? [minutes, 60, 'h', 'm'] : [round(ms / HOUR), 24, 'd', 'h'];
  const big = Math.floor(total / per);
  const small = total % per;
  return small === 0 ? `${big}${bigUnit}` : `${big}${bigUnit} ${small}${smallUnit}`;
}

/**
 * Formats a number for a message: integers stay whole (`12`, `1500000`); other values of
 * magnitude 100 or more round to the nearest integer (`1234.5` -> `1235`); smaller fractions keep
 * 3 significant digits (`0.7430894` -> `0.743`, `12.345` -> `12.3`) but at most 6 decimal places
 * (`0.0000001` -> `0`). Never exponent notation, never `-0`; NaN reads `?`, infinities `∞`/`-∞`.
 *
 * @example humanNumber(0.7430894308943089) // '0.743'
 */
export function humanNumber(x: number): string {
  // Self-contained (see the module's comment): MAX_DECIMALS is its own, its `?` is UNKNOWN_NUMBER.
  /** Most decimal places a fraction keeps: smaller magnitudes read as `0`. */
  const MAX_DECIMALS = 6;
  if (Number.isNaN(x)) return '?';
  if (x === Infinity) return '∞';
  if (x === -Infinity) return '-∞';
  const sign = x < 0 ? '-' : '';
  const magnitude = Math.abs(x);
  let text: string;
  if (Number.isInteger(magnitude) || magnitude >= 99.95) {
    // BigInt writes every digit: String(1e21) would be '1e+21'.
    text = BigInt(Math.round(magnitude)).toString();
  } else {
    // The exponent of the 3-digit rounding (9.996 reads 10.0), then ONE rounding of the value
    // itself: rounding the 3-digit form again to 6 decimals rounded twice (0.00002845 ->
    // 0.0000285 -> 0.000029, further from the value than 0.000028).
    const rounded = Number(magnitude.toPrecision(3));
    const exponent = Math.floor(Math.log10(rounded || 1));
    const decimals = Math.min(MAX_DECIMALS, Math.max(0, 2 - exponent));
    text = magnitude.toFixed(decimals);
    if (text.includes('.')) text = text.replace(/0+$/, '').replace(/\.$/, '');
  }
  return text === '0' ? '0' : `${sign}${text}`;
}

/**
 * Formats a ratio as a percentage with `humanNumber`'s rounding: `0.743` -> `74.3%`,
 * `0.97` -> `97%`, `1.5` -> `150%`.
 *
 * @example humanPercent(0.7430894308943089) // '74.3%'
 */
export function humanPercent(ratio: number): string {
  return `${humanNumber(ratio * 100)}%`;
}

/** `magnitude` (>= 0) to `digits` significant digits as a plain decimal, trailing zeros dropped. */
function significant(magnitude: number, digits: number): string {
  const rounded = Number(magnitude.toPrecision(digits));
  const exponent = Math.floor(Math.log10(rounded || 1));
  const text = rounded.toFixed(Math.min(100, Math.max(0, digits - 1 - exponent)));
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * `humanNumber(value)`, with more significant digits when needed so that the shown value compares
 * with each reference as `value` does: a message never reads `0.97 > 0.97` (for 0.9704) or
 * `12.4 < 12.354` (for 12.352). Use it for a measured value printed next to thresholds;
 * `undefined` references (an unset bound) are skipped.
 *
 * @example humanCompared(0.9704, 0.97) // '0.9704'
 * @example humanCompared(0.7430894, 0.97) // '0.743'
 * @example humanCompared(2.5004, 1, 2.5) // '2.5004' (within [1, 2.5] would be wrong)
 */
export function humanCompared(value: number, ...references: readonly (number | undefined)[]): string {
  const short = humanNumber(value);
  const bounds = references.filter((r): r is number => r !== undefined && Number.isFinite(r));
  if (!Number.isFinite(value)) return short;
  // Every reference at once: a rounding that suits one bound may cross another.
  const faithful = (text: string) => bounds.every((r) => Math.sign(Number(text) - r) === Math.sign(value - r));
  if (faithful(short)) return short;
  const sign = value < 0 ? '-' : '';
  for (let digits = 4; digits <= 17; digits++) {
    const text = `${sign}${significant(Math.abs(value), digits)}`;
    if (faithful(text)) return text;
  }
  // 17 significant digits name every double exactly; only values beyond 100 decimals get here.
  return short;
}
