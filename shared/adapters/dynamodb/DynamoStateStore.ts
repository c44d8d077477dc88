import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConflictError, StorageError } from '../../domain/errors';
import type { PoolState } from '../../domain/types';
import type { StateStore } from '../../ports/StateStore';
import { isConditionalCheckFailed, toStorageError } from './dynamoErrors';

/** BatchGetItem accepts at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;

export interface DynamoStateStoreOptions {
  /** Rounds of UnprocessedKeys retries before giving up (default 8). */
  maxBatchAttempts?: number;
  /** Waits between UnprocessedKeys retries; injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Pool states in the state table, one item per pool: the PoolState itself, with `poolId` as
 * key and `version` as the guard of conditional writes. The DynamoDB condition, not a read
 * before the write, decides which of two overlapping ticks wins.
 */
export class DynamoStateStore implements StateStore {
  private readonly maxBatchAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoStateStoreOptions = {},
  ) {
    this.maxBatchAttempts = options.maxBatchAttempts ?? 8;
    this.sleep = options.sleep ?? defaultSleep;
  }

  async get(poolId: string): Promise<PoolState | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { poolId }, ConsistentRead: true }),
      );
      return Item as PoolState | undefined;
    } catch (error) {
      throw toStorageError('GetItem', this.tableName, error);
    }
  }

  async getMany(poolIds: readonly string[]): Promise<Map<string, PoolState>> {
    // BatchGetItem refuses duplicate keys in one request.
    const unique = [...new Set(poolIds)];
    const found = new Map<string, PoolState>();
    for (let start = 0; start < unique.length; start += BATCH_GET_LIMIT) {
      const chunk = unique.slice(start, start + BATCH_GET_LIMIT);
      for (const item of await this.batchGet(chunk)) found.set(item.poolId, item);
    }
    return found;
  }

  async put(state: PoolState, expectedVersion: number): Promise<void> {
    if (state.version !== expectedVersion + 1) {
      throw new ConflictError(
        `State version of pool "${state.poolId}" must be ${expectedVersion + 1} (got ${state.version})`,
      );
    }
    const condition =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(poolId)' }
        : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: state, ...condition }));
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConflictError(
          `State of pool "${state.poolId}" changed concurrently (expected version ${expectedVersion})`,
          { cause: error },
        );
      }
      throw toStorageError('PutItem', this.tableName, error);
    }
  }

  async delete(poolId: string): Promise<void> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { poolId } }));
    } catch (error) {
      throw toStorageError('DeleteItem', this.tableName, error);
    }
  }

  /** One chunk of at most 100 keys, retrying UnprocessedKeys with a growing wait. */
  private async batchGet(poolIds: string[]): Promise<PoolState[]> {
    const items: PoolState[] = [];
    let keys: Record<string, unknown>[] = poolIds.map((poolId) => ({ poolId }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > this.maxBatchAttempts) {
        throw new StorageError(
          `DynamoDB BatchGetItem on table "${this.tableName}" left ${keys.length} key(s) unprocessed after ${this.maxBatchAttempts} attempts`,
        );
      }
      if (attempt > 1) await this.sleep(Math.min(50 * 2 ** (attempt - 2), 1_000));
      let response;
      try {
        response = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
      } catch (error) {
        throw toStorageError('BatchGetItem', this.tableName, error);
      }
      items.push(...((response.Responses?.[this.tableName] ?? []) as PoolState[]));
      keys = response.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return items;
  }
}
