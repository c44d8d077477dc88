import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../shared/config/validate';
import { NotFoundError, PreconditionFailedError, StorageError } from '../../shared/domain/errors';
import { DynamoPolicyStore } from '../../shared/adapters/dynamodb/DynamoPolicyStore';
import { policy, startDynamoFixture, type DynamoFixture } from './dynamodbSupport';

describe('Class: DynamoPolicyStore', () => {
  let fixture: DynamoFixture;
  let store: DynamoPolicyStore;

  beforeAll(async () => {
    fixture = await startDynamoFixture();
    store = new DynamoPolicyStore(fixture.documentClient, fixture.tables.policies, () => 1_700_000_000_000);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  describe('Method: put / get', () => {
    it('stores a validated policy and reads it back unchanged (durations stay in ms)', async () => {
      // Prepare
      const bots = policy({
        id: 'bots',
        target: { kind: 'ecs', cluster: 'main', service: 'bots' },
        interval: '30s',
        metrics: { busy: { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' } },
        rules: [{ type: 'buffer', minFree: 2, batch: 3 }],
      });

      // Act
      await store.put(bots);
      const read = await store.get('bots');

      // Assess
      expect(read).toEqual(bots);
      expect(read?.interval).toBe(30_000);
    });

    it('replaces a policy on a second put', async () => {
      // Prepare
      await store.put(policy({ id: 'replace', max: 5 }));

      // Act
      await store.put(policy({ id: 'replace', max: 9 }));

      // Assess
      expect((await store.get('replace'))?.max).toBe(9);
    });

    it('returns undefined for an unknown pool and for the budget key', async () => {
      // Prepare
      await store.putBudget({ maxWorkers: 10 });

      // Act / Assess
      expect(await store.get('unknown')).toBeUndefined();
      expect(await store.get('#budget')).toBeUndefined();
    });
  });

  describe('Items written before revisions', () => {
    it('reads a policy stored as a map without a revision, and a write conditional on that read succeeds once', async () => {
      // Prepare: the item shape of earlier releases.
      const legacy = policy({ id: 'legacy-item', max: 4 });
      await fixture.documentClient.send(new PutCommand({ TableName: fixture.tables.policies, Item: { poolId: 'legacy-item', policy: legacy, updatedAt: 1 } }));

      // Act
      const stored = await store.getStored('legacy-item');
      const next = await store.put(policy({ id: 'legacy-item', max: 6 }), { revision: stored!.revision });
      const stale = store.put(policy({ id: 'legacy-item', max: 8 }), { revision: stored!.revision });

      // Assess
      expect(stored?.policy).toEqual(legacy);
      await expect(stale).rejects.toBeInstanceOf(PreconditionFailedError);
      expect(await store.getStored('legacy-item')).toMatchObject({ revision: next, policy: { max: 6 } });
    });

    it('stores the policy as JSON text, so a map key such as constructor is written at all', async () => {
      // Prepare
      const withKeys = parsePolicy({
        id: 'json-text',
        target: { kind: 'none' },
        min: 0,
        max: 2,
        metrics: { q: { source: 'cloudwatch', namespace: 'N', metricName: 'M', dimensions: JSON.parse('{"constructor":"a"}') } },
      });

      // Act
      await store.put(withKeys);
      const { Item } = await fixture.documentClient.send(new GetCommand({ TableName: fixture.tables.policies, Key: { poolId: 'json-text' } }));

      // Assess
      expect(typeof Item?.document).toBe('string');
      expect(JSON.parse(Item!.document as string)).toEqual(withKeys);
    });
  });

  describe('Method: list', () => {
    it('paginates the Scan and leaves the budget item out', async () => {
      // Prepare: items near 1 KB each would fit one page; big descriptions force several pages.
      const store2 = new DynamoPolicyStore(fixture.documentClient, fixture.tables.policies);
      const description = 'x'.repeat(60_000);
      const ids = Array.from({ length: 40 }, (_, index) => `page-${String(index).padStart(2, '0')}`);
      for (const id of ids) await store2.put(policy({ id, description }));
      await store2.putBudget({ maxWorkers: 50 });

      // Act
      const listed = await store2.list();

      // Assess
      expect(listed.map((p) => p.id)).toEqual(expect.arrayContaining(ids));
      expect(listed.some((p) => p.id === '#budget')).toBe(false);
      expect(listed.map((p) => p.id)).toEqual([...listed.map((p) => p.id)].sort());
    });

    it('throws StorageError naming the pool for an item without a policy', async () => {
      // Prepare
      const table = `${fixture.tables.policies}`;
      const isolated = new DynamoPolicyStore(fixture.documentClient, table);
      await fixture.documentClient.send(new PutCommand({ TableName: table, Item: { poolId: 'corrupt' } }));

      // Act
      const attempt = isolated.list();

      // Assess
      await expect(attempt).rejects.toThrow(/"corrupt"/);
      await expect(attempt).rejects.toBeInstanceOf(StorageError);
      await isolated.delete('corrupt');
    });
  });

  describe('Method: delete', () => {
    it('deletes an existing policy', async () => {
      // Prepare
      await store.put(policy({ id: 'doomed' }));

      // Act
      await store.delete('doomed');

      // Assess
      expect(await store.get('doomed')).toBeUndefined();
    });

    it('throws NotFoundError for a missing policy', async () => {
      // Act / Assess
      await expect(store.delete('never-there')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('Method: getBudget / putBudget', () => {
    it('stores, reads and removes the global budget', async () => {
      // Act
      await store.putBudget({ maxWorkers: 12, maxMemoryGb: 64 });
      const stored = await store.getBudget();
      await store.putBudget(undefined);

      // Assess
      expect(stored).toEqual({ maxWorkers: 12, maxMemoryGb: 64 });
      expect(await store.getBudget()).toBeUndefined();
    });
  });

  it('translates SDK failures into StorageError with cause', async () => {
    // Prepare
    const missing = new DynamoPolicyStore(fixture.documentClient, 'no-such-table');

    // Act / Assess
    await expect(missing.list()).rejects.toMatchObject({
      name: 'StorageError',
      cause: expect.objectContaining({ name: 'ResourceNotFoundException' }),
    });
  });
});
