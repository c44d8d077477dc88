import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { systemClock } from '../../shared/ports/Clock';
import { createRelayHandler, type RelayHandler } from '../../shared/relay/createRelayHandler';
import type { HeartbeatResponse } from '../../shared/relay/HeartbeatSchema';
import { startDynamoFixture, type DynamoFixture } from '../adapters/dynamodbSupport';
import { memoryPolicy, report, SECRET_A, SECRET_B, signed } from './relayFixtures';

describe('Function: createRelayHandler (DynamoDB tables on dynalite)', () => {
  let fixture: DynamoFixture;
  let handler: RelayHandler;
  let agents: DynamoAgentStore;
  let log: DynamoDecisionLog;
  let states: DynamoStateStore;

  beforeAll(async () => {
    fixture = await startDynamoFixture();
    agents = new DynamoAgentStore(fixture.documentClient, fixture.tables.agents);
    const policies = new DynamoPolicyStore(fixture.documentClient, fixture.tables.policies);
    states = new DynamoStateStore(fixture.documentClient, fixture.tables.state);
    log = new DynamoDecisionLog(fixture.documentClient, fixture.tables.history);
    await policies.put(memoryPolicy('a-web', 'a', 'web'));
    await policies.put(memoryPolicy('b-web', 'b', 'web'));
    await agents.put({ hostId: 'a', secret: SECRET_A, poolIds: ['a-web', 'b-web'], desired: {}, version: 1 }, 0);
    await agents.put({ hostId: 'b', secret: SECRET_B, poolIds: ['b-web'], desired: { web: 3 }, version: 1 }, 0);
    handler = createRelayHandler({ agents, policies, states, log, clock: systemClock });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  it('authenticates, evaluates and records like any pool; refuses the replay through the nonce item', async () => {
    // Prepare
    const request = signed('a', SECRET_A, { agentVersion: 'test', report: report(40, { web: { running: 2, busy: 1, rssGb: 3 } }) }, Date.now());

    // Act
    const first = await handler(request);
    const replay = await handler(request);

    // Assess: 40 - 4 fits 6 of 6 GB
    expect(first.status).toBe(200);
    const answer = JSON.parse(first.body) as HeartbeatResponse;
    expect(answer.desired).toEqual({ web: 6 });
    expect(Object.values(answer.policies).map((p) => p.id)).toEqual(['a-web']);
    expect(replay.status).toBe(409);
    expect((await agents.get('a'))?.report?.pools.web?.running).toBe(2);
    expect((await states.get('a-web'))?.desired).toBe(6);
    expect((await log.list('a-web'))[0]).toMatchObject({ action: 'scale_up', desired: 6 });
    // Host a lists b-web on its record, but b-web targets host b: untouched.
    expect(await log.list('b-web')).toEqual([]);
    expect((await agents.get('b'))?.desired).toEqual({ web: 3 });
  });

  it('answers 401 to a wrong secret', async () => {
    const response = await handler(signed('a', SECRET_B, { agentVersion: 'test', report: report(40, {}) }, Date.now()));
    expect(response.status).toBe(401);
  });
});
