import { describe, expect, it } from 'vitest';
import { cronProblem, isKnownTimeZone } from '../../shared/config/cron';

describe('Function: cronProblem', () => {
  it.each([
    { case: 'every minute', cron: '* * * * *' },
    { case: 'business hours', cron: '0 9 * * 1-5' },
    { case: 'steps and lists', cron: '*/15 8-18/2 1,15 * MON-FRI' },
    { case: 'month names', cron: '0 0 1 jan,jul *' },
    { case: 'sunday as 7', cron: '30 23 * * 7' },
    { case: 'extra spaces', cron: '  0   6 * * *  ' },
    { case: 'question mark as any', cron: '0 9 ? * MON' },
    { case: 'weekdays ending on Sunday', cron: '0 9 * * MON-SUN' },
    { case: 'value with step', cron: '5/10 * * * *' },
  ])('accepts $case', ({ cron }) => {
    expect(cronProblem(cron)).toBeUndefined();
  });

  it.each([
    { case: 'four fields', cron: '0 9 * *', message: /five-field.*got 4/ },
    { case: 'six fields', cron: '0 0 9 * * *', message: /got 6/ },
    { case: 'minute 60', cron: '60 * * * *', message: /minute 60 is outside 0-59/ },
    { case: 'day-of-month 0', cron: '0 0 0 * *', message: /day-of-month 0 is outside 1-31/ },
    { case: 'month 13', cron: '0 0 1 13 *', message: /month 13/ },
    { case: 'day-of-week 8', cron: '0 0 * * 8', message: /day-of-week 8/ },
    { case: 'backwards range', cron: '0 18-9 * * *', message: /runs backwards/ },
    { case: 'zero step', cron: '*/0 * * * *', message: /Invalid step/ },
    { case: 'words', cron: 'every day at nine', message: /got 4/ },
    { case: 'bad name', cron: '0 0 * * FUN', message: /Invalid day-of-week "FUN"/ },
    { case: 'empty list item', cron: '0,,5 * * * *', message: /Invalid minute/ },
    { case: 'double range', cron: '1-2-3 * * * *', message: /Invalid range/ },
    { case: 'double step', cron: '1/2/3 * * * *', message: /Invalid minute/ },
  ])('rejects $case', ({ cron, message }) => {
    expect(cronProblem(cron)).toMatch(message);
  });
});

describe('Function: isKnownTimeZone', () => {
  it.each([
    { zone: 'UTC', known: true },
    { zone: 'Europe/Madrid', known: true },
    { zone: 'America/New_York', known: true },
    { zone: 'Mars/Olympus', known: false },
    { zone: 'CET+99', known: false },
  ])('$zone -> $known', ({ zone, known }) => {
    expect(isKnownTimeZone(zone)).toBe(known);
  });
});
