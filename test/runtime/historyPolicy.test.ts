/**
 * Issue 10, item 11: fewer writes at steady state. A routine "no change" decision is recorded
 * only when something a person would see changed, or at the heartbeat; the claim stays one
 * conditional write per evaluation (exactly-once actions are unchanged).
 */
import { describe, expect, it } from 'vitest';
import { MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, StaticMetricSource } from '../../shared/adapters/memory';
import { type Policy, PoolSchema } from '../../shared/domain/policy';
import type { Decision, MetricReading } from '../../shared/domain/types';
import type { MetricRequest, MetricSource } from '../../shared/ports/MetricSource';
import { decisionSignature, eventKey, historyHeartbeatMs, shouldRecord } from '../../shared/runtime/historyPolicy';
import { HANDLED_EVENTS_KEPT, type RuntimeDeps, runTick } from '../../shared/runtime/tick';
import { RecordingTarget } from '../support/recordingTarget';

const MINUTE = 60_000;

/** Queue length 20 at 10 per worker with 2 workers: holds at 2 for as long as the queue is steady. */
const queuePool: Policy = PoolSchema.parse({
  id: 'queue',
  target: { kind: 'none' },
  min: 1,
  max: 10,
  interval: '1m',
  metrics: { queue_length: { source: 'redis', type: 'list_length', key: 'celery' } },
  rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
});

/** A Redis stand-in whose answer the test sets: a value, or a failure. */
class SettableSource implements MetricSource {
  readonly sources = ['redis'] as const;
  reading: (now: number) => MetricReading = (now) => ({ value: 20, at: now });
  async read(requests: readonly MetricRequest[], now: number) {
    return new Map(requests.map((request) => [request.id, this.reading(now)] as const));
  }
}

function setup(options: { heartbeatMs?: number } = {}) {
  let now = Date.UTC(2026, 10, 23, 12, 0, 0);
  const source = new SettableSource();
  const log = new MemoryDecisionLog();
  const states = new MemoryStateStore();
  const target = new RecordingTarget({ queue: 2 });
  const deps: RuntimeDeps = {
    policies: new MemoryPolicyStore([queuePool]),
    states,
    log,
    metrics: [new StaticMetricSource(), source],
    targets: [target],
    clock: { now: () => now },
    ...(options.heartbeatMs === undefined ? {} : { historyHeartbeatMs: options.heartbeatMs }),
  };
  /** `count` scheduled ticks a minute apart; returns the decisions of each. */
  const ticks = async (count: number, trigger = 'schedule') => {
    const decisions: Decision[] = [];
    for (let i = 0; i < count; i++) {
      const result = await runTick(deps, { trigger, eventId: `00000000-0000-4000-8000-${String(now).padStart(12, '0')}` });
      decisions.push(result.outcomes[0]!.decision!);
      now += MINUTE;
    }
    return decisions;
  };
  const recorded = async () => (await log.list('queue', { limit: 1_000 })).reverse();
  return { deps, source, log, states, target, ticks, recorded, now: () => now };
}

describe('Function: runTick (history at steady state)', () => {
  it('records a steady pool once, then once per 15-minute heartbeat, while claiming its state every tick', async () => {
    // Prepare
    const { ticks, recorded, states } = setup();

    // Act: 31 minutes of "no change".
    const decisions = await ticks(31);

    // Assess
    expect(decisions.every((d) => d.action === 'none')).toBe(true);
    expect((await recorded()).map((d) => d.at)).toEqual([decisions[0]!.at, decisions[15]!.at, decisions[30]!.at]);
    const state = await states.get('queue');
    expect(state?.version).toBe(31);
    expect(state?.lastEvaluatedAt).toBe(decisions[30]!.at);
    expect(state?.lastDecision?.at).toBe(decisions[30]!.at);
  });

  it('records only changes with the heartbeat off', async () => {
    const { ticks, recorded } = setup({ heartbeatMs: Infinity });
    await ticks(40);
    expect(await recorded()).toHaveLength(1);
  });

  it('records every decision with a heartbeat of 0', async () => {
    const { ticks, recorded } = setup({ heartbeatMs: 0 });
    await ticks(5);
    expect(await recorded()).toHaveLength(5);
  });

  it('records the tick a metric starts failing, the tick it recovers, and not the failing ticks between', async () => {
    // Prepare
    const { ticks, recorded, source } = setup();
    await ticks(2);

    // Act
    source.reading = (now) => ({ error: 'LLEN celery: connect ECONNREFUSED 127.0.0.1:6390', at: now, source: 'redis', errorClass: 'ECONNREFUSED' });
    const failing = await ticks(3);
    source.reading = (now) => ({ error: 'LLEN celery: NOAUTH Authentication required.', at: now, source: 'redis', errorClass: 'NOAUTH' });
    const otherCause = await ticks(2);
    source.reading = (now) => ({ value: 20, at: now });
    const recovered = await ticks(2);

    // Assess: each change is recorded when it happens (the fallback reason that follows
    // repeated failures is a change too); a record never repeats the one before it.
    const history = await recorded();
    const at = history.map((d) => d.at);
    expect(at).toEqual(expect.arrayContaining([failing[0]!.at, otherCause[0]!.at, recovered[0]!.at]));
    expect(history.find((d) => d.at === failing[0]!.at)?.metricErrors?.[0]?.errorClass).toBe('ECONNREFUSED');
    expect(history.find((d) => d.at === otherCause[0]!.at)?.metricErrors?.[0]?.errorClass).toBe('NOAUTH');
    expect(history.find((d) => d.at === recovered[0]!.at)?.metricErrors).toBeUndefined();
    expect(history.length).toBeLessThan(9);
    for (let i = 1; i < history.length; i++) expect(decisionSignature(history[i]!)).not.toBe(decisionSignature(history[i - 1]!));
  });

  it('always records actions, alarms and manual triggers', async () => {
    // Prepare
    const { ticks, recorded, source } = setup();
    await ticks(2);

    // Act
    await ticks(2, 'alarm:poolscale-queue-high');
    source.reading = (now) => ({ value: 60, at: now });
    const scaled = await ticks(1);

    // Assess
    const history = await recorded();
    expect(history.filter((d) => d.trigger === 'alarm:poolscale-queue-high')).toHaveLength(2);
    expect(scaled[0]).toMatchObject({ action: 'scale_up', desired: 6 });
    expect(history.at(-1)).toMatchObject({ action: 'scale_up', at: scaled[0]!.at });
  });

  it('keeps the state item small: handled events as short hashes, the last decision without proposals', async () => {
    // Prepare
    const { ticks, states, deps } = setup();

    // Act
    await ticks(25);

    // Assess
    const state = (await states.get('queue'))!;
    expect(state.handledEvents).toHaveLength(HANDLED_EVENTS_KEPT);
    expect(state.handledEvents!.every((key) => /^e[0-9a-f]{8}$/.test(key))).toBe(true);
    expect(state.lastDecision?.proposals).toEqual([]);
    expect(state.lastDecision?.reasons.length).toBeGreaterThan(0);
    // A duplicate delivery of the last event is still recognised.
    const eventId = `00000000-0000-4000-8000-${String(deps.clock.now() - MINUTE).padStart(12, '0')}`;
    expect(state.handledEvents).toContain(eventKey(eventId));
  });

  it('still recognises a duplicate event stored as a whole id by the previous release', async () => {
    // Prepare
    const { deps, states } = setup();
    await states.put({ poolId: 'queue', version: 1, consecutiveFailures: 0, samples: [], recommendations: [], handledEvents: ['evt-legacy-1'] }, 0);

    // Act
    const result = await runTick(deps, { trigger: 'schedule', eventId: 'evt-legacy-1', force: true });

    // Assess
    expect(result.outcomes).toEqual([{ poolId: 'queue', acted: false, skipped: 'duplicate_event' }]);
  });
});

