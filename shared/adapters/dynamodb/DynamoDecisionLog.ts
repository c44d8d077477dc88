import { randomBytes } from 'node:crypto';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchDeleteKeys } from './batchDelete';
import type { Decision } from '../../domain/types';
import { parseHistoryCursor, type DecisionLog, type HistoryQuery } from '../../ports/DecisionLog';
import { toStorageError } from './dynamoErrors';
import { storable } from './storable';

const DAY_SECONDS = 86_400;
const DEFAULT_LIMIT = 50;

/** Zero-padded so that string order of sort keys is time order. */
export const historySortKeyPrefix = (at: number): string => String(Math.max(0, Math.floor(at))).padStart(15, '0');

export interface DynamoDecisionLogOptions {
  /** Days a decision is kept before DynamoDB TTL removes it (HISTORY_TTL_DAYS; default 30). */
  ttlDays?: number;
  /** Suffix making two decisions of the same millisecond distinct; injectable for tests. */
  randomSuffix?: () => string;
}

/**
 * Decision history in the history table: PK `poolId`, SK `<epoch ms, 15 digits>#<random>`,
 * TTL `expiresAt` (epoch seconds). Items are `{ poolId, sk, at, expiresAt, decision }`.
 * A decision read back gets the sort key's random part as its `id`, so the history cursor
 * (`<at>~<id>`) names exactly one item, old items included.
 */
export class DynamoDecisionLog implements DecisionLog {
  private readonly ttlDays: number;
  private readonly randomSuffix: () => string;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDecisionLogOptions = {},
  ) {
    if (options.ttlDays !== undefined && !(options.ttlDays > 0)) {
      throw new RangeError(`Expected \`ttlDays\` to be a positive number of days (got ${options.ttlDays})`);
    }
    this.ttlDays = options.ttlDays ?? 30;
    this.randomSuffix = options.randomSuffix ?? (() => randomBytes(4).toString('hex'));
  }

  async append(decision: Decision): Promise<void> {
    const item = {
      poolId: decision.poolId,
      sk: `${historySortKeyPrefix(decision.at)}#${this.randomSuffix()}`,
      at: decision.at,
      expiresAt: Math.floor(decision.at / 1000) + Math.round(this.ttlDays * DAY_SECONDS),
      decision: storable(decision),
    };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
    } catch (error) {
      throw toStorageError('PutItem', this.tableName, error);
    }
  }

  /**
   * Deletes every decision of a pool: its keys page by page (batchDeleteKeys); items still
   * unprocessed after 9 sends are an error.
   */
  async deleteAll(poolId: string): Promise<void> {
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'poolId = :poolId',
            ExpressionAttributeValues: { ':poolId': poolId },
            ProjectionExpression: 'poolId, sk',
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          }),
        );
        const keys = (page.Items ?? []).map((item) => ({ poolId: item.poolId as string, sk: item.sk as string }));
        const left = await batchDeleteKeys(this.client, this.tableName, keys, 9);
        if (left > 0) throw new Error(`${left} history items of pool ${poolId} still unprocessed after 9 attempts`);
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw toStorageError('BatchWriteItem', this.tableName, error);
    }
  }

  async list(poolId: string, query: HistoryQuery = {}): Promise<Decision[]> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (limit <= 0) return [];
    // Sort keys are unique, so `sk <` the cursor's own key resumes right after that decision;
    // every sort key of a decision at t < before sorts below the bare padded `before`.
    const cursor = query.cursor === undefined ? undefined : parseHistoryCursor(query.cursor);
    if (query.cursor !== undefined && !cursor) throw new RangeError(`Expected \`cursor\` to be a history cursor like "1764000000000~a1b2c3d4" (got ${JSON.stringify(query.cursor)})`);
    const upper = cursor ? `${historySortKeyPrefix(cursor.at)}#${cursor.id}` : query.before === undefined ? undefined : historySortKeyPrefix(query.before);
    const keyCondition =
      upper === undefined
        ? { KeyConditionExpression: 'poolId = :poolId', ExpressionAttributeValues: { ':poolId': poolId } }
        : {
            KeyConditionExpression: 'poolId = :poolId AND sk < :before',
            ExpressionAttributeValues: { ':poolId': poolId, ':before': upper },
          };
    const decisions: Decision[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      // A page may hold fewer than `Limit` items (1 MB cap), so keep going until enough.
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            ...keyCondition,
            ScanIndexForward: false,
            Limit: limit - decisions.length,
            ExclusiveStartKey: startKey,
          }),
        );
        for (const item of page.Items ?? []) decisions.push(withId(item.decision as Decision, String(item.sk)));
        startKey = page.LastEvaluatedKey;
      } while (startKey && decisions.length < limit);
    } catch (error) {
      throw toStorageError('Query', this.tableName, error);
    }
    return decisions;
  }
}

/** The decision with the random part of its sort key as `id`. */
function withId(decision: Decision, sk: string): Decision {
  const id = sk.slice(sk.indexOf('#') + 1);
  return id && decision.id === undefined ? { ...decision, id } : decision;
}
