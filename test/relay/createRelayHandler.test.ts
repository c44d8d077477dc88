import { describe, expect, it } from 'vitest';
import type { HeartbeatInput, HeartbeatResponse } from '../../shared/relay/HeartbeatSchema';
import { report, relayWorld, SECRET_A, SECRET_B, signed } from './relayFixtures';

const heartbeat = (memAvailableGb: number, running: number): HeartbeatInput => ({
  agentVersion: 'test',
  report: report(memAvailableGb, { web: { running, busy: 0, rssGb: 0.5 } }),
});

describe('Function: createRelayHandler', () => {
  describe('Route: POST /agent/heartbeat', () => {
    it('records the report, evaluates the host pool with the engine and answers its desired count and policy', async () => {
      // Prepare: 34 GB available - 4 GB reserve fits 5 workers of 6 GB (seed 001).
      const world = await relayWorld();

      // Act
      const response = await world.handler(signed('a', SECRET_A, heartbeat(34, 2), world.now()));

      // Assess
      expect(response.status).toBe(200);
      const body = JSON.parse(response.body) as HeartbeatResponse;
      expect(body.desired).toEqual({ web: 5 });
      expect(Object.keys(body.policies)).toEqual(['web']);
      expect(body.policies.web?.id).toBe('a-web');
      const record = await world.agents.get('a');
      expect(record?.report?.memAvailableGb).toBe(34);
      expect(record?.lastSeenAt).toBe(world.now());
      expect(record?.desired).toEqual({ web: 5 });
      const [decision] = await world.log.list('a-web');
      expect(decision).toMatchObject({ action: 'scale_up', current: 2, desired: 5, trigger: 'heartbeat:a' });
      expect((await world.states.get('a-web'))?.desired).toBe(5);
    });

    it('scales in by memory once the agent runs what was asked', async () => {
      // Prepare
      const world = await relayWorld();
      await world.handler(signed('a', SECRET_A, heartbeat(34, 2), world.now()));
      world.advance(2_000);

      // Act: the agent now runs 5, but memory dropped to 16 GB: fits 2.
      const response = await world.handler(signed('a', SECRET_A, heartbeat(16, 5), world.now()));

      // Assess
      expect((JSON.parse(response.body) as HeartbeatResponse).desired).toEqual({ web: 2 });
    });

    it('while the agent has not applied the last count, holds a scale-in but still sheds what no longer fits in memory', async () => {
      // Prepare
      const world = await relayWorld();
      await world.handler(signed('a', SECRET_A, heartbeat(34, 2), world.now()));
      world.advance(2_000);

      // Act: still 2 running of 5 asked; memory dropped so that only 2 fit.
      const response = await world.handler(signed('a', SECRET_A, heartbeat(16, 2), world.now()));

      // Assess: not-ready would hold 5, but starting 3 workers that do not fit is worse.
      expect((JSON.parse(response.body) as HeartbeatResponse).desired).toEqual({ web: 2 });
      const [latest] = await world.log.list('a-web');
      expect(latest?.reasons.map((r) => r.code)).toEqual(expect.arrayContaining(['target.not_ready', 'ceiling.hard']));
    });

    it.each([
      { case: 'wrong secret', host: 'a', secret: 'wrong-secret-0123456789', skew: 0, status: 401 },
      { case: 'unknown host', host: 'nobody', secret: SECRET_A, skew: 0, status: 401 },
      { case: 'stale timestamp', host: 'a', secret: SECRET_A, skew: -10 * 60_000, status: 401 },
    ])('answers $status for $case and changes nothing', async ({ host, secret, skew, status }) => {
      // Prepare
      const world = await relayWorld();

      // Act
      const response = await world.handler(signed(host, secret, heartbeat(34, 2), world.now() + skew));

      // Assess
      expect(response.status).toBe(status);
      expect((await world.agents.get('a'))?.report).toBeUndefined();
      expect(await world.log.list('a-web')).toEqual([]);
    });

    it('answers 401 without signature headers', async () => {
      const world = await relayWorld();
      const response = await world.handler({ method: 'POST', path: '/agent/heartbeat', headers: {}, body: '{}' });
      expect(response.status).toBe(401);
    });

    it('answers 409 to a replayed request', async () => {
      // Prepare
      const world = await relayWorld();
      const request = signed('a', SECRET_A, heartbeat(34, 2), world.now());
      await world.handler(request);

      // Act
      const replay = await world.handler(request);

      // Assess
      expect(replay.status).toBe(409);
    });

    it('answers 400 to a signed body that is not a heartbeat', async () => {
      const world = await relayWorld();
      const response = await world.handler(signed('a', SECRET_A, '{"agentVersion":"x","report":{"cpu":"high"}}', world.now()));
      expect(response.status).toBe(400);
      expect(response.body).toContain('report');
    });

    it("never returns or changes another host's pool, even one listed on the record", async () => {
      // Prepare: host a's record also lists b-web (misconfiguration or tampering).
      const world = await relayWorld();
      const record = (await world.agents.get('a'))!;
      await world.agents.put({ ...record, poolIds: ['a-web', 'b-web'], version: record.version + 1 }, record.version);

      // Act: host a reports a pool named like b's and lots of memory.
      const body = { agentVersion: 'test', report: report(64, { web: { running: 1, busy: 0, rssGb: 0 } }) };
      const response = await world.handler(signed('a', SECRET_A, body, world.now()));

      // Assess
      const answer = JSON.parse(response.body) as HeartbeatResponse;
      expect(Object.values(answer.policies).map((p) => p.id)).toEqual(['a-web']);
      expect(await world.log.list('b-web')).toEqual([]);
      expect((await world.agents.get('b'))?.desired).toEqual({ web: 3 });
      expect((await world.agents.get('b'))?.report).toBeUndefined();
    });

    it('serves host b with its own secret only', async () => {
      // Prepare
      const world = await relayWorld();

      // Act
      const asB = await world.handler(signed('b', SECRET_B, heartbeat(34, 3), world.now()));
      const bWithASecret = await world.handler(signed('b', SECRET_A, heartbeat(64, 3), world.now()));

      // Assess
      expect(asB.status).toBe(200);
      expect(Object.values((JSON.parse(asB.body) as HeartbeatResponse).policies).map((p) => p.id)).toEqual(['b-web']);
      expect(bWithASecret.status).toBe(401);
    });

    it.each([
      { case: 'GET', method: 'GET', path: '/agent/heartbeat', status: 405 },
      { case: 'another path', method: 'POST', path: '/agent/other', status: 404 },
    ])('answers $status for $case', async ({ method, path, status }) => {
      const world = await relayWorld();
      expect((await world.handler({ method, path, headers: {}, body: '' })).status).toBe(status);
    });
  });
});
