import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoStateStore, FORECAST_HISTORY_SUFFIX } from '../../shared/adapters/dynamodb/DynamoStateStore';
import { loadConfigFile } from '../../shared/config/load';
import type { Policy, PredictiveRule } from '../../shared/domain/policy';
import { initialState, type ForecastState, type PoolState } from '../../shared/domain/types';
import { decide } from '../../shared/engine';
import { encodePeak, FLUSH_SLOTS, forecastPeak, learnForecast, peakAt, quantizePeak, type ProfileForecast } from '../../shared/engine/forecast';
import { startDynamoFixture, type DynamoFixture } from '../adapters/dynamodbSupport';
import { MINUTE, observe } from './fixtures';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1); // a Monday
/** Bytes of a marshalled value as DynamoDB bills it (names and values; a number counted as its text: an upper bound). */
function avSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined) return value.N.length;
  if (value.B !== undefined) return value.B.length;
  if (value.L) return 3 + value.L.reduce((sum, v) => sum + 1 + avSize(v), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [k, v]) => sum + 1 + Buffer.byteLength(k) + avSize(v), 0);
  return 1;
}
const itemSize = (item: Record<string, AttributeValue>) => Object.entries(item).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + avSize(v), 0);
const itemBytes = (item: unknown) => itemSize(marshall(item as Record<string, unknown>, { removeUndefinedValues: true }));

async function recommended(): Promise<Policy> {
  const { config, problems } = await loadConfigFile(new URL('../../examples/recommended.yaml', import.meta.url).pathname);
  if (!config) throw new Error(JSON.stringify(problems));
  return config.pools[0]!;
}

/** A day-shaped load with noise and a burst every 30 minutes, deterministic in the minute. */
const busyAt = (i: number) => Math.max(0, 40 + 30 * Math.sin((i / 1440) * 2 * Math.PI) + ((i * 7919) % 13) + (i % 30 < 3 ? 25 : 0) + ((i * 31) % 7) / 10);

/** Runs the pool one evaluation a minute for `minutes`, as the runtime does (state fed back). */
function run(policy: Policy, minutes: number, from = START, start?: PoolState, each?: (state: PoolState, now: number) => void): PoolState {
  let state = start ?? initialState(policy.id);
  let desired = 10;
  for (let i = 0; i < minutes; i += 1) {
    const now = from + i * MINUTE;
    const busy = busyAt(i);
    const r = decide(policy, observe(now, { utilization: Math.min(1, busy / desired), busy, offered_load: busy, jobs_in_system: busy * 1.2 }, { desired }), state, now, 'schedule');
    state = r.state;
    desired = r.decision.desired;
    each?.(state, now);
  }
  return state;
}

