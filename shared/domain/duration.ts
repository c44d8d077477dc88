import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * Parses a human duration into milliseconds: `"30s"`, `"5m"`, `"1.5h"`, `"2d"`, `"250ms"`, or a
 * plain number of seconds (`30`). Returns `undefined` for anything else.
 *
 * @example parseDuration('3m') // 180000
 */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') {
    return Number.isFinite(input) && input >= 0 ? Math.round(input * 1_000) : undefined;
  }
  const match = PATTERN.exec(input.trim());
  if (!match) return undefined;
  const [, amount, unit] = match;
  return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
}

/** Formats milliseconds as the shortest exact duration string (`180000` -> `"3m"`). */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/** A zod field accepting `"5m"`-style strings or seconds, producing milliseconds. */
export const duration = () =>
  z.union([z.string(), z.number()]).transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `Expected a duration such as "30s", "5m", "1h", "1d" or a number of seconds (got ${JSON.stringify(value)})`,
      });
      return z.NEVER;
    }
    return ms;
  });
