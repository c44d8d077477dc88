import { DeleteCommand, GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NotFoundError, StorageError } from '../../domain/errors';
import type { Budget, Policy } from '../../domain/policy';
import type { PolicyStore, PolicyWriteCondition, StoredPolicy } from '../../ports/PolicyStore';
import { newPolicyRevision, preconditionFailed } from '../policyRevision';
import { isConditionalCheckFailed, toStorageError } from './dynamoErrors';
import { BUDGET_ITEM_KEY } from './tables';

/** Revision of an item written before revisions existed: matched by the absence of one. */
const LEGACY_REVISION = 'legacy';

interface Condition {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * Policies in the policies table: one item per pool, `{ poolId, document, revision, updatedAt }`,
 * where `document` is the validated policy as JSON text. Text, not a DynamoDB map, so that any
 * policy reads back exactly: the document client cannot write a map with a `constructor` key
 * and its reader drops `__proto__`. `revision` changes on every write and guards conditional
 * writes (the API's ETag / If-Match). Items written before (`policy` as a map, no revision) are
 * still read. The global budget is the item `poolId = "#budget"`.
 *
 * Items are NOT parsed again on read: the stored policy is the schema's output (durations in
 * ms), and the schema reads plain numbers as seconds. Callers validate with `parsePolicy`
 * before `put`; an item without a policy of its pool is a StorageError naming the pool.
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
        policies.push(this.toStored(item).policy);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return policies.sort((a, b) => a.id.localeCompare(b.id));
  }

  async get(poolId: string): Promise<Policy | undefined> {
    return (await this.getStored(poolId))?.policy;
  }

  async getStored(poolId: string): Promise<StoredPolicy | undefined> {
    if (poolId === BUDGET_ITEM_KEY) return undefined;
    const { Item } = await this.send('GetItem', () =>
      this.client.send(new GetCommand({ TableName: this.tableName, Key: { poolId }, ConsistentRead: true })),
    );
    return Item ? this.toStored(Item) : undefined;
  }

  async put(policy: Policy, condition: PolicyWriteCondition = {}): Promise<string> {
    const revision = newPolicyRevision();
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { poolId: policy.id, document: JSON.stringify(policy), revision, updatedAt: this.now() },
          ...writeCondition(condition),
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toStorageError('PutItem', this.tableName, error);
      throw preconditionFailed(policy.id, condition, (await this.getStored(policy.id))?.revision);
    }
    return revision;
  }

  async delete(poolId: string, condition: Pick<PolicyWriteCondition, 'revision'> = {}): Promise<void> {
    try {
      // The condition makes "delete of a missing pool" one round trip and race-free.
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { poolId }, ...writeCondition({ ...condition, exists: true }) }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toStorageError('DeleteItem', this.tableName, error);
      const current = await this.getStored(poolId);
      if (!current) throw new NotFoundError(`Pool "${poolId}" does not exist`, { cause: error });
      throw preconditionFailed(poolId, condition, current.revision);
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

  private toStored(item: Record<string, unknown>): StoredPolicy {
    let policy: Policy | undefined;
    if (typeof item.document === 'string') {
      try {
        policy = JSON.parse(item.document) as Policy;
      } catch (error) {
        throw new StorageError(`Stored item of pool "${String(item.poolId)}" holds a policy that is not JSON`, { cause: error });
      }
    } else {
      policy = item.policy as Policy | undefined;
    }
    if (typeof policy !== 'object' || policy === null || policy.id !== item.poolId) {
      throw new StorageError(`Stored item of pool "${String(item.poolId)}" holds no policy of that pool`);
    }
    return { policy, revision: typeof item.revision === 'string' ? item.revision : LEGACY_REVISION };
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toStorageError(action, this.tableName, error);
    }
  }
}

/** The DynamoDB condition of a write; nothing for an unconditional one. */
function writeCondition(condition: PolicyWriteCondition): Condition {
  const parts: string[] = [];
  const values: Record<string, unknown> = {};
  let usesRevision = false;
  if (condition.absent) parts.push('attribute_not_exists(poolId)');
  if (condition.exists || condition.revision !== undefined) parts.push('attribute_exists(poolId)');
  if (condition.revision === LEGACY_REVISION) {
    parts.push('attribute_not_exists(#revision)');
    usesRevision = true;
  } else if (condition.revision !== undefined) {
    parts.push('#revision = :revision');
    values[':revision'] = condition.revision;
    usesRevision = true;
  }
  if (parts.length === 0) return {};
  return {
    ConditionExpression: parts.join(' AND '),
    ...(usesRevision ? { ExpressionAttributeNames: { '#revision': 'revision' } } : {}),
    ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
  };
}
