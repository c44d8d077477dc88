import { NotFoundError } from '../../domain/errors';
import type { Budget, Policy } from '../../domain/policy';
import type { PolicyStore } from '../../ports/PolicyStore';

/** Policies kept in a Map: for the simulator, the local runner and tests. */
export class MemoryPolicyStore implements PolicyStore {
  private readonly policies = new Map<string, Policy>();

  constructor(
    policies: readonly Policy[] = [],
    private budget?: Budget,
  ) {
    for (const policy of policies) this.policies.set(policy.id, policy);
  }

  async list(): Promise<Policy[]> {
    return [...this.policies.values()];
  }

  async get(poolId: string): Promise<Policy | undefined> {
    return this.policies.get(poolId);
  }

  async put(policy: Policy): Promise<void> {
    this.policies.set(policy.id, policy);
  }

  async delete(poolId: string): Promise<void> {
    if (!this.policies.delete(poolId)) throw new NotFoundError(`Pool "${poolId}" does not exist`);
  }

  async getBudget(): Promise<Budget | undefined> {
    return this.budget;
  }

  async putBudget(budget: Budget | undefined): Promise<void> {
    this.budget = budget;
  }
}
