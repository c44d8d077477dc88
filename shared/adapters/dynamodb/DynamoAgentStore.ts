import { GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError, StorageError, ValidationError } from '../../domain/errors';
import type { AgentRecord, AgentStore, AgentSummary, HostReport } from '../../ports/AgentStore';
import { hostIdProblem, isHostId } from '../../relay/hostId';
import { isSealed, type SecretBox } from '../../relay/secretBox';
import { isConditionalCheckFailed, toStorageError } from './dynamoErrors';
import { NONCE_KEY_PREFIX } from './tables';
import { STORABLE_MIN_MAGNITUDE } from './storable';

export interface DynamoAgentStoreOptions {
  /** Seals secrets on write and opens them on read (AGENT_SECRET_KEY); absent: stored as given. */
  secretBox?: SecretBox;
}

const SUMMARY_FIELDS = ['hostId', 'poolIds', 'lastSeenAt', 'report', 'desired', 'version', 'createdAt', 'secretRotatedAt'] as const;

/**
 * Agent records and used nonces in the agents table, in two key spaces that cannot meet:
 * a host record is keyed by its host id (which never contains `#`, see hostId.ts), a used
 * nonce by `nonce#<hostId>#<nonce>`, whose TTL `expiresAt` (epoch seconds) lets DynamoDB
 * remove it once a replay would be refused by its timestamp anyway (locally, where dynalite has no
 * TTL, the embedded storage prunes by the same attribute; an expired nonce item never counts as
 * used either way). Reads of an id that is not
 * a host id, or of an item that is not a host record (no secret), find nothing.
 *
 * Whole-record writes (enrolment, rotation) are guarded by `version`; a heartbeat's report and
 * each pool's desired count are merging UpdateItem writes of their own attributes, so many
 * pools of one host and concurrent heartbeats never race each other (no retries needed).
 */
export class DynamoAgentStore implements AgentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly options: DynamoAgentStoreOptions = {},
  ) {}

  async get(hostId: string): Promise<AgentRecord | undefined> {
    if (!isHostId(hostId)) return undefined;
    let item: Record<string, unknown> | undefined;
    try {
      // Low-level GetItem and our own unmarshalling: map keys such as "__proto__" (a pool name)
      // are read back as own properties, where the SDK's unmarshall would drop them.
      const { Item } = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: { hostId: { S: hostId } }, ConsistentRead: true }));
      item = Item && (fromAttribute({ M: Item }) as Record<string, unknown>);
    } catch (error) {
      throw toStorageError('GetItem', this.tableName, error);
    }
    if (!item || typeof item.secret !== 'string' || item.secret === '') return undefined;
    const record = item as unknown as AgentRecord;
    if (typeof record.desired !== 'object' || record.desired === null) record.desired = {};
    if (!Array.isArray(record.poolIds)) record.poolIds = [];
    return { ...record, secret: this.open(record.secret, hostId) };
  }

  async put(record: AgentRecord, expectedVersion: number): Promise<void> {
    const problem = hostIdProblem(record.hostId);
    if (problem) throw new ValidationError([{ path: 'hostId', message: problem, value: record.hostId, severity: 'error' }]);
    if (record.version !== expectedVersion + 1) {
      throw new ConflictError(
        `Agent record version of "${record.hostId}" must be ${expectedVersion + 1} (got ${record.version})`,
      );
    }
    const box = this.options.secretBox;
    const item = box && !isSealed(record.secret) ? { ...record, secret: box.seal(record.secret, record.hostId) } : record;
    const condition =
      expectedVersion === 0
        ? { ConditionExpression: 'attribute_not_exists(hostId)' }
        : { ConditionExpression: 'version = :expected', ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } } };
    try {
      // Our own marshalling: maps keyed by pool names such as "constructor" are stored as given.
      const Item = (toAttribute(item) as { M: Record<string, AttributeValue> }).M;
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item, ...condition }));
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

  async setDesired(hostId: string, pool: string, desired: number): Promise<void> {
    this.requireHostId(hostId);
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { hostId },
            UpdateExpression: 'SET #desired.#pool = :desired ADD #version :one',
            ConditionExpression: 'attribute_exists(#secret) AND attribute_type(#desired, :map)',
            ExpressionAttributeNames: { '#desired': 'desired', '#pool': pool, '#version': 'version', '#secret': 'secret' },
            ExpressionAttributeValues: { ':desired': desired, ':one': 1, ':map': 'M' },
          }),
        );
        return;
      } catch (error) {
        if (!isConditionalCheckFailed(error)) throw toStorageError('UpdateItem', this.tableName, error);
      }
      // Either no such host, or a record written by hand without a `desired` map: create the map once.
      await this.createDesiredMap(hostId);
    }
    throw new StorageError(`Could not set the desired count of pool "${pool}" on agent "${hostId}"`);
  }

  async recordReport(hostId: string, report: HostReport, at: number): Promise<void> {
    this.requireHostId(hostId);
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { hostId: { S: hostId } },
          UpdateExpression: 'SET #report = :report, #lastSeenAt = :at ADD #version :one',
          ConditionExpression: 'attribute_exists(#secret)',
          ExpressionAttributeNames: { '#report': 'report', '#lastSeenAt': 'lastSeenAt', '#version': 'version', '#secret': 'secret' },
          ExpressionAttributeValues: { ':report': toAttribute(report)!, ':at': { N: String(at) }, ':one': { N: '1' } },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new NotFoundError(`Agent "${hostId}" is not registered`, { cause: error });
      throw toStorageError('UpdateItem', this.tableName, error);
    }
  }

  /** `expiresAt` and `now` are epoch milliseconds, like every time in poolscale; stored as TTL seconds. */
  async claimNonce(hostId: string, nonce: string, expiresAt: number, now: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { hostId: `${NONCE_KEY_PREFIX}${hostId}#${nonce}`, expiresAt: Math.ceil(expiresAt / 1000) },
          // An expired nonce item that TTL has not removed yet (or dynalite, which never does) no longer counts.
          ConditionExpression: 'attribute_not_exists(hostId) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(now / 1000) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toStorageError('PutItem', this.tableName, error);
    }
  }

  async list(): Promise<AgentSummary[]> {
    const names = Object.fromEntries(SUMMARY_FIELDS.map((field, index) => [`#f${index}`, field]));
    const found: AgentSummary[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(
          new ScanCommand({
            TableName: this.tableName,
            ConsistentRead: true,
            // The secret is never read for a listing; nonce items are not hosts.
            ProjectionExpression: Object.keys(names).join(', '),
            FilterExpression: 'attribute_exists(#secret) AND NOT begins_with(#f0, :nonce)',
            ExpressionAttributeNames: { ...names, '#secret': 'secret' },
            ExpressionAttributeValues: { ':nonce': NONCE_KEY_PREFIX },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          if (!isHostId(item.hostId)) continue;
          const summary = item as AgentSummary;
          found.push({ ...summary, poolIds: Array.isArray(summary.poolIds) ? summary.poolIds : [], desired: summary.desired ?? {} });
        }
        start = page.LastEvaluatedKey;
      } while (start);
    } catch (error) {
      throw toStorageError('Scan', this.tableName, error);
    }
    return found.sort((a, b) => (a.hostId < b.hostId ? -1 : a.hostId > b.hostId ? 1 : 0));
  }

  async delete(hostId: string): Promise<boolean> {
    if (!isHostId(hostId)) return false;
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { hostId },
          ConditionExpression: 'attribute_exists(#secret)',
          ExpressionAttributeNames: { '#secret': 'secret' },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw toStorageError('DeleteItem', this.tableName, error);
    }
  }

  private async createDesiredMap(hostId: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { hostId },
          UpdateExpression: 'SET #desired = :empty',
          ConditionExpression: 'attribute_exists(#secret) AND NOT attribute_type(#desired, :map)',
          ExpressionAttributeNames: { '#desired': 'desired', '#secret': 'secret' },
          ExpressionAttributeValues: { ':empty': {}, ':map': 'M' },
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw toStorageError('UpdateItem', this.tableName, error);
      // The map exists now (another writer), or there is no such host.
      if (!(await this.get(hostId))) throw new NotFoundError(`Agent "${hostId}" is not registered`);
    }
  }

  private requireHostId(hostId: string): void {
    if (!isHostId(hostId)) throw new NotFoundError(`Agent ${JSON.stringify(String(hostId).slice(0, 100))} is not registered (not a valid host id)`);
  }

  /**
   * Opens a sealed secret with the configured key. Without a key the sealed form is returned as
   * it is: readers that never use the secret (the evaluator, listings) work without the key, and
   * the relay refuses to check a signature against a sealed value (see verifyRequest).
   */
  private open(secret: string, hostId: string): string {
    const box = this.options.secretBox;
    if (!isSealed(secret) || !box) return secret;
    try {
      return box.open(secret, hostId);
    } catch (error) {
      throw new StorageError((error as Error).message, { cause: error });
    }
  }

}

