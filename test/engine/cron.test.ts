import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors';
import { cronMatches, lastCronFiring, parseCron } from '../../shared/engine';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe('Function: cronMatches', () => {
  it.each([
    { case: 'every minute', cron: '* * * * *', iso: '2026-03-30T06:07:00Z', zone: 'UTC', expected: true },
    { case: 'step minutes hit', cron: '*/15 * * * *', iso: '2026-03-30T06:45:00Z', zone: 'UTC', expected: true },
    { case: 'step minutes miss', cron: '*/15 * * * *', iso: '2026-03-30T06:46:00Z', zone: 'UTC', expected: false },
    { case: 'day names range weekday', cron: '0 8 * * MON-FRI', iso: '2026-03-30T06:00:00Z', zone: 'Europe/Madrid', expected: true },
    { case: 'day names range saturday', cron: '0 8 * * MON-FRI', iso: '2026-03-28T07:00:00Z', zone: 'Europe/Madrid', expected: false },
    { case: 'MON-SUN covers sunday', cron: '0 8 * * MON-SUN', iso: '2026-03-29T06:00:00Z', zone: 'Europe/Madrid', expected: true },
    { case: 'month names list', cron: '0 0 1 JAN,JUL *', iso: '2026-07-01T00:00:00Z', zone: 'UTC', expected: true },
    { case: 'month names miss', cron: '0 0 1 JAN,JUL *', iso: '2026-08-01T00:00:00Z', zone: 'UTC', expected: false },
    { case: 'range with step', cron: '0 8-18/2 * * *', iso: '2026-01-01T10:00:00Z', zone: 'UTC', expected: true },
    { case: 'range with step miss', cron: '0 8-18/2 * * *', iso: '2026-01-01T11:00:00Z', zone: 'UTC', expected: false },
    { case: 'dom or dow when both set', cron: '0 0 13 * FRI', iso: '2026-01-02T00:00:00Z', zone: 'UTC', expected: true },
    { case: 'sunday as 7', cron: '0 0 * * 7', iso: '2026-01-04T00:00:00Z', zone: 'UTC', expected: true },
    { case: 'New York local time', cron: '30 9 * * *', iso: '2026-01-05T14:30:00Z', zone: 'America/New_York', expected: true },
  ])('$case', ({ cron, iso, zone, expected }) => {
    expect(cronMatches(cron, at(iso), zone)).toBe(expected);
  });

  it.each([
    { case: 'four fields', cron: '* * * *' },
    { case: 'minute out of range', cron: '60 * * * *' },
    { case: 'unknown day name', cron: '0 0 * * FUN' },
    { case: 'backwards range', cron: '0 10-8 * * *' },
    { case: 'zero step', cron: '*/0 * * * *' },
  ])('rejects $case with a ValidationError', ({ cron }) => {
    expect(() => parseCron(cron)).toThrow(ValidationError);
  });
});

describe('Function: lastCronFiring', () => {
  // Business hours: Mon-Fri from 08:00 Madrid for 10 h. DST starts Sunday 2026-03-29
  // (CET +1 -> CEST +2), so 08:00 local is 07:00 UTC on Friday 27 and 06:00 UTC on Monday 30.
  const business = '0 8 * * MON-FRI';
  const open = (iso: string) => {
    const now = at(iso);
    const firing = lastCronFiring(business, now, 'Europe/Madrid', 10 * HOUR);
    return firing !== undefined && now - firing < 10 * HOUR;
  };

  it.each([
    { case: 'Friday before DST 06:59 UTC (07:59 CET)', iso: '2026-03-27T06:59:00Z', expected: false },
    { case: 'Friday before DST 07:00 UTC (08:00 CET)', iso: '2026-03-27T07:00:00Z', expected: true },
    { case: 'Friday 16:59 UTC (17:59 CET)', iso: '2026-03-27T16:59:00Z', expected: true },
    { case: 'Friday 17:00 UTC (18:00 CET)', iso: '2026-03-27T17:00:00Z', expected: false },
    { case: 'Saturday morning', iso: '2026-03-28T09:00:00Z', expected: false },
    { case: 'DST Sunday', iso: '2026-03-29T09:00:00Z', expected: false },
    { case: 'Monday after DST 05:59 UTC (07:59 CEST)', iso: '2026-03-30T05:59:00Z', expected: false },
    { case: 'Monday after DST 06:00 UTC (08:00 CEST)', iso: '2026-03-30T06:00:00Z', expected: true },
    { case: 'Monday after DST 15:59 UTC (17:59 CEST)', iso: '2026-03-30T15:59:00Z', expected: true },
    { case: 'Monday after DST 16:00 UTC (18:00 CEST)', iso: '2026-03-30T16:00:00Z', expected: false },
  ])('$case: open=$expected', ({ iso, expected }) => {
    expect(open(iso)).toBe(expected);
  });

  it('returns the firing instant in UTC across the autumn DST change', () => {
    // 2026-10-25: CEST -> CET at 03:00 local. A 02:30 daily firing before the change, asked after it.
    const firing = lastCronFiring('30 1 * * *', at('2026-10-25T05:00:00Z'), 'Europe/Madrid', 6 * HOUR);
    expect(firing).toBe(at('2026-10-24T23:30:00Z'));
  });

  it('returns undefined when nothing fired within the lookback', () => {
    expect(lastCronFiring('0 8 * * MON-FRI', at('2026-03-28T12:00:00Z'), 'Europe/Madrid', HOUR)).toBeUndefined();
  });
});
