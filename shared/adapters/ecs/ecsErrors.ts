import { ScaleTargetError } from '../../domain/errors';

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailableException',
]);

/** Throttling and server faults may pass on their own; anything else will not. */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const meta = error as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
  return (
    THROTTLING.has(error.name) ||
    error.name === 'ServerException' ||
    meta.$fault === 'server' ||
    (meta.$metadata?.httpStatusCode ?? 0) >= 500
  );
}

/** The domain error for an ECS call that failed, keeping the SDK error as cause. */
export function toScaleTargetError(action: string, subject: string, error: unknown): ScaleTargetError {
  if (error instanceof ScaleTargetError) return error;
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ScaleTargetError(`ECS ${action} for ${subject} failed: ${detail}`, isRetryable(error), { cause: error });
}
