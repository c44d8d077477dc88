import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError } from '../../domain/errors';
import type { AgentRecord, AgentStore } from '../../ports/AgentStore';
import { isConditionalCheckFailed, toStorageError } from './dynamoErrors';
import { NONCE_KEY_PREFIX } from './tables';

/**
 * Agent records and used nonces in the agents table. A record is the AgentRecord itself with
 * `hostId` as key and `version` guarding writes; a used nonce is the item
 * `hostId = "nonce#<hostId>#<nonce>"` whose TTL `expiresAt` (epoch seconds) lets DynamoDB
 * remove it once a replay would be refused by its timestamp anyway.
 */
export class DynamoAgentStore implements AgentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(hostId: string): Promise<AgentRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { hostId }, ConsistentRead: true }),
      );
      return Item as AgentRecord | undefined;
    } catch (error) {
      throw toStorageError('GetItem', this.tableName, error);
    }
  }

  async put(record: AgentRecord, expectedVersion: number): Promise<void> {
    if (record.version !== expectedVersion + 1) {
      throw new ConflictError(
        `Agent record version of "${record.hostId}" must be ${expectedVersion + 1} (got ${record.version})`,
      );
    }
    const condition =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(hostId)' }
        : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': expectedVersion } };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: record, ...condition }));
    } catch (error) {
      if (isConditionalCheckFailed(error)) {
        throw new ConflictError(
          `Agent record "${record.hostId}" changed concurrently (expected version ${expectedVersion})`,
          { cause: error },
        );
      }
      throw toStorageError('PutItem', this.tableName, error);
    }
  }

  /** `expiresAt` is epoch milliseconds, like every time in poolscale; stored as TTL seconds. */
  async claimNonce(hostId: string, nonce: string, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { hostId: `${NONCE_KEY_PREFIX}${hostId}#${nonce}`, expiresAt: Math.ceil(expiresAt / 1000) },
          ConditionExpression: 'attribute_not_exists(hostId)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toStorageError('PutItem', this.tableName, error);
    }
  }
}
