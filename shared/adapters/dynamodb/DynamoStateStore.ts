import { deflateRawSync, inflateRawSync } from 'node:zlib';
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
import { storable } from './storable';

/** BatchGetItem accepts at most 100 keys per call. */
const BATCH_GET_LIMIT = 100;

/**
 * Key suffix of a pool's forecast-history item (pool ids cannot contain `#`). The predictive
 * forecaster's slot history (`forecast.history`, ~8.6 KB) changes once an hour (at its
 * `forecast.historyAt`), while the rest of the state changes every evaluation: kept in one item,
 * every evaluation paid ~9-37 write units for it. It lives in an item of its own, deflated
 * (binary), written only when its `historyAt` moved, before the state's conditional write (a
 * losing writer's history is the same history); the state item keeps the small rest.
 */
export const FORECAST_HISTORY_SUFFIX = '#forecast';

interface HistoryItem {
  poolId: string;
  /** The forecast's `historyAt` this history belongs to. */
  at: number;
  /** The history string, deflated. */
  h: Uint8Array;
}

interface SplitForecast {
  history?: unknown;
  historyAt?: unknown;
  historyLoadedAt?: unknown;
}

const historyKey = (poolId: string) => `${poolId}${FORECAST_HISTORY_SUFFIX}`;
/** The state item references a history item: a forecast with `historyAt` and no history inline. */
const referencesHistory = (state: PoolState): boolean => {
  const fc = state.forecast as SplitForecast | undefined;
  return !!fc && typeof fc.historyAt === 'number' && fc.history === undefined;
};

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
  /** Pool id -> `at` of its forecast-history item as last read or written by this store. */
  private readonly historyAt = new Map<string, number>();

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
      const state = Item as PoolState | undefined;
      if (state && referencesHistory(state)) await this.attachHistories([state]);
      return state;
    } catch (error) {
      if (error instanceof StorageError) throw error;
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
    const withHistory = [...found.values()].filter(referencesHistory);
    if (withHistory.length > 0) await this.attachHistories(withHistory);
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
    const fc = state.forecast as (SplitForecast & Record<string, unknown>) | undefined;
    let item: PoolState = state;
    if (fc && typeof fc.history === 'string' && typeof fc.historyAt === 'number') {
      const { history, historyLoadedAt, ...rest } = fc;
      // A history loaded older than its state and not yet repaired by the forecaster is not
      // written back under the state's time (the slots between would pass for known).
      if (historyLoadedAt === undefined && this.historyAt.get(state.poolId) !== fc.historyAt) {
        const historyItem: HistoryItem = { poolId: historyKey(state.poolId), at: fc.historyAt, h: deflateRawSync(Buffer.from(history, 'latin1')) };
        try {
          await this.client.send(new PutCommand({ TableName: this.tableName, Item: historyItem }));
        } catch (error) {
          throw toStorageError('PutItem', this.tableName, error);
        }
        this.historyAt.set(state.poolId, fc.historyAt);
      }
      item = { ...state, forecast: rest as unknown as PoolState['forecast'] };
    }
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: storable(item), ...condition }));
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
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { poolId: historyKey(poolId) } }));
      this.historyAt.delete(poolId);
    } catch (error) {
      throw toStorageError('DeleteItem', this.tableName, error);
    }
  }

  /**
   * Puts each state's forecast history back in place (`forecast.history`). Read eventually
   * consistent (it changes once an hour), and again strongly for any that is older than its
   * state says; one still older (its write was lost) is given with `historyLoadedAt` = its own
   * time, and a missing one is left out: the forecaster marks the slots it lacks unknown.
   */
  private async attachHistories(states: PoolState[]): Promise<void> {
    const byId = new Map(states.map((state) => [historyKey(state.poolId), state]));
    let items = await this.batchGetKeys([...byId.keys()], false);
    const stale = [...byId.keys()].filter((key) => {
      const item = items.get(key);
      return !item || item.at < ((byId.get(key)!.forecast as SplitForecast).historyAt as number);
    });
    if (stale.length > 0) items = new Map([...items, ...(await this.batchGetKeys(stale, true))]);
    for (const [key, state] of byId) {
      const item = items.get(key);
      const fc = state.forecast as SplitForecast;
      if (!item || !(item.h instanceof Uint8Array)) {
        this.historyAt.delete(state.poolId);
        continue;
      }
      fc.history = inflateRawSync(item.h).toString('latin1');
      if (item.at !== fc.historyAt) fc.historyLoadedAt = item.at;
      this.historyAt.set(state.poolId, item.at);
    }
  }

  private async batchGetKeys(keys: string[], consistent: boolean): Promise<Map<string, HistoryItem>> {
    const found = new Map<string, HistoryItem>();
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      for (const item of await this.batchGet(keys.slice(start, start + BATCH_GET_LIMIT), consistent)) found.set(item.poolId, item as unknown as HistoryItem);
    }
    return found;
  }

  /** One chunk of at most 100 keys, retrying UnprocessedKeys with a growing wait. */
  private async batchGet(poolIds: string[], consistent = true): Promise<PoolState[]> {
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
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: consistent } } }),
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