/** AttributeValue -> JS value; maps become objects whose keys are all own data properties. */
function fromAttribute(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S;
  if (value.N !== undefined) return Number(value.N);
  if (value.BOOL !== undefined) return value.BOOL;
  if (value.NULL !== undefined) return null;
  if (value.L !== undefined) return value.L.map(fromAttribute);
  if (value.M !== undefined) {
    const object: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value.M)) {
      Object.defineProperty(object, key, { value: fromAttribute(inner), enumerable: true, writable: true, configurable: true });
    }
    return object;
  }
  if (value.SS !== undefined) return new Set(value.SS);
  if (value.NS !== undefined) return new Set(value.NS.map(Number));
  return undefined;
}

/**
 * JS value -> AttributeValue, iterating own keys only (the SDK's marshall takes an object with
 * an own `constructor` key for a class instance and refuses it). Undefined fields are left out,
 * like `removeUndefinedValues`.
 */
function toAttribute(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    // DynamoDB numbers span 1e-130..9.99e125 in magnitude: smaller is stored as 0, larger refused.
    if (!Number.isFinite(value) || Math.abs(value) >= 9.99e125) {
      throw new ValidationError([{ path: 'report', message: `number ${value} is beyond what can be stored (|x| < 9.99e125)`, value, severity: 'error' }]);
    }
    return { N: Math.abs(value) < STORABLE_MIN_MAGNITUDE ? '0' : String(value) };
  }
  if (typeof value === 'boolean') return { BOOL: value };
  if (Array.isArray(value)) return { L: value.map((inner) => toAttribute(inner) ?? { NULL: true }) };
  if (typeof value === 'object') {
    const map: Record<string, AttributeValue> = {};
    for (const key of Object.keys(value)) {
      const inner = toAttribute((value as Record<string, unknown>)[key]);
      if (inner !== undefined) Object.defineProperty(map, key, { value: inner, enumerable: true, writable: true, configurable: true });
    }
    return { M: map };
  }
  throw new StorageError(`Cannot store a value of type ${typeof value}`);
}
