/**
 * Five-field cron checking for schedule windows (minute hour day-of-month month day-of-week).
 * The engine evaluates schedules with its own parser; a cron is valid only when this stricter
 * syntax check passes AND the engine's parser accepts it, so a config that validates also runs.
 */
import { ValidationError } from '../domain/errors';
import { parseCron } from '../engine/cron';

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'], base: 1 },
  // 0 and 7 are both Sunday, as in Vixie cron.
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], base: 0 },
] as const;

type Field = (typeof FIELDS)[number];

/** Why `expression` is not a valid five-field cron, or undefined when it is. */
export function cronProblem(expression: string): string | undefined {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) return `Expected a five-field cron "minute hour day-of-month month day-of-week" (got ${parts.length} field(s))`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(parts[i]!, FIELDS[i]!);
    if (problem) return problem;
  }
  try {
    parseCron(parts.join(' '));
  } catch (error) {
    if (error instanceof ValidationError) return error.problems[0]?.message ?? error.message;
    throw error;
  }
  return undefined;
}

function fieldProblem(text: string, field: Field): string | undefined {
  for (const item of text.split(',')) {
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0 || range === undefined || range === '') return `Invalid ${field.name} "${item}"`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `Invalid step "${step}" in ${field.name}`;
    // `?` is Quartz/AWS for "any"; the engine accepts it like `*`.
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `Invalid range "${range}" in ${field.name}`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = toNumber(bound, field);
      if (value === undefined) return `Invalid ${field.name} "${bound}"`;
      if (value < field.min || value > field.max) return `${field.name} ${value} is outside ${field.min}-${field.max}`;
      values.push(value);
    }
    // SUN (0) may close a weekday range: MON-SUN.
    if (field.name === 'day-of-week' && values.length === 2 && values[1] === 0 && values[0]! > 0) values[1] = 7;
    if (values.length === 2 && values[0]! > values[1]!) return `Range "${range}" in ${field.name} runs backwards`;
  }
  return undefined;
}

function toNumber(text: string, field: Field): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  if ('names' in field) {
    const index = (field.names as readonly string[]).indexOf(text.toUpperCase());
    if (index >= 0) return index + field.base;
  }
  return undefined;
}

const DAY_MS = 86_400_000;
/** Days of 28 years from 2000-01-01: every weekday falls on every date, leap years included. */
const CYCLE_DAYS = 10_227;

/**
 * Why a valid cron never (or almost never) fires, or undefined when it fires at least once a
 * year: `0 0 30 2 *` (30 February) never does, `0 0 29 2 *` only in leap years. Only the date
 * fields can make a cron never fire; minute and hour always match some time of the day.
 */
export function cronNeverFires(expression: string): string | undefined {
  const spec = parseCron(expression.trim().split(/\s+/).join(' '));
  const start = Date.UTC(2000, 0, 1);
  const years = new Set<number>();
  let matches = 0;
  for (let day = 0; day < CYCLE_DAYS; day++) {
    const date = new Date(start + day * DAY_MS);
    if (!spec.month[date.getUTCMonth() + 1]) continue;
    const byDate = spec.dayOfMonth[date.getUTCDate()]!;
    const byWeekday = spec.dayOfWeek[date.getUTCDay()]!;
    // As in Vixie cron: with both restricted, a day matching either fires.
    const fires = spec.anyDayOfMonth ? byWeekday : spec.anyDayOfWeek ? byDate : byDate || byWeekday;
    if (!fires) continue;
    matches++;
    years.add(date.getUTCFullYear());
  }
  if (matches === 0) return `Cron "${expression}" never fires: no date matches its day-of-month, month and day-of-week, so the window never opens`;
  if (years.size < 28) return `Cron "${expression}" fires only in some years (${years.size} of 28, e.g. 29 February): the window almost never opens`;
  return undefined;
}

/** True when the runtime knows `zone` as an IANA time zone. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
