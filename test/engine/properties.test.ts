import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PoolSchema, type Policy } from '../../shared/domain/policy';
import type { Decision, MetricReading, Observations, PoolState } from '../../shared/domain/types';
import { MAX_SAMPLES, decide, sampleRetention } from '../../shared/engine';
import { T0, stateOf } from './fixtures';

const METRICS = ['busy', 'utilization', 'mem_available_gb', 'cpu'] as const;
type MetricName = (typeof METRICS)[number];
const RULE_METRIC: Record<string, MetricName> = { buffer: 'busy', target: 'utilization', memory: 'mem_available_gb', steps: 'cpu', emergency: 'utilization' };

const ruleArb = fc.oneof(
  fc.record({ type: fc.constant('buffer'), minFree: fc.integer({ min: 0, max: 5 }), batch: fc.integer({ min: 1, max: 6 }), maxFree: fc.option(fc.integer({ min: 5, max: 12 }), { nil: undefined }) }),
  fc.record({ type: fc.constant('target'), targetValue: fc.double({ min: 0.2, max: 0.9, noNaN: true }) }),
  fc.record({ type: fc.constant('target'), scaleUpThreshold: fc.constant(0.8), scaleDownThreshold: fc.constant(0.2), increment: fc.integer({ min: 1, max: 3 }), window: fc.constantFrom(0, 120) }),
  fc.record({ type: fc.constant('memory'), perWorkerGb: fc.integer({ min: 1, max: 8 }), thresholdGb: fc.integer({ min: 0, max: 12 }), role: fc.constantFrom('size', 'limit') }),
  fc.record({
    type: fc.constant('steps'),
    up: fc.constant([{ above: 65, workers: 2 }, { above: 90, workers: 6 }]),
    down: fc.constant([{ below: 35, workers: 1 }]),
    upFor: fc.constantFrom(0, 120),
    downFor: fc.constantFrom(0, 300),
  }),
  fc.record({ type: fc.constant('emergency'), above: fc.constant(0.95), add: fc.integer({ min: 1, max: 10 }) }),
  fc.record({
    type: fc.constant('schedule'),
    windows: fc.constant([{ cron: '0 8 * * MON-FRI', duration: '10h', timezone: 'Europe/Madrid', min: 3, max: 30 }]),
  }),
);

const policyArb = fc
  .record({
    min: fc.integer({ min: 0, max: 5 }),
    span: fc.integer({ min: 1, max: 30 }),
    rules: fc.array(ruleArb, { minLength: 0, maxLength: 4 }),
    cooldownUp: fc.integer({ min: 0, max: 600 }),
    cooldownDown: fc.integer({ min: 0, max: 600 }),
    stabilizationDown: fc.integer({ min: 0, max: 300 }),
    maxStepUp: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
    fallback: fc.option(fc.record({ after: fc.integer({ min: 1, max: 3 }), action: fc.constant('set'), count: fc.integer({ min: 0, max: 40 }) }), { nil: undefined }),
  })
  .map(
    (p): Policy =>
      PoolSchema.parse({
        id: 'prop',
        target: { kind: 'none' },
        min: p.min,
        max: p.min + p.span,
        rules: p.rules,
        behaviour: { cooldownUp: p.cooldownUp, cooldownDown: p.cooldownDown, stabilizationDown: p.stabilizationDown, maxStepUp: p.maxStepUp },
        ...(p.fallback ? { fallback: p.fallback } : {}),
      }),
  );

