import { describe, expect, it } from 'vitest';
import type { Policy } from '../../shared/domain/policy';
import type { DecideResult, PoolState } from '../../shared/domain/types';
import { decide } from '../../shared/engine';
import { join } from 'node:path';
import { loadConfigFile } from '../../shared/config/load';
import { MINUTE, T0, observe, policyOf, stateOf } from './fixtures';

/** Runs decide once per minute with the metrics of each step; the target follows the decision. */
function run(policy: Policy, steps: Record<string, number>[], start = T0, initial: PoolState = stateOf()) {
  let state = initial;
  const results: DecideResult[] = [];
  steps.forEach((metrics, i) => {
    const now = start + i * MINUTE;
    const result = decide(policy, observe(now, metrics, { desired: state.desired ?? policy.min }), state, now);
    results.push(result);
    state = result.state;
  });
  return { results, counts: results.map((r) => r.decision.desired), state };
}
const repeat = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe('Seed 003: backdipro CPU steps', () => {
  const policy = policyOf({
    id: 'backdipro',
    min: 1,
    max: 6,
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    rules: [
      {
        type: 'steps',
        metric: 'cpu',
        up: [
          { above: 90, workers: 6 },
          { above: 65, workers: 2 },
          { above: 80, workers: 4 },
          { above: 75, workers: 3 },
          { above: 85, workers: 5 },
        ],
        down: [
          { below: 45, workers: 2 },
          { below: 35, workers: 1 },
        ],
        upFor: '3m',
        downFor: '15m',
        memoryPerWorkerGb: 0.5,
        scaleDownMinAvailableGb: 8,
      },
    ],
  });

  it('climbs one step per sustained 3 minutes: 70, 75, 80, 85, 90 % -> 2..6 workers', () => {
    // Prepare: each CPU level held for 4 one-minute ticks (3 minutes of history plus now).
    const levels = [70, 76, 81, 86, 91];
    const steps = [{ cpu: 20, mem_available_gb: 12 }, ...levels.flatMap((cpu) => repeat(4, { cpu, mem_available_gb: 12 }))];
    // Act
    const { counts, results } = run(policy, steps);
    // Assess: nothing before 3 minutes are covered, then one step per level.
    expect(counts).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6]);
    expect(results[4]!.decision.reasons.map((r) => r.code)).toContain('rule.steps.up');
  });

  it('does not scale up on a spike shorter than 3 minutes', () => {
    const steps = [{ cpu: 20 }, { cpu: 95 }, { cpu: 95 }, { cpu: 95 }, { cpu: 40 }, { cpu: 95 }].map((s) => ({ ...s, mem_available_gb: 12 }));
    expect(run(policy, steps).counts).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('scales down after 15 minutes below 45 % to 2, then below 35 % to 1', () => {
    const start = stateOf({ desired: 6 });
    const steps = [...repeat(16, { cpu: 42, mem_available_gb: 13 }), ...repeat(16, { cpu: 30, mem_available_gb: 14 })];
    const { counts } = run(policy, steps, T0, start);
    expect(counts.slice(0, 15)).toEqual(repeat(15, 6));
    expect(counts[15]).toBe(2);
    expect(counts.slice(16, 31)).toEqual(repeat(15, 2));
    expect(counts[31]).toBe(1);
  });

  it('does not scale down while available memory is at most 8 GB', () => {
    const steps = repeat(17, { cpu: 30, mem_available_gb: 8 });
    const { counts, results } = run(policy, steps, T0, stateOf({ desired: 4 }));
    expect(counts.at(-1)).toBe(4);
    expect(results.at(-1)!.decision.reasons.map((r) => r.code)).toContain('rule.steps.down_memory');
  });

  it('does not scale up when the step would leave too little memory per worker ("NO escalar si: memoria insuficiente")', () => {
    // Parsed policies hold milliseconds; copy the parsed rule instead of re-parsing it.
    const tight: Policy = { ...policy, rules: [{ ...(policy.rules[0] as Extract<Policy['rules'][number], { type: 'steps' }>), memoryPerWorkerGb: 4, onShortMemory: 'hold' }] };
    const { counts, results } = run(tight, repeat(4, { cpu: 95, mem_available_gb: 12 }));
    expect(counts.at(-1)).toBe(1);
    expect(results.at(-1)!.decision.reasons.map((r) => r.code)).toContain('rule.steps.memory_short');
  });

  it('with onShortMemory: fit (the rule\'s default outside the seed import), scales up only as far as memory per worker allows', () => {
    const fit: Policy = { ...policy, rules: [{ ...(policy.rules[0] as Extract<Policy['rules'][number], { type: 'steps' }>), memoryPerWorkerGb: 4, onShortMemory: 'fit' }] };
    const { counts, results } = run(fit, repeat(4, { cpu: 95, mem_available_gb: 12 }));
    expect(counts.at(-1)).toBe(3);
    expect(results.at(-1)!.decision.reasons.map((r) => r.code)).toContain('rule.steps.memory_limited');
  });
});

