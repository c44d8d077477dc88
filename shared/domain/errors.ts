/**
 * Domain errors. Adapters translate SDK/client failures into these (with `cause`), so the
 * runtime and the handlers never depend on an SDK's exception types.
 */
export class PoolscaleError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** One problem in a config or request body, naming the field path and the bad value. */
export interface FieldProblem {
  path: string;
  message: string;
  value?: unknown;
  severity: 'error' | 'warning';
}

/** A config, policy or request was refused; `problems` lists every problem found. */
export class ValidationError extends PoolscaleError {
  constructor(
    public readonly problems: FieldProblem[],
    message = `Invalid input: ${problems.filter((p) => p.severity === 'error').length} problem(s)\n` +
      problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n'),
  ) {
    super(message);
  }
}

/** A conditional write lost the race: someone else changed the item first. */
export class ConflictError extends PoolscaleError {}

/** A pool, agent or other item does not exist. */
export class NotFoundError extends PoolscaleError {}

/** A metric source could not be read (connection refused, timeout, throttled, bad data). */
export class MetricSourceError extends PoolscaleError {}

/** A scale target could not be read or changed. `retryable` for throttling and 5xx. */
export class ScaleTargetError extends PoolscaleError {
  constructor(
    message: string,
    public readonly retryable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A storage backend (DynamoDB, dynalite) failed for a reason other than a conflict. */
export class StorageError extends PoolscaleError {}

/** A request could not be authenticated or is not allowed for the caller. */
export class AuthError extends PoolscaleError {}

/**
 * A conditional write of a policy found another revision than the one the caller read (HTTP
 * If-Match): someone changed or deleted it in between. `current` is the stored revision, if any.
 */
export class PreconditionFailedError extends PoolscaleError {
  constructor(
    message: string,
    public readonly current?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
