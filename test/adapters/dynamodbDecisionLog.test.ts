import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/domain/types';
import { DynamoDecisionLog, historySortKeyPrefix } from '../../shared/adapters/dynamodb/DynamoDecisionLog';
import { MemoryDecisionLog } from '../../shared/adapters/memory';
import { historyCursor, type DecisionLog } from '../../shared/ports/DecisionLog';
import { startDynamoFixture, type DynamoFixture } from './dynamodbSupport';

const decisionAt = (poolId: string, at: number, desired = 1): Decision => ({
  poolId,
  at,
  current: 1,
  desired,
  action: 'none',
  dryRun: false,
  reasons: [{ code: 'hold', message: `held at ${at}` }],
  proposals: [],
  trigger: undefined,
});

describe('Class: DynamoDecisionLog', () => {
  let fixture: DynamoFixture;
  let log: DynamoDecisionLog;

  beforeAll(async () => {
    fixture = await startDynamoFixture();
    log = new DynamoDecisionLog(fixture.documentClient, fixture.tables.history, { ttlDays: 7 });
  });
  afterAll(async () => {
    await fixture.stop();
  });

  describe('Function: historySortKeyPrefix', () => {
    it.each([
      { case: 'zero', at: 0, expected: '000000000000000' },
      { case: 'a 2026 time', at: 1_795_000_000_123, expected: '001795000000123' },
    ])('pads $case to 15 digits', ({ at, expected }) => {
      expect(historySortKeyPrefix(at)).toBe(expected);
    });

    it('orders sort keys as their times, whatever the suffixes', () => {
      const time = fc.integer({ min: 0, max: 999_999_999_999_999 });
      const suffix = fc.stringMatching(/^[0-9a-f]{8}$/);
      fc.assert(
        fc.property(time, time, suffix, suffix, (a, b, suffixA, suffixB) => {
          fc.pre(a !== b);
          const keyA = `${historySortKeyPrefix(a)}#${suffixA}`;
          const keyB = `${historySortKeyPrefix(b)}#${suffixB}`;
          // And a key sorts below the bare prefix of any later time (the `before` query).
          return keyA < keyB === a < b && keyA < historySortKeyPrefix(b) === a < b;
        }),
      );
    });
  });

  describe('Method: append', () => {
    it('writes sk = padded ms + "#" + suffix and expiresAt = at/1000 + ttlDays days', async () => {
      // Prepare
      const fixed = new DynamoDecisionLog(fixture.documentClient, fixture.tables.history, {
        ttlDays: 7,
        randomSuffix: () => 'abcd',
      });

      // Act
      await fixed.append(decisionAt('ttl', 1_700_000_000_500));

      // Assess
      const { Item } = await fixture.documentClient.send(
        new GetCommand({ TableName: fixture.tables.history, Key: { poolId: 'ttl', sk: '001700000000500#abcd' } }),
      );
      expect(Item).toMatchObject({ at: 1_700_000_000_500, expiresAt: 1_700_000_000 + 7 * 86_400 });
      expect(Item?.decision).toEqual({ ...decisionAt('ttl', 1_700_000_000_500) });
      expect('trigger' in (Item?.decision as object)).toBe(false);
    });

    it('writes a decision whose readings are beyond DynamoDB\'s numbers, brought into range (not a failed write)', async () => {
      // Prepare: a source read 1e-200 (DynamoDB refuses magnitudes under 1e-130).
      const decision: Decision = { ...decisionAt('extreme', 5_000), observed: { tiny: 1e-200, fine: 2 } };

      // Act
      await log.append(decision);

      // Assess
      const [stored] = await log.list('extreme');
      expect(stored?.observed).toEqual({ tiny: 0, fine: 2 });
    });

    it('keeps two decisions of the same millisecond apart', async () => {
      // Act
      await log.append(decisionAt('same-ms', 5_000, 1));
      await log.append(decisionAt('same-ms', 5_000, 2));

      // Assess
      const { Items } = await fixture.documentClient.send(
        new QueryCommand({
          TableName: fixture.tables.history,
          KeyConditionExpression: 'poolId = :p',
          ExpressionAttributeValues: { ':p': 'same-ms' },
        }),
      );
      expect(Items).toHaveLength(2);
    });
  });

  describe('Method: list', () => {
    beforeAll(async () => {
      // Times that sort differently as numbers and as unpadded strings (9 vs 10 vs 100).
      for (const at of [9, 10, 100, 1_000, 20_000, 300_000]) await log.append(decisionAt('ordered', at));
      await log.append(decisionAt('other-pool', 50));
    });

    it.each([
      { case: 'everything newest first', query: {}, expected: [300_000, 20_000, 1_000, 100, 10, 9] },
      { case: 'the newest two', query: { limit: 2 }, expected: [300_000, 20_000] },
      { case: 'strictly before a time', query: { before: 1_000 }, expected: [100, 10, 9] },
      { case: 'before and limit', query: { before: 20_001, limit: 2 }, expected: [20_000, 1_000] },
      { case: 'before the oldest', query: { before: 9 }, expected: [] },
      { case: 'a zero limit', query: { limit: 0 }, expected: [] },
    ])('returns $case', async ({ query, expected }) => {
      // Act
      const decisions = await log.list('ordered', query);

      // Assess
      expect(decisions.map((d) => d.at)).toEqual(expected);
      expect(decisions.every((d) => d.poolId === 'ordered')).toBe(true);
    });

    it('collects a limit larger than one 1 MB page', async () => {
      // Prepare: ~100 KB per decision, so 30 decisions need several Query pages.
      const bulky = (at: number): Decision => ({ ...decisionAt('bulky', at), reasons: [{ code: 'big', message: 'y'.repeat(100_000) }] });
      for (let at = 1; at <= 30; at++) await log.append(bulky(at));

      // Act
      const decisions = await log.list('bulky', { limit: 25 });

      // Assess
      expect(decisions.map((d) => d.at)).toEqual(Array.from({ length: 25 }, (_, index) => 30 - index));
    });

    it('returns nothing for an unknown pool', async () => {
      expect(await log.list('nobody')).toEqual([]);
    });
  });

  describe('Method: deleteAll', () => {
    it('removes every decision of one pool, over several query pages and batches, and none of another pool', async () => {
      // Prepare: 260 decisions of a pool with long reasons (so a query page holds fewer than all), 3 of another
      const long = (poolId: string, at: number): Decision => ({ ...decisionAt(poolId, at), reasons: [{ code: 'hold', message: 'x'.repeat(4_000) }] });
      for (let i = 0; i < 260; i += 10) await Promise.all(Array.from({ length: 10 }, (_, j) => log.append(long('doomed', 1_000 + i + j))));
      for (const at of [1, 2, 3]) await log.append(decisionAt('kept', at));

      // Act
      await log.deleteAll('doomed');

      // Assess
      expect(await log.list('doomed', { limit: 500 })).toEqual([]);
      expect((await log.list('kept', { limit: 10 })).map((d) => d.at)).toEqual([3, 2, 1]);
    });
  });

  describe('Method: list with a cursor', () => {
    it('pages through many decisions of one millisecond without dropping or repeating one', async () => {
      // Prepare: 45 decisions at the same ms between two others.
      await log.append(decisionAt('burst', 999));
      for (let i = 0; i < 45; i++) await log.append(decisionAt('burst', 1_000, i));
      await log.append(decisionAt('burst', 1_001));

      // Act
      const seen = await pageAll(log, 'burst', 7);

      // Assess
      expect(seen).toHaveLength(47);
      expect(new Set(seen.map((d) => d.id)).size).toBe(47);
      expect(seen.map((d) => d.at)).toEqual([1_001, ...Array(45).fill(1_000), 999]);
      expect(seen.filter((d) => d.at === 1_000).map((d) => d.desired).sort((a, b) => a - b)).toEqual(Array.from({ length: 45 }, (_, i) => i));
    });

    it('reads items written before decisions had ids, and pages through them', async () => {
      // Prepare: the item shape of the previous release, written directly.
      for (const suffix of ['0a', '0b', '0c']) {
        await fixture.documentClient.send(
          new PutCommand({
            TableName: fixture.tables.history,
            Item: { poolId: 'legacy', sk: `${historySortKeyPrefix(7_000)}#${suffix}`, at: 7_000, expiresAt: 7, decision: decisionAt('legacy', 7_000) },
          }),
        );
      }

      // Act
      const seen = await pageAll(log, 'legacy', 2);

      // Assess
      expect(seen.map((d) => d.id)).toEqual(['0c', '0b', '0a']);
      expect(seen.every((d) => d.at === 7_000 && d.poolId === 'legacy')).toBe(true);
    });

    it('refuses a malformed cursor naming it', async () => {
      await expect(log.list('burst', { cursor: 'not a cursor' })).rejects.toThrow(/cursor.*not a cursor/);
    });
  });

  it('refuses a non-positive ttlDays up front', () => {
    expect(() => new DynamoDecisionLog(fixture.documentClient, 'x', { ttlDays: 0 })).toThrow(/ttlDays/);
  });
});