describe('Forecast state size (the state written every evaluation of a predictive pool)', () => {
  let policy: Policy;
  let rule: PredictiveRule;
  beforeAll(async () => {
    policy = await recommended();
    rule = policy.rules.find((r) => r.type === 'predictive') as PredictiveRule;
  });

  it('examples/recommended.yaml after 4 weeks: the forecast without its hourly history stays under 512 bytes, the history is a fixed 8,640 characters', () => {
    // Prepare / Act: 28 days of one-minute evaluations, measuring at every evaluation of the last day.
    let largest = 0;
    const state = run(policy, 28 * 1440, START, undefined, (s, now) => {
      if (now < START + 27 * DAY) return;
      const { history: _history, ...perEvaluation } = s.forecast as ProfileForecast;
      largest = Math.max(largest, itemBytes(perEvaluation));
    });

    // Assess: the forecast part of the state item (the old format was ~37,000 bytes).
    const forecast = state.forecast as ProfileForecast;
    expect(largest).toBeGreaterThan(100);
    expect(largest).toBeLessThan(512);
    expect(forecast.history).toHaveLength(15 * 288 * 2);
    expect(forecast.pending.length).toBeLessThan(2 * FLUSH_SLOTS);
    expect(forecast.seasonal).toEqual([]);
  });

  it('the history changes only when FLUSH_SLOTS slots have closed (once an hour with 5-minute slots)', () => {
    // Prepare
    let state = run(policy, 2 * 1440);
    const changes: number[] = [];

    // Act: three more hours
    state = run(policy, 180, START + 2 * DAY, state, (s, now) => {
      if ((s.forecast as ProfileForecast).history !== (state.forecast as ProfileForecast).history) changes.push(now);
      state = s;
    });

    // Assess: three changes, an hour apart
    expect(changes).toHaveLength(3);
    expect(changes[1]! - changes[0]!).toBe(FLUSH_SLOTS * 5 * MINUTE);
    expect(changes[2]! - changes[1]!).toBe(FLUSH_SLOTS * 5 * MINUTE);
  });

  it('peaks are kept exact to 1/16 below 64 (integers exact) and within 0.2 % above, monotonic', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true }), (a, b) => {
        const qa = quantizePeak(a);
        if (a < 63.9) expect(Math.abs(qa - a)).toBeLessThanOrEqual(1 / 32 + 1e-9);
        else expect(Math.abs(qa - a) / a).toBeLessThanOrEqual(0.002);
        if (a <= b) expect(qa).toBeLessThanOrEqual(quantizePeak(b));
        expect(encodePeak(a)).toHaveLength(2);
      }),
    );
    for (let n = 0; n < 64; n += 1) expect(quantizePeak(n)).toBe(n);
  });

  it('the forecast kept for the current slot equals the one recomputed from the history, at every evaluation (any load)', () => {
    const r = rule;
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 200 }), { minLength: 60, maxLength: 60 }), fc.nat({ max: 3 }), (hourly, days) => {
        let f: ForecastState | undefined;
        const minutes = (days + 1) * 1440 + 200;
        for (let i = 0; i < minutes; i += 1) {
          const now = START + i * MINUTE;
          f = learnForecast(f, r, hourly[Math.floor(i / 60) % 60]! + (i % 7), now);
          const { upcoming: _kept, ...rest } = f as ProfileForecast;
          const recomputed = forecastPeak({ ...rest, upcoming: [] } as ProfileForecast, r, now);
          expect(forecastPeak(f!, r, now)).toBe(recomputed);
        }
      }),
      { numRuns: 5 },
    );
  });

  it('a state in the previous format (history as an array of numbers) keeps what it learnt', () => {
    // Prepare: learn 3 days, then rebuild the previous format's ring of numbers from it.
    let f: ForecastState | undefined;
    for (let i = 0; i < 3 * 1440; i += 1) f = learnForecast(f, rule, busyAt(i), START + i * MINUTE);
    const now = START + 3 * 1440 * MINUTE;
    const current = f as ProfileForecast;
    const slot = 5 * MINUTE;
    const ring: (number | null)[] = new Array(15 * 288).fill(null);
    for (let t = current.since - (current.since % slot); t < current.slotStart; t += slot) {
      const index = (Math.floor(t / DAY) % 15) * 288 + Math.floor((t % DAY) / slot);
      ring[index] = peakAt(current, t, slot);
    }
    const { historyAt: _a, pending: _p, upcoming: _u, history: _h, ...scalars } = current;
    const old = { ...scalars, seasonal: new Array(2016).fill(null), history: ring } as unknown as ForecastState;

    // Act / Assess: the same forecasts from either
    for (let h = 0; h < 24; h += 1) {
      expect(forecastPeak(old, rule, now + h * 60 * MINUTE)).toBe(forecastPeak(current, rule, now + h * 60 * MINUTE));
    }
    const next = learnForecast(old, rule, 50, now) as ProfileForecast;
    expect(typeof next.history).toBe('string');
  });
});

