import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BufferRule, EmergencyRule, MemoryRule, Rule, TargetRule } from '../../shared/domain/policy';
import { bufferRule, emergencyRule, evaluateRule, memoryFit, memoryRule, scheduleRule, targetRule } from '../../shared/engine';
import { T0, ctxOf, policyOf } from './fixtures';

const ruleOf = <R>(policy: ReturnType<typeof policyOf>) => policy.rules[0] as R;

describe('Function: bufferRule', () => {
  it.each([
    { case: 'seed 000: 10 bots, 8 busy', current: 10, values: { busy: 8 }, rule: { minFree: 3, batch: 5 }, desired: 15, code: 'rule.buffer.below_min_free' },
    { case: 'free metric preferred over busy', current: 10, values: { busy: 8, free: 4 }, rule: { minFree: 3, batch: 5 }, desired: 10, code: 'rule.buffer.ok' },
    { case: 'exactly minFree is enough', current: 10, values: { busy: 7 }, rule: { minFree: 3, batch: 5 }, desired: 10, code: 'rule.buffer.ok' },
    { case: 'surplus above maxFree released in steps', current: 20, values: { busy: 2 }, rule: { minFree: 3, batch: 5, maxFree: 10, scaleInStep: 2 }, desired: 18, code: 'rule.buffer.above_max_free' },
    { case: 'whole surplus without scaleInStep', current: 20, values: { busy: 2 }, rule: { minFree: 3, batch: 5, maxFree: 10 }, desired: 12, code: 'rule.buffer.above_max_free' },
    { case: 'a fractional busy releases whole workers only', current: 20, values: { busy: 2.5 }, rule: { minFree: 3, batch: 5, maxFree: 10 }, desired: 13, code: 'rule.buffer.above_max_free' },
    { case: 'less than one whole idle worker over maxFree holds', current: 6, values: { busy: 0.25 }, rule: { minFree: 0, batch: 1, maxFree: 5 }, desired: 6, code: 'rule.buffer.ok' },
    { case: 'a busy reading of float noise (4.4e-16) is 0: one whole idle worker over maxFree goes', current: 6, values: { busy: 4.440892098500627e-16 }, rule: { minFree: 0, batch: 1, maxFree: 5 }, desired: 5, code: 'rule.buffer.above_max_free' },
    { case: 'empty pool', current: 0, values: { busy: 0 }, rule: { minFree: 1, batch: 2 }, desired: 2, code: 'rule.buffer.below_min_free' },
  ])('$case -> $desired', ({ current, values, rule, desired, code }) => {
    // Prepare
    const policy = policyOf({ rules: [{ type: 'buffer', ...rule }] });
    // Act
    const { proposal, missing } = bufferRule(ruleOf<BufferRule>(policy), ctxOf(policy, values as unknown as Record<string, number>, current));
    // Assess
    expect(proposal.desired).toBe(desired);
    expect(proposal.reason.code).toBe(code);
    expect(missing).toBeUndefined();
  });

  it.each([
    // Seed 000: "launches 5 new containers -> total 15, free 7": the 5 starting count as free, no second batch.
    { case: 'a batch still starting covers the shortfall', busy: 8, desired: 15, ready: 10, expected: 15 },
    { case: 'workers starting that do not cover it', busy: 10, desired: 12, ready: 10, expected: 17 },
    { case: 'nothing starting', busy: 8, desired: 10, ready: 10, expected: 15 },
  ])('counts free workers as ready - busy plus those starting: $case', ({ busy, desired, ready, expected }) => {
    const policy = policyOf({ rules: [{ type: 'buffer', minFree: 3, batch: 5 }] });
    const { proposal } = bufferRule(ruleOf<BufferRule>(policy), ctxOf(policy, { busy }, desired, { ready }));
    expect(proposal.desired).toBe(expected);
  });

  it('reads a busy average a hair above a whole number as that number (1 ready, busy 1e-16: 1 free, no batch)', () => {
    // Found by the reasons property: free 0.9999999999999999 < minFree 1 added a batch and printed 16 digits.
    const policy = policyOf({ rules: [{ type: 'buffer', minFree: 1, batch: 1 }] });
    const { proposal } = bufferRule(ruleOf<BufferRule>(policy), ctxOf(policy, { busy: 1e-16 }, 1, { ready: 1 }));
    expect(proposal.desired).toBe(1);
    expect(proposal.reason.message).toBe('free 1 (1 ready - 0 busy) >= minFree 1: hold 1');
  });

  it('never releases workers still starting as idle surplus (maxFree looks at ready ones)', () => {
    const policy = policyOf({ rules: [{ type: 'buffer', minFree: 1, maxFree: 2, batch: 5 }] });
    const { proposal } = bufferRule(ruleOf<BufferRule>(policy), ctxOf(policy, { busy: 3 }, 10, { ready: 5 }));
    expect(proposal.desired).toBe(10);
  });

  it('abstains for missing data', () => {
    const policy = policyOf({ rules: [{ type: 'buffer', minFree: 3, batch: 5 }] });
    const { proposal, missing } = bufferRule(ruleOf<BufferRule>(policy), ctxOf(policy, {}, 10));
    expect(proposal.desired).toBeUndefined();
    expect(missing).toEqual(['busy']);
  });
});