/** Every decision of a pool, page by page through the cursor of each page's last decision. */
async function pageAll(log: DecisionLog, poolId: string, limit: number): Promise<Decision[]> {
  const seen: Decision[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const decisions = await log.list(poolId, { limit, ...(cursor ? { cursor } : {}) });
    seen.push(...decisions);
    if (decisions.length < limit) return seen;
    cursor = historyCursor(decisions.at(-1)!);
  }
  throw new Error('paging did not end');
}

describe('Class: MemoryDecisionLog (cursor)', () => {
  it('pages through decisions of one millisecond without dropping or repeating one', async () => {
    // Prepare
    const log = new MemoryDecisionLog();
    for (let i = 0; i < 20; i++) await log.append(decisionAt('burst', 1_000, i));

    // Act
    const seen = await pageAll(log, 'burst', 3);

    // Assess
    expect(seen.map((d) => d.desired)).toEqual(Array.from({ length: 20 }, (_, i) => 19 - i));
  });

  it('still pages strictly before a time with `before`', async () => {
    const log = new MemoryDecisionLog();
    for (const at of [1, 2, 2, 3]) await log.append(decisionAt('t', at));
    expect((await log.list('t', { before: 3 })).map((d) => d.at)).toEqual([2, 2, 1]);
  });
});
