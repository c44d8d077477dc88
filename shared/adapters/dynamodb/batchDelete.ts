import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Deletes items by key, 25 per BatchWriteItem. Items DynamoDB leaves unprocessed (throttling)
 * are sent again after a growing pause, up to `attempts` sends per batch. Returns how many were
 * still unprocessed after that; the caller says whether that is an error.
 */
export async function batchDeleteKeys(client: DynamoDBDocumentClient, tableName: string, keys: readonly Record<string, unknown>[], attempts: number): Promise<number> {
  let left = 0;
  for (let i = 0; i < keys.length; i += 25) {
    let requests = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0 && attempt < attempts; attempt += 1) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(2_000, 50 * 2 ** attempt)));
      const result = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (result.UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
    left += requests.length;
  }
  return left;
}
