/**
 * Access control of the relay beyond test/relay/**: replays across two relay instances (two
 * Lambda containers) sharing the DynamoDB agents table on dynalite, concurrent duplicate
 * deliveries, a nonce re-signed with a new timestamp and body, a replay after the clock-skew
 * window, and a host that signs correctly but names another host's pool in its report.
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import type { HeartbeatResponse } from '../../shared/relay/HeartbeatSchema';
import { createRelayHandler, type RelayHandler } from '../../shared/relay/createRelayHandler';
import { MAX_CLOCK_SKEW_MS } from '../../shared/relay/headers';
import { SECRET_A, SECRET_B, memoryPolicy, relayWorld, report, signed } from '../relay/relayFixtures';
import { type Dynalite, createTables, startDynalite, uniqueTableNames } from '../support/dynalite';

const heartbeat = (memGb: number, running: number) => ({
  agentVersion: 'test',
  report: report(memGb, { web: { running, busy: 0, rssGb: 1 } }),
});

describe('Reliability: relay access control', () => {
  describe('on DynamoDB (dynalite), two relay instances', () => {
    let dynalite: Dynalite;
    let now = 1_700_000_000_000;
    let relays: [RelayHandler, RelayHandler];
    let agents: DynamoAgentStore;
    let log: DynamoDecisionLog;

    beforeAll(async () => {
      dynalite = await startDynalite();
      const names = uniqueTableNames('access');
      await createTables(dynalite.client, names);
      const client = DynamoDBDocumentClient.from(dynalite.client, { marshallOptions: { removeUndefinedValues: true } });
      const policies = new DynamoPolicyStore(client, names.policies);
      await policies.put(memoryPolicy('a-web', 'a', 'web'));
      await policies.put(memoryPolicy('b-web', 'b', 'web'));
      agents = new DynamoAgentStore(client, names.agents);
      await agents.put({ hostId: 'a', secret: SECRET_A, poolIds: ['a-web'], desired: {}, version: 1 }, 0);
      await agents.put({ hostId: 'b', secret: SECRET_B, poolIds: ['b-web'], desired: { web: 3 }, version: 1 }, 0);
      log = new DynamoDecisionLog(client, names.history);
      // Two handlers with their own adapters, as two Lambda containers would have.
      const relay = () =>
        createRelayHandler({
          agents: new DynamoAgentStore(client, names.agents),
          policies: new DynamoPolicyStore(client, names.policies),
          states: new DynamoStateStore(client, names.state),
          log: new DynamoDecisionLog(client, names.history),
          clock: { now: () => now },
        });
      relays = [relay(), relay()];
    });
    afterAll(async () => {
      await dynalite.stop();
    });

    it('a request accepted by one instance is refused (409) by the other', async () => {
      // Prepare
      now += 10_000;
      const request = signed('a', SECRET_A, heartbeat(34, 2), now);

      // Act
      const first = await relays[0](request);
      const replay = await relays[1](request);

      // Assess
      expect(first.status).toBe(200);
      expect(replay.status).toBe(409);
    });

    it('the same request delivered to both instances at once is accepted exactly once', async () => {
      // Prepare
      now += 10_000;
      const before = (await log.list('a-web')).length;
      const request = signed('a', SECRET_A, heartbeat(34, 2), now);

      // Act
      const statuses = (await Promise.all([relays[0](request), relays[1](request), relays[0](request), relays[1](request)])).map((r) => r.status);

      // Assess: one 200, the rest 409, and at most one evaluation recorded for it.
      expect(statuses.sort()).toEqual([200, 409, 409, 409]);
      expect((await log.list('a-web')).length - before).toBeLessThanOrEqual(1);
    });

    it("host a's secret cannot read or change host b's pool on either instance", async () => {
      // Prepare
      now += 10_000;
      const bBefore = await agents.get('b');

      // Act: a signs as b; a sends its own heartbeat naming b's pool.
      const forged = await relays[0](signed('b', SECRET_A, heartbeat(64, 1), now));
      const own = await relays[1](signed('a', SECRET_A, { agentVersion: 'test', report: report(64, { web: { running: 1, busy: 0, rssGb: 0 } }) }, now));

      // Assess
      expect(forged.status).toBe(401);
      expect(forged.body).not.toContain('b-web');
      expect(own.status).toBe(200);
      expect(Object.values((JSON.parse(own.body) as HeartbeatResponse).policies).map((p) => p.id)).toEqual(['a-web']);
      const bAfter = await agents.get('b');
      expect(bAfter?.desired).toEqual(bBefore?.desired);
      expect(bAfter?.report).toEqual(bBefore?.report);
      expect(await log.list('b-web')).toEqual([]);
    });
  });

  it.each([
    { case: 'the same nonce re-signed with a new timestamp and body', delayMs: 30_000, resign: true, status: 409 },
    { case: 'the same request replayed after the clock-skew window', delayMs: MAX_CLOCK_SKEW_MS + 60_000, resign: false, status: 401 },
    { case: 'the same nonce re-signed after the clock-skew window', delayMs: MAX_CLOCK_SKEW_MS + 60_000, resign: true, status: 409 },
  ])('refuses $case ($status) and records nothing for it', async ({ delayMs, resign, status }) => {
    // Prepare
    const world = await relayWorld();
    const original = signed('a', SECRET_A, heartbeat(34, 2), world.now(), 'fixed-nonce-0001');
    expect((await world.handler(original)).status).toBe(200);
    const reportBefore = (await world.agents.get('a'))?.report;
    const historyBefore = (await world.log.list('a-web')).length;
    world.advance(delayMs);

    // Act
    const again = resign ? signed('a', SECRET_A, heartbeat(10, 2), world.now(), 'fixed-nonce-0001') : original;
    const response = await world.handler(again);

    // Assess
    expect(response.status).toBe(status);
    expect((await world.agents.get('a'))?.report).toEqual(reportBefore);
    expect((await world.log.list('a-web')).length).toBe(historyBefore);
  });

  it('a wrongly signed request does not burn the nonce of the real host', async () => {
    // Prepare
    const world = await relayWorld();
    const forged = signed('a', 'not-the-secret-0123456789', heartbeat(34, 2), world.now(), 'shared-nonce-0001');

    // Act
    const refused = await world.handler(forged);
    const real = await world.handler(signed('a', SECRET_A, heartbeat(34, 2), world.now(), 'shared-nonce-0001'));

    // Assess
    expect(refused.status).toBe(401);
    expect(real.status).toBe(200);
  });
});
