import { NotFoundError } from '../../domain/errors';
import type { Budget, Policy } from '../../domain/policy';
import type { PolicyStore, PolicyWriteCondition, StoredPolicy } from '../../ports/PolicyStore';
import { newPolicyRevision, preconditionFailed } from '../policyRevision';

/**
 * Policies kept in a Map: for the simulator, the local runner and tests. Stored as copies, so
 * a caller changing its object later changes nothing here (as with a real store).
 */
export class MemoryPolicyStore implements PolicyStore {
  private readonly policies = new Map<string, StoredPolicy>();

  constructor(
    policies: readonly Policy[] = [],
    private budget?: Budget,
  ) {
    for (const policy of policies) this.policies.set(policy.id, { policy, revision: newPolicyRevision() });
  }

  async list(): Promise<Policy[]> {
    return [...this.policies.values()].map((stored) => stored.policy);
  }

  async get(poolId: string): Promise<Policy | undefined> {
    return this.policies.get(poolId)?.policy;
  }

  async getStored(poolId: string): Promise<StoredPolicy | undefined> {
    return this.policies.get(poolId);
  }

  async put(policy: Policy, condition: PolicyWriteCondition = {}): Promise<string> {
    this.check(policy.id, condition);
    const revision = newPolicyRevision();
    this.policies.set(policy.id, { policy: structuredClone(policy), revision });
    return revision;
  }

  async delete(poolId: string, condition: Pick<PolicyWriteCondition, 'revision'> = {}): Promise<void> {
    if (!this.policies.has(poolId)) throw new NotFoundError(`Pool "${poolId}" does not exist`);
    this.check(poolId, condition);
    this.policies.delete(poolId);
  }

  async getBudget(): Promise<Budget | undefined> {
    return this.budget;
  }

  async putBudget(budget: Budget | undefined): Promise<void> {
    this.budget = budget;
  }

  private check(poolId: string, condition: PolicyWriteCondition): void {
    const current = this.policies.get(poolId)?.revision;
    const holds =
      (!condition.absent || current === undefined) &&
      (!condition.exists || current !== undefined) &&
      (condition.revision === undefined || condition.revision === current);
    if (!holds) throw preconditionFailed(poolId, condition, current);
  }
}