describe('Function: memoryFit', () => {
  // Seed 001 .env (dev): threshold 8, max 6, min 1, 4 GB per worker; .env.production: 12, 8, 2, 6 GB.
  const dev = { min: 1, max: 6, rule: { thresholdGb: 8, perWorkerGb: 4 } };
  const prod = { min: 2, max: 8, rule: { thresholdGb: 12, perWorkerGb: 6 } };
  it.each([
    { case: 'dev, 32.1 GB (seed log) capped by max', env: dev, available: 32.1, expected: 6 },
    { case: 'dev, 16 GB', env: dev, available: 16, expected: 3 },
    { case: 'dev, 12 GB', env: dev, available: 12, expected: 2 },
    { case: 'dev, 8 GB: not below threshold', env: dev, available: 8, expected: 1 },
    { case: 'dev, 7 GB: below threshold, kept at min', env: dev, available: 7, expected: 1 },
    { case: 'dev, 2 GB: negative room, min', env: dev, available: 2, expected: 1 },
    { case: 'prod, 64 GB capped by max', env: prod, available: 64, expected: 8 },
    { case: 'prod, 40 GB', env: prod, available: 40, expected: 6 },
    { case: 'prod, 22 GB', env: prod, available: 22, expected: 3 },
    { case: 'prod, 11 GB: below threshold, kept at min', env: prod, available: 11, expected: 2 },
    { case: 'threshold bites above min', env: { min: 1, max: 6, rule: { thresholdGb: 20, perWorkerGb: 4 } }, available: 16, expected: 2 },
  ])('$case -> $expected', ({ env, available, expected }) => {
    const policy = policyOf({ min: env.min, max: env.max, rules: [{ type: 'memory', ...env.rule }] });
    expect(memoryFit(available, ruleOf<MemoryRule>(policy), env.min, env.max)).toBe(expected);
  });
});

describe('Function: memoryRule', () => {
  it.each([
    { case: 'size proposes the fit, which is also a hard ceiling', role: 'size' as const, desired: 3, ceiling: 3 },
    { case: 'limit caps others with a hard ceiling', role: 'limit' as const, desired: undefined, ceiling: 3 },
  ])('$case', ({ role, desired, ceiling }) => {
    const policy = policyOf({ min: 1, max: 6, rules: [{ type: 'memory', perWorkerGb: 4, thresholdGb: 8, role }] });
    const { proposal } = memoryRule(ruleOf<MemoryRule>(policy), ctxOf(policy, { mem_available_gb: 16 }, 5));
    expect(proposal.desired).toBe(desired);
    expect(proposal.ceiling).toBe(ceiling);
    expect(proposal.hard).toBe(true);
  });

  it('abstains without the memory metric', () => {
    const policy = policyOf({ rules: [{ type: 'memory', perWorkerGb: 4 }] });
    expect(memoryRule(ruleOf<MemoryRule>(policy), ctxOf(policy, {}, 2)).missing).toEqual(['mem_available_gb']);
  });
});

