/**
 * Many pools on one host (issue 9, item 7): seed 003 puts 12-30 per-project pools on one host.
 * Their desired counts are merging writes of their own attributes, so the pools of one host
 * never fight over its agent record: a 30-pool tick has no failed action and concurrent signed
 * heartbeats get no 5xx. On dynalite (real DynamoDB conditional semantics); in-process dynalite
 * is slow, so the 1,000-heartbeat figure is measured by `npm run bench -- relay`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { HostScaleTarget } from '../../shared/adapters/host/HostScaleTarget';
import { StaticMetricSource } from '../../shared/adapters/memory';
import { parsePolicy } from '../../shared/config/validate';
import type { Policy } from '../../shared/domain/policy';
import { systemClock } from '../../shared/ports/Clock';
import { createRelayHandler } from '../../shared/relay/createRelayHandler';
import type { HeartbeatResponse } from '../../shared/relay/HeartbeatSchema';
import { runTick } from '../../shared/runtime/tick';
import { startDynamoFixture, type DynamoFixture } from '../adapters/dynamodbSupport';
import { memoryPolicy, report, signed } from './relayFixtures';

const POOLS = 30;
const names = Array.from({ length: POOLS }, (_, index) => `project-${String(index + 1).padStart(2, '0')}`);

/** A seed-003 style project pool on `host`: 3 busy of a static metric, buffer of 2 → 5 workers. */
const projectPool = (host: string, name: string): Policy =>
  parsePolicy({
    id: `${host}-${name}`,
    target: { kind: 'host', host, pool: name },
    min: 1,
    max: 12,
    interval: '1s',
    metrics: { busy: { source: 'static', value: 3 } },
    rules: [{ type: 'buffer', minFree: 2, batch: 4 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
  });

describe('Many pools on one host (DynamoDB tables on dynalite)', () => {
  let fixture: DynamoFixture;
  let agents: DynamoAgentStore;
  let policies: DynamoPolicyStore;
  let states: DynamoStateStore;
  let log: DynamoDecisionLog;

  beforeAll(async () => {
    fixture = await startDynamoFixture();
    agents = new DynamoAgentStore(fixture.documentClient, fixture.tables.agents);
    policies = new DynamoPolicyStore(fixture.documentClient, fixture.tables.policies);
    states = new DynamoStateStore(fixture.documentClient, fixture.tables.state);
    log = new DynamoDecisionLog(fixture.documentClient, fixture.tables.history);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('one runtime tick scales 30 pools of one host through HostScaleTarget with 0 failed actions', async () => {
    // Prepare: the host reported one worker in each pool.
    const host = 'r620-tick';
    const pools = names.map((name) => projectPool(host, name));
    for (const pool of pools) await policies.put(pool);
    await agents.put(
      {
        hostId: host,
        secret: 'tick-secret-0123456789',
        poolIds: pools.map((p) => p.id),
        desired: {},
        version: 1,
        report: report(40, Object.fromEntries(names.map((name) => [name, { running: 1, busy: 1, rssGb: 1 }])), Date.now()),
      },
      0,
    );

    // Act: every pool acts in the same tick, up to 32 at a time.
    const result = await runTick({
      policies,
      states,
      log,
      metrics: [new StaticMetricSource()],
      targets: [new HostScaleTarget(agents)],
      clock: systemClock,
    }, { poolIds: pools.map((p) => p.id) });

    // Assess
    expect(result.outcomes.filter((o) => o.error)).toEqual([]);
    expect(result.outcomes.filter((o) => o.acted)).toHaveLength(POOLS);
    const record = await agents.get(host);
    expect(record?.desired).toEqual(Object.fromEntries(names.map((name) => [name, 5])));
    // The report written before is untouched by the 30 merging writes.
    expect(Object.keys(record?.report?.pools ?? {})).toHaveLength(POOLS);
  });

  it('a heartbeat of a 30-pool host evaluates all 30 in the relay with 0 failed actions', async () => {
    // Prepare
    const host = 'r620-relay';
    const secret = 'relay-secret-0123456789';
    const pools = names.map((name) => projectPool(host, name));
    for (const pool of pools) await policies.put(pool);
    await agents.put({ hostId: host, secret, poolIds: pools.map((p) => p.id), desired: {}, version: 1 }, 0);
    const handler = createRelayHandler({ agents, policies, states, log, clock: systemClock, metrics: [new StaticMetricSource()] });
    const pools1 = Object.fromEntries(names.map((name) => [name, { running: 1, busy: 1, rssGb: 1 }]));

    // Act
    const response = await handler(signed(host, secret, { agentVersion: 'test', report: report(40, pools1) }, Date.now()));

    // Assess
    expect(response.status).toBe(200);
    const answer = JSON.parse(response.body) as HeartbeatResponse;
    expect(answer.desired).toEqual(Object.fromEntries(names.map((name) => [name, 5])));
    for (const pool of pools) {
      const [decision] = await log.list(pool.id);
      expect(decision?.reasons.map((r) => r.code)).not.toContain('action.failed');
    }
  });

  it('60 concurrent signed heartbeats from 2 hosts: no 5xx, every host recorded (1,000 in bench/relay.bench.ts)', { timeout: 55_000 }, async () => {
    // Prepare: each host has one pool; an hourly interval keeps the 1,000 ticks cheap after the first.
    const hosts = ['r620-hb-1', 'r620-hb-2'];
    const secretOf = (host: string) => `secret-of-${host}-0123456789`;
    for (const host of hosts) {
      const pool = memoryPolicy(`${host}-celery`, host, 'celery', { interval: '1h' });
      await policies.put(pool);
      await agents.put({ hostId: host, secret: secretOf(host), poolIds: [pool.id], desired: {}, version: 1 }, 0);
    }
    const handler = createRelayHandler({ agents, policies, states, log, clock: systemClock });
    const pools = { celery: { running: 2, busy: 2, rssGb: 3 } };
    const requests = Array.from({ length: 60 }, (_, index) => {
      const host = hosts[index % hosts.length]!;
      return signed(host, secretOf(host), { agentVersion: 'test', report: report(40 + (index % 7), pools) }, Date.now());
    });

    // Act
    const responses = await Promise.all(requests.map((request) => handler(request).catch((error: unknown) => ({ status: 599, body: String(error) }))));

    // Assess
    const statuses = new Map<number, number>();
    for (const response of responses) statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 60 });
    for (const host of hosts) {
      const record = await agents.get(host);
      expect(record?.report?.pools.celery?.busy).toBe(2);
      expect(Object.keys(record?.desired ?? {})).toEqual(['celery']);
    }
  });
});
