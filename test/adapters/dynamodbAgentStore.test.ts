import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, StorageError } from '../../shared/domain/errors';
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
});