describe('Function: targetRule', () => {
  it.each([
    { case: 'proportional up', rule: { targetValue: 0.6 }, current: 4, values: { utilization: 0.9 }, desired: 6, code: 'rule.target.above_target' },
    { case: 'proportional down', rule: { targetValue: 0.6 }, current: 4, values: { utilization: 0.3 }, desired: 2, code: 'rule.target.below_target' },
    { case: 'within tolerance', rule: { targetValue: 0.6 }, current: 4, values: { utilization: 0.62 }, desired: 4, code: 'rule.target.within_tolerance' },
    { case: 'empty pool with load gets one', rule: { targetValue: 0.6 }, current: 0, values: { utilization: 0.5 }, desired: 1, code: 'rule.target.above_target' },
    { case: 'empty pool without load stays empty', rule: { targetValue: 0.6 }, current: 0, values: { utilization: 0 }, desired: 0, code: 'rule.target.on_target' },
    { case: 'backlog per worker', rule: { metric: 'queue_length', perWorker: 10 }, current: 2, values: { queue_length: 95 }, desired: 10, code: 'rule.target.backlog_up' },
    { case: 'backlog exact division', rule: { metric: 'queue_length', perWorker: 0.1 }, current: 2, values: { queue_length: 0.7 }, desired: 7, code: 'rule.target.backlog_up' },
    { case: 'threshold up with pending', rule: { scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, requirePending: true }, current: 3, values: { utilization: 0.9, pending: 4 }, desired: 4, code: 'rule.target.above_threshold' },
    { case: 'threshold up without pending holds', rule: { scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, requirePending: true }, current: 3, values: { utilization: 0.9, pending: 0 }, desired: 3, code: 'rule.target.no_pending' },
    { case: 'threshold up by increment 3', rule: { scaleUpThreshold: 0.5, scaleDownThreshold: 0.4, increment: 3 }, current: 2, values: { utilization: 0.55 }, desired: 5, code: 'rule.target.above_threshold' },
    { case: 'threshold up toward midpoint target', rule: { scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, targetValue: 0.5 }, current: 4, values: { utilization: 1 }, desired: 8, code: 'rule.target.above_threshold' },
    { case: 'threshold down', rule: { scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, increment: 2 }, current: 3, values: { utilization: 0.1 }, desired: 1, code: 'rule.target.below_threshold' },
    { case: 'between thresholds', rule: { scaleUpThreshold: 0.8, scaleDownThreshold: 0.2 }, current: 3, values: { utilization: 0.5 }, desired: 3, code: 'rule.target.within_thresholds' },
  ])('$case -> $desired', ({ rule, current, values, desired, code }) => {
    const policy = policyOf({ rules: [{ type: 'target', ...rule }] });
    const { proposal } = targetRule(ruleOf<TargetRule>(policy), ctxOf(policy, values as unknown as Record<string, number>, current));
    expect(proposal.desired).toBe(desired);
    expect(proposal.reason.code).toBe(code);
  });

  it('averages over the window', () => {
    const policy = policyOf({ rules: [{ type: 'target', scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, window: '5m' }] });
    const samples = [0.1, 0.9, 0.95, 0.95].map((u, i) => ({ t: T0 - (3 - i) * 60_000, values: { utilization: u } }));
    const { proposal } = targetRule(ruleOf<TargetRule>(policy), ctxOf(policy, { utilization: 0.95 }, 3, { samples }));
    // mean 0.725: between the thresholds although the latest sample is above.
    expect(proposal.reason.code).toBe('rule.target.within_thresholds');
  });

  it('abstains when pending is required but missing', () => {
    const policy = policyOf({ rules: [{ type: 'target', scaleUpThreshold: 0.8, requirePending: true }] });
    const { proposal, missing } = targetRule(ruleOf<TargetRule>(policy), ctxOf(policy, { utilization: 0.9 }, 3));
    expect(proposal.desired).toBeUndefined();
    expect(missing).toEqual(['pending']);
  });
});