describe('Function: shouldRecord', () => {
  const NOW = 1_800_000_000_000;
  const hold: Decision = {
    poolId: 'p',
    at: NOW,
    current: 2,
    desired: 2,
    action: 'none',
    dryRun: false,
    reasons: [{ code: 'rule.target.backlog', message: 'queue_length 20 / 10 per worker: 2' }, { code: 'hold', message: 'no change: 2 worker(s)' }],
    proposals: [],
  };
  const mark = { at: NOW - MINUTE, signature: decisionSignature(hold) };

  it.each([
    { case: 'an unchanged routine hold within the heartbeat', decision: hold, trigger: 'schedule', mark, expected: false },
    { case: 'a host heartbeat hold', decision: hold, trigger: 'heartbeat:r620-01', mark, expected: false },
    { case: 'the same hold with other metric values in its messages', decision: { ...hold, reasons: [{ code: 'rule.target.backlog', message: 'queue_length 21 / 10 per worker: 2' }, hold.reasons[1]!] }, trigger: 'schedule', mark, expected: false },
    { case: 'a hold after the heartbeat', decision: hold, trigger: 'schedule', mark: { ...mark, at: NOW - 15 * MINUTE }, expected: true },
    { case: 'a first decision', decision: hold, trigger: 'schedule', mark: undefined, expected: true },
    { case: 'a reason that changed', decision: { ...hold, reasons: [{ code: 'cooldown.down', message: 'x' }] }, trigger: 'schedule', mark, expected: true },
    { case: 'a metric error', decision: { ...hold, metricErrors: [{ metric: 'q', source: 'redis', errorClass: 'ETIMEDOUT', message: 'x' }] }, trigger: 'schedule', mark, expected: true },
    { case: 'an action', decision: { ...hold, action: 'scale_up' as const, desired: 3 }, trigger: 'schedule', mark, expected: true },
    { case: 'an alarm', decision: hold, trigger: 'alarm:x', mark, expected: true },
    { case: 'a manual trigger', decision: hold, trigger: 'manual', mark, expected: true },
    { case: 'no trigger (a direct call)', decision: hold, trigger: undefined, mark, expected: true },
    { case: 'a clock that went back', decision: hold, trigger: 'schedule', mark: { ...mark, at: NOW + MINUTE }, expected: true },
  ])('says $expected for $case', ({ decision, trigger, mark: last, expected }) => {
    expect(shouldRecord(decision, last, NOW, 15 * MINUTE, trigger)).toBe(expected);
  });
});

describe('Function: historyHeartbeatMs', () => {
  it.each([
    { value: undefined, expected: undefined },
    { value: '', expected: undefined },
    { value: '15m', expected: 900_000 },
    { value: '1h', expected: 3_600_000 },
    { value: '0', expected: 0 },
    { value: '90', expected: 90_000 },
    { value: 'off', expected: Infinity },
  ])('reads $value as $expected', ({ value, expected }) => {
    expect(historyHeartbeatMs(value)).toBe(expected);
  });

  it('refuses a value that is not a duration, naming the variable and the value', () => {
    expect(() => historyHeartbeatMs('soon')).toThrow('Expected `HISTORY_HEARTBEAT` to be a duration such as "15m", "1h", "0" or "off" (got "soon")');
  });
});
