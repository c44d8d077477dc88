import type { Budget, Policy } from '../domain/policy';

export interface PolicyStore {
  list(): Promise<Policy[]>;
  get(poolId: string): Promise<Policy | undefined>;
  /** Creates or replaces a pool's policy (already validated). */
  put(policy: Policy): Promise<void>;
  /** Throws NotFoundError when absent. */
  delete(poolId: string): Promise<void>;
  getBudget(): Promise<Budget | undefined>;
  /** Stores the global budget (`undefined` removes it). */
  putBudget(budget: Budget | undefined): Promise<void>;
}
