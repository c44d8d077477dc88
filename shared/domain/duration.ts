import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Longest duration any field accepts: a year. Longer cooldowns, windows or histories mean
 * nothing to an autoscaler, and the bound keeps every duration (and `now + duration`) a safe
 * integer that every store can hold exactly.
 */
export const MAX_DURATION_MS = 365 * UNIT_MS.d;

/**
 * Parses a human duration into milliseconds: `"30s"`, `"5m"`, `"1.5h"`, `"2d"`, `"250ms"`, or a
 * plain number of seconds (`30`). Returns `undefined` for anything else, including durations
 * beyond `MAX_DURATION_MS` (`"999999999d"`, a 400-digit number).
 *
 * @example parseDuration('3m') // 180000
 */
export function parseDuration(input: string | number): number | undefined {
  let ms: number;
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return undefined;
    ms = Math.round(input * 1_000);
  } else {
    const match = PATTERN.exec(input.trim());
    if (!match) return undefined;
    const [, amount, unit] = match;
    ms = Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  }
  return Number.isSafeInteger(ms) && ms <= MAX_DURATION_MS ? ms : undefined;
}

/** Formats milliseconds as the shortest exact duration string (`180000` -> `"3m"`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** Why `value` is not a duration, for a field problem. */
function durationMessage(value: string | number): string {
  const shown = JSON.stringify(value).slice(0, 60);
  const wellFormed = typeof value === 'number' ? Number.isFinite(value) && value >= 0 : PATTERN.test(value.trim());
  return wellFormed
    ? `Expected a duration of at most 365d (got ${shown})`
    : `Expected a duration such as "30s", "5m", "1h", "1d" or a number of seconds (got ${shown})`;
}

/** A zod field accepting `"5m"`-style strings or seconds, producing milliseconds (at most a year). */
export const duration = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: durationMessage(value) });
      return z.NEVER;
    }
    return ms;
  });
