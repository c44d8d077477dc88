/**
 * Validation warnings for settings that are valid but cannot do what their author meant
 * (issue 11, item 8): a cron that never fires, a window of 0s, a sub-second interval, a bound
 * no pool can reach. Warnings, not errors: the config still loads.
 */
import { describe, expect, it } from 'vitest';
import { cronNeverFires } from '../../shared/config/cron';
import { validateConfig } from '../../shared/config/validate';

const pool = (extra: Record<string, unknown>) => ({
  pools: [{ id: 'p', target: { kind: 'none' }, min: 1, max: 5, metrics: { busy: { source: 'static', value: 1 } }, rules: [{ type: 'buffer', minFree: 1, batch: 1 }], ...extra }],
});
const scheduled = (window: Record<string, unknown>) => pool({ rules: [{ type: 'schedule', windows: [{ min: 2, ...window }] }] });

describe('Function: validateConfig (warnings for settings that do nothing)', () => {
  it.each([
    { case: 'a cron on 30 February', config: scheduled({ cron: '0 0 30 2 *' }), path: 'pools[0].rules[0].windows[0].cron', pattern: /never fires/ },
    { case: 'a cron on 31 April', config: scheduled({ cron: '0 8 31 APR *' }), path: 'pools[0].rules[0].windows[0].cron', pattern: /never fires/ },
    { case: 'a cron on 29 February only', config: scheduled({ cron: '0 0 29 2 *' }), path: 'pools[0].rules[0].windows[0].cron', pattern: /only in some years/ },
    { case: 'a window of 0s', config: scheduled({ cron: '0 9 * * *', duration: '0s' }), path: 'pools[0].rules[0].windows[0].duration', pattern: /never applies/ },
    { case: 'a window of 0 seconds as a number', config: scheduled({ cron: '0 9 * * *', duration: 0 }), path: 'pools[0].rules[0].windows[0].duration', pattern: /never applies/ },
    { case: 'interval: 1ms', config: pool({ interval: '1ms' }), path: 'pools[0].interval', pattern: /under one second/ },
    { case: 'interval: 0.5 (seconds)', config: pool({ interval: 0.5 }), path: 'pools[0].interval', pattern: /under one second/ },
    { case: 'staleAfter: 0', config: pool({ staleAfter: 0 }), path: 'pools[0].staleAfter', pattern: /every sample stale/ },
    { case: 'max: 1e12', config: pool({ max: 1e12 }), path: 'pools[0].max', pattern: /beyond any plausible pool/ },
    { case: 'min: 200000', config: pool({ min: 200_000, max: 300_000 }), path: 'pools[0].min', pattern: /beyond any plausible pool/ },
    {
      case: 'beta without perWorker',
      config: pool({ metrics: { utilization: { source: 'static', value: 0.5 } }, rules: [{ type: 'target', metric: 'utilization', targetValue: 0.7, beta: 2 }] }),
      path: 'pools[0].rules[0].beta',
      pattern: /applies only with `perWorker`/,
    },
    {
      case: 'spread: observed without beta',
      config: pool({ metrics: { jobs: { source: 'static', value: 4 } }, rules: [{ type: 'target', metric: 'jobs', perWorker: 1, spread: 'observed' }] }),
      path: 'pools[0].rules[0].spread',
      pattern: /applies only with `perWorker` and a `beta` above 0/,
    },
    {
      case: 'lead without spread: observed',
      config: pool({ metrics: { jobs: { source: 'static', value: 4 } }, rules: [{ type: 'target', metric: 'jobs', perWorker: 1, beta: 2, lead: '3m' }] }),
      path: 'pools[0].rules[0].lead',
      pattern: /applies only with `spread: observed`/,
    },
  ])('$case: a warning at $path, and the config still loads', ({ config, path, pattern }) => {
    // Act
    const result = validateConfig(config);

    // Assess
    expect(result.config, JSON.stringify(result.problems)).toBeDefined();
    const warning = result.problems.find((problem) => problem.path === path);
    expect(warning).toMatchObject({ severity: 'warning' });
    expect(warning?.message).toMatch(pattern);
  });

  it.each([
    { case: 'every 5 minutes', cron: '*/5 * * * *' },
    { case: 'weekdays at 9', cron: '0 9 * * MON-FRI' },
    { case: 'the 31st of any month', cron: '0 0 31 * *' },
    { case: '31 April or any Monday (Vixie: either day field)', cron: '0 0 31 4 MON' },
    { case: 'Friday the 13th style', cron: '0 0 13 * FRI' },
    { case: 'new year', cron: '0 0 1 JAN *' },
  ])('no warning for a cron that fires: $case', ({ cron }) => {
    expect(cronNeverFires(cron)).toBeUndefined();
    expect(validateConfig(scheduled({ cron })).problems.filter((problem) => problem.path.endsWith('cron'))).toEqual([]);
  });

  it.each([
    { case: 'interval 1s', config: pool({ interval: '1s' }) },
    { case: 'max 100000', config: pool({ max: 100_000 }) },
    { case: 'a window of 30m', config: scheduled({ cron: '0 9 * * *', duration: '30m' }) },
    { case: 'beta with perWorker', config: pool({ metrics: { jobs: { source: 'static', value: 4 } }, rules: [{ type: 'target', metric: 'jobs', perWorker: 1, beta: 2 }] }) },
    { case: 'spread: observed with beta and a lead', config: pool({ metrics: { jobs: { source: 'static', value: 4 } }, rules: [{ type: 'target', metric: 'jobs', perWorker: 1, beta: 2, spread: 'observed', lead: '3m' }] }) },
  ])('no warning at the edge: $case', ({ config }) => {
    expect(validateConfig(config).problems).toEqual([]);
  });
});
