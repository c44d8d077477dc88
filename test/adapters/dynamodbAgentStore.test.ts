import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, StorageError } from '../../shared/domain/errors';
import { createSecretBox } from '../../shared/relay/secretBox';
import type { AgentRecord } from '../../shared/ports/AgentStore';
import { DynamoAgentStore } from '../../shared/adapters/dynamodb/DynamoAgentStore';
import { startDynamoFixture, type DynamoFixture } from './dynamodbSupport';

const record = (hostId: string, version: number, desired: Record<string, number> = {}): AgentRecord => ({
  hostId,
  secret: 's3cret',
  poolIds: ['celery'],
  desired,
  version,
});

describe('Class: DynamoAgentStore', () => {
  let fixture: DynamoFixture;
  let store: DynamoAgentStore;

  beforeAll(async () => {
    fixture = await startDynamoFixture();
    store = new DynamoAgentStore(fixture.documentClient, fixture.tables.agents);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  describe('Method: put / get', () => {
    it('creates and updates a record with conditional versions', async () => {
      // Act
      await store.put(record('r620', 1), 0);
      await store.put(
        {
          ...record('r620', 2, { celery: 4 }),
          lastSeenAt: 10,
          report: { at: 10, memAvailableGb: 40, memTotalGb: 64, cpu: 12.5, load1: 1.2, pools: { celery: { running: 3, busy: 1, rssGb: 2 } } },
        },
        1,
      );

      // Assess
      expect(await store.get('r620')).toMatchObject({ version: 2, desired: { celery: 4 }, report: { cpu: 12.5 } });
    });

    it.each([
      { case: 'a second create', version: 1, expected: 0 },
      { case: 'a stale update', version: 2, expected: 1 },
    ])('throws ConflictError on $case', async ({ version, expected }) => {
      // Prepare
      const hostId = `conflict-${expected}`;
      await store.put(record(hostId, 1), 0);
      await store.put(record(hostId, 2), 1);

      // Act / Assess
      await expect(store.put(record(hostId, version), expected)).rejects.toBeInstanceOf(ConflictError);
    });

    it('lets one of 20 concurrent updates win', async () => {
      // Prepare
      await store.put(record('busy-host', 1), 0);

      // Act
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, writer) => store.put(record('busy-host', 2, { celery: writer }), 1)),
      );

      // Assess
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    });

    it('returns undefined for an unknown host', async () => {
      expect(await store.get('nobody')).toBeUndefined();
    });
  });

  describe('Method: claimNonce', () => {
    it('accepts a nonce once and refuses its replay', async () => {
      // Act
      const first = await store.claimNonce('r620', 'n-1', 1_700_000_000_500, 1_700_000_000_000);
      const replay = await store.claimNonce('r620', 'n-1', 1_700_000_000_900, 1_700_000_000_000);
      const otherHost = await store.claimNonce('r730', 'n-1', 1_700_000_000_500, 1_700_000_000_000);

      // Assess
      expect([first, replay, otherHost]).toEqual([true, false, true]);
    });

    it('stores the nonce under nonce#<hostId>#<nonce> with expiresAt in epoch seconds', async () => {
      // Act
      await store.claimNonce('r620', 'n-ttl', 1_700_000_000_500, 1_700_000_000_000);

      // Assess
      const { Item } = await fixture.documentClient.send(
        new GetCommand({ TableName: fixture.tables.agents, Key: { hostId: 'nonce#r620#n-ttl' } }),
      );
      expect(Item).toEqual({ hostId: 'nonce#r620#n-ttl', expiresAt: 1_700_000_001 });
    });

    it('lets exactly one of 30 concurrent claims of the same nonce win', async () => {
      // Act
      const results = await Promise.all(Array.from({ length: 30 }, () => store.claimNonce('r620', 'n-race', 1, 0)));

      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('throws StorageError (not false) when the table is missing', async () => {
      // Act / Assess
      await expect(new DynamoAgentStore(fixture.documentClient, 'no-such-table').claimNonce('h', 'n', 1, 0)).rejects.toBeInstanceOf(
        StorageError,
      );
    });
  });

  describe('Method: claimNonce (bounded storage)', () => {
    it('an expired nonce item that TTL has not removed yet no longer counts; an unexpired one does', async () => {
      // Prepare: a nonce kept until t = 1,700,000,000 s.
      expect(await store.claimNonce('r620', 'n-exp', 1_700_000_000_000, 1_699_999_000_000)).toBe(true);

      // Act / Assess
      expect(await store.claimNonce('r620', 'n-exp', 1_700_000_600_000, 1_699_999_999_000)).toBe(false);
      expect(await store.claimNonce('r620', 'n-exp', 1_700_000_700_000, 1_700_000_100_000)).toBe(true);
    });
  });

  describe('Key spaces', () => {
    it.each(['nonce#r620#n-1', '#budget', 'a b', '', '__proto__', 'x'.repeat(129)])('get(%j) finds nothing: not a host id', async (id) => {
      await store.claimNonce('r620', 'n-1', 9_000_000_000_000, 0);
      expect(await store.get(id)).toBeUndefined();
    });

    it('an item without a secret is not a host record', async () => {
      await fixture.documentClient.send(new PutCommand({ TableName: fixture.tables.agents, Item: { hostId: 'no-secret', poolIds: [], desired: {}, version: 1 } }));
      expect(await store.get('no-secret')).toBeUndefined();
      await expect(store.setDesired('no-secret', 'web', 2)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('Method: setDesired / recordReport (merging writes)', () => {
    it('30 concurrent pools of one host and 30 concurrent reports all land, with no conflict', async () => {
      // Prepare
      await store.put(record('merge-host', 1), 0);
      const pools = Array.from({ length: 30 }, (_, i) => `p${i}`);
      const report = (i: number) => ({ at: i, memAvailableGb: i, memTotalGb: 64, cpu: 1, load1: 1, pools: { p0: { running: i, busy: 0, rssGb: 0 } } });

      // Act
      await Promise.all([
        ...pools.map((pool, i) => store.setDesired('merge-host', pool, i)),
        ...pools.map((_, i) => store.recordReport('merge-host', report(i), 1_000 + i)),
      ]);

      // Assess
      const stored = await store.get('merge-host');
      expect(stored?.desired).toEqual(Object.fromEntries(pools.map((pool, i) => [pool, i])));
      expect(stored?.version).toBe(61);
      expect(stored?.report?.memAvailableGb).toBe(stored!.lastSeenAt! - 1_000);
    });

    it.each(['constructor', '__proto__', 'toString', 'a.b', 'with space', '#x'])('stores the count of a pool named %j and reads it back exactly', async (pool) => {
      await store.put(record(`odd-${pool.length}-${pool.charCodeAt(0)}`, 1), 0);
      await store.setDesired(`odd-${pool.length}-${pool.charCodeAt(0)}`, pool, 3);
      const stored = await store.get(`odd-${pool.length}-${pool.charCodeAt(0)}`);
      expect(Object.hasOwn(stored!.desired, pool)).toBe(true);
      expect(stored!.desired[pool]).toBe(3);
    });

    it('creates the desired map of a record written by hand without one', async () => {
      await fixture.documentClient.send(new PutCommand({ TableName: fixture.tables.agents, Item: { hostId: 'by-hand', secret: 's3cret', poolIds: ['x'], version: 1 } }));
      await store.setDesired('by-hand', 'web', 2);
      expect((await store.get('by-hand'))?.desired).toEqual({ web: 2 });
    });

    it.each([
      { case: 'an unknown host', id: 'nobody-here' },
      { case: 'a nonce key', id: 'nonce#r620#n-1' },
    ])('setDesired and recordReport on $case throw NotFoundError and create nothing', async ({ id }) => {
      await expect(store.setDesired(id, 'web', 1)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.recordReport(id, { at: 1, memAvailableGb: 1, memTotalGb: 1, cpu: 1, load1: 1, pools: {} }, 1)).rejects.toBeInstanceOf(NotFoundError);
      expect((await fixture.documentClient.send(new GetCommand({ TableName: fixture.tables.agents, Key: { hostId: id } }))).Item?.secret).toBeUndefined();
    });
  });

  describe('Methods: list / delete', () => {
    it('lists hosts without secrets and without nonce items; delete removes a host once', async () => {
      // Prepare
      await store.put(record('list-b', 1), 0);
      await store.put(record('list-a', 1), 0);
      await store.claimNonce('list-a', 'n-list', 9_000_000_000_000, 0);

      // Act
      const listed = await store.list();

      // Assess
      const ids = listed.map((host) => host.hostId);
      expect(ids).toEqual([...ids].sort());
      expect(ids).toEqual(expect.arrayContaining(['list-a', 'list-b']));
      expect(ids.some((id) => id.startsWith('nonce#'))).toBe(false);
      expect(JSON.stringify(listed)).not.toContain('s3cret');
      expect(await store.delete('list-b')).toBe(true);
      expect(await store.delete('list-b')).toBe(false);
      expect(await store.delete('nonce#list-a#n-list')).toBe(false);
    });
  });

  describe('Option: secretBox (secrets sealed at rest)', () => {
    const box = createSecretBox(Buffer.alloc(32, 3));

    it('stores the secret sealed, returns it opened; without the key the sealed form comes back as it is', async () => {
      // Prepare
      const sealing = new DynamoAgentStore(fixture.documentClient, fixture.tables.agents, { secretBox: box });

      // Act
      await sealing.put({ ...record('sealed-host', 1), secret: 'plain-secret-0123456789' }, 0);

      // Assess
      const { Item } = await fixture.documentClient.send(new GetCommand({ TableName: fixture.tables.agents, Key: { hostId: 'sealed-host' } }));
      expect(Item?.secret).toMatch(/^sealed:v1:/);
      expect(JSON.stringify(Item)).not.toContain('plain-secret');
      expect((await sealing.get('sealed-host'))?.secret).toBe('plain-secret-0123456789');
      expect((await store.get('sealed-host'))?.secret).toBe(Item?.secret);
    });

    it('a sealed secret copied onto another host record does not open', async () => {
      const sealing = new DynamoAgentStore(fixture.documentClient, fixture.tables.agents, { secretBox: box });
      await sealing.put({ ...record('victim', 1), secret: 'victim-secret-0123456789' }, 0);
      const { Item } = await fixture.documentClient.send(new GetCommand({ TableName: fixture.tables.agents, Key: { hostId: 'victim' } }));
      await fixture.documentClient.send(new PutCommand({ TableName: fixture.tables.agents, Item: { ...Item, hostId: 'attacker' } }));
      await expect(sealing.get('attacker')).rejects.toBeInstanceOf(StorageError);
    });
  });
});
