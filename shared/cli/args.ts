/**
 * Argument parsing shared by the commands: node:util parseArgs, with its errors made short and
 * helpful (did-you-mean for unknown options), and negative numbers (`scale demo -1`) read as
 * values rather than as unknown options, so the command can say what it expects instead.
 */
import { parseArgs } from 'node:util';
import { usageError, type OptionTable } from '../config/usageError';

const NUMBER_LIKE = /^-\d/;
/** Marks a number-like argument while parseArgs runs; no real argument starts with NUL. */
const MARK = '\u0000';
const unmark = (value: string): string => (value.startsWith(MARK) ? value.slice(1) : value);

export type Parsed<T extends OptionTable> = {
  values: { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };
  positionals: string[];
};

/** Parses `args`; on bad usage returns the message (without the command prefix). */
export function parseCommandArgs<T extends OptionTable>(args: readonly string[], options: T): Parsed<T> | { error: string } {
  try {
    const { values, positionals } = parseArgs({
      args: args.map((arg) => (NUMBER_LIKE.test(arg) ? MARK + arg : arg)),
      options,
      allowPositionals: true,
      strict: true,
    });
    const plain: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) plain[key] = typeof value === 'string' ? unmark(value) : value;
    return { values: plain as Parsed<T>['values'], positionals: positionals.map(unmark) };
  } catch (cause) {
    return { error: usageError(cause, options) };
  }
}

/**
 * A whole number argument in [min, max]: the number, or the message naming it and what was typed
 * (`DESIRED must be a whole number ≥ 0, got "-1"`).
 */
export function wholeNumber(text: string, name: string, min: number, max?: number): number | string {
  const value = /^[+-]?\d+$/.test(text.trim()) ? Number(text) : Number.NaN;
  if (Number.isSafeInteger(value) && value >= min && (max === undefined || value <= max)) return value;
  return `${name} must be a whole number ${max === undefined ? `≥ ${min}` : `from ${min} to ${max}`}, got "${text}"`;
}
