import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, StorageError } from '../../shared/domain/errors';
import { initialState, type PoolState } from '../../shared/domain/types';
import { DynamoStateStore } from '../../shared/adapters/dynamodb/DynamoStateStore';
import { startDynamoFixture, type DynamoFixture } from './dynamodbSupport';

const stateOf = (poolId: string, version: number, extra: Partial<PoolState> = {}): PoolState => ({
  ...initialState(poolId),
  version,
  ...extra,
});

describe('Class: DynamoStateStore', () => {
  let fixture: DynamoFixture;
  let store: DynamoStateStore;

  beforeAll(async () => {
    fixture = await startDynamoFixture();
    store = new DynamoStateStore(fixture.documentClient, fixture.tables.state);
  });
  afterAll(async () => {
    await fixture.stop();
  });

  describe('Method: put', () => {
    it('creates a state with expected version 0 and reads it back without undefined fields', async () => {
      // Prepare
      const state = stateOf('create', 1, {
        desired: 3,
        lastScaleUpAt: undefined,
        samples: [{ t: 1_000, values: { busy: 2, free: 0.5 } }],
        forecast: { level: 1, trend: 0, seasonal: [null, 2], slotStart: 0, slotPeak: 1, since: 0, slots: 1 },
        // Target rules with `spread: observed` (by name, or `#index`): fractional and negative numbers.
        spreads: { offered: { at: 1_000, load: 12.5, spread: 2.385_164_807, trend: -0.25, recent: [1.5, -0.25, 3] }, '#2': { at: 1_000, load: 0, spread: 1e-9, trend: 0 } },
      });

      // Act
      await store.put(state, 0);

      // Assess
      const stored = await store.get('create');
      expect(stored).toEqual({ ...state, lastScaleUpAt: undefined });
      expect(stored && 'lastScaleUpAt' in stored).toBe(false);
    });

    it('stores numbers beyond DynamoDB\'s range brought into it (a tiny reading as 0, a huge one at the limit), not a failed write', async () => {
      // Prepare: a source read 1e-200 and 5e-324 (DynamoDB refuses magnitudes under 1e-130) and
      // 1e200 (the DocumentClient refuses numbers beyond Number.MAX_SAFE_INTEGER).
      const state = stateOf('extreme', 1, { samples: [{ t: 1_000, values: { tiny: 1e-200, denormal: 5e-324, huge: 1e200, negative: -1e200, fine: 0.25 } }] });

      // Act
      await store.put(state, 0);

      // Assess
      const stored = await store.get('extreme');
      expect(stored?.samples?.[0]?.values).toEqual({ tiny: 0, denormal: 0, huge: Number.MAX_SAFE_INTEGER, negative: -Number.MAX_SAFE_INTEGER, fine: 0.25 });
    });

    it('advances the version when the expected version matches', async () => {
      // Prepare
      await store.put(stateOf('advance', 1), 0);

      // Act
      await store.put(stateOf('advance', 2, { desired: 7 }), 1);

      // Assess
      expect(await store.get('advance')).toMatchObject({ version: 2, desired: 7 });
    });

    it.each([
      { case: 'creating an existing state', setup: 1, version: 1, expected: 0 },
      { case: 'writing from a stale version', setup: 2, version: 2, expected: 1 },
      { case: 'writing a version that does not exist yet', setup: 1, version: 6, expected: 5 },
    ])('throws ConflictError when $case', async ({ setup, version, expected }) => {
      // Prepare
      const poolId = `conflict-${setup}-${expected}`;
      await store.put(stateOf(poolId, 1), 0);
      if (setup === 2) await store.put(stateOf(poolId, 2), 1);

      // Act
      const attempt = store.put(stateOf(poolId, version, { desired: 99 }), expected);

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      expect((await store.get(poolId))?.desired).toBeUndefined();
    });

    it('refuses a state whose version is not expected + 1 without writing', async () => {
      // Act
      const attempt = store.put(stateOf('bad-version', 3), 0);

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get('bad-version')).toBeUndefined();
    });

    it('lets exactly one of 50 concurrent writers from the same version win', async () => {
      // Prepare
      await store.put(stateOf('race', 1), 0);

      // Act
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, writer) => store.put(stateOf('race', 2, { desired: writer }), 1)),
      );

      // Assess
      const won = results.flatMap((result, writer) => (result.status === 'fulfilled' ? [writer] : []));
      const lost = results.filter((result) => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((result) => result.status === 'rejected' && result.reason instanceof ConflictError)).toBe(true);
      expect(await store.get('race')).toMatchObject({ version: 2, desired: won[0] });
    });

    it('lets exactly one of 50 concurrent creators win', async () => {
      // Act
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, writer) => store.put(stateOf('race-create', 1, { desired: writer }), 0)),
      );

      // Assess
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    });
  });

  describe('Method: getMany', () => {
    it('reads more than 100 states across BatchGetItem chunks, ignoring duplicates and missing ids', async () => {
      // Prepare
      const ids = Array.from({ length: 230 }, (_, index) => `many-${String(index).padStart(3, '0')}`);
      await Promise.all(ids.map((id, index) => store.put(stateOf(id, 1, { desired: index }), 0)));

      // Act
      const found = await store.getMany([...ids, 'many-000', 'missing-1', 'missing-2']);

      // Assess
      expect(found.size).toBe(230);
      expect(found.get('many-229')).toMatchObject({ poolId: 'many-229', desired: 229 });
      expect(found.has('missing-1')).toBe(false);
    });

    it('returns an empty map for no ids without calling DynamoDB', async () => {
      // Act
      const found = await new DynamoStateStore(fixture.documentClient, 'no-such-table').getMany([]);

      // Assess
      expect(found.size).toBe(0);
    });
  });

  describe('Method: delete', () => {
    it('removes a state so a new one may be created from version 0', async () => {
      // Prepare
      await store.put(stateOf('gone', 1), 0);

      // Act
      await store.delete('gone');

      // Assess
      expect(await store.get('gone')).toBeUndefined();
      await expect(store.put(stateOf('gone', 1), 0)).resolves.toBeUndefined();
    });
  });

  describe('Errors', () => {
    it.each([
      { case: 'get', act: (s: DynamoStateStore) => s.get('x') },
      { case: 'getMany', act: (s: DynamoStateStore) => s.getMany(['x']) },
      { case: 'put', act: (s: DynamoStateStore) => s.put(stateOf('x', 1), 0) },
      { case: 'delete', act: (s: DynamoStateStore) => s.delete('x') },
    ])('translates a missing table into StorageError with the SDK cause on $case', async ({ act }) => {
      // Prepare
      const missing = new DynamoStateStore(fixture.documentClient, 'no-such-table');

      // Act
      const error = await act(missing).then(
        () => undefined,
        (reason: unknown) => reason,
      );

      // Assess
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toContain('no-such-table');
      expect((error as StorageError).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    });
  });

  describe('Method: getMany (UnprocessedKeys)', () => {
    const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } }));
    const mock = mockClient(documentClient);

    it('retries only the unprocessed keys with a growing wait', async () => {
      // Prepare
      mock.reset();
      const sleeps: number[] = [];
      mock
        .on(BatchGetCommand)
        .resolvesOnce({
          Responses: { states: [stateOf('a', 1)] },
          UnprocessedKeys: { states: { Keys: [{ poolId: 'b' }, { poolId: 'c' }] } },
        })
        .resolvesOnce({ Responses: { states: [stateOf('b', 1)] }, UnprocessedKeys: { states: { Keys: [{ poolId: 'c' }] } } })
        .resolves({ Responses: { states: [stateOf('c', 1)] } });
      const mocked = new DynamoStateStore(documentClient, 'states', { sleep: async (ms) => void sleeps.push(ms) });

      // Act
      const found = await mocked.getMany(['a', 'b', 'c']);

      // Assess
      expect([...found.keys()].sort()).toEqual(['a', 'b', 'c']);
      expect(mock.commandCalls(BatchGetCommand).map((call) => call.args[0].input.RequestItems)).toEqual([
        { states: { Keys: [{ poolId: 'a' }, { poolId: 'b' }, { poolId: 'c' }], ConsistentRead: true } },
        { states: { Keys: [{ poolId: 'b' }, { poolId: 'c' }], ConsistentRead: true } },
        { states: { Keys: [{ poolId: 'c' }], ConsistentRead: true } },
      ]);
      expect(sleeps).toEqual([50, 100]);
    });

    it('throws StorageError when keys stay unprocessed', async () => {
      // Prepare
      mock.reset();
      mock.on(BatchGetCommand).resolves({ UnprocessedKeys: { states: { Keys: [{ poolId: 'a' }] } } });
      const mocked = new DynamoStateStore(documentClient, 'states', { maxBatchAttempts: 3, sleep: async () => {} });

      // Act / Assess
      await expect(mocked.getMany(['a'])).rejects.toThrow(/1 key\(s\) unprocessed after 3 attempts/);
      expect(mock.commandCalls(BatchGetCommand)).toHaveLength(3);
    });
  });
});