describe('Function: emergencyRule', () => {
  it.each([
    { case: 'calm', value: 0.9, desired: undefined, urgent: undefined },
    { case: 'triggered', value: 0.97, desired: 14, urgent: true },
    { case: 'capped', value: 0.99, desired: 14, urgent: true, cap: 14 },
  ])('$case', ({ value, desired, urgent, cap }) => {
    const policy = policyOf({ max: 50, rules: [{ type: 'emergency', above: 0.95, add: 10, ...(cap ? { cap } : {}) }] });
    const { proposal } = emergencyRule(ruleOf<EmergencyRule>(policy), ctxOf(policy, { utilization: value }, 4));
    expect(proposal.desired).toBe(desired);
    expect(proposal.urgent).toBe(urgent);
  });
});

describe('Function: scheduleRule', () => {
  it('gives the highest floor and lowest ceiling of open windows', () => {
    const policy = policyOf({
      rules: [
        {
          type: 'schedule',
          windows: [
            { name: 'business', cron: '0 8 * * MON-FRI', duration: '10h', timezone: 'Europe/Madrid', min: 8 },
            { name: 'lunch', cron: '0 13 * * *', duration: '1h', timezone: 'Europe/Madrid', min: 10, max: 30 },
            { name: 'night', cron: '0 22 * * *', duration: '8h', timezone: 'Europe/Madrid', max: 2 },
          ],
        },
      ],
    });
    const rule = policy.rules[0]! as Parameters<typeof scheduleRule>[0];
    const at = (iso: string) => scheduleRule(rule, ctxOf(policy, {}, 4, { now: Date.parse(iso) })).proposal;
    expect(at('2026-03-30T11:30:00Z')).toMatchObject({ floor: 10, ceiling: 30 }); // 13:30 CEST
    expect(at('2026-03-30T09:00:00Z')).toMatchObject({ floor: 8 });
    expect(at('2026-03-30T23:00:00Z')).toMatchObject({ ceiling: 2 });
    expect(at('2026-03-28T09:00:00Z').reason.code).toBe('rule.schedule.closed');
  });
});

