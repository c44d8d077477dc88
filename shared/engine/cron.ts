import { ValidationError } from '../domain/errors';

/**
 * Five-field cron (minute hour day-of-month month day-of-week) in an IANA time zone.
 * Supports `*`, `?`, lists, ranges, steps (`*\/15`, `8-18/2`, `5/10`), month names JAN-DEC and
 * day names SUN-SAT (0 or 7 = Sunday, so `MON-SUN` works). As in Vixie cron, when both
 * day-of-month and day-of-week are restricted a day matching either fires.
 */
export interface CronSpec {
  minute: boolean[];
  hour: boolean[];
  dayOfMonth: boolean[];
  month: boolean[];
  dayOfWeek: boolean[];
  anyDayOfMonth: boolean;
  anyDayOfWeek: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const parsed = new Map<string, CronSpec>();

/** Parses (and caches) a cron expression; throws ValidationError naming the bad field. */
export function parseCron(expression: string): CronSpec {
  const cached = parsed.get(expression);
  if (cached) return cached;
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new ValidationError([{ path: 'cron', message: `Expected five cron fields (minute hour day month weekday), got ${fields.length}`, value: expression, severity: 'error' }]);
  }
  const [mi, h, dom, mon, dow] = fields as [string, string, string, string, string];
  const dayOfWeek = field(dow, 0, 7, DAYS, 'day-of-week', expression);
  if (dayOfWeek[7]) dayOfWeek[0] = true;
  const spec: CronSpec = {
    minute: field(mi, 0, 59, undefined, 'minute', expression),
    hour: field(h, 0, 23, undefined, 'hour', expression),
    dayOfMonth: field(dom, 1, 31, undefined, 'day-of-month', expression),
    month: field(mon, 1, 12, MONTHS, 'month', expression, 1),
    dayOfWeek: dayOfWeek.slice(0, 7),
    anyDayOfMonth: dom === '*' || dom === '?',
    anyDayOfWeek: dow === '*' || dow === '?',
  };
  if (parsed.size > 1_000) parsed.clear();
  parsed.set(expression, spec);
  return spec;
}

function field(text: string, min: number, max: number, names: string[] | undefined, what: string, expression: string, nameBase = 0): boolean[] {
  const allowed = new Array<boolean>(max + 1).fill(false);
  const fail = (message: string): never => {
    throw new ValidationError([{ path: 'cron', message: `Bad ${what} field "${text}": ${message}`, value: expression, severity: 'error' }]);
  };
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const named = names ? names.indexOf(upper) : -1;
    const n = named >= 0 ? named + nameBase : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) fail(`expected ${min}-${max}${names ? ' or a name' : ''}, got "${token}"`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) fail(`bad step "${stepText}"`);
    let from: number;
    let to: number;
    if (range === '*' || range === '?') {
      from = min;
      to = max === 7 ? 6 : max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      from = value(a);
      to = value(b);
      // SUN may close a weekday range (MON-SUN): count it as 7.
      if (max === 7 && to === 0 && from > 0) to = 7;
      if (to < from) fail(`range ${range} runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : max;
    }
    for (let v = from; v <= to; v += step) allowed[v] = true;
  }
  return allowed;
}

// Offsets change only at DST transitions, which fall on quarter hours: cache per zone and quarter.
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, Map<number, number>>();
const QUARTER = 15 * MINUTE;

/** Milliseconds to add to a UTC instant to get the wall-clock time in `zone` (throws RangeError for an unknown zone). */
export function zoneOffset(zone: string, at: number): number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return 0;
  const quarter = Math.floor(at / QUARTER);
  let byQuarter = offsets.get(zone);
  const cached = byQuarter?.get(quarter);
  if (cached !== undefined) return cached;
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour! % 24, parts.minute!, parts.second!);
  const offset = local - Math.floor(at / 1000) * 1000;
  if (!byQuarter || byQuarter.size > 20_000) {
    byQuarter = new Map();
    offsets.set(zone, byQuarter);
  }
  byQuarter.set(quarter, offset);
  return offset;
}

/** Civil date of a local day number (days since 1970-01-01), Howard Hinnant's algorithm: no Date allocation. */
function civil(days: number): { month: number; day: number; weekday: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { month, day, weekday: (((days + 4) % 7) + 7) % 7 };
}

/** Whether the local day number `days` matches the month, day-of-month and day-of-week fields. */
function dayMatches(spec: CronSpec, days: number): boolean {
  const { month, day, weekday } = civil(days);
  if (!spec.month[month]) return false;
  const dom = spec.dayOfMonth[day]!;
  const dow = spec.dayOfWeek[weekday]!;
  if (spec.anyDayOfMonth && spec.anyDayOfWeek) return true;
  if (spec.anyDayOfMonth) return dow;
  if (spec.anyDayOfWeek) return dom;
  return dom || dow;
}

/** Whether the minute containing `at` matches the cron in `zone`. */
export function cronMatches(cron: string | CronSpec, at: number, zone = 'UTC'): boolean {
  const spec = typeof cron === 'string' ? parseCron(cron) : cron;
  const local = at + zoneOffset(zone, at);
  return spec.minute[Math.floor(mod(local, HOUR) / MINUTE)]! && spec.hour[Math.floor(mod(local, DAY) / HOUR)]! && dayMatches(spec, Math.floor(local / DAY));
}

/**
 * The most recent firing at or before `at`, no further back than `lookback`; undefined if none.
 * Searches back minute by minute in local wall-clock arithmetic (offset computed once),
 * skipping whole days and hours that cannot match, then converts the firing back to UTC with
 * the offset at that instant (so a DST change in between is accounted for).
 */
export function lastCronFiring(cron: string | CronSpec, at: number, zone = 'UTC', lookback = DAY): number | undefined {
  const spec = typeof cron === 'string' ? parseCron(cron) : cron;
  const offset = zoneOffset(zone, at);
  const localNow = at + offset;
  // One extra hour of search absorbs a DST shift between the firing and now.
  const limit = localNow - lookback - HOUR;
  let t = Math.floor(localNow / MINUTE) * MINUTE;
  let checkedDay = NaN;
  let dayOk = false;
  while (t >= limit) {
    const days = Math.floor(t / DAY);
    if (days !== checkedDay) {
      checkedDay = days;
      dayOk = dayMatches(spec, days);
    }
    if (!dayOk) {
      t = t - mod(t, DAY) - MINUTE;
      continue;
    }
    if (!spec.hour[Math.floor(mod(t, DAY) / HOUR)]) {
      t = t - mod(t, HOUR) - MINUTE;
      continue;
    }
    let m = Math.floor(mod(t, HOUR) / MINUTE);
    while (m >= 0 && !spec.minute[m]) m--;
    if (m < 0) {
      t = t - mod(t, HOUR) - MINUTE;
      continue;
    }
    const local = t - mod(t, HOUR) + m * MINUTE;
    const firing = local - zoneOffset(zone, local - offset);
    if (firing <= at && at - firing <= lookback) return firing;
    if (firing <= at) return undefined;
    t = local - MINUTE;
  }
  return undefined;
}

const mod = (n: number, m: number) => ((n % m) + m) % m;
