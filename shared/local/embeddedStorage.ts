/**
 * Embedded storage for `poolscale up`: dynalite (a DynamoDB implementation) on disk under the
 * data folder, on a loopback port, with the same four tables and the same DynamoDB adapters as
 * the deployed stack. State and history therefore survive a restart, and the local runner
 * exercises exactly the code the Lambdas run.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../adapters/dynamodb';
import { TABLE_DEFINITIONS, type TableKey } from '../adapters/dynamodb/tables';

const dynalite = createRequire(import.meta.url)('dynalite') as (options: { path?: string; createTableMs?: number }) => Server;

const TABLES: Record<TableKey, string> = {
  policies: 'poolscale-policies',
  state: 'poolscale-state',
  history: 'poolscale-history',
  agents: 'poolscale-agents',
};

export interface EmbeddedStorage {
  endpoint: string;
  policies: DynamoPolicyStore;
  states: DynamoStateStore;
  log: DynamoDecisionLog;
  agents: DynamoAgentStore;
  close(): Promise<void>;
}

/** Starts dynalite with its data in `dataDir` (or in memory when `dataDir` is undefined). */
export async function startEmbeddedStorage(dataDir: string | undefined, now: () => number = Date.now): Promise<EmbeddedStorage> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const raw = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const definition = TABLE_DEFINITIONS[key];
    try {
      await raw.send(
        new CreateTableCommand({
          TableName: TABLES[key],
          KeySchema: definition.keySchema,
          AttributeDefinitions: definition.attributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      // Tables persist in the data folder across restarts.
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
  }
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  return {
    endpoint,
    policies: new DynamoPolicyStore(client, TABLES.policies, now),
    states: new DynamoStateStore(client, TABLES.state),
    log: new DynamoDecisionLog(client, TABLES.history),
    agents: new DynamoAgentStore(client, TABLES.agents),
    close: async () => {
      raw.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
