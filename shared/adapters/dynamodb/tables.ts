/**
 * The four DynamoDB tables of poolscale (fixed design). Infra (CDK) and the dynalite test
 * helper both read these, so the deployed key schema and the tested one cannot drift apart.
 */
import type { AttributeDefinition, KeySchemaElement } from '@aws-sdk/client-dynamodb';

export type TableKey = 'policies' | 'state' | 'history' | 'agents';

export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

export interface TableDefinition {
  /** Lambda environment variable that carries the table name. */
  envVar: 'POLICIES_TABLE' | 'STATE_TABLE' | 'HISTORY_TABLE' | 'AGENTS_TABLE';
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Attribute holding epoch seconds after which DynamoDB may delete the item. */
  timeToLiveAttribute?: string;
  /** The same keys in the SDK's CreateTable shape. */
  keySchema: KeySchemaElement[];
  attributeDefinitions: AttributeDefinition[];
}

const define = (
  envVar: TableDefinition['envVar'],
  partitionKey: KeyAttribute,
  sortKey?: KeyAttribute,
  timeToLiveAttribute?: string,
): TableDefinition => {
  const keys = sortKey ? [partitionKey, sortKey] : [partitionKey];
  return {
    envVar,
    partitionKey,
    ...(sortKey ? { sortKey } : {}),
    ...(timeToLiveAttribute ? { timeToLiveAttribute } : {}),
    keySchema: keys.map((key, index) => ({ AttributeName: key.name, KeyType: index === 0 ? 'HASH' : 'RANGE' })),
    attributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
  };
};

/** Key of the global budget item in the policies table. */
export const BUDGET_ITEM_KEY = '#budget';

/** Prefix of nonce items in the agents table: `nonce#<hostId>#<nonce>`. */
export const NONCE_KEY_PREFIX = 'nonce#';

export const TABLE_DEFINITIONS: Readonly<Record<TableKey, TableDefinition>> = {
  policies: define('POLICIES_TABLE', { name: 'poolId', type: 'S' }),
  state: define('STATE_TABLE', { name: 'poolId', type: 'S' }),
  history: define('HISTORY_TABLE', { name: 'poolId', type: 'S' }, { name: 'sk', type: 'S' }, 'expiresAt'),
  agents: define('AGENTS_TABLE', { name: 'hostId', type: 'S' }, undefined, 'expiresAt'),
};
