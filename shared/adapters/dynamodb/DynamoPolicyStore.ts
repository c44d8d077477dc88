import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError, StorageError } from '../../domain/errors';
import type { Budget, Policy } from '../../domain/policy';
import type { PolicyStore } from '../../ports/PolicyStore';
import { isConditionalCheckFailed, toStorageError } from './dynamoErrors';
import { BUDGET_ITEM_KEY } from './tables';

/**
 * Policies in the policies table: one item per pool, `{ poolId, policy, updatedAt }`, where
 * `policy` is the validated policy as a map. The global budget is the item `poolId = "#budget"`.
 *
 * Items are NOT parsed again on read: the stored policy is the schema's output (durations in
 * ms), and the schema reads plain numbers as seconds. Callers validate with `parsePolicy`
 * before `put`; an item without a policy map is a StorageError naming the pool.
 */
export class DynamoPolicyStore implements PolicyStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async list(): Promise<Policy[]> {
    const policies: Policy[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.send('Scan', () =>
        this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey })),
      );
      for (const item of page.Items ?? []) {
        if (item.poolId === BUDGET_ITEM_KEY) continue;
        policies.push(this.toPolicy(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return policies.sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(poolId: string): Promise<Policy | undefined> {
    if (poolId === BUDGET_ITEM_KEY) return undefined;
    const { Item } = await this.send('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { poolId }, ConsistentRead: true })),
    );
    return Item ? this.toPolicy(Item) : undefined;
  }

  async put(policy: Policy): Promise<void> {
    await this.send('PutItem', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { poolId: policy.id, policy, updatedAt: this.now() },
        }),
      ),
    );
  }

  async delete(poolId: string): Promise<void> {
    try {
      // The condition makes "delete of a missing pool" one round trip and race-free.
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { poolId },
          ConditionExpression: 'attribute_exists(poolId)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`Pool "${poolId}" does not exist`, { cause: error });
      throw toStorageError('DeleteItem', this.tableName, error);
    }
  }

  async getBudget(): Promise<Budget | undefined> {
    const { Item } = await this.send('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { poolId: BUDGET_ITEM_KEY } })),
    );
    return Item?.budget as Budget | undefined;
  }

  /** Stores (or with `undefined`, removes) the global budget. */
  async putBudget(budget: Budget | undefined): Promise<void> {
    await this.send(budget ? 'PutItem' : 'DeleteItem', () =>
      budget
        ? this.client.send(
            new PutCommand({ TableName: this.tableName, Item: { poolId: BUDGET_ITEM_KEY, budget, updatedAt: this.now() } }),
          )
        : this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { poolId: BUDGET_ITEM_KEY } })),
    );
  }

  private toPolicy(item: Record<string, unknown>): Policy {
    const policy = item.policy as Policy | undefined;
    if (typeof policy !== 'object' || policy === null || policy.id !== item.poolId) {
      throw new StorageError(`Stored item of pool "${String(item.poolId)}" holds no policy of that pool`);
    }
    return policy;
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toStorageError(action, this.tableName, error);
    }
  }
}
