import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * The DocumentClient every DynamoDB store takes. No endpoint is set here on purpose: the SDK
 * then honours AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL (dynalite, LocalStack) by itself.
 * `removeUndefinedValues` because optional fields of states and decisions are often undefined.
 */
export function createDocumentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config), {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
}