describe('Seed 004: AutoScaler thresholds, pending tasks and 300 s cooldown', () => {
  const policy = policyOf({
    min: 1,
    max: 10,
    behaviour: { cooldownUp: 300, cooldownDown: 300, stabilizationDown: 0 },
    rules: [{ type: 'target', scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, requirePending: true, window: 300 }],
  });

  it('scales up with pending work, then waits out the cooldown', () => {
    const { counts, results } = run(policy, repeat(7, { utilization: 0.9, pending: 3 }), T0, stateOf({ desired: 2 }));
    expect(counts).toEqual([3, 3, 3, 3, 3, 4, 4]);
    expect(results[1]!.decision.reasons.map((r) => r.code)).toContain('cooldown.up');
  });

  it('holds above the threshold without pending tasks', () => {
    expect(run(policy, repeat(3, { utilization: 0.95, pending: 0 }), T0, stateOf({ desired: 2 })).counts).toEqual([2, 2, 2]);
  });

  it('scales down below the threshold, not below min', () => {
    const { counts } = run(policy, repeat(7, { utilization: 0.1, pending: 0 }), T0, stateOf({ desired: 2 }));
    expect(counts).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('waits cooldown_period after a scale-down before a scale-up too ("minimum time between scaling operations"), as imported', () => {
    // Prepare: the importer's behaviour (cooldownUpFrom: any); a scale-down 100 s ago
    const imported = policyOf({
      min: 1,
      max: 10,
      behaviour: { cooldownUp: 300, cooldownUpFrom: 'any', cooldownDown: 300, stabilizationDown: 0 },
      rules: [{ type: 'target', scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, requirePending: true, window: 300 }],
    });
    const recent = stateOf({ desired: 3, lastScaleDownAt: T0 - 100_000 });

    // Act
    const blocked = decide(imported, observe(T0, { utilization: 0.9, pending: 3 }, { desired: 3 }), recent, T0);
    const later = decide(imported, observe(T0 + 200_000, { utilization: 0.9, pending: 3 }, { desired: 3 }), recent, T0 + 200_000);
    const plain = decide(policy, observe(T0, { utilization: 0.9, pending: 3 }, { desired: 3 }), recent, T0);

    // Assess
    expect(blocked.decision.desired).toBe(3);
    expect(blocked.decision.reasons.find((r) => r.code === 'cooldown.up')?.message).toMatch(/last scaling 1m 40s ago < cooldownUp 5m/);
    expect(later.decision.desired).toBe(4);
    expect(plain.decision.desired).toBe(4); // cooldownUp from the last scale-up only (the default)
  });
});

describe('Seed 002: templates, schedules and emergency', () => {
  // high_performance written by hand: thresholds 0.5/0.4, increment 3, cooldowns 30 s / 120 s, emergency 0.95 +10.
  const highPerformance = policyOf({
    min: 2,
    max: 40,
    behaviour: { cooldownUp: 30, cooldownDown: 120, stabilizationDown: 0 },
    rules: [
      { type: 'target', scaleUpThreshold: 0.5, scaleDownThreshold: 0.4, increment: 3 },
      { type: 'emergency', metric: 'utilization', above: 0.95, add: 10 },
    ],
  });

  it('high_performance adds 3 above 0.5', () => {
    const { decision } = decide(highPerformance, observe(T0, { utilization: 0.6 }, { desired: 4 }), stateOf({ desired: 4 }), T0);
    expect(decision.desired).toBe(7);
  });

  it('emergency bypasses the cooldown that blocks the normal rule', () => {
    const state = stateOf({ desired: 7, lastScaleUpAt: T0 - 10_000 });
    const calm = decide(highPerformance, observe(T0, { utilization: 0.9 }, { desired: 7 }), state, T0);
    expect(calm.decision.desired).toBe(7);
    expect(calm.decision.reasons.map((r) => r.code)).toContain('cooldown.up');
    const spike = decide(highPerformance, observe(T0, { utilization: 0.99 }, { desired: 7 }), state, T0);
    expect(spike.decision).toMatchObject({ desired: 17, action: 'scale_up' });
    expect(spike.decision.reasons.map((r) => r.code)).toContain('cooldown.bypass');
  });

  it('conservative: +1 above 0.8, -1 below 0.3 after the 600 s cooldown', () => {
    const conservative = policyOf({
      min: 1,
      max: 10,
      behaviour: { cooldownUp: 300, cooldownDown: 600, stabilizationDown: 0 },
      rules: [{ type: 'target', scaleUpThreshold: 0.8, scaleDownThreshold: 0.3 }],
    });
    const recent = stateOf({ desired: 5, lastScaleUpAt: T0 - 400_000 });
    expect(decide(conservative, observe(T0, { utilization: 0.85 }, { desired: 5 }), recent, T0).decision.desired).toBe(6);
    const blocked = decide(conservative, observe(T0, { utilization: 0.1 }, { desired: 5 }), recent, T0);
    expect(blocked.decision.desired).toBe(5);
    expect(blocked.decision.reasons.map((r) => r.code)).toContain('cooldown.down');
    expect(decide(conservative, observe(T0 + 200_000, { utilization: 0.1 }, { desired: 5 }), recent, T0 + 200_000).decision.desired).toBe(4);
  });

  it('business hours schedule floor raises capacity, the night ceiling lowers it', () => {
    const policy = policyOf({
      min: 1,
      max: 20,
      behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
      rules: [
        { type: 'target', scaleUpThreshold: 0.8, scaleDownThreshold: 0.2 },
        {
          type: 'schedule',
          windows: [
            { name: 'business_hours', cron: '0 8 * * MON-FRI', duration: '10h', timezone: 'Europe/Madrid', min: 8 },
            { name: 'night', cron: '0 22 * * *', duration: '8h', timezone: 'Europe/Madrid', max: 4 },
          ],
        },
      ],
    });
    const monday = Date.parse('2026-03-30T07:00:00Z'); // 09:00 CEST
    const day = decide(policy, observe(monday, { utilization: 0.5 }, { desired: 3 }), stateOf(), monday);
    expect(day.decision.desired).toBe(8);
    expect(day.decision.reasons.map((r) => r.code)).toContain('floor');
    const night = Date.parse('2026-03-30T21:00:00Z'); // 23:00 CEST
    const late = decide(policy, observe(night, { utilization: 0.9 }, { desired: 6 }), stateOf(), night);
    expect(late.decision.desired).toBe(4);
    expect(late.decision.reasons.map((r) => r.code)).toContain('ceiling');
  });
});

describe('Seed 002 as a user brings it (examples/seeds/002-templates.yaml, templates expanded)', () => {
  const pools = async () => {
    const { config } = await loadConfigFile(join(import.meta.dirname, '..', '..', 'examples', 'seeds', '002-templates.yaml'));
    return Object.fromEntries(config!.pools.map((pool) => [pool.id, pool]));
  };

  it.each([
    { pool: 'general', utilization: 0.85, from: 4, to: 5 },
    { pool: 'embedding', utilization: 0.9, from: 4, to: 6 },
    { pool: 'generation', utilization: 0.9, from: 4, to: 7 },
    { pool: 'classification', utilization: 0.95, from: 4, to: 5 },
  ])('$pool adds its scaling_increment per scaling event: $from -> $to at utilization $utilization', async ({ pool, utilization, from, to }) => {
    const policy = (await pools())[pool]!;
    expect(decide(policy, observe(T0, { utilization }, { desired: from }), stateOf({ desired: from }), T0).decision.desired).toBe(to);
  });

  it('generation (high_performance) scales down as soon as its 2-minute cooldown has passed, not after a 5-minute window', async () => {
    // Prepare: scaled up at T0 - 60 s, utilization now well below 0.4
    const policy = (await pools()).generation!;
    const { counts } = run(policy, repeat(3, { utilization: 0.1 }), T0, stateOf({ desired: 7, lastScaleUpAt: T0 - MINUTE }));
    // Act + Assess: held at T0 (1 min after the scale-up), down by 3 at T0 + 1 min (2 min after),
    // then held: the next scale-down waits 2 minutes after that one
    expect(counts).toEqual([7, 4, 4]);
  });
});
