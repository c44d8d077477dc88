import type { Budget, Policy } from '../domain/policy';

/** A policy with its revision: an opaque token that changes on every write (the API's ETag). */
export interface StoredPolicy {
  policy: Policy;
  revision: string;
}

/** Optimistic concurrency for `put` and `delete`; every field absent: unconditional. */
export interface PolicyWriteCondition {
  /** Only if the stored revision is this one (If-Match: "<revision>"). */
  revision?: string;
  /** Only if the pool exists (If-Match: *). */
  exists?: boolean;
  /** Only if the pool does not exist (If-None-Match: *). */
  absent?: boolean;
}

/**
 * Pool policies. Any policy that passed validation is stored and read back exactly, whatever
 * its map keys (`constructor`, `toString`) or numbers.
 */
export interface PolicyStore {
  list(): Promise<Policy[]>;
  get(poolId: string): Promise<Policy | undefined>;
  /** The policy with its current revision. */
  getStored(poolId: string): Promise<StoredPolicy | undefined>;
  /**
   * Creates or replaces a pool's policy (already validated); returns the new revision.
   * @throws PreconditionFailedError when `condition` does not hold.
   */
  put(policy: Policy, condition?: PolicyWriteCondition): Promise<string>;
  /**
   * Throws NotFoundError when absent, PreconditionFailedError when
   * `condition.revision` is not the stored one.
   */
  delete(poolId: string, condition?: Pick<PolicyWriteCondition, 'revision'>): Promise<void>;
  getBudget(): Promise<Budget | undefined>;
  /** Stores the global budget (`undefined` removes it). */
  putBudget(budget: Budget | undefined): Promise<void>;
}