describe('Reason messages: numbers as a person reads them (issue 13)', () => {
  const at = (minutesAgo: number, utilization: number) => ({ t: T0 - minutesAgo * 60_000, values: { cpu: utilization } });
  it.each([
    {
      case: 'emergency calm: a long ratio to 3 significant digits',
      rule: { type: 'emergency', above: 0.97, add: 10 },
      values: { utilization: 0.7430894308943089 },
      message: 'utilization 0.743 <= 0.97: no emergency',
    },
    {
      case: 'emergency triggered just above its threshold: enough digits to stay above it',
      rule: { type: 'emergency', above: 0.97, add: 10 },
      values: { utilization: 0.97041 },
      message: 'utilization 0.9704 > 0.97: emergency +10 (cap 100) -> 14',
    },
    {
      case: 'target proportional: metric and ratio rounded',
      rule: { type: 'target', targetValue: 0.6 },
      values: { utilization: 0.7430894308943089 },
      message: 'utilization 0.743 vs target 0.6: ceil(4 x 1.24) -> 5',
    },
    {
      case: 'target within tolerance: the tolerance as a percentage',
      rule: { type: 'target', targetValue: 0.6, tolerance: 0.025 },
      values: { utilization: 0.6012345 },
      message: 'utilization 0.601 within 2.5% of target 0.6: hold 4',
    },
    {
      case: 'target between thresholds: on the right side of both bounds',
      rule: { type: 'target', scaleUpThreshold: 0.8, scaleDownThreshold: 0.2 },
      values: { utilization: 0.79996 },
      message: 'utilization 0.79996 within [0.2, 0.8]: hold 4',
    },
    {
      case: 'target backlog: integers stay whole',
      rule: { type: 'target', metric: 'queue_length', perWorker: 10 },
      values: { queue_length: 95 },
      message: 'queue_length 95 / 10 per worker -> 10',
    },
    {
      case: 'buffer with an averaged busy count',
      rule: { type: 'buffer', minFree: 1, batch: 2 },
      values: { busy: 3.3333333333333335 },
      message: 'free 0.667 (4 ready - 3.33 busy) < minFree 1: +2 (batch) -> 6',
    },
    {
      case: 'memory: available gigabytes rounded',
      rule: { type: 'memory', perWorkerGb: 4, thresholdGb: 8 },
      values: { mem_available_gb: 13.987654321 },
      message: 'available 14 GB - reserve 4 GB fits 2 worker(s) of 4 GB',
    },
    {
      case: 'memory just below its threshold',
      rule: { type: 'memory', perWorkerGb: 4, thresholdGb: 8 },
      values: { mem_available_gb: 7.99987 },
      message: 'available 7.9999 GB - reserve 4 GB fits 0 worker(s) of 4 GB, below threshold 8 GB: one fewer',
    },
    {
      case: 'steps holding: the metric rounded',
      rule: { type: 'steps', metric: 'cpu', up: [{ above: 90, workers: 8 }], down: [] },
      values: { cpu: 42.123456 },
      message: 'cpu 42.1: no step sustained, hold 4',
    },
    {
      case: 'steps up: the lowest sustained value rounded',
      rule: { type: 'steps', metric: 'cpu', up: [{ above: 65, workers: 8 }], down: [], upFor: '2m' },
      values: { cpu: 70.55555 },
      samples: [at(3, 66.666666), at(2, 80.12345), at(1, 71.1), at(0, 70.55555)],
      message: 'cpu > 65 for 2m (lowest 70.6): 8 workers',
    },
    {
      case: 'predictive learning from nothing: durations in whole units',
      rule: { type: 'predictive', metric: 'utilization', minHistory: '1d' },
      values: { utilization: 0.5 },
      message: 'learnt 0s of 1d history: no forecast yet',
    },
    {
      case: 'predictive learning: the learnt time rounded down, so it reads below minHistory',
      rule: { type: 'predictive', metric: 'utilization', minHistory: '1d' },
      values: { utilization: 0.5 },
      forecastSince: T0 - (5 * 3_600_000 + 119_967),
      message: 'learnt 5h 1m of 1d history: no forecast yet',
    },
  ])('$case', ({ rule, values, samples, forecastSince, message }) => {
    // Prepare
    const policy = policyOf({ rules: [rule as Rule] });
    const extra = {
      ...(samples ? { samples } : {}),
      ...(forecastSince !== undefined ? { forecast: { since: forecastSince } as never } : {}),
    };
    // Act
    const { proposal } = evaluateRule(policy.rules[0]!, ctxOf(policy, values as unknown as Record<string, number>, 4, extra));
    // Assess
    expect(proposal.reason.message).toBe(message);
  });

  it('shows a measured value on the side of its threshold the rule acted on, in plain decimals', () => {
    const policy = policyOf({ max: 50, rules: [{ type: 'emergency', above: 0.95, add: 10 }] });
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0.9499, max: 0.9501, noNaN: true })), (value) => {
        const { proposal } = emergencyRule(ruleOf<EmergencyRule>(policy), ctxOf(policy, { utilization: value }, 4));
        const match = /^utilization (\S+) (<=|>) 0\.95: /.exec(proposal.reason.message);
        expect(match).not.toBeNull();
        const [, shown, sign] = match!;
        expect(shown).toMatch(/^\d+(\.\d+)?$/);
        expect(sign === '>' ? Number(shown) > 0.95 : Number(shown) <= 0.95).toBe(true);
        // Away from the threshold, 3 significant digits are enough (integers stay whole).
        if (Math.abs(value - 0.95) > 0.01 && !Number.isInteger(value)) expect(shown!.replace(/^0\.0*|\./g, '').length).toBeLessThanOrEqual(Math.max(3, Math.round(value).toString().length));
      }),
    );
  });
});
