/**
 * In-process dynalite for integration tests: a real DynamoDB-compatible server on a random
 * port of 127.0.0.1, and the four poolscale tables created from the shared definitions.
 *
 * dynalite has no TransactWriteItems and no UpdateTimeToLive: stores use single-item
 * conditional writes, and TTL is only checked as an attribute.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_DEFINITIONS, type TableKey } from '../../shared/adapters/dynamodb/tables';

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite ships no type declarations; load it through require with a narrow local type.
const dynalite = createRequire(import.meta.url)('dynalite') as (options?: DynaliteOptions) => Server;

export interface Dynalite {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  client: DynamoDBClient;
  stop(): Promise<void>;
}

export const TEST_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint });
  return {
    endpoint,
    client,
    stop: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

export type TableNames = Record<TableKey, string>;

let tableCounter = 0;

/** Unique table names, so tests sharing one dynalite do not see each other's items. */
export const uniqueTableNames = (prefix = 'test'): TableNames => {
  tableCounter += 1;
  const suffix = `${prefix}-${process.pid}-${tableCounter}`;
  return {
    policies: `policies-${suffix}`,
    state: `state-${suffix}`,
    history: `history-${suffix}`,
    agents: `agents-${suffix}`,
  };
};

/** Creates the tables of `names` (all four by default keys) with the fixed key schemas. */
export async function createTables(client: DynamoDBClient, names: Partial<TableNames>): Promise<void> {
  for (const [key, tableName] of Object.entries(names) as [TableKey, string | undefined][]) {
    if (!tableName) continue;
    const definition = TABLE_DEFINITIONS[key];
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: definition.keySchema,
        AttributeDefinitions: definition.attributeDefinitions,
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
}
