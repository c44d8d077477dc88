import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PoolSchema, type Policy, type PolicyInput } from '../../shared/domain/policy';
import { createDocumentClient } from '../../shared/adapters/dynamodb/client';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite, type TableNames } from '../support/dynalite';

export interface DynamoFixture {
  dynalite: Dynalite;
  documentClient: DynamoDBDocumentClient;
  tables: TableNames;
  stop(): Promise<void>;
}

/** One dynalite with the four tables and a DocumentClient built by the production factory. */
export async function startDynamoFixture(): Promise<DynamoFixture> {
  const dynalite = await startDynalite();
  const tables = uniqueTableNames();
  await createTables(dynalite.client, tables);
  const documentClient = createDocumentClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint: dynalite.endpoint });
  return {
    dynalite,
    documentClient,
    tables,
    stop: async () => {
      documentClient.destroy();
      await dynalite.stop();
    },
  };
}

export const policy = (input: Partial<PolicyInput> & { id: string }): Policy =>
  PoolSchema.parse({ target: { kind: 'none' }, min: 0, max: 5, ...input });

export type { DynamoDBClient };
