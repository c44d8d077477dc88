/**
 * Host memory pressure through the engine (the agent and the relay both call `decide`): with
 * seed 001's memory rule (role `size`), the desired count never exceeds what fits in the
 * available memory (except the configured `min`), and workers are shed step by step as
 * `mem_available_gb` falls. With role `limit`, a queue rule asking for more is capped by
 * the fit. The relay-offline path is covered by test/agent/agent.test.ts (real processes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../shared/config/validate';
import type { Policy } from '../../shared/domain/policy';
import { initialState, type PoolState } from '../../shared/domain/types';
import { decide } from '../../shared/engine';

const START = Date.UTC(2026, 10, 23, 12);
const MINUTE = 60_000;

/** Seed 001 on a Dell R620: 6 GB per worker, 4 GB reserve, one fewer below 12 GB, 1..8 workers. */
const seed001 = (overrides: Record<string, unknown> = {}): Policy =>
  parsePolicy({
    id: 'celery',
    target: { kind: 'host', host: 'r620', pool: 'celery' },
    min: 1,
    max: 8,
    interval: '1m',
    metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } },
    rules: [{ type: 'memory', perWorkerGb: 6, reserveGb: 4, thresholdGb: 12 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    ...overrides,
  });

/** Seed 001's formula, written out independently of the engine. */
const seedFormula = (available: number, min: number, max: number, perWorker = 6, reserve = 4, threshold = 12) => {
  let optimal = Math.max(Math.min(Math.floor((available - reserve) / perWorker), max), min);
  if (available < threshold) optimal = Math.max(min, optimal - 1);
  return optimal;
};

/** Runs decide once a minute over the readings, the host applying each decision at once. */
function run(policy: Policy, readings: { mem: number; queue?: number }[], initial: number) {
  let state: PoolState = initialState(policy.id);
  let running = initial;
  let now = START;
  return readings.map(({ mem, queue }) => {
    now += MINUTE;
    const metrics: Record<string, { value: number; at: number }> = { mem_available_gb: { value: mem, at: now } };
    if (queue !== undefined) metrics.queue_length = { value: queue, at: now };
    const result = decide(policy, { at: now, metrics, target: { desired: running, ready: running, pending: 0, stable: true } }, state, now);
    state = result.state;
    running = result.decision.desired;
    return result.decision;
  });
}

describe('Reliability: host memory pressure (seed 001 memory rule)', () => {
  it.each([
    { mem: 64, desired: 8 },
    { mem: 52, desired: 8 },
    { mem: 46, desired: 7 },
    { mem: 40, desired: 6 },
    { mem: 34, desired: 5 },
    { mem: 28, desired: 4 },
    { mem: 22, desired: 3 },
    { mem: 16, desired: 2 },
    { mem: 13, desired: 1 },
    { mem: 11.9, desired: 1 },
    { mem: 4, desired: 1 },
    { mem: 0.5, desired: 1 },
  ])('$mem GB available -> $desired worker(s) (table over falling memory)', ({ mem, desired }) => {
    // Prepare: the host runs 8 workers when the reading arrives.
    const policy = seed001();

    // Act
    const [decision] = run(policy, [{ mem }], 8);

    // Assess
    expect(decision!.desired).toBe(desired);
    expect(decision!.desired).toBe(seedFormula(mem, 1, 8));
    expect(decision!.reasons.map((r) => r.code)).toContain('rule.memory.fit');
  });

  it('sheds workers tick by tick as available memory falls, and never asks for one that does not fit', () => {
    // Prepare: memory falls 64 -> 4 GB in 3 GB steps.
    const policy = seed001();
    const mems = Array.from({ length: 21 }, (_, i) => 64 - 3 * i);

    // Act
    const decisions = run(policy, mems.map((mem) => ({ mem })), 8);

    // Assess
    const counts = decisions.map((d) => d.desired);
    counts.forEach((count, i) => {
      expect(count).toBe(seedFormula(mems[i]!, 1, 8));
      if (i > 0) expect(count).toBeLessThanOrEqual(counts[i - 1]!);
      // What fits: (available - reserve) / per worker, floored; `min` is the only exception.
      expect(count).toBeLessThanOrEqual(Math.max(1, Math.floor((mems[i]! - 4) / 6)));
    });
    expect(counts[0]).toBe(8);
    expect(counts.at(-1)).toBe(1);
    expect(decisions.filter((d) => d.action === 'scale_down').length).toBeGreaterThanOrEqual(6);
  });

  it('never exceeds the memory fit for any memory, bounds and running count (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 512, noNaN: true }),
        fc.double({ min: 0.25, max: 32, noNaN: true }),
        fc.double({ min: 0, max: 16, noNaN: true }),
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 4, max: 64 }),
        fc.integer({ min: 0, max: 80 }),
        (mem, perWorkerGb, reserveGb, min, max, running) => {
          const policy = seed001({ min, max, rules: [{ type: 'memory', perWorkerGb, reserveGb, thresholdGb: 0 }] });
          const [decision] = run(policy, [{ mem }], running);
          const fits = Math.floor((mem - reserveGb) / perWorkerGb);
          expect(decision!.desired).toBeLessThanOrEqual(Math.max(min, Math.min(max, fits)));
          expect(decision!.desired).toBe(seedFormula(mem, min, max, perWorkerGb, reserveGb, 0));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('role limit: a queue rule asking for more is capped by what fits, and the cap falls with memory', () => {
    // Prepare: 200 jobs at 10 per worker would ask for 20 workers.
    const policy = seed001({
      max: 20,
      metrics: {
        mem_available_gb: { source: 'host', type: 'mem_available_gb' },
        queue_length: { source: 'host', type: 'queue_length', key: 'celery' },
      },
      rules: [
        { type: 'target', metric: 'queue_length', perWorker: 10 },
        { type: 'memory', perWorkerGb: 6, reserveGb: 4, role: 'limit' },
      ],
    });

    // Act
    const decisions = run(policy, [64, 40, 22, 10].map((mem) => ({ mem, queue: 200 })), 2);

    // Assess
    expect(decisions.map((d) => d.desired)).toEqual([10, 6, 3, 1]);
    expect(decisions[1]!.reasons.map((r) => r.code)).toContain('rule.memory.limit');
  });

  it('missing memory readings never shed or add workers blind', () => {
    // Prepare
    const policy = seed001();
    const state = initialState(policy.id);
    const now = START + MINUTE;

    // Act: a heartbeat without the memory metric (a failing /proc read).
    const result = decide(policy, { at: now, metrics: { mem_available_gb: { error: 'cannot read /proc/meminfo', at: now } }, target: { desired: 5, ready: 5, pending: 0, stable: true } }, state, now);

    // Assess
    expect(result.decision.desired).toBe(5);
    expect(result.decision.reasons.map((r) => r.code)).toContain('data.missing');
  });
});