type Quality = 'fresh' | 'stale' | 'failed' | 'absent';
const metricArb = fc.record({ quality: fc.constantFrom<Quality>('fresh', 'fresh', 'fresh', 'stale', 'failed', 'absent'), value: fc.double({ min: 0, max: 100, noNaN: true }) });
const scenarioArb = fc.record({
  policy: policyArb,
  metrics: fc.record(Object.fromEntries(METRICS.map((m) => [m, metricArb])) as Record<MetricName, typeof metricArb>),
  current: fc.integer({ min: 0, max: 50 }),
  stable: fc.boolean(),
  lastUpAgo: fc.option(fc.integer({ min: 0, max: 900_000 }), { nil: undefined }),
  lastDownAgo: fc.option(fc.integer({ min: 0, max: 900_000 }), { nil: undefined }),
  failures: fc.integer({ min: 0, max: 4 }),
  now: fc.integer({ min: T0, max: T0 + 14 * 86_400_000 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function build(s: Scenario) {
  const metrics: Record<string, MetricReading> = {};
  for (const name of METRICS) {
    const { quality, value } = s.metrics[name];
    // utilization is a ratio; the others take the drawn value as is.
    const v = name === 'utilization' ? value / 50 : value;
    if (quality === 'fresh') metrics[name] = { value: v, at: s.now };
    else if (quality === 'stale') metrics[name] = { value: v, at: s.now - s.policy.staleAfter - 1 };
    else if (quality === 'failed') metrics[name] = { error: 'boom', at: s.now };
  }
  const observations: Observations = { at: s.now, metrics, target: { desired: s.current, ready: s.current, pending: 0, stable: s.stable } };
  const state: PoolState = stateOf({
    desired: s.current,
    consecutiveFailures: s.failures,
    ...(s.lastUpAgo !== undefined ? { lastScaleUpAt: s.now - s.lastUpAgo } : {}),
    ...(s.lastDownAgo !== undefined ? { lastScaleDownAt: s.now - s.lastDownAgo } : {}),
  });
  const missing = s.policy.rules.some((r) => RULE_METRIC[r.type] !== undefined && s.metrics[RULE_METRIC[r.type]!].quality !== 'fresh');
  return { observations, state, missing };
}

/** The lowest hard (memory) ceiling a decision's proposals set, never below the pool's min; Infinity if none. */
const hardCeiling = (decision: Decision, min: number): number =>
  Math.max(min, Math.min(Infinity, ...decision.proposals.filter((p) => p.hard && p.ceiling !== undefined).map((p) => p.ceiling!)));

describe('Function: decide (properties)', () => {
  it('never decides outside [min, max] and always gives a reason', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { observations, state } = build(s);
        const { decision } = decide(s.policy, observations, state, s.now);
        expect(decision.desired).toBeGreaterThanOrEqual(s.policy.min);
        expect(decision.desired).toBeLessThanOrEqual(s.policy.max);
        expect(Number.isInteger(decision.desired)).toBe(true);
        expect(decision.reasons.length).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('never scales in when a metric a rule needs is missing, failed or stale (except to shed workers a fresh memory reading says do not fit)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { observations, state, missing } = build(s);
        fc.pre(missing);
        const { decision } = decide(s.policy, observations, state, s.now);
        expect(decision.desired).toBeGreaterThanOrEqual(Math.min(s.current, s.policy.max, hardCeiling(decision, s.policy.min)));
      }),
      { numRuns: 300 },
    );
  });

  it('holds cooldowns: no scale-up within cooldownUp (without emergency), no scale-in within cooldownDown (but memory that no longer fits)', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { observations, state } = build(s);
        const { decision } = decide(s.policy, observations, state, s.now);
        const sinceUp = s.lastUpAgo ?? Infinity;
        const sinceAny = Math.min(sinceUp, s.lastDownAgo ?? Infinity);
        const emergency = s.policy.rules.some((r) => r.type === 'emergency');
        const fallbackSet = s.policy.fallback.action === 'set';
        if (sinceUp < s.policy.behaviour.cooldownUp && !emergency && !fallbackSet) {
          expect(decision.desired).toBeLessThanOrEqual(Math.max(s.current, s.policy.min));
        }
        if (sinceAny < s.policy.behaviour.cooldownDown) {
          expect(decision.desired).toBeGreaterThanOrEqual(Math.min(s.current, s.policy.max, hardCeiling(decision, s.policy.min)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes its reasons for a person: no exponent notation, NaN or undefined, measured values to a few digits, durations in whole units', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { observations, state } = build(s);
        const { decision } = decide(s.policy, observations, state, s.now);
        // Configured numbers are echoed as written (a drawn targetValue has many digits).
        const configured = new Set(s.policy.rules.flatMap((r) => Object.values(r)).filter((v) => typeof v === 'number').map(String));
        for (const { message } of decision.reasons) {
          expect(message).not.toMatch(/NaN|undefined|Infinity|\d[eE][+-]?\d/);
          expect(message).not.toMatch(/\d{4,}ms/);
          for (const decimal of message.match(/\d+\.\d+/g) ?? []) {
            // 3 significant digits, or more only beside a threshold the value is within 0.1 % of.
            if (!configured.has(decimal)) expect(decimal.replace(/^0\.0*|\./g, '').length, message).toBeLessThanOrEqual(6);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic and does not mutate its inputs', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { observations, state } = build(s);
        const before = structuredClone({ policy: s.policy, observations, state });
        const first = decide(s.policy, observations, state, s.now, 'schedule');
        const second = decide(structuredClone(s.policy), structuredClone(observations), structuredClone(state), s.now, 'schedule');
        expect(second).toEqual(first);
        expect({ policy: s.policy, observations, state }).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps remembered samples bounded over long runs', () => {
    fc.assert(
      fc.property(policyArb, fc.array(fc.integer({ min: 1_000, max: 300_000 }), { minLength: 1, maxLength: 400 }), (policy, gaps) => {
        let state = stateOf();
        let now = T0;
        const retention = sampleRetention(policy);
        for (const gap of gaps) {
          now += gap;
          const observations: Observations = { at: now, metrics: { busy: { value: 3, at: now }, utilization: { value: 0.5, at: now }, cpu: { value: 50, at: now }, mem_available_gb: { value: 16, at: now } } };
          state = decide(policy, observations, state, now).state;
          expect(state.samples.length).toBeLessThanOrEqual(MAX_SAMPLES);
          expect(state.samples.every((p) => p.t >= now - retention && p.t <= now)).toBe(true);
          expect(state.recommendations.every((r) => r.t > now - policy.behaviour.stabilizationDown - 1)).toBe(true);
        }
      }),
      { numRuns: 40 },
    );
  });
});
