import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/domain/types';
import { DynamoDecisionLog, historySortKeyPrefix } from '../../shared/adapters/dynamodb/DynamoDecisionLog';
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

  it('refuses a non-positive ttlDays up front', () => {
    expect(() => new DynamoDecisionLog(fixture.documentClient, 'x', { ttlDays: 0 })).toThrow(/ttlDays/);
  });
});
