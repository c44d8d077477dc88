/**
 * What a seed converter returns: a raw poolscale config (durations as "30s"-style strings, the
 * form a person would write) and the problems found in the seed itself, with paths naming the
 * seed's own keys (`MIN_FREE_BOTS`, `backdipro.cpu_thresholds.scale_up_2`).
 */
import type { FieldProblem } from '../../domain/errors';

export interface SeedConversion {
  raw: { version: 1; budget?: Record<string, unknown>; pools: Record<string, unknown>[] };
  problems: FieldProblem[];
}

export const error = (path: string, message: string, value?: unknown): FieldProblem => ({ path, message, value, severity: 'error' });
export const warning = (path: string, message: string, value?: unknown): FieldProblem => ({ path, message, value, severity: 'warning' });

/** A seed pool/project name as a poolscale pool id (lower case, `-` for anything else). */
export function toPoolId(name: string): string {
  const id = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+/, '')
    .replace(/-+$/, '')
    .slice(0, 63);
  return id || 'pool';
}

/** Seconds (possibly fractional) as a duration string the schema reads back exactly. */
export function seconds(value: number): string {
  return Number.isInteger(value) ? `${value}s` : `${Math.round(value * 1000)}ms`;
}

/**
 * Reads a number from a seed, falling back to the seed's documented default (with a warning
 * so the user knows a value was assumed) and reporting values that are not numbers.
 */
export function readNumber(
  source: Record<string, unknown>,
  key: string,
  fallback: number,
  problems: FieldProblem[],
  options: { integer?: boolean; path?: string; warnMissing?: boolean } = {},
): number {
  const path = options.path ?? key;
  const raw = source[key];
  if (raw === undefined || raw === '') {
    if (options.warnMissing !== false) problems.push(warning(path, `${key} is not set; using the seed's default ${fallback}`));
    return fallback;
  }
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.replace(/_/g, '')) : Number.NaN;
  if (!Number.isFinite(value) || (options.integer && !Number.isInteger(value))) {
    problems.push(error(path, `Expected ${options.integer ? 'an integer' : 'a number'}`, raw));
    return fallback;
  }
  return value;
}

export function readBoolean(source: Record<string, unknown>, key: string, fallback: boolean, problems: FieldProblem[], path = key): boolean {
  const raw = source[key];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  const text = String(raw).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(text)) return true;
  if (['false', '0', 'no', 'off'].includes(text)) return false;
  problems.push(error(path, 'Expected true or false', raw));
  return fallback;
}