describe('Forecast history in DynamoDB (its own item, written once an hour)', () => {
  let fixture: DynamoFixture;
  let policy: Policy;
  beforeAll(async () => {
    fixture = await startDynamoFixture();
    policy = await recommended();
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('a predictive pool evaluated every minute writes a small state item each time and its history item once an hour; forecasts survive the round trip', async () => {
    // Prepare: two days learnt in memory, then stored.
    const store = new DynamoStateStore(fixture.documentClient, fixture.tables.state);
    const id = 'sized';
    const p = { ...policy, id };
    let state: PoolState = { ...run(p, 2 * 1440), version: 1 };
    await store.put(state, 0);
    const puts: { key: string; bytes: number }[] = [];
    fixture.documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Item?: Record<string, unknown> };
        if (context.commandName === 'PutItemCommand' && input.Item) puts.push({ key: JSON.stringify(input.Item.poolId), bytes: itemSize(input.Item as Record<string, AttributeValue>) });
        return next(args);
      },
      { step: 'build', name: 'countPuts' },
    );

    // Act: 2 hours of evaluations through the store (read, decide, conditional write), as the runtime does.
    try {
      for (let i = 0; i < 120; i += 1) {
        const now = START + 2 * DAY + i * MINUTE;
        const loaded = (await store.getMany([id])).get(id)!;
        expect(forecastPeak(loaded.forecast!, p.rules.find((r) => r.type === 'predictive') as PredictiveRule, now - MINUTE)).toBe(forecastPeak(state.forecast!, p.rules.find((r) => r.type === 'predictive') as PredictiveRule, now - MINUTE));
        const busy = busyAt(2 * 1440 + i);
        const next = decide(p, observe(now, { utilization: 0.8, busy, offered_load: busy, jobs_in_system: busy }, { desired: 50 }), loaded, now, 'schedule').state;
        await store.put({ ...next, version: loaded.version + 1 }, loaded.version);
        state = { ...next, version: loaded.version + 1 };
      }
    } finally {
      fixture.documentClient.middlewareStack.remove('countPuts');
    }

    // Assess: 120 state writes, each under 1 KB of forecast, 2 history writes.
    const historyPuts = puts.filter((p) => p.key.includes(FORECAST_HISTORY_SUFFIX));
    const statePuts = puts.filter((p) => !p.key.includes(FORECAST_HISTORY_SUFFIX));
    expect(statePuts).toHaveLength(120);
    expect(historyPuts).toHaveLength(2);
    expect(Math.max(...historyPuts.map((p) => p.bytes))).toBeLessThan(9_000);
    console.log(`state items ${Math.min(...statePuts.map((p) => p.bytes))}-${Math.max(...statePuts.map((p) => p.bytes))} bytes, history items ${historyPuts.map((p) => p.bytes).join(', ')} bytes`);
    const stored = await store.get(id);
    expect((stored!.forecast as ProfileForecast).history).toBe((state.forecast as ProfileForecast).history);
  });

  it('a history item older than its state (its write was lost) leaves the slots between unknown, not the values of 15 days before', async () => {
    // Prepare: a pool with 16 days learnt, stored; then its history item replaced by an older one.
    const store = new DynamoStateStore(fixture.documentClient, fixture.tables.state);
    const p = { ...policy, id: 'stale' };
    const rule = p.rules.find((r) => r.type === 'predictive') as PredictiveRule;
    const older = run(p, 16 * 1440 - 60);
    const newer = run(p, 60, START + 16 * DAY - 60 * MINUTE, older);
    await store.put({ ...older, version: 1 }, 0);
    const key = { poolId: `stale${FORECAST_HISTORY_SUFFIX}` };
    const { Item: olderHistory } = await fixture.documentClient.send(new GetCommand({ TableName: fixture.tables.state, Key: key }));
    await store.put({ ...newer, version: 2 }, 1);
    // The newer history's write is lost: the older item is what the table holds.
    await fixture.documentClient.send(new PutCommand({ TableName: fixture.tables.state, Item: olderHistory }));

    // Act: another process loads the pool.
    const loaded = (await new DynamoStateStore(fixture.documentClient, fixture.tables.state).get('stale'))!;

    // Assess: flagged, and the forecaster treats the lost hour as unknown.
    const f = loaded.forecast as ProfileForecast;
    expect(f.historyLoadedAt).toBeLessThan(f.historyAt);
    const repaired = learnForecast(f, rule, 40, f.slotStart + 1) as ProfileForecast;
    expect(repaired.historyLoadedAt).toBeUndefined();
    const lost = f.historyLoadedAt!;
    const slot = 5 * MINUTE;
    expect(peakAt(newer.forecast as ProfileForecast, lost, slot)).not.toBeNull();
    expect(peakAt(repaired, lost, slot)).toBeNull();
    expect(peakAt(repaired, f.historyAt - slot, slot)).toBeNull();
    // What the older item did hold is kept.
    expect(peakAt(repaired, lost - slot, slot)).toBe(peakAt(newer.forecast as ProfileForecast, lost - slot, slot));
  });
});
