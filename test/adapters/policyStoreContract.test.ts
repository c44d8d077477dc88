/**
 * The PolicyStore contract, on both implementations (DynamoDB on dynalite, in memory): any
 * valid policy reads back exactly, whatever its map keys; revisions change on every write and
 * guard conditional writes (the API's If-Match).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoPolicyStore } from '../../shared/adapters/dynamodb/DynamoPolicyStore';
import { MemoryPolicyStore } from '../../shared/adapters/memory';
import { parsePolicy } from '../../shared/config/validate';
import { NotFoundError, PreconditionFailedError } from '../../shared/domain/errors';
import type { PolicyStore } from '../../shared/ports/PolicyStore';
import { policy, startDynamoFixture, type DynamoFixture } from './dynamodbSupport';

let fixture: DynamoFixture;
beforeAll(async () => {
  fixture = await startDynamoFixture();
});
afterAll(async () => {
  await fixture.stop();
});

const stores: { name: string; make: () => PolicyStore }[] = [
  { name: 'DynamoPolicyStore', make: () => new DynamoPolicyStore(fixture.documentClient, fixture.tables.policies) },
  { name: 'MemoryPolicyStore', make: () => new MemoryPolicyStore() },
];

describe.each(stores)('Contract: PolicyStore ($name)', ({ make }) => {
  it('reads back exactly any valid policy, whatever its dimension keys and numbers (property)', async () => {
    const store = make();
    const key = fc.oneof(fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', 'prototype', 'isPrototypeOf', '__defineGetter__', 'QueueName'), fc.string({ minLength: 1, maxLength: 12 }));
    const safeNumber = fc.oneof(fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), fc.double({ min: -1e15, max: 1e15, noNaN: true }), fc.constantFrom(0, -0, 0.1, 4.9e-324));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(key.filter((k) => k !== '__proto__'), fc.string({ maxLength: 20 }), { maxKeys: 6 }),
        safeNumber,
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.string({ maxLength: 200 }),
        async (dimensions, value, max, description) => {
          // Prepare
          const parsed = parsePolicy({
            id: 'roundtrip',
            description,
            target: { kind: 'none' },
            min: 0,
            max,
            metrics: { depth: { source: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'N', dimensions }, fixed: { source: 'static', value } },
            rules: [{ type: 'target', metric: 'depth', perWorker: 5 }],
          });

          // Act
          await store.put(parsed);
          const read = await store.get('roundtrip');

          // Assess: equal, with the same keys in the same order (-0 is stored as 0).
          expect(JSON.stringify(read)).toBe(JSON.stringify(parsed));
          expect(Object.keys(read!.metrics.depth as object)).toEqual(Object.keys(parsed.metrics.depth as object));
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);

  it('gives every write a new revision, and getStored returns the current one', async () => {
    const store = make();
    const first = await store.put(policy({ id: 'rev' }));
    const second = await store.put(policy({ id: 'rev', max: 9 }));
    expect(first).not.toBe(second);
    expect(await store.getStored('rev')).toMatchObject({ revision: second, policy: { max: 9 } });
  });

  it('refuses a write or delete based on a stale revision, and keeps the newer policy', async () => {
    // Prepare
    const store = make();
    const read = await store.put(policy({ id: 'stale' }));
    const newer = await store.put(policy({ id: 'stale', max: 4 }), { revision: read });

    // Act
    const write = store.put(policy({ id: 'stale', max: 2 }), { revision: read });
    const remove = store.delete('stale', { revision: read });

    // Assess
    await expect(write).rejects.toBeInstanceOf(PreconditionFailedError);
    await expect(write).rejects.toMatchObject({ current: newer });
    await expect(remove).rejects.toBeInstanceOf(PreconditionFailedError);
    expect((await store.get('stale'))?.max).toBe(4);
    await store.delete('stale', { revision: newer });
    expect(await store.get('stale')).toBeUndefined();
  });

  it('honours exists (If-Match: *) and absent (If-None-Match: *)', async () => {
    const store = make();
    await expect(store.put(policy({ id: 'cond' }), { exists: true })).rejects.toBeInstanceOf(PreconditionFailedError);
    await store.put(policy({ id: 'cond' }), { absent: true });
    await expect(store.put(policy({ id: 'cond', max: 3 }), { absent: true })).rejects.toThrow(/already exists/);
    await store.put(policy({ id: 'cond', max: 3 }), { exists: true });
    expect((await store.get('cond'))?.max).toBe(3);
  });

  it('a conditional write on a pool deleted meanwhile fails; a deleted pool is not found', async () => {
    const store = make();
    const revision = await store.put(policy({ id: 'gone' }));
    await store.delete('gone');
    await expect(store.put(policy({ id: 'gone' }), { revision })).rejects.toThrow(/does not exist/);
    await expect(store.delete('gone', { revision })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('of concurrent writes from one revision exactly one wins', async () => {
    const store = make();
    const revision = await store.put(policy({ id: 'race' }));
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, index) => store.put(policy({ id: 'race', max: index + 1 }), { revision })));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected' && result.reason instanceof PreconditionFailedError)).toHaveLength(5);
  });
});
