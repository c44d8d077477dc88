import { StorageError } from '../../domain/errors';

/** True for the SDK's ConditionalCheckFailedException: the condition, not DynamoDB, said no. */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

/** Wraps any other SDK failure so callers only see domain errors; the SDK error is the cause. */
export const toStorageError = (action: string, table: string, error: unknown): StorageError =>
  new StorageError(
    `DynamoDB ${action} on table "${table}" failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    { cause: error },
  );
